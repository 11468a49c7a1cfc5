"""Chapter 3's checked exercises: the backward step of sigmoid (eq. (3.4)) and tanh (eq. (3.5)),
the matrix-free softmax backward step (eq. (3.9)) and the fused softmax + cross-entropy error
signal (eq. (3.14))."""

from __future__ import annotations

import numpy as np

from . import register
from ._build import f32, grad, log_softmax, sigmoid, softmax
from ._engine import Case, Exercise, Mistake


def _elementwise_cases(rng, scale=2.0):
    cases = [Case(label, (rng.standard_normal(shape) * scale, rng.standard_normal(shape)))
             for label, shape in [("a vector of 5", (5,)), ("a batch 3 x 4", (3, 4)), ("one entry", (1,))]]
    cases.append(Case("float32, a batch 3 x 4", f32(rng.standard_normal((3, 4)) * scale, rng.standard_normal((3, 4)))))
    cases.append(Case("integer z and v", (rng.integers(-3, 4, 6), rng.integers(-2, 3, 6))))
    return cases


# --------------------------------------------------------------------------------------------
# sigmoid_backward, tanh_backward
# --------------------------------------------------------------------------------------------


def sigmoid_backward(z, v):
    """dE/dz = v * sigma'(z), with sigma'(z) = sigma(z)(1 - sigma(z)) (eq. (3.3), eq. (3.4)).

    z: the net input, v = dE/da the backward vector at a = sigma(z); both of one shape (any).
    Returns dE/dz, the shape of z: the diagonal Jacobian applied entry by entry.
    """
    a = sigmoid(z)
    return v * a * (1 - a)


register(Exercise(
    name="sigmoid_backward", chapter=3, title="The sigmoid's backward step",
    outputs=("dz",), reference=sigmoid_backward, cases=_elementwise_cases, seed=301,
    numeric=lambda z, v: (grad(lambda y: np.sum(v * sigmoid(y)), z),),
    mistakes=(
        Mistake("derivative_at_a", "sigma' is evaluated at a = sigma(z) instead of at z",
                "sigma'(z) = a (1 - a) where a = sigma(z) (eq. (3.4)): compute a once and use it; "
                "do not apply sigma to a again.",
                lambda z, v: v * sigmoid(sigmoid(z)) * (1 - sigmoid(sigmoid(z)))),
        Mistake("z_for_a", "z (1 - z) is used where a (1 - a) belongs",
                "the derivative is written in the output a = sigma(z): a (1 - a), not z (1 - z).",
                lambda z, v: v * z * (1 - z)),
        Mistake("missing_v", "the backward vector v is missing: this is sigma'(z) alone",
                "the backward step multiplies the incoming gradient: v * sigma'(z) (eq. (3.3)).",
                lambda z, v: sigmoid(z) * (1 - sigmoid(z))),
        Mistake("missing_one_minus", "the factor (1 - a) is missing: this is v * a",
                "sigma'(z) = a (1 - a), two factors (eq. (3.4)).", lambda z, v: v * sigmoid(z)),
    ),
))


def tanh_backward(z, v):
    """dE/dz = v * (1 - tanh(z)^2) (eq. (3.3), eq. (3.5)).

    z and v of one shape (any); returns the shape of z.
    """
    return v * (1 - np.tanh(z) ** 2)


register(Exercise(
    name="tanh_backward", chapter=3, title="The tanh backward step",
    outputs=("dz",), reference=tanh_backward, cases=lambda rng: _elementwise_cases(rng, 1.0), seed=302,
    numeric=lambda z, v: (grad(lambda y: np.sum(v * np.tanh(y)), z),),
    mistakes=(
        Mistake("z_for_a", "1 - z^2 is used where 1 - a^2 = 1 - tanh(z)^2 belongs",
                "tanh'(z) = 1 - a^2 with a = tanh(z) (eq. (3.5)): compute a first.",
                lambda z, v: v * (1 - z ** 2)),
        Mistake("no_square", "the square is missing: 1 - tanh(z) instead of 1 - tanh(z)^2",
                "tanh'(z) = 1 - tanh(z)^2 (eq. (3.5)).", lambda z, v: v * (1 - np.tanh(z))),
        Mistake("derivative_at_a", "tanh' is evaluated at a = tanh(z) instead of at z",
                "1 - a^2 with a = tanh(z): square a, do not apply tanh to it again.",
                lambda z, v: v * (1 - np.tanh(np.tanh(z)) ** 2)),
        Mistake("sech_not_squared", "sech(z) = 1/cosh(z) is used where sech(z)^2 belongs",
                "tanh'(z) = 1/cosh(z)^2 = 1 - tanh(z)^2: the square is part of it.",
                lambda z, v: v / np.cosh(z)),
    ),
))

# --------------------------------------------------------------------------------------------
# softmax_backward
# --------------------------------------------------------------------------------------------


