"""A fully connected layer: z = W a^{l-1} + b, a = f(z), in the column layout of the book.

Follows Deep Learning from Scratch's common/layers.py: forward(x) caches what backward needs;
backward returns the gradient for the layer below and stores dW, db.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_float_array,
    check_finite_result,
    check_int,
    check_rng,
    check_shape,
    format_shape,
    quiet,
)
from .activations import Softmax, get_activation

__all__ = ["Dense"]


class Dense:
    """Dense layer l: z^l = W^l a^{l-1} + b^l, a^l = f^l(z^l) (book eq-ch2-bp1 to eq-ch2-bp4;
    note E, eqs. 2.7-2.8; note C).

    W: shape (n_out, n_in) ("n_out x n_in"); b: shape (n_out,) ((n_out, 1) is accepted and flattened).
    Default init: rng = np.random.default_rng(0) if None (an int seeds a new generator),
    W ~ N(0, 1/n_in), b = 0. Given W and b are copied (integers converted to float64 exactly).
    activation: a name for get_activation or an Activation instance.
    n_in, n_out: integers >= 1 (TypeError for bool/float/str, ValueError below 1); rng: None, a
    non-negative integer seed or a numpy Generator. A softmax layer needs n_out >= 2 (softmax of one
    output is always 1). Shape errors name the layer: "Dense layer 'hidden 1' (n_in=3, n_out=2): ...".
    """

    def __init__(self, n_in, n_out, activation="sigmoid", W=None, b=None, rng=None, name=None):
        self.n_in = check_int(n_in, "n_in", "Dense")
        self.n_out = check_int(n_out, "n_out", "Dense")
        self.activation = get_activation(activation, "Dense")
        if isinstance(self.activation, Softmax) and self.n_out == 1:
            raise ValueError(
                "Dense: a softmax layer needs n_out >= 2 outputs but n_out is 1: softmax over a single "
                "output is always 1, so the layer would pass no gradient (use sigmoid for one output)"
            )
        self.name = "dense" if name is None else str(name)
        self._named = name is not None
        rng = check_rng(rng, "rng", "Dense")
        if W is None:
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
        """a = f(W x + b) (book eq-ch4-forward-columns: Z = W X + b 1^T, A = f(Z)); caches x, z and a.

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
        with quiet():
            z = self.W @ x + b
        self.x = x
        self.z = check_finite_result(z, self._where(), "z = W x + b", "input x, W and b")
        self.a = self.activation.value(self.z)
        return self.a

    def backward(self, grad_a=None, delta=None) -> np.ndarray:
        """Backward step of the layer; give exactly one of grad_a = dE/da or delta = dE/dz.

        delta = J_f(z)^T grad_a via activation.backward (book eq-ch3-elementwise-backward), or delta as given
        (a fused output layer, eq-ch3-sigmoid-bce / eq-ch3-softmax-cce). Then dW = delta x^T and
        db = row sum of delta (eq-ch2-bp3, eq-ch2-bp4, eq-ch4-param-grad-columns),
        stored as self.delta, self.dW (n_out, n_in), self.db (n_out,). Returns dE/dx = W^T delta (the W^T
        factor of eq-ch2-bp2), with the shape of the cached input x.
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
        with quiet():
            if x.ndim == 1:
                dW = np.outer(delta, x)
                db = delta.copy()
            else:
                dW = delta @ x.T
                db = np.sum(delta, axis=1)
            grad_x = self.W.T @ delta
        given = "grad_a" if grad_a is not None else "delta"
        check_finite_result(dW, where, "dW = delta x^T", f"{given} and the input x")
        if x.ndim != 1:  # one sample: db is a copy of the (finite) delta
            check_finite_result(db, where, "db = row sums of delta", given)
        check_finite_result(grad_x, where, "dE/dx = W^T delta", f"{given} and W")
        self.dW, self.db, self.delta = dW, db, delta
        return grad_x

    def __repr__(self) -> str:
        return f"Dense(n_in={self.n_in}, n_out={self.n_out}, activation={self.activation.name!r}, name={self.name!r})"
