"""Chapter 1's checked exercises: a vector-Jacobian product through a chain (eq. (1.3)), and the
Jacobian of one layer's map x -> tanh(W x + b) by the chain rule (eq. (1.2))."""

from __future__ import annotations

import numpy as np

from . import register
from ._build import f32, jacobian
from ._engine import Case, Exercise, Mistake

# --------------------------------------------------------------------------------------------
# vjp_chain
# --------------------------------------------------------------------------------------------


def vjp_chain(jacobians, v):
    """The gradient at the start of a chain: v^0 = J_1^T (J_2^T ( ... (J_m^T v^m))) (eq. (1.3)).

    jacobians: [J_1, ..., J_m], J_k of shape (p_k, p_{k-1}); v: v^m = dE/dx^m, shape (p_m,).
    Returns v^0 = dE/dx^0, shape (p_0,). One vector-Jacobian product per map, from the last map back.
    """
    for J in reversed(jacobians):
        v = J.T @ v
    return v


def _vjp_cases(rng):
    def chain(dims):
        js = [rng.standard_normal((dims[k + 1], dims[k])) for k in range(len(dims) - 1)]
        return js, rng.standard_normal(dims[-1])

    cases = []
    for label, dims in [("three maps 4-3-5-2", [4, 3, 5, 2]), ("one map 3-2", [3, 2]),
                        ("square maps 3-3-3-3", [3, 3, 3, 3]), ("four maps 6-5-4-3-2", [6, 5, 4, 3, 2])]:
        js, v = chain(dims)
        cases.append(Case(label, (js, v)))
    js, v = chain([4, 3, 5, 2])
    cases.append(Case("float32, 4-3-5-2", f32(js, v)))
    js = [rng.integers(-3, 4, (2, 2)).astype(np.int64) for _ in range(3)]
    cases.append(Case("integers, square 2-2-2-2", (js, rng.integers(-3, 4, 2).astype(np.int64))))
    return cases


def _vjp_numeric(jacobians, v):
    def E(x0):
        x = x0
        for J in jacobians:
            x = J @ x
        return v @ x

    return (jacobian(E, np.zeros(jacobians[0].shape[1])),)


def _vjp_J(jacobians, v):
    for J in reversed(jacobians):
        v = J @ v
    return v


def _vjp_order(jacobians, v):
    for J in jacobians:
        v = J.T @ v
    return v


def _vjp_early(jacobians, v):
    for J in reversed(jacobians[1:]):
        v = J.T @ v
    return v


register(Exercise(
    name="vjp_chain", chapter=1, title="A vector-Jacobian product through a chain",
    outputs=("v0",), reference=vjp_chain, cases=_vjp_cases, numeric=_vjp_numeric, seed=101,
    mistakes=(
        Mistake("J_instead_of_JT", "each step multiplies by J_k where J_k^T belongs",
                "a vector-Jacobian product is J^T v (eq. (1.3)): write J.T @ v, or v @ J. With J @ v the "
                "shapes only fit when every map is square, and the numbers are still wrong.", _vjp_J),
        Mistake("wrong_order", "the products start at the first map instead of the last",
                "the backward vector starts at the loss: apply J_m^T first and J_1^T last "
                "(loop over reversed(jacobians)).", _vjp_order),
        Mistake("stops_early", "the loop stops one map early: it returns v^1, not v^0",
                "every map's Jacobian takes part, J_1 too: loop over all of reversed(jacobians).", _vjp_early),
    ),
))

# --------------------------------------------------------------------------------------------
# layer_jacobian
# --------------------------------------------------------------------------------------------


def layer_jacobian(W, b, x):
    """The Jacobian of the layer map F(x) = tanh(W x + b) at x: J_F = diag(1 - tanh^2(z)) W, z = W x + b.

    W: (n_out, n_in), b: (n_out,), x: (n_in,). Returns J_F: (n_out, n_in), entry (i, j) = dF_i/dx_j.
    The chain rule, eq. (1.2), for the affine map z = W x + b (Jacobian W) followed by tanh entry by
    entry (a diagonal Jacobian): row i of W scaled by tanh'(z_i).
    """
    z = W @ x + b
    return (1 - np.tanh(z) ** 2)[:, None] * W


def _layer_cases(rng):
    cases = []
    for label, (n_out, n_in) in [("3 outputs, 4 inputs", (3, 4)), ("one output, one input", (1, 1)),
                                 ("square 3x3", (3, 3)), ("5 outputs, 2 inputs", (5, 2))]:
        W = rng.standard_normal((n_out, n_in))
        cases.append(Case(label, (W, rng.standard_normal(n_out) * 0.5, rng.standard_normal(n_in))))
    W = rng.standard_normal((3, 4))
    cases.append(Case("float32, 3 outputs, 4 inputs", f32(W, rng.standard_normal(3) * 0.5, rng.standard_normal(4))))
    cases.append(Case("integers, 2 outputs, 3 inputs", (rng.integers(-2, 3, (2, 3)), rng.integers(-1, 2, 2),
                                                         rng.integers(-1, 2, 3))))
    return cases


def _layer_numeric(W, b, x):
    return (jacobian(lambda y: np.tanh(W @ y + b), x),)


register(Exercise(
    name="layer_jacobian", chapter=1, title="The Jacobian of one layer",
    outputs=("J",), reference=layer_jacobian, cases=_layer_cases, numeric=_layer_numeric, seed=102,
    mistakes=(
        Mistake("diag_on_the_right", "the diagonal factor is on the wrong side: W diag(f'(z))",
                "the chain rule multiplies the later map's Jacobian on the left: J_F = diag(f'(z)) W, "
                "which scales the rows of W (f'(z)[:, None] * W).",
                lambda W, b, x: W @ np.diag(1 - np.tanh(W @ x + b) ** 2)),
        Mistake("derivative_at_a", "tanh' is taken at a = tanh(z) instead of at z",
                "tanh'(z) = 1 - tanh(z)^2 = 1 - a^2: square a, do not apply tanh to it again.",
                lambda W, b, x: (1 - np.tanh(np.tanh(W @ x + b)) ** 2)[:, None] * W),
        Mistake("z_for_a", "1 - z^2 is used where 1 - a^2 = 1 - tanh(z)^2 belongs",
                "the derivative of tanh is 1 - tanh(z)^2: compute a = tanh(z) first.",
                lambda W, b, x: (1 - (W @ x + b) ** 2)[:, None] * W),
        Mistake("missing_W", "the Jacobian of the affine map, W, is missing",
                "z = W x + b has Jacobian W; multiply diag(f'(z)) by it.",
                lambda W, b, x: np.diag(1 - np.tanh(W @ x + b) ** 2)),
    ),
))
