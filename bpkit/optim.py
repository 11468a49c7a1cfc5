"""Training: stochastic gradient descent with momentum, and minibatches drawn in a seeded order.

    v <- beta v + dE/dtheta,   theta <- theta - eta v        (beta = momentum; beta = 0 is eq. (2.3))

for every parameter theta of a model (anything with params() and grads() of the same keys:
bpkit.Sequential or a single layer). This is PyTorch's form of momentum (torch.optim.SGD with
dampening 0): v is a running sum of gradients, so the step is eta / (1 - beta) times the gradient
once the gradient stops changing.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_finite_result, check_int, check_number, check_rng, describe, format_shape, quiet

__all__ = ["SGD", "minibatches"]


class SGD:
    """SGD(model, lr, momentum=0.0): step() updates model.params() in place from model.grads().

    lr (eta): a finite number > 0; momentum (beta): a number in [0, 1). Call step() after each
    model.gradients(x, t). Every new value is computed before any is written: if one does not fit
    in a float, ValueError and no parameter changes.
    """

    def __init__(self, model, lr, momentum=0.0):
        where = "SGD"
        if not (callable(getattr(model, "params", None)) and callable(getattr(model, "grads", None))):
            raise TypeError(f"{where}: model must have params() and grads() (a bpkit.Sequential or layer) "
                            f"but is {describe(model)}")
        self.model = model
        self.lr = check_number(lr, "lr", where, low=0.0, low_open=True)
        self.momentum = check_number(momentum, "momentum", where, low=0.0, high=1.0, high_open=True)
        self.velocity = {k: np.zeros_like(v) for k, v in model.params().items()}
        # work arrays, allocated once: the new parameters and the new velocities are written here
        # first (no change to the model if one does not fit in a float), then copied or swapped in
        self._new = {k: np.empty_like(v) for k, v in model.params().items()}
        self._new_velocity = {k: np.empty_like(v) for k, v in self.velocity.items()} if self.momentum else {}

    def step(self) -> None:
        """theta <- theta - lr v with v <- momentum v + dE/dtheta, for every parameter (module docstring)."""
        where = "SGD.step"
        params, grads = self.model.params(), self.model.grads()
        staged = []
        with quiet():
            for k, p in params.items():
                g = grads.get(k)
                if g is None:
                    raise RuntimeError(f"{where}: parameter {k!r} has no gradient; call model.gradients(x, t) first")
                if k not in self._new or self._new[k].shape != p.shape:
                    raise RuntimeError(f"{where}: parameter {k!r} is not the one this SGD was made for "
                                       f"(shape {format_shape(p.shape)}); make a new SGD for the changed model")
                v = g
                if self.momentum:
                    v = np.multiply(self.velocity[k], self.momentum, out=self._new_velocity[k])
                    v += g
                new = np.multiply(v, self.lr, out=self._new[k])
                np.subtract(p, new, out=new)
                staged.append((k, p, new))
        for k, _, new in staged:
            check_finite_result(new, where, f"the new {k} = {k} - lr v", f"lr = {self.lr!r} and the gradient of {k}")
        for k, p, new in staged:
            np.copyto(p, new)
            if self.momentum:  # the new velocity becomes the velocity; the old one, the next work array
                self.velocity[k], self._new_velocity[k] = self._new_velocity[k], self.velocity[k]


def _sample_axis(a: np.ndarray, name: str) -> int:
    """0 for an NCHW batch (N, C, H, W), 1 for a column-layout batch (n, N): where the samples are."""
    if a.ndim == 4:
        return 0
    if a.ndim == 2:
        return 1
    raise ValueError(f"minibatches: {name} has shape {format_shape(a.shape)} but expected (N, C, H, W) "
                     "or a column-layout batch (n, N)")


def minibatches(x, t, batch_size, rng=None, shuffle=True):
    """Yield (x_batch, t_batch) pairs that cover the N samples once, in a shuffled order.

    x, t: (N, C, H, W) images (samples on axis 0) or (n, N) columns (samples on axis 1), the same N.
    batch_size: an integer >= 1; the last batch is smaller if batch_size does not divide N.
    rng: a numpy Generator (reuse one across epochs for a new order each epoch), an integer seed
    (the same order at every call) or None (seed 0). shuffle=False keeps the order 0..N-1.
    """
    where = "minibatches"
    x, t = as_float_array(x, "x", where), as_float_array(t, "t", where)
    ax, at = _sample_axis(x, "x"), _sample_axis(t, "t")
    N = x.shape[ax]
    if t.shape[at] != N:
        raise ValueError(f"{where}: x holds {N} samples (shape {format_shape(x.shape)}) but t holds "
                         f"{t.shape[at]} (shape {format_shape(t.shape)})")
    batch_size = check_int(batch_size, "batch_size", where, 1)
    order = check_rng(rng, "rng", where).permutation(N) if shuffle else np.arange(N)
    return ((np.take(x, order[lo : lo + batch_size], axis=ax), np.take(t, order[lo : lo + batch_size], axis=at))
            for lo in range(0, N, batch_size))
