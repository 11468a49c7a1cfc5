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

from ._checks import (
    as_float_array,
    check_bool,
    check_callable,
    check_choice,
    check_finite_result,
    check_number,
    check_same_shape,
    format_shape,
    quiet,
)

__all__ = [
    "numerical_jacobian",
    "numerical_gradient",
    "relative_error",
    "GradCheckResult",
    "GradientCheckError",
    "check_gradient",
]


# The smallest step, relative to max(1, max|x|): below it x + eps is x, or nearly (float64 has ~16 digits),
# and the difference quotient is rounding noise (at eps = 1e-300 it is exactly 0).
MIN_RELATIVE_EPS = 1e-12


def _check_eps(eps, x: np.ndarray, where: str, order: int) -> float:
    """eps: a finite number > 0, at least MIN_RELATIVE_EPS * max(1, max|x|), and with x +- 2 eps finite."""
    eps = check_number(eps, "eps", where, low=0.0, low_open=True)
    scale = max(1.0, float(np.max(np.abs(x))))
    floor = MIN_RELATIVE_EPS * scale
    if eps < floor:
        raise ValueError(
            f"{where}: eps = {eps!r} is too small for x (max |x| = {scale:.3g}): steps below "
            f"{MIN_RELATIVE_EPS:g} * max(1, max|x|) = {floor:.3g} are lost to rounding (x + eps == x, or "
            f"nearly); use eps >= {floor:.3g}, typically 1e-6 (order 2) or 1e-3 (order 4)"
        )
    reach = max(abs(m) for m, _ in _STENCILS[order])
    with quiet():
        far = scale + reach * eps
    if not np.isfinite(far):
        raise ValueError(f"{where}: x +- {reach} eps leaves the float range (eps = {eps!r}, max |x| = {scale:.3g})")
    return eps


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
    as in section 1.4, generalised to arrays. ``order=4`` uses the five-point stencil
    (-f(x + 2eps e_j) + 8 f(x + eps e_j) - 8 f(x - eps e_j) + f(x - 2eps e_j)) / (12 eps).

    Shapes: x any shape; f(x) any shape (or a scalar). Returns f(x).shape + x.shape, dtype float64.
    For a scalar f this is x.shape: the gradient.
    Raises ValueError for non-finite or empty x, eps <= 0 or below 1e-12 * max(1, max|x|) (the step would
    be lost to rounding), an order other than 2 or 4, or f returning non-finite values or changing shape;
    TypeError if f is not callable or eps/order have the wrong type.
    """
    where = "numerical_jacobian"
    check_callable(f, "f", where)
    order = _check_order(order, where)
    x = np.array(as_float_array(x, "x", where), dtype=np.float64)
    eps = _check_eps(eps, x, where, order)
    out_shape = _evaluate(f, x, where).shape
    J = np.empty(out_shape + x.shape, dtype=np.float64)
    with quiet():  # a difference quotient too large for a float is reported below
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
    return check_finite_result(J, where, "the difference quotient (f(x + eps) - f(x - eps)) / (2 eps)",
                               "f(x) and eps")


def _check_order(order, where: str) -> int:
    return check_choice(order, "order", where, sorted(_STENCILS))


def numerical_gradient(f: Callable, x, eps: float = 1e-6, order: int = 2) -> np.ndarray:
    """Central-difference gradient of a scalar function f at x (section 1.4).

    Shapes: x any shape; f(x) must be a scalar (0-d); returns x.shape, dtype float64.
    Raises ValueError if f(x) is not a scalar.
    """
    where = "numerical_gradient"
    check_callable(f, "f", where)
    order = _check_order(order, where)
    x_arr = np.array(as_float_array(x, "x", where), dtype=np.float64)
    _check_eps(eps, x_arr, where, order)
    value = np.asarray(f(x_arr))
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
    floor: a finite number > 0. The result lies in [0, 2] wherever |a| or |n| exceeds the floor, also
    for values near the largest float (a - n may overflow there; those entries are computed from a/2, n/2).
    """
    where = "relative_error"
    floor = check_number(floor, "floor", where, low=0.0, low_open=True)
    a = as_float_array(analytic, "analytic", where)
    n = as_float_array(numerical, "numerical", where)
    check_same_shape(a, n, ("analytic", "numerical"), where)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    with quiet():
        rel = np.abs(a - n) / scale
        if not np.isfinite(rel).all():  # a - n overflowed: halve everything (exact) and divide again
            rel = np.where(np.isfinite(rel), rel, np.abs(a / 2 - n / 2) / (scale / 2))
    return rel


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
    parameter: str | None = None  # the parameter's key, for a whole-model check (Sequential)

    def __str__(self) -> str:
        verdict = "passed" if self.ok else "failed"
        compare = "<=" if self.ok else ">"
        of = f" of parameter {self.parameter!r}" if self.parameter else ""
        return (
            f"gradient check {verdict}: worst entry{of} at index {self.worst_index}: "
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
    check_callable(f, "f", where)
    tol = check_number(tol, "tol", where, low=0.0)
    raise_on_fail = check_bool(raise_on_fail, "raise_on_fail", where)
    floor = check_number(floor, "floor", where, low=0.0, low_open=True)
    order = _check_order(order, where)
    x = as_float_array(x, "x", where)
    _check_eps(eps, np.asarray(x, dtype=np.float64), where, order)
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