def softmax_backward(s, v):
    """dE/dz = J^T v = s * (v - (s . v)) for s = softmax(z), without forming J (eq. (3.9)).

    J = diag(s) - s s^T (eq. (3.7)) is symmetric, so J^T v = s * v - s (s^T v).
    s: the softmax output, shape (p,), entries positive and summing to 1; v = dE/ds, shape (p,).
    Returns dE/dz, shape (p,).
    """
    return s * (v - s @ v)


def _softmax_cases(rng):
    def pair(p, scale=1.0):
        return softmax(rng.standard_normal(p) * scale), rng.standard_normal(p)

    cases = [Case(label, pair(p, scale)) for label, p, scale in
             [("three classes", 3, 1.0), ("ten classes", 10, 2.0), ("one class", 1, 1.0),
              ("four classes, one logit far ahead", 4, 6.0)]]
    cases.append(Case("float32, five classes", f32(*pair(5))))
    return cases


def _softmax_numeric(s, v):
    # z = log s has softmax(z) = s; dE/dz of E = v . softmax(z)
    return (grad(lambda z: v @ softmax(z), np.log(s)),)


register(Exercise(
    name="softmax_backward", chapter=3, title="The softmax backward step, matrix-free",
    outputs=("dz",), reference=softmax_backward, cases=_softmax_cases, numeric=_softmax_numeric, seed=303,
    mistakes=(
        Mistake("diagonal_only", "only the diagonal of the softmax Jacobian is used: s (1 - s) v",
                "softmax's Jacobian is full, diag(s) - s s^T (eq. (3.7)): every output depends on every "
                "logit. The off-diagonal part gives the term - s (s . v).", lambda s, v: s * (1 - s) * v),
        Mistake("missing_s", "the factor s is missing: v - (s . v)",
                "J^T v = s * (v - (s . v)): the bracket is multiplied entry by entry by s (eq. (3.9)).",
                lambda s, v: v - s @ v),
        Mistake("plus_rank_one", "the rank-one term has the wrong sign: s * (v + (s . v))",
                "J = diag(s) - s s^T, so J^T v = s * v - s (s . v) (eq. (3.9)).", lambda s, v: s * (v + s @ v)),
        Mistake("rank_one_only", "only the rank-one part: - s (s . v), the diag(s) v term is missing",
                "J^T v = diag(s) v - s (s^T v): both terms (eq. (3.9)).", lambda s, v: -s * (s @ v)),
    ),
))

# --------------------------------------------------------------------------------------------
# softmax_cce_delta
# --------------------------------------------------------------------------------------------


def softmax_cce_delta(z, t):
    """delta = softmax(z) - t: the error signal of a softmax output under the categorical cross
    entropy E = -sum_k t_k log s_k (eq. (3.14)).

    z: the logits, shape (p,); t: a one-hot target (or any probability vector), shape (p,).
    Returns delta = dE/dz, shape (p,). softmax with the largest logit subtracted first, so that
    large logits do not overflow (the shift invariance, eq. (3.8)).
    """
    return softmax(z) - t


def _cce_cases(rng):
    def onehot(p):
        return np.eye(p)[rng.integers(0, p)]

    cases = [Case(label, (rng.standard_normal(p) * 2, onehot(p))) for label, p in
             [("three classes", 3), ("ten classes", 10), ("two classes", 2)]]
    cases.append(Case("large logits (up to about 1000)", (rng.standard_normal(4) * 10 + 990, onehot(4))))
    cases.append(Case("float32, five classes", f32(rng.standard_normal(5) * 2, onehot(5))))
    cases.append(Case("integer logits", (rng.integers(-5, 6, 6), np.eye(6, dtype=np.int64)[2])))
    return cases


def _cce_numeric(z, t):
    return (grad(lambda y: -np.sum(t * log_softmax(y)), z),)


register(Exercise(
    name="softmax_cce_delta", chapter=3, title="Softmax and cross entropy together",
    outputs=("delta",), reference=softmax_cce_delta, cases=_cce_cases, numeric=_cce_numeric, seed=304,
    mistakes=(
        Mistake("missing_t", "the target is missing: this is softmax(z)",
                "delta = s - t (eq. (3.14)): subtract the target.", lambda z, t: softmax(z)),
        Mistake("gradient_wrt_s", "this is dE/ds = -t / s, the gradient at the softmax output, not at z",
                "the chain through softmax's Jacobian simplifies: J^T (-t / s) = s - t (eq. (3.14)).",
                lambda z, t: -t / softmax(z)),
        Mistake("extra_diagonal", "(s - t) is multiplied by s (1 - s) again",
                "s - t is already the gradient with respect to z: the softmax's Jacobian is used up in it; "
                "do not apply a derivative on top (eq. (3.14)).",
                lambda z, t: (softmax(z) - t) * softmax(z) * (1 - softmax(z))),
    ),
))
