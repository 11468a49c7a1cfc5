"""An independent oracle: the autograd package differentiates a forward pass written here with autograd.numpy.

Nothing below calls bpkit to compute the oracle's values: activations, losses and the network's forward
pass are re-written with anp, and autograd's reverse mode gives the gradients. bpkit must agree to
1e-10 relative error (float64, worst entry, floor 1e-8).
"""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad, jacobian
from hypothesis import assume, given
from hypothesis import strategies as st

import bpkit
from bpkit import Network, get_activation, get_loss, sigmoid_bce, softmax_cce

from ._helpers import FAST, away_from_kinks, column_arrays, max_rel

TOL = 1e-10


def anp_softmax(z):
    e = anp.exp(z - anp.max(z, axis=0))
    return e / anp.sum(e, axis=0)


ORACLE_ACT = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.maximum(z, 0.0),
    "square": lambda z: z**2,
    "softmax": anp_softmax,
}


def n_cols(y):
    return 1 if y.ndim == 1 else y.shape[1]


ORACLE_LOSS = {  # the 'sum' forms
    "squared_error": lambda y, t: 0.5 * anp.sum((y - t) ** 2),
    "mean_squared_error": lambda y, t: anp.sum((y - t) ** 2) / n_cols(y),
    "binary_cross_entropy": lambda y, t: -anp.sum(t * anp.log(y) + (1 - t) * anp.log(1 - y)),
    "categorical_cross_entropy": lambda y, t: -anp.sum(t * anp.log(y)),
}


def oracle_E(loss, reduction):
    scale = (lambda y: n_cols(y)) if reduction == "mean" and loss != "mean_squared_error" else (lambda y: 1)
    return lambda y, t: ORACLE_LOSS[loss](y, t) / scale(y)


def oracle_network_loss(params, x, t, acts, E):
    Ws, bs = params
    a = x
    for W, b, act in zip(Ws, bs, acts):
        z = anp.dot(W, a) + (b if a.ndim == 1 else b[:, None])
        a = ORACLE_ACT[act](z)
    return E(a, t)


def well_conditioned(Ws, bs, x, acts):
    """Agreement to 1e-10 is only meaningful where the problem is well conditioned: every |z| <= 20 (the
    oracle's own exp/cosh stay finite) and no sigmoid/softmax output within 1e-4 of 0 or 1 (there
    log(1 - y) and the softmax backward s * (g - sum(s g)) cancel digits in both programs).
    Saturation is tested by the large-logit tests instead."""
    a = x
    for W, b, act in zip(Ws, bs, acts):
        z = W @ a + (b if a.ndim == 1 else b[:, None])
        if np.max(np.abs(z)) > 20:
            return False
        a = ORACLE_ACT[act](z)
        if act in ("sigmoid", "softmax") and not np.all((a > 1e-4) & (a < 1 - 1e-4)):
            return False
    return True


ACTS = list(ORACLE_ACT)
OUTPUTS = {
    "squared_error": ["identity", "sigmoid", "tanh", "softmax", "square"],
    "mean_squared_error": ["identity", "tanh", "softmax"],
    "binary_cross_entropy": ["sigmoid", "softmax"],
    "categorical_cross_entropy": ["softmax", "sigmoid"],
}


def target(loss, shape, r):
    if loss in ("binary_cross_entropy", "categorical_cross_entropy"):
        e = np.exp(r.normal(size=shape))
        return e / e.sum(axis=0)  # probability columns: valid for both cross entropies
    return r.normal(size=shape)


@FAST
@given(
    st.lists(st.integers(1, 4), min_size=2, max_size=5),
    st.sampled_from(sorted(OUTPUTS)),
    st.sampled_from(["sum", "mean"]),
    st.sampled_from([None, 1, 4]),
    st.data(),
)
def test_network_gradients_agree_with_autograd(sizes, loss, reduction, N, data):
    L = len(sizes) - 1
    out = data.draw(st.sampled_from(OUTPUTS[loss]))
    if out == "softmax" and sizes[-1] == 1:
        out = "sigmoid"  # a softmax over one unit is exactly 1: bpkit refuses such a layer
    acts = data.draw(st.lists(st.sampled_from(ACTS), min_size=L - 1, max_size=L - 1)) + [out]
    r = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    shape = lambda n: (n,) if N is None else (n, N)  # noqa: E731
    x, t = r.normal(size=shape(sizes[0])), target(loss, shape(sizes[-1]), r)
    Ws = [r.normal(size=(sizes[l], sizes[l - 1])) for l in range(1, L + 1)]
    bs = [r.normal(size=sizes[l]) for l in range(1, L + 1)]
    assume(well_conditioned(Ws, bs, x, acts))

    bp_loss = get_loss(loss) if loss == "mean_squared_error" else type(get_loss(loss))(reduction)
    net = Network([bpkit.Dense(sizes[l - 1], sizes[l], acts[l - 1], W=Ws[l - 1], b=bs[l - 1]) for l in range(1, L + 1)], bp_loss)
    g = net.gradients(x, t)

    E = oracle_E(loss, reduction)
    dWs, dbs = grad(oracle_network_loss)((Ws, bs), x, t, acts, E)
    assert net.loss_value(x, t) == pytest.approx(oracle_network_loss((Ws, bs), x, t, acts, E), rel=1e-12)
    for l in range(L):
        assert max_rel(g.dW[l], dWs[l]) <= TOL, (l, g.dW[l], dWs[l])
        assert max_rel(g.db[l], dbs[l]) <= TOL, (l, g.db[l], dbs[l])


