"""A feedforward network: Dense layers l = 1..L and a loss E = g(a^L, t), trained by backpropagation.

Forward: a^0 = x, z^l = W^l a^{l-1} + b^l, a^l = f^l(z^l). Backward (eqs. (2.17) to (2.20), eq. (4.3)):
delta^L = J_{f^L}^T grad g, delta^{l-1} = J_{f^{l-1}}^T (W^l)^T delta^l, dW^l = delta^l (a^{l-1})^T,
db^l = row sum of delta^l. Column layout: x (n_0,), (n_0, 1) or (n_0, N); t like a^L.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import (
    as_float_array,
    check_finite_result,
    check_int,
    check_int_list,
    check_list,
    check_number,
    check_rng,
    check_shape,
    describe,
    quiet,
)
from .activations import get_activation
from .layers import Dense
from .losses import fused_output, get_loss, output_loss

__all__ = ["Network", "Gradients"]


@dataclass
class Gradients:
    """The result of a backward pass: deltas[l-1] = delta^l = dE/dz^l, dW[l-1] = dE/dW^l (n_l, n_{l-1}),
    db[l-1] = dE/db^l (n_l,), for l = 1..L."""

    deltas: list
    dW: list
    db: list


class Network:
    """Dense layers with a loss (a name for get_loss or a Loss instance).

    Layers created without a name are named 'layer l' (l = 1..L) so errors say which layer failed;
    consecutive layers must fit (n_in of layer l + 1 == n_out of layer l), else ValueError.

    If the last activation is sigmoid and the loss BinaryCrossEntropy, or softmax and
    CategoricalCrossEntropy, the output layer is fused: E and delta^L = a^L - t (eq. (3.13), eq. (3.14); divided by
    N for reduction='mean') are computed from z^L by sigmoid_bce / softmax_cce, which stay finite where
    the unfused loss would take log(0).
    """

    def __init__(self, layers, loss="squared_error"):
        layers = check_list(layers, "layers", "Network", "a non-empty list of Dense layers")
        if not layers:
            raise ValueError("Network: layers must be a non-empty list of Dense layers but is []")
        for l, layer in enumerate(layers):
            if not isinstance(layer, Dense):
                raise TypeError(
                    f"Network: layers must be a non-empty list of Dense layers but layers[{l}] is {describe(layer)}"
                )
            for k in range(l):
                if layers[k] is layer:
                    raise ValueError(
                        f"Network: layers[{l}] is the same Dense object as layers[{k}]; each layer keeps its own "
                        "forward cache (x, z, a), so one object cannot be two layers (create a second Dense, "
                        "e.g. with the same W and b)"
                    )
        for l, layer in enumerate(layers, start=1):
            if not layer._named:
                layer.name = f"layer {l}"
        for l in range(1, len(layers)):
            below, above = layers[l - 1], layers[l]
            if above.n_in != below.n_out:
                raise ValueError(
                    f"Network: layer {l + 1} ('{above.name}') has n_in={above.n_in} but layer {l} "
                    f"('{below.name}') has n_out={below.n_out}; they must be equal"
                )
        self.layers = layers
        self.loss = get_loss(loss, "Network")
        self.fused = fused_output(self.layers[-1].activation, self.loss)
        self._gradients = None

    @classmethod
    def from_sizes(cls, sizes, activations="sigmoid", loss="squared_error", rng=None, seed=None):
        """Network with layer sizes [n_0, n_1, ..., n_L]; activations: one name/Activation for every layer or
        a list of L of them. Weights W^l ~ N(0, 1/n_{l-1}) from rng (a Generator or an int; or give seed),
        default np.random.default_rng(0). Layers are named 'layer 1' .. 'layer L'.
        sizes: integers >= 1 (TypeError for bool/float/str entries); seed: a non-negative integer."""
        where = "Network.from_sizes"
        sizes = check_int_list(sizes, "sizes", where, "[n_0, n_1, ..., n_L] with L >= 1", min_len=2)
        L = len(sizes) - 1
        if isinstance(activations, (list, tuple)):
            if len(activations) != L:
                raise ValueError(
                    f"{where}: {L} layers need {L} activations but got {len(activations)}"
                )
        else:
            activations = [activations] * L
        activations = [get_activation(a, f"{where}: activations[{l}]") for l, a in enumerate(activations)]
        if rng is not None and seed is not None:
            raise ValueError(f"{where}: give rng or seed, not both")
        if seed is not None:
            rng = np.random.default_rng(check_int(seed, "seed", where, 0))
        else:
            rng = check_rng(rng, "rng", where)
        layers = [
            Dense(sizes[l - 1], sizes[l], activations[l - 1], rng=rng, name=f"layer {l}") for l in range(1, L + 1)
        ]
        return cls(layers, loss)

    # --- forward and loss ---------------------------------------------------------------------
    def forward(self, x) -> np.ndarray:
        """a^L for x of shape (n_0,), (n_0, 1) or (n_0, N); returns (n_L,), (n_L, 1) or (n_L, N)."""
        a = x
        for layer in self.layers:
            a = layer.forward(a)
        return a

    def __call__(self, x) -> np.ndarray:
        return self.forward(x)

    def _output_loss(self, t):
        """(E, dE/da^L or None, delta^L or None) at the cached output, for target t shaped like a^L."""
        out = self.layers[-1]
        return output_loss(self.loss, self.fused, out.a, out.z, t, "Network", "the output a^L")

    def loss_value(self, x, t) -> float:
        """E = g(a^L(x), t) as a float."""
        self.forward(x)
        return self._output_loss(t)[0]

    # --- backward -----------------------------------------------------------------------------
    def backward(self, t) -> Gradients:
        """Backpropagate from the last forward pass: returns Gradients and keeps them for sgd_step.

        delta^L from the loss (or the fused a^L - t), then each layer's backward (Dense.backward) from L to 1.
        """
        if self.layers[-1].a is None:
            raise RuntimeError("Network.backward: call forward(x) first (or use gradients(x, t))")
        _, grad_a, delta = self._output_loss(t)
        upstream = self.layers[-1].backward(dy=grad_a, delta=delta)
        for layer in reversed(self.layers[:-1]):
            upstream = layer.backward(dy=upstream)
        self._gradients = Gradients(
            deltas=[layer.delta for layer in self.layers],
            dW=[layer.dW for layer in self.layers],
            db=[layer.db for layer in self.layers],
        )
        return self._gradients

    def gradients(self, x, t) -> Gradients:
        """forward(x) then backward(t)."""
        self.forward(x)
        return self.backward(t)

    # --- training -----------------------------------------------------------------------------
    def sgd_step(self, lr: float) -> None:
        """W^l <- W^l - lr dW^l, b^l <- b^l - lr db^l with the gradients of the last backward
        (eq. (2.3)).

        lr: a finite number > 0. All new weights are computed first; if one of them does not fit in a
        float (lr dW overflows), ValueError and no weight changes.
        """
        where = "Network.sgd_step"
        lr = check_number(lr, "lr", where, low=0.0, low_open=True)
        if self._gradients is None:
            raise RuntimeError(f"{where}: call backward(t) or gradients(x, t) first")
        new = []
        with quiet():
            for layer, dW, db in zip(self.layers, self._gradients.dW, self._gradients.db):
                new.append((layer.W - lr * dW, layer.b - lr * db))
        for l, (W, b) in enumerate(new, start=1):
            check_finite_result(W, where, f"the new W^{l} = W^{l} - lr dW^{l}", f"lr = {lr!r} and dW^{l}")
            check_finite_result(b, where, f"the new b^{l} = b^{l} - lr db^{l}", f"lr = {lr!r} and db^{l}")
        for layer, (W, b) in zip(self.layers, new):
            layer.W[...] = W
            layer.b[...] = b

    def train(self, x, t, lr: float, steps: int) -> list:
        """Full-batch gradient descent: `steps` times gradients(x, t) then sgd_step(lr).

        Returns the list of `steps` losses; losses[k] is E before step k + 1.
        lr: a finite number > 0; steps: an integer >= 1.
        """
        check_number(lr, "lr", "Network.train", low=0.0, low_open=True)
        steps = check_int(steps, "steps", "Network.train")
        losses = []
        for _ in range(steps):
            self.forward(x)
            losses.append(self._output_loss(t)[0])
            self.backward(t)
            self.sgd_step(lr)
        return losses

    # --- all parameters as one vector, for gradient checking ------------------------------------
    def params_vector(self) -> np.ndarray:
        """All parameters flattened into one vector: W^1, ..., W^L, then b^1, ..., b^L (row-major)."""
        return np.concatenate([layer.W.ravel() for layer in self.layers] + [layer.b.ravel() for layer in self.layers])

    def set_params_vector(self, v) -> None:
        """Inverse of params_vector: copy v (same length and order) into the W^l and b^l."""
        v = as_float_array(v, "v", "Network.set_params_vector")
        check_shape(v, (self.n_params,), "v", "Network.set_params_vector", "(all W then all b, flattened)")
        arrays = [layer.W for layer in self.layers] + [layer.b for layer in self.layers]
        start = 0
        for arr in arrays:
            arr[...] = v[start : start + arr.size].reshape(arr.shape)
            start += arr.size

    @property
    def n_params(self) -> int:
        """Number of parameters: sum over layers of n_l n_{l-1} + n_l."""
        return sum(layer.W.size + layer.b.size for layer in self.layers)

    def loss_of_params(self, v, x, t) -> float:
        """E as a function of the parameter vector v (params_vector order); the parameters are restored after."""
        saved = self.params_vector()
        try:
            self.set_params_vector(v)
            try:
                return self.loss_value(x, t)
            except ValueError as err:  # e.g. z = W x + b overflows: the weights came from v
                raise ValueError(f"Network.loss_of_params: with the parameters v: {err}") from None
        finally:
            self.set_params_vector(saved)

    def gradient_vector(self, x, t) -> np.ndarray:
        """dE/d(params) in params_vector order, by backpropagation."""
        g = self.gradients(x, t)
        return np.concatenate([dW.ravel() for dW in g.dW] + [db.ravel() for db in g.db])

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Network([\n  {inner}\n], loss={self.loss!r})"
