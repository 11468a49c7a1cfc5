"""Chapter 2's checked exercises: the output error signal of a sigmoid layer under the squared
error (eq. (2.10)), and all four gradients of a two-layer network (eqs. (2.17) to (2.20))."""

from __future__ import annotations

import numpy as np

from . import register
from ._build import f32, grad, sigmoid
from ._engine import Case, Exercise, Mistake

# --------------------------------------------------------------------------------------------
# output_delta
# --------------------------------------------------------------------------------------------


def output_delta(z, t):
    """delta^L = (a - t) * sigma'(z) with a = sigma(z), sigma'(z) = a (1 - a): the error signal of a
    sigmoid output layer under E = (1/2)||a - t||^2 (eq. (2.10), eq. (2.17)).

    z: the net input z^L, shape (n,); t: the target, shape (n,). Returns delta^L, shape (n,).
    """
    a = sigmoid(z)
    return (a - t) * a * (1 - a)


def _delta_cases(rng):
    cases = [Case(label, (rng.standard_normal(n) * 2, rng.random(n)))
             for label, n in [("two outputs", 2), ("five outputs", 5), ("one output", 1)]]
    cases.append(Case("float32, four outputs", f32(rng.standard_normal(4) * 2, rng.random(4))))
    cases.append(Case("integer net inputs, 0/1 targets", (rng.integers(-3, 4, 6), rng.integers(0, 2, 6))))
    return cases


def _delta_numeric(z, t):
    return (grad(lambda y: 0.5 * np.sum((sigmoid(y) - t) ** 2), z),)


register(Exercise(
    name="output_delta", chapter=2, title="The output layer's error signal",
    outputs=("delta",), reference=output_delta, cases=_delta_cases, numeric=_delta_numeric, seed=201,
    mistakes=(
        Mistake("missing_derivative", "the activation's derivative sigma'(z) is missing: this is a - t",
                "delta is the gradient with respect to the net input z, not the output a: multiply a - t "
                "by sigma'(z) = a (1 - a) (eq. (2.10)).", lambda z, t: sigmoid(z) - t),
        Mistake("derivative_at_a", "sigma' is evaluated at a instead of at z",
                "sigma'(z) = sigma(z)(1 - sigma(z)) = a (1 - a): use a, without applying sigma to it again.",
                lambda z, t: (sigmoid(z) - t) * sigmoid(sigmoid(z)) * (1 - sigmoid(sigmoid(z)))),
        Mistake("z_for_a", "z (1 - z) is used where a (1 - a) belongs",
                "the sigmoid's derivative is written in its output: a (1 - a) with a = sigma(z).",
                lambda z, t: (sigmoid(z) - t) * z * (1 - z)),
        Mistake("factor_2", "the factor 2 of the squared error's derivative is kept",
                "E = (1/2)||a - t||^2 has the 1/2 so that dE/da = a - t, with no 2 (eq. (2.2)).",
                lambda z, t: 2 * (sigmoid(z) - t) * sigmoid(z) * (1 - sigmoid(z))),
    ),
))

# --------------------------------------------------------------------------------------------
# two_layer_gradients
# --------------------------------------------------------------------------------------------


def two_layer_gradients(W1, b1, W2, b2, x, t):
    """All gradients of E = (1/2)||a^2 - t||^2 for a^1 = sigma(W1 x + b1), a^2 = sigma(W2 a^1 + b2).

    The four equations, eqs. (2.17) to (2.20): delta^2 = (a^2 - t) * sigma'(z^2);
    delta^1 = (W2^T delta^2) * sigma'(z^1); dW^l = delta^l (a^{l-1})^T; db^l = delta^l.
    Shapes: W1 (n1, n0), b1 (n1,), W2 (n2, n1), b2 (n2,), x (n0,), t (n2,).
    Returns (dW1, db1, dW2, db2) with the shapes of (W1, b1, W2, b2).
    """
    a1 = sigmoid(W1 @ x + b1)
    a2 = sigmoid(W2 @ a1 + b2)
    delta2 = (a2 - t) * a2 * (1 - a2)
    delta1 = (W2.T @ delta2) * a1 * (1 - a1)
    return np.outer(delta1, x), delta1, np.outer(delta2, a1), delta2


