"""A model: layers in sequence and a loss, trained by backpropagation through the layer protocol.

    a = x;  a = layer_1.forward(a), ..., a = layer_k.forward(a);  E = g(a, t)
    dy = dE/da;  dy = layer_k.backward(dy), ..., layer_1.backward(dy)

(chapter 2's backward pass, eqs. (2.17) to (2.20), for any layers that follow bpkit.layer.Layer).
The layers decide the layouts: Conv2D and pooling take (N, C, H, W), Dense takes columns (n, N),
and Flatten turns the first into the second. t has the shape of the model's output.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_bool, check_list, check_number, describe, quiet
from .activations import Activation
from .layer import Layer
from .layers import Dense
from .losses import fused_output, get_loss, output_loss
from .numdiff import GradCheckResult, GradientCheckError, relative_error

__all__ = ["Sequential"]


class Sequential:
    """Layers applied in order, with a loss (a name for get_loss or a Loss instance).

    params() and grads() are dicts keyed "i.name" (layer index i in `layers`, from 0, and the
    layer's parameter name): model.params()["0.W"] is model.layers[0].W.

    Fused output: if the last layer is a softmax (a Dense with activation='softmax', or a Softmax()
    layer) and the loss CategoricalCrossEntropy, or sigmoid with BinaryCrossEntropy, E and the
    output delta a - t (eq. (3.13), eq. (3.14); divided by N for reduction='mean') come from the
    logits z by softmax_cce / sigmoid_bce, which stay finite where log(a) would be log(0).
    """

    def __init__(self, layers, loss="squared_error"):
        where = "Sequential"
        layers = check_list(layers, "layers", where, "a non-empty list of layers")
        if not layers:
            raise ValueError(f"{where}: layers must be a non-empty list of layers but is []")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"{where}: layers[{i}] must be a bpkit layer (bpkit.Layer) but is {describe(layer)}")
            for k in range(i):
                if layers[k] is layer:
                    raise ValueError(
                        f"{where}: layers[{i}] is the same object as layers[{k}]; a layer keeps the cache of "
                        "its own forward pass, so create one layer object per place in the model"
                    )
        self.layers = layers
        self.loss = get_loss(loss, where)
        last = layers[-1]
        self._output = last if isinstance(last, (Dense, Activation)) else None
        act = last.activation if isinstance(last, Dense) else last
        self.fused = fused_output(act, self.loss) if self._output is not None else None
        self._a = None  # the output of the last forward pass
        self.dx = None  # dE/dx of the last backward(t, input_grad=True)
        self._backward_done = False

    # --- forward and loss -------------------------------------------------------------------
    def forward(self, x):
        """The model's output for x (the first layer's input shape); caches every layer's forward."""
        self._backward_done = False
        a = self.layers[0].forward(x)
        for layer in self.layers[1:]:
            a = layer._forward_checked(a)  # a comes from the layer below: checked there
        self._a = a
        return a

    def __call__(self, x):
        return self.forward(x)

    def _output_loss(self, t, value=True):
        """(E, dE/da or None, delta = dE/dz or None) at the cached output, for t shaped like it
        (E None if not value: the backward pass needs the gradient alone)."""
        out = self._output
        z = None if self.fused is None else out.z if isinstance(out, Dense) else out._z
        return output_loss(self.loss, self.fused, self._a, z, t, "Sequential", "the model's output", value)

    def loss_value(self, x, t) -> float:
        """E = g(model(x), t) as a float."""
        self.forward(x)
        return self._output_loss(t)[0]

    # --- backward ---------------------------------------------------------------------------
    def backward(self, t, input_grad=False) -> dict:
        """Backpropagate from the last forward pass; returns grads() (and keeps them).

        With a fused output the backward pass starts at the logits: a Dense output layer gets
        backward(delta=a - t), a Softmax()/Sigmoid() output layer is passed over and a - t goes to
        the layer below it. The pass stops at the first layer with parameters, which skips its dx
        (need_dx=False), unless input_grad=True: then it goes on to the input and self.dx = dE/dx
        (the shape of x; chapter 5's input gradient, eq. (5.8)). Otherwise self.dx is None.
        """
        if getattr(self, "_a", None) is None:
            raise RuntimeError("Sequential.backward: call forward(x) first (or use gradients(x, t))")
        input_grad = check_bool(input_grad, "input_grad", "Sequential.backward")
        _, dy, delta = self._output_loss(t, value=False)
        first = next((i for i, layer in enumerate(self.layers) if layer.params()), None)
        # the first layer with parameters needs no dx (none below it has gradients), unless input_grad;
        # it skips dx if it can (Layer.skips_dx), else backward stops after it
        skip = None if input_grad else first
        layers = list(enumerate(self.layers))[skip or 0 :]
        if delta is not None:
            i, out = layers.pop()
            dy = out.backward(delta=delta, need_dx=i != skip) if isinstance(out, Dense) else delta
        for i, layer in reversed(layers):
            dy = layer.backward(dy, need_dx=False) if i == skip and layer.skips_dx else layer.backward(dy)
        self.dx = dy if input_grad else None
        self._backward_done = True
        return self.grads()

    def gradients(self, x, t, input_grad=False) -> dict:
        """forward(x), then backward(t, input_grad): {key: dE/dparameter}, the keys of params()."""
        self.forward(x)
        return self.backward(t, input_grad)

    # --- parameters ---------------------------------------------------------------------------
    def params(self) -> dict:
        """{"i.name": array}: every layer's parameters, the live arrays (an optimiser updates them)."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params().items()}

    def grads(self) -> dict:
        """{"i.name": array}: the gradients of the last backward, with the keys of params()."""
        if not self._backward_done:
            raise RuntimeError("Sequential.grads: call gradients(x, t) (or forward, then backward) first")
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads().items()}

    @property
    def n_params(self) -> int:
        """The number of parameters (entries of all the arrays of params())."""
        return sum(v.size for v in self.params().values())

    # --- whole-model gradient check -----------------------------------------------------------
    def check_gradients(self, x, t, eps=1e-6, tol=1e-5, floor=1e-4, raise_on_fail=False) -> GradCheckResult:
        """Every parameter entry's backpropagated dE/dtheta against the central difference
        (E(theta + eps) - E(theta - eps)) / (2 eps) (section 1.4), like torch.autograd.gradcheck.

        Returns a GradCheckResult for the worst entry over all parameters: its key ("0.W"),
        index, both values and the relative error (relative_error with `floor`); passes if <= tol.
        The difference quotient's rounding error is about 1e-16 |E| / eps, some 1e-10 |E|, so entries
        below `floor` are compared absolutely (to tol * floor = 1e-9 by default).
        Use float64 parameters and inputs: float32 rounding swamps a difference quotient.
        raise_on_fail=True raises GradientCheckError instead of returning a failed result.
        Cost: two forward passes per parameter entry (n_params of them).
        """
        where = "Sequential.check_gradients"
        eps = check_number(eps, "eps", where, low=0.0, low_open=True)
        tol = check_number(tol, "tol", where, low=0.0)
        floor = check_number(floor, "floor", where, low=0.0, low_open=True)
        raise_on_fail = check_bool(raise_on_fail, "raise_on_fail", where)
        analytic = {k: np.array(g, dtype=np.float64) for k, g in self.gradients(x, t).items()}
        worst = None
        for key, p in self.params().items():
            numerical = np.empty(p.shape)
            for idx in np.ndindex(p.shape):
                saved = p[idx]
                p[idx] = saved + eps
                E_plus = self.loss_value(x, t)
                p[idx] = saved - eps
                E_minus = self.loss_value(x, t)
                p[idx] = saved
                with quiet():
                    numerical[idx] = (E_plus - E_minus) / (2 * eps)
            rel = relative_error(analytic[key], numerical, floor)
            at = np.unravel_index(int(np.argmax(rel)), rel.shape)
            if worst is None or rel[at] > worst[0]:
                worst = (float(rel[at]), key, tuple(int(i) for i in at), analytic[key][at], numerical[at], p.shape)
        self.gradients(x, t)  # leave the caches and gradients of the unperturbed parameters
        rel, key, at, a, n, shape = worst
        result = GradCheckResult(ok=bool(rel <= tol), max_rel_error=rel, worst_index=at, analytic_value=float(a),
                                 numerical_value=float(n), abs_error=float(abs(a - n)), tol=tol, shape=shape,
                                 parameter=key)
        if not result.ok and raise_on_fail:
            raise GradientCheckError(str(result))
        return result

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n], loss={self.loss!r})"
