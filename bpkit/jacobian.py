"""Jacobians and the chain of maps: backpropagation as repeated vector-Jacobian products.

Chapter 1 notation (eqs. (1.1) to (1.3)):

    x^0 --F_1--> x^1 --F_2--> ... --F_m--> x^m --g--> E   (scalar)

J_F(x)[i, j] = d F_i / d x_j has shape (q, p) for F: R^p -> R^q. The backward vectors are
v^k = grad_{x^k} E with v^m = grad g(x^m) and v^{k-1} = J_{F_k}(x^{k-1})^T v^k  (eq. (1.3)), so that
v^0 = J_{F_1}^T ... J_{F_m}^T grad g is the gradient of the whole composition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ._checks import (
    as_float_array,
    check_callable,
    check_finite_result,
    check_int_list,
    check_list,
    check_single_sample,
    describe,
    format_shape,
    quiet,
)

__all__ = [
    "vjp",
    "jvp",
    "Map",
    "forward_chain",
    "jacobians_at",
    "chain_vjp",
    "chain_jacobian_forward",
    "count_flops_backward",
    "count_flops_forward",
]


def _as_matrix(J, name: str, where: str) -> np.ndarray:
    J = as_float_array(J, name, where)
    if J.ndim != 2:
        raise ValueError(f"{where}: {name} has shape {format_shape(J.shape)} but expected a matrix (q, p)")
    return J


def _product(J, vec, transpose: bool, where: str, names=None) -> np.ndarray:
    """J^T vec (transpose) or J vec, with vec of shape (k,) or (k, 1) and the result shaped alike.

    names: (name of J, name of vec) for the messages (default 'J' and 'v' or 'u').
    """
    J_name, name = names or ("J", "v" if transpose else "u")
    J = _as_matrix(J, J_name, where)
    k = J.shape[0] if transpose else J.shape[1]
    vec = as_float_array(vec, name, where)
    if check_single_sample(vec, name, where) != k:
        raise ValueError(
            f"{where}: {name} has shape {format_shape(vec.shape)} but expected ({k},) or ({k}, 1) "
            f"to fit {J_name} of shape {format_shape(J.shape)} (q x p)"
        )
    with quiet():
        out = (J.T if transpose else J) @ vec
    return check_finite_result(out, where, "the product", f"{J_name} and {name}")


def vjp(J, v) -> np.ndarray:
    """Vector-Jacobian product J^T v: one backward step v^{k-1} = J_{F_k}^T v^k
    (eq. (1.1), eq. (1.3)).

    Shapes: J (q, p); v (q,) or (q, 1). Returns (p,) or (p, 1), matching v. Never broadcasts:
    any other shape raises ValueError naming both shapes.
    """
    return _product(J, v, transpose=True, where="vjp")


def jvp(J, u) -> np.ndarray:
    """Jacobian-vector product J u: how F's output moves when its input moves along u (first-order).

    Shapes: J (q, p); u (p,) or (p, 1). Returns (q,) or (q, 1), matching u. Raises ValueError
    naming both shapes if they do not fit.
    """
    return _product(J, u, transpose=False, where="jvp")


@dataclass
class Map:
    """A differentiable map F: R^p -> R^q on 1-D arrays, with its Jacobian x -> J_F(x) of shape (q, p).

    f and jacobian must be callables (TypeError otherwise); name is shown in error messages.
    """

    name: str
    f: Callable
    jacobian: Callable

    def __post_init__(self):
        where = f"Map {self.name!r}"
        check_callable(self.f, "f", where, "a function x -> F(x)")
        check_callable(self.jacobian, "jacobian", where, "a function x -> J_F(x)")

    def __call__(self, x):
        return self.f(x)


def _check_maps(maps, where: str) -> list:
    """maps: a non-empty list of Map objects (TypeError naming the first entry that is not a Map)."""
    maps = check_list(maps, "maps", where, "a non-empty list of Map objects", min_len=1)
    for k, F in enumerate(maps):
        if not isinstance(F, Map):
            raise TypeError(
                f"{where}: maps must be a list of Map objects (Map(name, f, jacobian)) but maps[{k}] is "
                f"{describe(F)}"
            )
    return maps


def forward_chain(maps: Sequence[Map], x0) -> list:
    """The forward pass of the chain (eq. (1.2)): returns [x^0, x^1, ..., x^m], x^k = F_k(x^{k-1}).

    x0: a 1-D array (p_0,); each x^k is a 1-D float array (p_k,). Raises ValueError if a map does not
    return a finite 1-D array.
    """
    maps = _check_maps(maps, "forward_chain")
    xs = [as_float_array(x0, "x^0", "forward_chain")]
    if xs[0].ndim != 1:
        raise ValueError(f"forward_chain: x^0 has shape {format_shape(xs[0].shape)} but expected a 1-D array (p_0,)")
    for k, F in enumerate(maps, start=1):
        x = as_float_array(F.f(xs[-1]), f"x^{k} = {F.name}(x^{k - 1})", "forward_chain")
        if x.ndim != 1:
            raise ValueError(
                f"forward_chain: map {k} ({F.name!r}) returned shape {format_shape(x.shape)} "
                "but maps must return 1-D arrays"
            )
        xs.append(x)
    return xs


def jacobians_at(maps: Sequence[Map], xs: Sequence) -> list:
    """The Jacobians along the chain: [J_{F_1}(x^0), ..., J_{F_m}(x^{m-1})], J_{F_k} of shape (p_k, p_{k-1}).

    xs: the list from forward_chain (m + 1 points; only the first m are used). When x^k is known the
    shape of J_{F_k} is checked against (len x^k, len x^{k-1}).
    """
    maps = _check_maps(maps, "jacobians_at")
    xs = check_list(xs, "xs", "jacobians_at", "the list of points [x^0, ..., x^m] from forward_chain")
    m = len(maps)
    if len(xs) not in (m, m + 1):
        raise ValueError(
            f"jacobians_at: {m} maps need {m + 1} points x^0..x^{m} (or the first {m}) but xs has {len(xs)}"
        )
    points = [as_float_array(x, f"xs[{k}] (x^{k})", "jacobians_at") for k, x in enumerate(xs)]
    for k, x in enumerate(points):
        if x.ndim != 1:
            raise ValueError(
                f"jacobians_at: xs[{k}] (x^{k}) has shape {format_shape(x.shape)} but expected a 1-D point "
                "(xs is the list [x^0, ..., x^m] from forward_chain)"
            )
    Js = []
    for k, F in enumerate(maps, start=1):
        x_prev = points[k - 1]
        J = _as_matrix(F.jacobian(x_prev.copy()), f"J of map {k} ({F.name!r})", "jacobians_at")
        q = points[k].size if k < len(points) else J.shape[0]
        if J.shape != (q, x_prev.size):
            raise ValueError(
                f"jacobians_at: map {k} ({F.name!r}) has a Jacobian of shape {format_shape(J.shape)} "
                f"but expected {format_shape((q, x_prev.size))} (len x^{k} x len x^{k - 1})"
            )
        Js.append(J)
    return Js


def _check_chain(jacobians: Sequence, where: str) -> list:
    """Each J_k as a float matrix, with J_{k+1} having as many columns as J_k has rows."""
    jacobians = check_list(
        jacobians, "jacobians", where, "a non-empty list [J_1, ..., J_m] of Jacobian matrices", min_len=1
    )
    Js = [_as_matrix(J, f"jacobians[{k - 1}] (J_{k})", where) for k, J in enumerate(jacobians, start=1)]
    for k in range(1, len(Js)):
        if Js[k].shape[1] != Js[k - 1].shape[0]:
            raise ValueError(
                f"{where}: J_{k + 1} has shape {format_shape(Js[k].shape)} but J_{k} has shape "
                f"{format_shape(Js[k - 1].shape)}: J_{k + 1} needs {Js[k - 1].shape[0]} columns (p_{k}) "
                "(jacobians = [J_1, ..., J_m] with J_k of shape (p_k, p_{k-1}))"
            )
    return Js


def chain_vjp(jacobians: Sequence, grad_g) -> list:
    """Backpropagation along the chain (eq. (1.3)): returns [v^0, v^1, ..., v^m].

    v^m = grad_g (shape (p_m,) or (p_m, 1)), v^{k-1} = J_k^T v^k with J_k of shape (p_k, p_{k-1}).
    v^0 (shape (p_0,) or (p_0, 1)) is the gradient of g o F_m o ... o F_1. Cost: sum_k p_{k-1} p_k
    multiply-adds (count_flops_backward). Raises ValueError if consecutive shapes do not fit.
    """
    where = "chain_vjp"
    Js = _check_chain(jacobians, where)
    vs = [as_float_array(grad_g, "grad_g", where)]  # v^m
    m = len(Js)
    if check_single_sample(vs[0], "grad_g", where) != Js[-1].shape[0]:
        raise ValueError(
            f"{where}: grad_g has shape {format_shape(vs[0].shape)} but expected ({Js[-1].shape[0]},) or "
            f"({Js[-1].shape[0]}, 1) to fit J_{m} of shape {format_shape(Js[-1].shape)}"
        )
    for k in range(m, 0, -1):  # J_m, ..., J_1: v^{k-1} = J_k^T v^k
        names = (f"jacobians[{k - 1}] (J_{k})", "grad_g" if k == m else f"v^{k} (from grad_g)")
        vs.append(_product(Js[k - 1], vs[-1], True, where, names))
    return vs[::-1]


def chain_jacobian_forward(jacobians: Sequence) -> np.ndarray:
    """The full Jacobian J_{F_m} ... J_{F_1} of the chain, multiplied in forward order (matrix times matrix).

    Shapes: J_k (p_k, p_{k-1}); returns (p_m, p_0). Contrast with chain_vjp, which never forms a matrix
    product: see count_flops_forward versus count_flops_backward.
    """
    where = "chain_jacobian_forward"
    Js = _check_chain(jacobians, where)
    M = Js[0]
    with quiet():
        for J in Js[1:]:
            M = J @ M
    return check_finite_result(M, where, "the product J_m ... J_1", "jacobians")


def _check_dims(dims, where: str) -> list:
    return check_int_list(dims, "dims", where, "[p_0, p_1, ..., p_m] with m >= 1", min_len=2)


def count_flops_backward(dims) -> int:
    """Multiply-adds of backpropagation through dense Jacobians with sizes dims = [p_0, ..., p_m]
    (section 1.5).

    v^{k-1} = J_k^T v^k costs p_{k-1} p_k, so the total is  sum_{k=1}^{m} p_{k-1} p_k.
    """
    p = _check_dims(dims, "count_flops_backward")
    return sum(p[k - 1] * p[k] for k in range(1, len(p)))


def count_flops_forward(dims) -> int:
    """Multiply-adds of forming J_{F_m} ... J_{F_1} in forward order, then multiplying by grad g.

    With dims = [p_0, ..., p_m]: M_1 = J_1 is free, M_k = J_k M_{k-1} costs p_k p_{k-1} p_0, and the final
    vector product M_m^T grad g costs p_m p_0, so the total is
    sum_{k=2}^{m} p_0 p_{k-1} p_k + p_0 p_m (section 1.5).
    """
    p = _check_dims(dims, "count_flops_forward")
    return sum(p[0] * p[k - 1] * p[k] for k in range(2, len(p))) + p[0] * p[-1]
