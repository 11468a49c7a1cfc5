"""Activation functions a = f(z), their derivatives, Jacobians and backward steps.

Elementwise activations F(z) = (f(z_1), ..., f(z_n)) (seed 004, eq. 3.1) have the diagonal Jacobian
J_F(z) = diag(f'(z)), so the backward step J_F^T grad_a is the Hadamard product f'(z) * grad_a
(eq. 3.2). Softmax (eq. 3.4) is not elementwise: its Jacobian is diag(s) - s s^T (eq. 3.5).

Shapes: z, a, grad_a are one sample (n,) or (n, 1), or a column-layout batch (n, N) (samples are
columns; softmax normalises over axis 0, the feature axis). Elementwise activations accept any shape.
Inputs pass through bpkit's checks: integers are converted to float64 exactly, NaN/inf raise ValueError.

Stability: sigmoid, tanh' and softmax are written so that |z| up to 1e4 (and beyond) gives no
overflow, NaN or RuntimeWarning: they only ever exponentiate non-positive numbers.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_same_shape, check_single_sample, format_shape

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


class Activation:
    """Base class of a = f(z). Subclasses define _f(z) and _df(z) (elementwise) or override the methods.

    value(z) -> a, same shape as z.
    derivative(z) -> f'(z) elementwise, same shape (elementwise activations only).
    derivative_from_output(a) -> f'(z) written through a = f(z) (where that is possible).
    jacobian(z) -> J_F(z), shape (n, n), for one sample z of shape (n,) or (n, 1).
    backward(z, a, grad_a) -> grad_z = J_F(z)^T grad_a without forming J, same shape as z.
    """

    name = "activation"
    elementwise = True

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
    def value(self, z) -> np.ndarray:
        """a = f(z), applied to every entry (shape of z)."""
        return self._f(self._input(z))

    def __call__(self, z) -> np.ndarray:
        return self.value(z)

    def derivative(self, z) -> np.ndarray:
        """f'(z) entry by entry (shape of z): the diagonal of J_F(z) (seed 004, eq. 3.2)."""
        return self._df(self._input(z))

    def derivative_from_output(self, a) -> np.ndarray:
        """f'(z) expressed through the output a = f(z) (shape of a), as in seed 004, eq. 3.3."""
        return self._df_from_output(self._input(a, "a"))

    def jacobian(self, z) -> np.ndarray:
        """J_F(z) = diag(f'(z)) (seed 004, sec. 3.1), shape (n, n) for one sample z of shape (n,) or (n, 1)."""
        z = self._input(z)
        check_single_sample(z, "z", self._where(), "the Jacobian is for one sample; use backward() for a batch")
        return np.diag(self._df(z).ravel())

    def backward(self, z, a, grad_a) -> np.ndarray:
        """grad_z = J_F(z)^T grad_a = f'(z) * grad_a (Hadamard product, seed 004, eq. 3.2).

        Shapes: z, grad_a (and a, if given; it may be None here) all the same: (n,), (n, 1) or (n, N).
        """
        z, grad_a = self._backward_inputs(z, a, grad_a)
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

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class Identity(Activation):
    """f(z) = z, f'(z) = 1 (the 'linear activation' of seed 002, problem 1)."""

    name = "identity"

    def _f(self, z):
        return z.copy()

    def _df(self, z):
        return np.ones_like(z)

    def _df_from_output(self, a):
        return np.ones_like(a)


