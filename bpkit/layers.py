"""A fully connected layer: z = W a^{l-1} + b, a = f(z), in the column layout of the book.

Follows Deep Learning from Scratch's common/layers.py: forward(x) caches what backward needs;
backward returns the gradient for the layer below and stores dW, db.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_shape, format_shape
from .activations import get_activation

__all__ = ["Dense"]


def _check_size(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Dense: {name} must be a positive integer but is {value!r}")
    return int(value)


class Dense:
    """Dense layer l: z^l = W^l a^{l-1} + b^l, a^l = f^l(z^l) (seed 004, eqs. 2.7-2.8; seed 002).

    W: shape (n_out, n_in) ("n_out x n_in"); b: shape (n_out,) ((n_out, 1) is accepted and flattened).
    Default init: rng = np.random.default_rng(0) if None (an int seeds a new generator),
    W ~ N(0, 1/n_in), b = 0. Given W and b are copied (integers converted to float64 exactly).
    activation: a name for get_activation or an Activation instance.
    Shape errors name the layer: "Dense layer 'hidden 1' (n_in=3, n_out=2): ...".
    """

    def __init__(self, n_in, n_out, activation="sigmoid", W=None, b=None, rng=None, name=None):
        self.n_in = _check_size(n_in, "n_in")
        self.n_out = _check_size(n_out, "n_out")
        self.activation = get_activation(activation)
        self.name = "dense" if name is None else str(name)
        self._named = name is not None
        if W is None:
            rng = np.random.default_rng(0 if rng is None else rng)
            W = rng.normal(0.0, np.sqrt(1.0 / self.n_in), size=(self.n_out, self.n_in))
        W = np.array(as_float_array(W, "W", self._where()))
        check_shape(W, (self.n_out, self.n_in), "W", self._where(), "(n_out x n_in)")
        if b is None:
            b = np.zeros(self.n_out, dtype=W.dtype)
        b = np.array(as_float_array(b, "b", self._where()))
        if b.shape == (self.n_out, 1):
            b = b.ravel()
        check_shape(b, (self.n_out,), "b", self._where(), "(n_out,)")
        self.W, self.b = W, b
        self.x = self.z = self.a = None  # forward cache: a^{l-1}, z^l, a^l
        self.delta = self.dW = self.db = None  # set by backward

    def _where(self) -> str:
        return f"Dense layer '{self.name}' (n_in={self.n_in}, n_out={self.n_out})"

    def forward(self, x) -> np.ndarray:
        """a = f(W x + b) (seed 004, sec. 4.1: Z = b + W X, A = F(Z)); caches x, z and a.

        x: one sample (n_in,) or (n_in, 1), or a column-layout batch (n_in, N). Returns a of shape
        (n_out,), (n_out, 1) or (n_out, N) to match.
        """
        x = as_float_array(x, "input x", self._where())
        if x.ndim not in (1, 2) or x.shape[0] != self.n_in:
            raise ValueError(
                f"{self._where()}: input x has shape {format_shape(x.shape)} but expected "
                f"({self.n_in},) or ({self.n_in}, N)"
            )
        b = self.b if x.ndim == 1 else self.b[:, None]  # the bias column is added to every sample
        self.x = x
        self.z = self.W @ x + b
        self.a = self.activation.value(self.z)
        return self.a

    def backward(self, grad_a=None, delta=None) -> np.ndarray:
        """Backward step of the layer; give exactly one of grad_a = dE/da or delta = dE/dz.

        delta = J_f(z)^T grad_a via activation.backward (seed 004, eq. 3.2), or delta as given (a fused
        output layer, eqs. 3.7/3.9). Then dW = delta x^T (eq. 2.5), db = row sum of delta (eq. 2.9, sec. 4.1),
        stored as self.delta, self.dW (n_out, n_in), self.db (n_out,). Returns dE/dx = W^T delta (the W^T
        factor of eq. 2.6), with the shape of the cached input x.
        Shapes: grad_a / delta like the forward output a. Raises RuntimeError before any forward.
        """
        where = self._where() + " backward"
        if self.x is None:
            raise RuntimeError(f"{where}: call forward(x) first (backward uses the cached x, z and a)")
        if (grad_a is None) == (delta is None):
            raise ValueError(f"{where}: give exactly one of grad_a (dE/da) or delta (dE/dz)")
        if delta is None:
            grad_a = as_float_array(grad_a, "grad_a", where)
            check_shape(grad_a, self.a.shape, "grad_a", where, "(the shape of the layer's output a)")
            delta = self.activation.backward(self.z, self.a, grad_a)
        else:
            delta = as_float_array(delta, "delta", where)
            check_shape(delta, self.z.shape, "delta", where, "(the shape of the layer's z)")
        x = self.x
        if x.ndim == 1:
            self.dW = np.outer(delta, x)
            self.db = delta.copy()
        else:
            self.dW = delta @ x.T
            self.db = np.sum(delta, axis=1)
        self.delta = delta
        return self.W.T @ delta

    def __repr__(self) -> str:
        return f"Dense(n_in={self.n_in}, n_out={self.n_out}, activation={self.activation.name!r}, name={self.name!r})"