@pytest.mark.parametrize("name", ACTS)
def test_activation_jacobians_agree_with_autograd(name):
    r = np.random.default_rng(4)
    act = get_activation(name)
    for n in (1, 2, 5):
        z = r.normal(scale=3, size=n)
        if name == "softmax" and n == 1:  # one class: refused (a row passed as a column)
            with pytest.raises(ValueError, match="single class"):
                act.jacobian(z)
            continue
        assert max_rel(act.jacobian(z), jacobian(ORACLE_ACT[name])(z)) <= TOL
        assert max_rel(act.jacobian(z[:, None]), jacobian(ORACLE_ACT[name])(z)) <= TOL
        if act.elementwise:
            assert max_rel(act.derivative(z), np.diag(jacobian(ORACLE_ACT[name])(z))) <= TOL


@FAST
@given(st.sampled_from(ACTS), column_arrays(max_rows=5, max_cols=4), st.integers(0, 2**16))
def test_activation_backward_agrees_with_autograd(name, z, seed):
    grad_a = np.random.default_rng(seed).normal(size=z.shape)
    act = get_activation(name)
    if name == "softmax" and z.shape[0] == 1:  # one class: refused (a row passed as a column)
        with pytest.raises(ValueError, match="single class"):
            act.vjp(z, None, grad_a)
        return
    z = away_from_kinks(z) if name == "relu" else z  # autograd takes relu'(0) = 1/2, bpkit 0
    oracle = grad(lambda v: anp.sum(grad_a * ORACLE_ACT[name](v)))(z)
    assert max_rel(act.vjp(z, act.value(z), grad_a), oracle) <= TOL


@FAST
@given(st.sampled_from(sorted(ORACLE_LOSS)), st.sampled_from(["sum", "mean"]), column_arrays(max_rows=4, max_cols=4), st.integers(0, 2**16))
def test_loss_gradients_agree_with_autograd(loss, reduction, z, seed):
    r = np.random.default_rng(seed)
    one_class = z.shape[0] == 1  # softmax of one class is refused: then y = sigmoid(z) > 0 serves CCE too
    y = bpkit.sigmoid(z) if loss == "binary_cross_entropy" or (one_class and loss == "categorical_cross_entropy") \
        else bpkit.softmax(z) if loss == "categorical_cross_entropy" else z
    t = target(loss, z.shape, r)
    bp = get_loss(loss) if loss == "mean_squared_error" else type(get_loss(loss))(reduction)
    E = oracle_E(loss, reduction)
    assert bp.value(y, t) == pytest.approx(E(y, t), rel=1e-12)
    assert max_rel(bp.gradient(y, t), grad(E)(y, t)) <= TOL


@FAST
@given(st.sampled_from(["sum", "mean"]), column_arrays(max_rows=4, max_cols=4), st.integers(0, 2**16))
def test_fused_gradients_agree_with_autograd(reduction, z, seed):
    r = np.random.default_rng(seed)
    for fused, act, loss in [(sigmoid_bce, "sigmoid", "binary_cross_entropy"), (softmax_cce, "softmax", "categorical_cross_entropy")]:
        t = target(loss, z.shape, r)
        if fused is softmax_cce and z.shape[0] == 1:  # one class: refused (a row passed as a column)
            with pytest.raises(ValueError, match="single class"):
                fused(z, t, reduction)
            continue
        E = lambda v: oracle_E(loss, reduction)(ORACLE_ACT[act](v), t)  # noqa: E731, B023
        value, g = fused(z, t, reduction)
        assert value == pytest.approx(E(z), rel=1e-12)
        assert max_rel(g, grad(E)(z)) <= TOL
