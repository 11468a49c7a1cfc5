"""Activation functions a = f(z), their derivatives, Jacobians and backward steps.

Elementwise activations F(z) = (f(z_1), ..., f(z_n)) (eq. (3.2)) have the diagonal Jacobian
J_F(z) = diag(f'(z)), so the backward step J_F^T grad_a is the Hadamard product f'(z) * grad_a
(eq. (3.3)). Softmax (eq. (3.6)) is not elementwise:
its Jacobian is diag(s) - s s^T (eq. (3.7)).

Shapes: z, a, grad_a are one sample (n,) or (n, 1), or a column-layout batch (n, N) (samples are
columns; softmax normalises over axis 0, the feature axis). Elementwise activations accept any shape.
Inputs pass through bpkit's checks: integers are converted to float64 exactly, NaN/inf raise ValueError.

Stability: sigmoid, tanh' and softmax are written so that every finite z, up to the largest float
(float64 or float32), gives a finite, correct result with no RuntimeWarning: they only ever
exponentiate non-positive numbers. Where the exact result does not fit in the float type (z**2 or 2z
of square for huge z, a product f'(z) * grad_a), a ValueError names the arguments.

Domains: derivative_from_output(a) needs a to be an output of f (sigmoid: [0, 1], tanh: [-1, 1],
relu: >= 0); softmax needs at least n = 2 classes (a (1, N) array is almost always a row passed where
a column was meant) and vjp(z, a, grad_a) checks that a = softmax(z).
"""

from __future__ import annotations

import numpy as np

from .layer import Layer
from ._checks import (
    as_float_array,
    check_finite_result,
    check_matches,
    check_same_shape,
    check_single_sample,
    first_entry,
    format_shape,
    quiet,
)

__all__ = [
    "Activation",
    "Identity",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "Square",
    "Softmax",
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "square",
    "softmax",
    "get_activation",
]