class Sigmoid(Activation):
    """Logistic sigmoid f(z) = 1 / (1 + e^{-z}) (seed 004, sec. 3.1.1); f'(z) = f(z)(1 - f(z)) (eq. 3.3).

    Stable form with e = exp(-|z|) <= 1: f(z) = 1/(1+e) for z >= 0 and e/(1+e) for z < 0, and
    f'(z) = e / (1+e)^2, which keeps full relative accuracy in the tails.
    """

    name = "sigmoid"

    def _f(self, z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    def _df(self, z):
        e = np.exp(-np.abs(z))
        return e / (1 + e) ** 2

    def _df_from_output(self, a):
        return a * (1 - a)


class Tanh(Activation):
    """f(z) = tanh z (seed 004, sec. 3.1.2); f'(z) = 1 - tanh(z)^2 = 1 - a^2.

    derivative(z) uses the equal form 4e / (1+e)^2 with e = exp(-2|z|) (that is sech^2 z), which does not
    lose relative accuracy where tanh(z)^2 rounds to 1.
    """

    name = "tanh"

    def _f(self, z):
        return np.tanh(z)

    def _df(self, z):
        e = np.exp(-2 * np.abs(z))
        return 4 * e / (1 + e) ** 2

    def _df_from_output(self, a):
        return 1 - a**2


class ReLU(Activation):
    """f(z) = max(z, 0); f'(z) = 1 for z > 0 and 0 for z <= 0 (the value 0 at the kink z = 0 is a choice)."""

    name = "relu"

    def _f(self, z):
        return np.maximum(z, 0)

    def _df(self, z):
        return (z > 0).astype(z.dtype)

    def _df_from_output(self, a):
        return (a > 0).astype(a.dtype)


class Square(Activation):
    """f(z) = z^2, f'(z) = 2z (the activation of seed 002, problem 2)."""

    name = "square"

    def _f(self, z):
        return z**2

    def _df(self, z):
        return 2 * z

    def _df_from_output(self, a):
        raise ValueError(
            "activation 'square': f'(z) = 2z cannot be recovered from the output a = z^2, because a "
            "forgets the sign of z (z = 2 and z = -2 both give a = 4); use derivative(z)"
        )


class Softmax(Activation):
    """Softmax over axis 0 (the features of one column): s_i = e^{z_i} / sum_k e^{z_k} (seed 004, eq. 3.4).

    Not elementwise: J(z) = diag(s) - s s^T (eq. 3.5), and the backward step for a column-layout batch is
    grad_z = s * (grad_a - sum(s * grad_a, axis=0)) (seed 004, sec. 4.3). Stable: z - max(z) is
    exponentiated, never z itself.
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
        return z

    def value(self, z) -> np.ndarray:
        """s = softmax(z) over axis 0; z (n,) or (n, N) -> same shape, every column sums to 1 (eq. 3.4)."""
        z = self._columns(z)
        e = np.exp(z - np.max(z, axis=0))
        return e / np.sum(e, axis=0)

    def derivative(self, z):
        """Not defined: softmax is not elementwise. Raises ValueError pointing to jacobian/backward."""
        raise ValueError(
            "activation 'softmax' is not elementwise: every output s_i depends on every input z_j, so "
            "there is no elementwise f'(z); use jacobian(z) = diag(s) - s s^T (seed 004, eq. 3.5) or "
            "backward(z, a, grad_a)"
        )

    def derivative_from_output(self, a):
        """Not defined: softmax's derivative is a full matrix. Raises ValueError pointing to jacobian/backward."""
        raise ValueError(
            "activation 'softmax' has no elementwise derivative to write through a: its Jacobian "
            "diag(s) - s s^T (seed 004, eq. 3.5) is a full matrix; use jacobian(z) or backward(z, a, grad_a)"
        )

    def jacobian(self, z) -> np.ndarray:
        """J(z) = diag(s) - s s^T (seed 004, eq. 3.5), shape (n, n), for one sample z of shape (n,) or (n, 1)."""
        z = self._columns(z)
        check_single_sample(z, "z", self._where(), "the Jacobian is for one sample; use backward() for a batch")
        s = self.value(z.ravel())
        return np.diag(s) - np.outer(s, s)

    def backward(self, z, a, grad_a) -> np.ndarray:
        """grad_z = J(z)^T grad_a = s * (grad_a - sum(s * grad_a, axis=0)) per column (seed 004, sec. 4.3).

        Shapes: z, grad_a and a = softmax(z) (or None: then it is recomputed) all (n,), (n, 1) or (n, N).
        """
        where = self._where() + " backward"
        z, grad_a = self._backward_inputs(self._columns(z, "z", where), a, grad_a)
        s = self.value(z) if a is None else as_float_array(a, "a", where)
        return s * (grad_a - np.sum(s * grad_a, axis=0))


identity = Identity()
sigmoid = Sigmoid()
tanh = Tanh()
relu = ReLU()
square = Square()
softmax = Softmax()

_ACTIVATIONS = {act.name: act for act in (identity, sigmoid, tanh, relu, square, softmax)}
_ACTIVATIONS["linear"] = identity


def get_activation(name_or_obj) -> Activation:
    """The Activation for a name ('identity' (alias 'linear'), 'sigmoid', 'tanh', 'relu', 'square',
    'softmax') or an Activation instance (returned as is). Unknown names raise ValueError listing the known ones."""
    if isinstance(name_or_obj, Activation):
        return name_or_obj
    if isinstance(name_or_obj, str) and name_or_obj.lower() in _ACTIVATIONS:
        return _ACTIVATIONS[name_or_obj.lower()]
    raise ValueError(
        f"unknown activation {name_or_obj!r}; known activations: {', '.join(sorted(_ACTIVATIONS))} "
        "(or pass an Activation instance)"
    )
