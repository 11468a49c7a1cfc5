"""The dense layer z = W x + b, a = f(z) (column layout), and Flatten, where the NCHW images of a
convolutional network become the columns a Dense layer takes. Both follow the layer protocol of
bpkit.layer (forward caches, backward returns dx and stores the parameter gradients).
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
from .layer import Layer

__all__ = ["Dense", "Flatten"]


class Dense(Layer):
    """Dense layer l: z^l = W^l a^{l-1} + b^l, a^l = f^l(z^l) (eqs. (2.17) to (2.20)).

    W: shape (n_out, n_in) ("n_out x n_in"); b: shape (n_out,) ((n_out, 1) is accepted and flattened).
    Default init: rng = np.random.default_rng(0) if None (an int seeds a new generator),
    W ~ N(0, 1/n_in), b = 0. Given W and b are copied (integers converted to float64 exactly).
    activation: a name for get_activation or an Activation instance; the default 'identity' makes
    Dense the affine map alone (put an activation layer after it, or name one here).
    Parameters (params(), grads()): 'W' and 'b', as in Conv2D.
    n_in, n_out: integers >= 1 (TypeError for bool/float/str, ValueError below 1); rng: None, a
    non-negative integer seed or a numpy Generator. A softmax layer needs n_out >= 2 (softmax of one
    output is always 1). Shape errors name the layer: "Dense layer 'hidden 1' (n_in=3, n_out=2): ...".
    """

    skips_dx = True

    def __init__(self, n_in, n_out, activation="identity", W=None, b=None, rng=None, name=None):
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
        W = np.array(as_float_array(W, "W", self._where()), order="C")  # a copy; C order like the gradients
        check_shape(W, (self.n_out, self.n_in), "W", self._where(), "(n_out x n_in)")
        if b is None:
            b = np.zeros(self.n_out, dtype=W.dtype)
        b = np.array(as_float_array(b, "b", self._where()), order="C")
        if b.shape == (self.n_out, 1):
            b = b.ravel()
        check_shape(b, (self.n_out,), "b", self._where(), "(n_out,)")
        self.W, self.b = W, b
        self.x = self.z = self.a = None  # forward cache: a^{l-1}, z^l, a^l
        self.delta = self.dW = self.db = None  # set by backward

    def _where(self) -> str:
        cached = self.__dict__.get("_where_text")  # formatted once per name: forward runs it every call
        if cached is None or cached[0] != self.name:
            cached = self._where_text = (self.name, f"Dense layer '{self.name}' (n_in={self.n_in}, n_out={self.n_out})")
        return cached[1]

    def forward(self, x) -> np.ndarray:
        """a = f(W x + b) (eq. (4.1): Z = W X + b 1^T, A = f(Z)); caches x, z and a.

        x: one sample (n_in,) or (n_in, 1), or a column-layout batch (n_in, N). Returns a of shape
        (n_out,), (n_out, 1) or (n_out, N) to match.
        """
        return self._forward_checked(as_float_array(x, "input x", self._where()))

    def _forward_checked(self, x: np.ndarray) -> np.ndarray:
        """forward(x) for an x that is already a finite float array (the output of the layer below)."""
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
        self.a = self.activation._value_of_checked(self.z)  # z is finite: no second input check
        return self.a

    def backward(self, dy=None, delta=None, need_dx=True) -> np.ndarray | None:
        """Backward step of the layer; give exactly one of dy = dE/da (the protocol's argument) or delta = dE/dz.

        delta = J_f(z)^T dy via activation.backward (eq. (3.3)), or delta as given
        (a fused output layer, eq. (3.13) / eq. (3.14)). Then dW = delta x^T and
        db = row sum of delta (eq. (2.19), eq. (2.20), eq. (4.4)),
        stored as self.delta, self.dW (n_out, n_in), self.db (n_out,). Returns dE/dx = W^T delta (the W^T
        factor of eq. (2.18)), with the shape of the cached input x, or None if need_dx is False (the
        first layer of a model: nothing below it needs dx).
        Shapes: dy / delta like the forward output a. Raises RuntimeError before any forward.
        """
        where = self._where() + " backward"
        if self.x is None:
            raise RuntimeError(f"{where}: call forward(x) first (backward uses the cached x, z and a)")
        if (dy is None) == (delta is None):
            raise ValueError(f"{where}: give exactly one of dy (dE/da) or delta (dE/dz)")
        if delta is None:
            dy = as_float_array(dy, "dy", where)
            check_shape(dy, self.a.shape, "dy", where, "(the shape of the layer's output a)")
            act = self.activation
            delta = act._vjp_checked(self.z, dy) if act.elementwise else act.vjp(self.z, self.a, dy)
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
                db = delta.sum(axis=1)
            grad_x = self.W.T @ delta if need_dx else None
        given = "dy" if dy is not None else "delta"
        check_finite_result(dW, where, "dW = delta x^T", f"{given} and the input x")
        if x.ndim != 1:  # one sample: db is a copy of the (finite) delta
            check_finite_result(db, where, "db = row sums of delta", given)
        if need_dx:
            check_finite_result(grad_x, where, "dE/dx = W^T delta", f"{given} and W")
        self.dW, self.db, self.delta = dW, db, delta
        return grad_x

    def params(self) -> dict:
        """{'W': W (n_out, n_in), 'b': b (n_out,)}, the live arrays."""
        return {"W": self.W, "b": self.b}

    def grads(self) -> dict:
        """{'W': dE/dW, 'b': dE/db} of the last backward (None before it)."""
        return {"W": self.dW, "b": self.db}

    def __repr__(self) -> str:
        return f"Dense(n_in={self.n_in}, n_out={self.n_out}, activation={self.activation.name!r}, name={self.name!r})"


class Flatten(Layer):
    """Flatten: an NCHW batch x (N, C, H, W) becomes the column layout (C*H*W, N), one image a column.

    The one place where bpkit's two layouts meet: convolution and pooling take images as (N, C, H, W)
    (chapter 5), Dense layers take samples as columns (chapter 4). Column mu is x[mu] read in row-major
    order (c, h, w). backward(dy) takes dy (C*H*W, N) back to (N, C, H, W). No parameters.
    """

    name = "flatten"

    def __init__(self):
        self.x_shape = None

    def forward(self, x) -> np.ndarray:
        """(N, C, H, W) -> (C*H*W, N); any x of at least 2 axes (N, ...) -> (prod(...), N)."""
        x = as_float_array(x, "input x", "Flatten")
        if x.ndim < 2:
            raise ValueError(f"Flatten: input x has shape {format_shape(x.shape)} but expected (N, C, H, W)")
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1).T

    def backward(self, dy) -> np.ndarray:
        """dy (C*H*W, N) -> dx (N, C, H, W), the shape of the last forward's input."""
        self._require_forward("x_shape")
        dy = as_float_array(dy, "dy", "Flatten backward")
        N = self.x_shape[0]
        check_shape(dy, (int(np.prod(self.x_shape[1:])), N), "dy", "Flatten backward", "(C*H*W, N)")
        return dy.T.reshape(self.x_shape)

    def __repr__(self) -> str:
        return "Flatten()"