class Activation(Layer):
    """Base class of a = f(z). Subclasses define _f(z) and _df(z) (elementwise) or override the methods.

    value(z) -> a, same shape as z.
    derivative(z) -> f'(z) elementwise, same shape (elementwise activations only).
    derivative_from_output(a) -> f'(z) written through a = f(z) (where that is possible).
    jacobian(z) -> J_F(z), shape (n, n), for one sample z of shape (n,) or (n, 1).
    vjp(z, a, grad_a) -> grad_z = J_F(z)^T grad_a without forming J, same shape as z.
    """

    name = "activation"
    elementwise = True
    output_range: tuple | None = None  # (low, high): the values a = f(z) can take (None: any real)
    # True if |f(z)| <= max(|z|, 1) and |f'(z)| <= 1: then f(z), f'(z) and f'(z) * grad_a cannot overflow
    # for finite input, and the overflow checks are skipped (they cost more than these small formulas)
    bounded = False

    def _where(self) -> str:
        return f"activation '{self.name}'"

    def _input(self, z, name: str = "z") -> np.ndarray:
        return as_float_array(z, name, self._where())

    # --- elementwise formulas, given by subclasses -------------------------------------------
    def _f(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _df(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _df_from_output(self, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # --- public interface --------------------------------------------------------------------
    def _checked(self, fn, z: np.ndarray, what: str) -> np.ndarray:
        """fn(z), refused with a ValueError naming `what` if it overflows (a bounded f cannot)."""
        if self.bounded:
            return fn(z)
        with quiet():
            out = fn(z)
        return check_finite_result(out, self._where(), what, "z")

    def value(self, z) -> np.ndarray:
        """a = f(z), applied to every entry (shape of z)."""
        return self._checked(self._f, self._input(z), "a = f(z)")

    def _value_of_checked(self, z: np.ndarray) -> np.ndarray:
        """value(z) for a z that is already a finite float array (a Dense layer's own z)."""
        return self._checked(self._f, z, "a = f(z)")

    def __call__(self, z) -> np.ndarray:
        return self.value(z)

    def derivative(self, z) -> np.ndarray:
        """f'(z) entry by entry (shape of z): the diagonal of J_F(z) (eq. (3.2))."""
        return self._checked(self._df, self._input(z), "f'(z)")

    def derivative_from_output(self, a) -> np.ndarray:
        """f'(z) expressed through the output a = f(z) (shape of a), as in eq. (3.4).

        a must be a value f can output (output_range); anything else raises ValueError.
        """
        a = self._input(a, "a")
        if self.output_range is not None:
            low, high = self.output_range
            outside = (a < low) | (a > high)
            if np.any(outside):
                span = f"[{low:g}, {high:g}]" if np.isfinite(high) else f">= {low:g}"
                raise ValueError(
                    f"{self._where()}: a must be an output a = f(z) of {self.name}, which lies in {span}, "
                    f"but {first_entry(a, outside, 'a')} ({int(outside.sum())} such entries); "
                    "use derivative(z) if you have the input z"
                )
        return self._df_from_output(a)

    def jacobian(self, z) -> np.ndarray:
        """J_F(z) = diag(f'(z)), shape (n, n) for one sample z of shape (n,) or (n, 1)."""
        z = self._input(z)
        check_single_sample(z, "z", self._where(), "the Jacobian is for one sample; use vjp() for a batch")
        with quiet():
            d = self._df(z)
        return np.diag(check_finite_result(d, self._where(), "f'(z)", "z").ravel())

    def vjp(self, z, a, grad_a) -> np.ndarray:
        """grad_z = J_F(z)^T grad_a = f'(z) * grad_a (Hadamard product, eq. (3.3)).

        Shapes: z, grad_a (and a, if given; it may be None here) all the same: (n,), (n, 1) or (n, N).
        """
        return self._vjp_checked(*self._backward_inputs(z, a, grad_a))

    def _vjp_checked(self, z, grad_a):
        """_vjp(z, grad_a), refused with a ValueError if it overflows (z and grad_a already checked)."""
        if self.bounded:
            return self._vjp(z, grad_a)
        with quiet():
            grad_z = self._vjp(z, grad_a)
        return check_finite_result(grad_z, self._where() + " backward", "grad_z = f'(z) * grad_a", "z and grad_a")

    def _vjp(self, z, grad_a):
        """f'(z) * grad_a (subclasses may reorder the product so that it overflows only if the result does)."""
        return self._df(z) * grad_a

    def _backward_inputs(self, z, a, grad_a):
        where = self._where() + " backward"
        z = as_float_array(z, "z", where)
        grad_a = as_float_array(grad_a, "grad_a", where)
        check_same_shape(grad_a, z, ("grad_a", "z"), where)
        if a is not None:
            a = as_float_array(a, "a", where)
            check_same_shape(a, z, ("a", "z"), where)
        return z, grad_a

    def forward(self, x) -> np.ndarray:
        """a = f(x), the layer form of value(x); caches x and a for backward. Shapes as value()."""
        self._z = self._input(x, "x")
        self._a = self._value_of_checked(self._z)
        return self._a

    def backward(self, dy) -> np.ndarray:
        """dE/dx = J_F(x)^T dy (vjp at the cached x and a), same shape as the forward input x."""
        self._require_forward()
        return self._vjp_checked(self._z, self._layer_dy(dy))

    def _layer_dy(self, dy) -> np.ndarray:
        where = self._where() + " backward"
        dy = as_float_array(dy, "dy", where)
        check_same_shape(dy, self._z, ("dy", "the forward input x"), where)
        return dy

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class Identity(Activation):
    """f(z) = z, f'(z) = 1 (the 'linear activation' of note C, problem 1)."""

    name = "identity"
    bounded = True

    def _f(self, z):
        return z.copy()

    def _df(self, z):
        return np.ones_like(z)

    def _df_from_output(self, a):
        return np.ones_like(a)


class Sigmoid(Activation):
    """Logistic sigmoid f(z) = 1 / (1 + e^{-z}); f'(z) = f(z)(1 - f(z))
    (eq. (3.4)).

    f(z) = 1/(1 + e^{-z}) as written: for z << 0 the large e^{-z} is rounded once and the quotient
    keeps full relative accuracy; where e^{-z} overflows (z < -709 in float64, -88 in float32) it is
    inf and f(z) = 0, the float nearest the true value's underflow. f'(z) = e / (1+e)^2 with
    e = exp(-|z|) <= 1, which keeps full relative accuracy in both tails.
    """

    name = "sigmoid"
    output_range = (0.0, 1.0)
    bounded = True

    def _f(self, z):
        with quiet():  # e^{-z} = inf for z below about -709 (float64): 1 / inf = 0 is right
            a = np.negative(z, out=np.empty_like(z))  # out= keeps a 0-d input an array
            np.exp(a, out=a)
            a += 1
            return np.reciprocal(a, out=a)

    def _df(self, z):
        e = np.exp(-np.abs(z))
        return e / (1 + e) ** 2

    def _df_from_output(self, a):
        return a * (1 - a)


class Tanh(Activation):
    """f(z) = tanh z; f'(z) = 1 - tanh(z)^2 = 1 - a^2 (eq. (3.5)).

    derivative(z) uses the equal form 4e / (1+e)^2 with e = exp(-2|z|) (that is sech^2 z), which does not
    lose relative accuracy where tanh(z)^2 rounds to 1. |z| is capped at 400 first: exp(-800) is already
    0 in float64 and float32, so nothing changes, but -2|z| can no longer overflow for |z| near the
    largest float.
    """

    name = "tanh"
    output_range = (-1.0, 1.0)
    bounded = True

    def _f(self, z):
        return np.tanh(z)

    def _df(self, z):
        e = np.exp(-2 * np.minimum(np.abs(z), 400))
        return 4 * e / (1 + e) ** 2

    def _df_from_output(self, a):
        return 1 - a**2


class ReLU(Activation):
    """f(z) = max(z, 0); f'(z) = 1 for z > 0 and 0 for z <= 0 (the value 0 at the kink z = 0 is a choice)."""

    name = "relu"
    output_range = (0.0, np.inf)
    bounded = True

    def _f(self, z):
        return np.maximum(z, 0)

    def _df(self, z):
        return (z > 0).astype(z.dtype)

    def _df_from_output(self, a):
        return (a > 0).astype(a.dtype)


class Square(Activation):
    """f(z) = z^2, f'(z) = 2z (the activation of note C, problem 2)."""

    name = "square"

    def _f(self, z):
        return z**2

    def _df(self, z):
        return 2 * z

    def _vjp(self, z, grad_a):
        # 2 (z grad_a) is the same number as (2 z) grad_a (doubling is exact), but 2z does not overflow
        # on its own when z is near the largest float and grad_a is small
        return 2 * (z * grad_a)

    def _df_from_output(self, a):
        raise ValueError(
            "activation 'square': f'(z) = 2z cannot be recovered from the output a = z^2, because a "
            "forgets the sign of z (z = 2 and z = -2 both give a = 4); use derivative(z)"
        )


def _softmax_vjp(s: np.ndarray, g: np.ndarray, axis: int, where: str, culprits: str) -> np.ndarray:
    """s * (g - sum(s * g, axis)): the softmax backward step along `axis` (eq. (4.9)).

    sum(s * g) is a weighted mean of g, so g - sum(s * g) is at most 2 max|g|: it can overflow only
    when g is near the largest float. Then the step is recomputed with g / 4 and multiplied by 4 (the
    step is linear in g, and dividing by 4 is exact), so a representable result is still returned;
    one that does not fit raises ValueError. Ordinary inputs take the first line only.
    """
    with quiet():
        out = s * (g - np.sum(s * g, axis=axis, keepdims=True))
    if np.isfinite(out).all():
        return out
    with quiet():
        g4 = g / 4
        out = (s * (g4 - np.sum(s * g4, axis=axis, keepdims=True))) * 4
    return check_finite_result(out, where, "the softmax backward step s * (g - sum(s * g))", culprits)


def _check_classes(arr: np.ndarray, name: str, where: str, axis: int) -> None:
    """Softmax over `axis` needs at least 2 classes there (one class is always 1: a transposed batch)."""
    if arr.shape[axis] == 1:
        layout = (
            "axis 0 (the n features of each column): a batch of N samples is (n, N), n >= 2 classes"
            if axis == 0
            else "axis 1 (the n features of each row): a row-layout batch is (N, n), n >= 2 classes"
        )
        raise ValueError(
            f"{where}: {name} has shape {format_shape(arr.shape)}: softmax over a single class is always 1 "
            "(and its gradient always 0), which almost always means a row was passed where a column was "
            f"meant (or the other way round); softmax normalises over {layout}"
        )


def check_softmax_output(S: np.ndarray, name: str, where: str, axis: int) -> None:
    """S must look like softmax output along `axis`: entries in [0, 1], each slice summing to 1
    (to within sqrt(eps) of S's dtype), at least 2 classes."""
    _check_classes(S, name, where, axis)
    tol = float(np.sqrt(np.finfo(S.dtype).eps))
    outside = (S < 0) | (S > 1)
    if np.any(outside):
        raise ValueError(
            f"{where}: {name} must be a softmax output (entries in [0, 1], each sample summing to 1) "
            f"but {first_entry(S, outside, name)}"
        )
    sums = np.sum(S, axis=axis)
    off = np.abs(sums - 1) > tol * S.shape[axis]
    if np.any(off):
        k = int(np.argmax(off))
        which = "column" if axis == 0 else "row"
        raise ValueError(
            f"{where}: {name} must be a softmax output (each sample summing to 1) but {which} {k} of "
            f"{name} sums to {float(sums[k])!r}"
        )


class Softmax(Activation):
    """Softmax over axis 0 (the features of one column): s_i = e^{z_i} / sum_k e^{z_k}
    (eq. (3.6)).

    Not elementwise: J(z) = diag(s) - s s^T (eq. (3.7)), and the backward step for a column-layout batch is
    grad_z = s * (grad_a - sum(s * grad_a, axis=0)) (eq. (4.9)). Stable: z - max(z) is
    exponentiated, never z itself (an entry of z - max(z) below the float range is -inf, and its
    exponential the correct 0). At least 2 classes: z of shape (1,) or (1, N) raises ValueError.
    """

    name = "softmax"
    elementwise = False

    def _columns(self, z, name="z", where=None):
        where = where or self._where()
        z = as_float_array(z, name, where)
        if z.ndim not in (1, 2):
            raise ValueError(
                f"{where}: {name} has shape {format_shape(z.shape)} but expected (n,) (one sample) or "
                "(n, N) (N samples as columns); softmax normalises over axis 0"
            )
        _check_classes(z, name, where, 0)
        return z

    def _value(self, z: np.ndarray) -> np.ndarray:
        with quiet():  # z - max(z) may fall below -max float: -inf, and exp(-inf) = 0 is right
            e = np.exp(z - np.max(z, axis=0))
        return e / np.sum(e, axis=0)

    def value(self, z) -> np.ndarray:
        """s = softmax(z) over axis 0; z (n,) or (n, N) -> same shape, every column sums to 1 (eq. (3.6))."""
        return self._value(self._columns(z))

    def _value_of_checked(self, z: np.ndarray) -> np.ndarray:
        return self._value(z)

    def derivative(self, z):
        """Not defined: softmax is not elementwise. Raises ValueError pointing to jacobian/vjp."""
        raise ValueError(
            "activation 'softmax' is not elementwise: every output s_i depends on every input z_j, so "
            "there is no elementwise f'(z); use jacobian(z) = diag(s) - s s^T (eq. (3.7)) or "
            "vjp(z, a, grad_a)"
        )

    def derivative_from_output(self, a):
        """Not defined: softmax's derivative is a full matrix. Raises ValueError pointing to jacobian/vjp."""
        raise ValueError(
            "activation 'softmax' has no elementwise derivative to write through a: its Jacobian "
            "diag(s) - s s^T (eq. (3.7)) is a full matrix; use jacobian(z) or vjp(z, a, grad_a)"
        )

    def jacobian(self, z) -> np.ndarray:
        """J(z) = diag(s) - s s^T (eq. (3.7)), shape (n, n), for one sample z of shape (n,) or (n, 1)."""
        z = self._columns(z)
        check_single_sample(z, "z", self._where(), "the Jacobian is for one sample; use vjp() for a batch")
        s = self._value(z.ravel())
        return np.diag(s) - np.outer(s, s)

    def vjp(self, z, a, grad_a) -> np.ndarray:
        """grad_z = J(z)^T grad_a = s * (grad_a - sum(s * grad_a, axis=0)) per column
        (eq. (3.9)).

        Shapes: z, grad_a and a = softmax(z) (or None: then it is recomputed) all (n,), (n, 1) or (n, N).
        A given a is checked against softmax(z) (to within sqrt(eps) of the less precise dtype of a and
        z, 1.5e-8 for float64): an a from another z would silently give a wrong gradient.
        """
        where = self._where() + " backward"
        z, grad_a = self._backward_inputs(self._columns(z, "z", where), a, grad_a)
        s = self._value(z)
        if a is not None:
            a = as_float_array(a, "a", where)
            check_matches(a, s, "a", "softmax(z)", where, "a must be the forward output for this z, "
                          "or pass a=None to have it recomputed")
            s = a
        return _softmax_vjp(s, grad_a, 0, where, "grad_a")

    def forward(self, x) -> np.ndarray:
        """s = softmax(x) over axis 0 (value), the layer form; caches x and s for backward."""
        self._z = self._columns(x, "x")
        self._a = self._value(self._z)
        return self._a

    def backward(self, dy) -> np.ndarray:
        """dE/dx = s * (dy - sum(s * dy, axis=0)) at the cached s (eq. (3.9)), the shape of x."""
        self._require_forward()
        return _softmax_vjp(self._a, self._layer_dy(dy), 0, self._where() + " backward", "dy")


identity = Identity()
sigmoid = Sigmoid()
tanh = Tanh()
relu = ReLU()
square = Square()
softmax = Softmax()

_ACTIVATIONS = {act.name: act for act in (identity, sigmoid, tanh, relu, square, softmax)}
_ACTIVATIONS["linear"] = identity


def get_activation(name_or_obj, where: str | None = None) -> Activation:
    """The Activation for a name ('identity' (alias 'linear'), 'sigmoid', 'tanh', 'relu', 'square',
    'softmax') or an Activation instance (returned as is). Unknown names (and anything else) raise
    ValueError listing the known ones; `where` (a function or layer) prefixes the message."""
    if isinstance(name_or_obj, Activation):
        return name_or_obj
    if isinstance(name_or_obj, str) and name_or_obj.lower() in _ACTIVATIONS:
        return _ACTIVATIONS[name_or_obj.lower()]
    shown = repr(name_or_obj) if len(repr(name_or_obj)) <= 80 else repr(name_or_obj)[:77] + "..."
    prefix = f"{where}: " if where else ""
    raise ValueError(
        f"{prefix}unknown activation {shown}; known activations: {', '.join(sorted(_ACTIVATIONS))} "
        "(or pass an Activation instance)"
    )