def _net_cases(rng):
    def net(n0, n1, n2):
        return (rng.standard_normal((n1, n0)), rng.standard_normal(n1) * 0.5, rng.standard_normal((n2, n1)),
                rng.standard_normal(n2) * 0.5, rng.standard_normal(n0), rng.random(n2))

    cases = [Case(label, net(*sizes)) for label, sizes in
             [("2-2-2, as in section 2.1", (2, 2, 2)), ("3-4-2", (3, 4, 2)), ("4-3-5", (4, 3, 5)),
              ("square 3-3-3", (3, 3, 3))]]
    cases.append(Case("float32, 3-4-2", f32(*net(3, 4, 2))))
    return cases


def _net_numeric(W1, b1, W2, b2, x, t):
    params = [W1, b1, W2, b2]

    def E_of(k):
        def E(p):
            q = list(params)
            q[k] = p
            a2 = sigmoid(q[2] @ sigmoid(q[0] @ x + q[1]) + q[3])
            return 0.5 * np.sum((a2 - t) ** 2)
        return E

    return tuple(grad(E_of(k), params[k]) for k in range(4))


def _net_variant(transpose_dW=False, W_not_WT=False, no_hidden_derivative=False, derivative_at_a=False):
    def fn(W1, b1, W2, b2, x, t):
        a1 = sigmoid(W1 @ x + b1)
        a2 = sigmoid(W2 @ a1 + b2)

        def d(a):
            s = sigmoid(a) if derivative_at_a else a
            return s * (1 - s)

        delta2 = (a2 - t) * d(a2)
        back = (W2 @ delta2) if W_not_WT else (W2.T @ delta2)
        delta1 = back if no_hidden_derivative else back * d(a1)
        outer = (lambda u, v: np.outer(v, u)) if transpose_dW else np.outer
        return outer(delta1, x), delta1, outer(delta2, a1), delta2

    return fn


register(Exercise(
    name="two_layer_gradients", chapter=2, title="A two-layer network's gradients",
    outputs=("dW1", "db1", "dW2", "db2"), reference=two_layer_gradients, cases=_net_cases,
    numeric=_net_numeric, seed=202,
    mistakes=(
        Mistake("transposed_dW", "dW1 and dW2 are transposed: a^{l-1} (delta^l)^T instead of delta^l (a^{l-1})^T",
                "a gradient has the shape of its parameter: dW^l = delta^l (a^{l-1})^T is (n_l, n_{l-1}) like "
                "W^l (eq. (2.19)); np.outer(delta, a_prev).", _net_variant(transpose_dW=True)),
        Mistake("W_not_WT", "the hidden error signal uses W2 where W2^T belongs",
                "the error flows backwards through the transpose: delta^1 = (W2^T delta^2) * sigma'(z^1) "
                "(eq. (2.18)). W2 @ delta2 only fits when the layers are the same size.",
                _net_variant(W_not_WT=True)),
        Mistake("no_hidden_derivative", "the hidden layer's derivative sigma'(z^1) is missing",
                "delta^1 = (W2^T delta^2) * sigma'(z^1): the Hadamard product with the hidden layer's "
                "derivative is part of eq. (2.18) (without it, the formula is the one of a linear layer).",
                _net_variant(no_hidden_derivative=True)),
        Mistake("derivative_at_a", "sigma' is evaluated at a instead of at z, in both layers",
                "sigma'(z) = a (1 - a): use the activation itself, without applying sigma to it again.",
                _net_variant(derivative_at_a=True)),
    ),
))
