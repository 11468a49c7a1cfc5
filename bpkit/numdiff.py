"""Numerical differentiation: the reference every analytic gradient in the course is checked against.

Central differences: d f / d x_j  ~  (f(x + eps e_j) - f(x - eps e_j)) / (2 eps), with error
O(eps^2) from truncation plus O(machine eps * |f| / eps) from rounding. ``order=4`` uses the
five-point stencil (-f(x+2h) + 8 f(x+h) - 8 f(x-h) + f(x-2h)) / (12 h), truncation error O(h^4):
with h = 1e-3 it is accurate to about 1e-12, far enough below 1e-7 to confirm small entries. Everything is computed in
float64 on a float64 copy of x (integer x is converted exactly, never truncated).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import as_float_array, check_same_shape, format_shape

__all__ = [
    "numerical_jacobian",
    "numerical_gradient",
    "relative_error",
    "GradCheckResult",
    "GradientCheckError",
    "check_gradient",
]


def _evaluate(f: Callable, x: np.ndarray, where: str) -> np.ndarray:
    """f(x) as a float64 array of its own (f may return a view of x or a Python scalar)."""
    return np.array(as_float_array(f(x.copy()), "f(x)", where), dtype=np.float64)


# Central-difference stencils: order -> ((step multiple, weight), ...); the derivative is
# sum(weight * f(x + multiple * eps e_j)) / eps.
_STENCILS = {
    2: ((1, 1 / 2), (-1, -1 / 2)),
    4: ((2, -1 / 12), (1, 8 / 12), (-1, -8 / 12), (-2, 1 / 12)),
}


def numerical_jacobian(f: Callable, x, eps: float = 1e-6, order: int = 2) -> np.ndarray:
    """Central-difference Jacobian of f at x.

    J[i..., j...] = (f(x + eps e_j) - f(x - eps e_j))[i...] / (2 eps), i.e. J_F(x)[i, j] = d F_i / d x_j
    as in seed 004, eq. 1.1, generalised to arrays. ``order=4`` uses the five-point stencil
    (-f(x + 2eps e_j) + 8 f(x + eps e_j) - 8 f(x - eps e_j) + f(x - 2eps e_j)) / (12 eps).

    Shapes: x any shape; f(x) any shape (or a scalar). Returns f(x).shape + x.shape, dtype float64.
    For a scalar f this is x.shape: the gradient.
    Raises ValueError for non-finite x, eps <= 0, an order other than 2 or 4, or f returning
    non-finite values or changing shape.
    """
    where = "numerical_jacobian"
    if not (np.isscalar(eps) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"{where}: eps must be a positive finite number but is {eps!r}")
    if order not in _STENCILS:
        raise ValueError(f"{where}: order must be one of {sorted(_STENCILS)} but is {order!r}")
    x = np.array(as_float_array(x, "x", where), dtype=np.float64)
    out_shape = _evaluate(f, x, where).shape
    J = np.empty(out_shape + x.shape, dtype=np.float64)
    for j in np.ndindex(*x.shape):
        total = np.zeros(out_shape)
        for multiple, weight in _STENCILS[order]:
            x_step = x.copy()
            x_step[j] += multiple * eps
            f_step = _evaluate(f, x_step, f"{where} (at x{list(j)} {multiple:+d} eps)")
            if f_step.shape != out_shape:
                raise ValueError(
                    f"{where}: f(x) has shape {format_shape(out_shape)} but f changed its output shape "
                    f"when x{list(j)} was perturbed"
                )
            total += weight * f_step
        J[(Ellipsis,) + j] = total / eps
    return J


def numerical_gradient(f: Callable, x, eps: float = 1e-6, order: int = 2) -> np.ndarray:
    """Central-difference gradient of a scalar function f at x (seed 004, eq. 1.1: the column of dz/dx_j).

    Shapes: x any shape; f(x) must be a scalar (0-d); returns x.shape, dtype float64.
    Raises ValueError if f(x) is not a scalar.
    """
    value = np.asarray(f(np.array(as_float_array(x, "x", "numerical_gradient"), dtype=np.float64)))
    if value.ndim != 0:
        raise ValueError(
            f"numerical_gradient: f must return a scalar but f(x) has shape {format_shape(value.shape)}; "
            "use numerical_jacobian for vector-valued f"
        )
    return numerical_jacobian(f, x, eps, order)


def relative_error(analytic, numerical, floor: float = 1e-8) -> np.ndarray:
    """Elementwise relative error |a - n| / max(|a|, |n|, floor).

    The floor keeps entries where both values are (nearly) zero from dividing by zero: there the
    measure becomes |a - n| / floor. Shapes must match exactly (no broadcasting); returns that shape.
    """
    where = "relative_error"
    a = as_float_array(analytic, "analytic", where)
    n = as_float_array(numerical, "numerical", where)
    check_same_shape(a, n, ("analytic", "numerical"), where)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    return np.abs(a - n) / scale


class GradientCheckError(AssertionError):
    """Raised by check_gradient when the analytic and numerical derivatives disagree."""


@dataclass
class GradCheckResult:
    """Outcome of check_gradient: the worst entry and how far apart the two derivatives are there.

    worst_index indexes the compared array (shape ``shape``: x.shape for a gradient,
    f(x).shape + x.shape for a Jacobian).
    """

    ok: bool
    max_rel_error: float
    worst_index: tuple
    analytic_value: float
    numerical_value: float
    abs_error: float
    tol: float
    shape: tuple

    def __str__(self) -> str:
        verdict = "passed" if self.ok else "failed"
        compare = "<=" if self.ok else ">"
        return (
            f"gradient check {verdict}: worst entry at index {self.worst_index}: "
            f"analytic = {self.analytic_value:.6g}, numerical = {self.numerical_value:.6g}, "
            f"|difference| = {self.abs_error:.4g}, relative error = {self.max_rel_error:.1e} "
            f"{compare} tol {self.tol:.1e} (compared arrays of shape {format_shape(self.shape)})"
        )


def check_gradient(
    f: Callable,
    x,
    analytic,
    tol: float = 1e-6,
    eps: float = 1e-6,
    raise_on_fail: bool = True,
    order: int = 2,
    floor: float = 1e-8,
) -> GradCheckResult:
    """Compare an analytic derivative with numerical_jacobian(f, x, eps, order), like torch.autograd.gradcheck.

    analytic: an array, or a callable of x returning one: the gradient (shape x.shape) for scalar f,
    or the Jacobian (shape f(x).shape + x.shape) for array-valued f.
    The measure is relative_error (with ``floor``, default 1e-8) at the worst entry; the check passes if it is <= tol.
    On failure raises GradientCheckError naming the worst entry's index, both values, the absolute
    difference and the relative error (or returns the result if raise_on_fail=False).
    Raises ValueError if the shapes differ (both shapes are named).
    """
    where = "check_gradient"
    x = as_float_array(x, "x", where)
    if callable(analytic):
        analytic = analytic(x.copy())
    a = np.asarray(as_float_array(analytic, "analytic gradient", where), dtype=np.float64)
    numerical = numerical_jacobian(f, x, eps, order)
    if a.shape != numerical.shape:
        raise ValueError(
            f"{where}: analytic gradient has shape {format_shape(a.shape)} but the numerical one has "
            f"shape {format_shape(numerical.shape)} (f(x).shape + x.shape, with x of shape "
            f"{format_shape(x.shape)})"
        )
    if a.size == 0:
        return GradCheckResult(True, 0.0, (), 0.0, 0.0, 0.0, tol, a.shape)
    rel = relative_error(a, numerical, floor)
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(rel), rel.shape))
    result = GradCheckResult(
        ok=bool(rel[worst] <= tol),
        max_rel_error=float(rel[worst]),
        worst_index=worst,
        analytic_value=float(a[worst]),
        numerical_value=float(numerical[worst]),
        abs_error=float(abs(a[worst] - numerical[worst])),
        tol=tol,
        shape=a.shape,
    )
    if not result.ok and raise_on_fail:
        raise GradientCheckError(str(result))
    return result
