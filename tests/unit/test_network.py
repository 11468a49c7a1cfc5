"""Network: whole-network gradients, sample/batch layouts, fused outputs, training, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpkit
from bpkit import Dense, Network, check_gradient, get_loss, numerical_gradient

from ._helpers import FAST

FUSED_OUTPUT = {"binary_cross_entropy": "sigmoid", "categorical_cross_entropy": "softmax"}


def make_loss(name, reduction):
    return get_loss(name) if name == "mean_squared_error" else type(get_loss(name))(reduction)


def make_data(sizes, loss, N, r):
    """x and a valid t, as one sample (N=None) or N columns."""
    shape = lambda n: (n,) if N is None else (n, N)  # noqa: E731
    x = r.normal(size=shape(sizes[0]))
    if loss == "categorical_cross_entropy":
        t = bpkit.softmax(r.normal(size=shape(sizes[-1])))
    elif loss == "binary_cross_entropy":
        t = r.uniform(size=shape(sizes[-1]))
    else:
        t = r.normal(size=shape(sizes[-1]))
    return x, t


def net_and_data(sizes, acts, loss, reduction="sum", N=None, seed=0):
    r = np.random.default_rng(seed)
    net = Network.from_sizes(sizes, acts, make_loss(loss, reduction), rng=r)
    return (net, *make_data(sizes, loss, N, r))


# Fixed configurations (seed 0) for the strict 1e-7 check. Central differences of E are accurate to
# about 1e-16 |E| / eps + eps^2 |E'''| ~ 1e-11 absolute at best (eps = 1e-5 balances the two), so a
# gradient entry of size 1e-4 cannot be confirmed to 1e-7 *relative* error by finite differences,
# whatever bpkit does: over 30 seeds per configuration about 1 draw in 10 has such an entry (worst
# relative error 1e-7 .. 5e-7, absolute error ~1e-11). Random networks are therefore checked against
# finite differences with rtol 1e-6 / atol 1e-9 below, and against the autograd oracle at 1e-10.
GRADCHECK_CASES = [
    ([3, 4, 2], ["sigmoid", "sigmoid"], "squared_error", "sum", None),
    ([3, 4, 2], ["tanh", "identity"], "squared_error", "mean", 5),
    ([2, 5, 4, 3], ["tanh", "sigmoid", "softmax"], "categorical_cross_entropy", "sum", 4),
    ([2, 5, 4, 3], ["sigmoid", "tanh", "softmax"], "categorical_cross_entropy", "mean", None),
    ([4, 3, 3, 2], ["tanh", "tanh", "sigmoid"], "binary_cross_entropy", "sum", 3),
    ([4, 3, 2], ["sigmoid", "sigmoid"], "binary_cross_entropy", "mean", 1),
    ([3, 3, 2], ["tanh", "softmax"], "squared_error", "sum", 2),  # softmax output, unfused loss
    ([3, 4, 3], ["sigmoid", "softmax"], "categorical_cross_entropy", "sum", 1),
    ([2, 3, 2], ["tanh", "sigmoid"], "mean_squared_error", None, 3),
    ([3, 2, 3, 2, 2], ["tanh", "sigmoid", "tanh", "sigmoid"], "squared_error", "sum", 4),
]


@pytest.mark.parametrize("sizes, acts, loss, reduction, N", GRADCHECK_CASES)
def test_whole_network_gradient_matches_numerical_to_1e_7(sizes, acts, loss, reduction, N):
    net, x, t = net_and_data(sizes, acts, loss, reduction, N, seed=0)
    result = check_gradient(
        lambda v: net.loss_of_params(v, x, t), net.params_vector(), net.gradient_vector(x, t), tol=1e-7, eps=1e-5
    )
    assert result.max_rel_error <= 1e-7, str(result)


layer_sizes = st.lists(st.integers(1, 4), min_size=2, max_size=4)


@FAST
@given(
    layer_sizes,
    st.sampled_from(["squared_error", "mean_squared_error", "binary_cross_entropy", "categorical_cross_entropy"]),
    st.sampled_from(["sum", "mean"]),
    st.sampled_from([None, 1, 3]),
    st.data(),
)
def test_random_network_gradient_matches_numerical(sizes, loss, reduction, N, data):
    hidden = data.draw(st.lists(st.sampled_from(["sigmoid", "tanh", "identity", "square"]), min_size=len(sizes) - 2, max_size=len(sizes) - 2))
    out = FUSED_OUTPUT.get(loss) or data.draw(st.sampled_from(["sigmoid", "tanh", "identity", "softmax"]))
    if out == "softmax" and sizes[-1] == 1:  # softmax of one output is always 1: refused
        with pytest.raises(ValueError, match="softmax layer needs n_out >= 2"):
            net_and_data(sizes, hidden + [out], loss, reduction, N)
        return
    net, x, t = net_and_data(sizes, hidden + [out], loss, reduction, N, seed=data.draw(st.integers(0, 2**16)))
    numerical = numerical_gradient(lambda v: net.loss_of_params(v, x, t), net.params_vector(), eps=1e-5)
    np.testing.assert_allclose(net.gradient_vector(x, t), numerical, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("loss", ["squared_error", "binary_cross_entropy", "categorical_cross_entropy"])
def test_one_sample_as_n_and_as_n_by_1_agree(loss):
    net, x, t = net_and_data([3, 4, 2], ["tanh", FUSED_OUTPUT.get(loss, "sigmoid")], loss, seed=7)
    g_flat = net.gradients(x, t)
    E_flat = net.loss_value(x, t)
    g_col = net.gradients(x[:, None], t[:, None])
    assert net.forward(x[:, None]).shape == (2, 1)
    assert net.loss_value(x[:, None], t[:, None]) == pytest.approx(E_flat, rel=1e-15)
    for l in range(2):
        np.testing.assert_allclose(g_col.dW[l], g_flat.dW[l], rtol=1e-14)
        np.testing.assert_allclose(g_col.db[l], g_flat.db[l], rtol=1e-14)
        np.testing.assert_allclose(g_col.deltas[l].ravel(), g_flat.deltas[l], rtol=1e-14)


@pytest.mark.parametrize("loss", ["squared_error", "binary_cross_entropy", "categorical_cross_entropy"])
def test_batch_gradient_is_the_sum_of_sample_gradients_and_mean_divides_by_N(loss):
    N = 5
    net, X, T = net_and_data([3, 4, 2], ["sigmoid", FUSED_OUTPUT.get(loss, "tanh")], loss, N=N, seed=11)
    g_batch = net.gradient_vector(X, T)
    E_batch = net.loss_value(X, T)
    per_sample = [net.gradient_vector(X[:, j], T[:, j]) for j in range(N)]
    np.testing.assert_allclose(g_batch, np.sum(per_sample, axis=0), rtol=1e-12, atol=1e-15)
    assert E_batch == pytest.approx(sum(net.loss_value(X[:, j], T[:, j]) for j in range(N)), rel=1e-12)
    net.loss = make_loss(loss, "mean")
    np.testing.assert_allclose(net.gradient_vector(X, T), g_batch / N, rtol=1e-12, atol=1e-15)
    assert net.loss_value(X, T) == pytest.approx(E_batch / N, rel=1e-12)


@pytest.mark.parametrize("act, loss", [("sigmoid", "binary_cross_entropy"), ("softmax", "categorical_cross_entropy")])
def test_fused_output_delta_is_a_minus_t(act, loss):
    net, x, t = net_and_data([2, 3, 3], ["tanh", act], loss, "mean", N=4, seed=5)
    assert net.fused is not None
    g = net.gradients(x, t)
    np.testing.assert_allclose(g.deltas[-1], (net.layers[-1].a - t) / 4, rtol=1e-12, atol=1e-16)  # eqs. 3.7, 3.9
    unfused = Network(net.layers, make_loss("squared_error", "sum"))
    assert unfused.fused is None


def test_fused_network_survives_huge_logits():
    W1, W2 = np.full((3, 2), 50.0), np.array([[100.0, 100.0, 100.0], [-100.0, -100.0, -100.0]])
    for act, loss, t in [("softmax", "cce", np.array([0.0, 1.0])), ("sigmoid", "bce", np.array([0.0, 1.0]))]:
        net = Network([Dense(2, 3, "identity", W=W1), Dense(3, 2, act, W=W2)], loss)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            E = net.loss_value(np.array([10.0, 10.0]), t)
            g = net.gradients(np.array([10.0, 10.0]), t)
        assert np.isfinite(E) and E > 1e4  # z^L = +-3e5: confidently wrong
        assert all(np.all(np.isfinite(d)) for d in g.dW + g.db)


def test_sgd_step_moves_params_by_minus_lr_times_gradient():
    net, x, t = net_and_data([3, 4, 2], ["sigmoid", "sigmoid"], "squared_error", N=3, seed=2)
    before = net.params_vector()
    grad = net.gradient_vector(x, t)
    net.sgd_step(0.1)
    np.testing.assert_allclose(net.params_vector(), before - 0.1 * grad, rtol=1e-15)


def test_train_reduces_the_loss_on_xor():
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    T = np.array([[0, 1, 1, 0]])
    net = Network.from_sizes([2, 4, 1], ["tanh", "sigmoid"], "bce", seed=0)
    losses = net.train(X, T, lr=0.5, steps=500)
    assert len(losses) == 500 and losses[-1] < 0.2 * losses[0]
    assert np.all(np.abs(net.forward(X) - T) < 0.25)


def test_integer_data_give_the_same_gradients_as_float():
    net, _, _ = net_and_data([2, 3, 2], ["tanh", "identity"], "squared_error")
    x, t = np.array([[1, -2], [3, 0]]), np.array([[2, 0], [-1, 1]])
    g_int, g_float = net.gradient_vector(x, t), net.gradient_vector(x.astype(float), t.astype(float))
    np.testing.assert_array_equal(g_int, g_float)


def test_params_vector_round_trip_and_loss_of_params_restores():
    net, x, t = net_and_data([3, 4, 2], ["sigmoid", "sigmoid"], "squared_error", N=2)
    v = net.params_vector()
    assert v.shape == (net.n_params,) == (3 * 4 + 4 * 2 + 4 + 2,)
    np.testing.assert_array_equal(v[:12], net.layers[0].W.ravel())  # all W first, then all b
    np.testing.assert_array_equal(v[-2:], net.layers[1].b)
    E0 = net.loss_value(x, t)
    assert net.loss_of_params(v + 1.0, x, t) != E0
    np.testing.assert_array_equal(net.params_vector(), v)
    net.set_params_vector(v * 2)
    np.testing.assert_array_equal(net.params_vector(), v * 2)
    with pytest.raises(ValueError, match=r"set_params_vector: v has shape \(5,\) but expected \(26,\)"):
        net.set_params_vector(np.ones(5))


def test_from_sizes_names_and_activations():
    net = Network.from_sizes([3, 4, 2], "tanh", seed=1)
    assert [layer.name for layer in net.layers] == ["layer 1", "layer 2"]
    assert all(layer.activation is bpkit.tanh for layer in net.layers)
    np.testing.assert_array_equal(Network.from_sizes([3, 4, 2], "tanh", rng=1).params_vector(), net.params_vector())
    with pytest.raises(ValueError, match="2 layers need 2 activations but got 1"):
        Network.from_sizes([3, 4, 2], ["tanh"])
    with pytest.raises(ValueError, match="give rng or seed, not both"):
        Network.from_sizes([3, 2], rng=1, seed=1)
    with pytest.raises(ValueError, match="sizes must be"):
        Network.from_sizes([3])


def test_network_errors_name_layers_and_shapes():
    with pytest.raises(ValueError, match=r"layer 2 \('layer 2'\) has n_in=5 but layer 1 \('layer 1'\) has n_out=4"):
        Network([Dense(3, 4), Dense(5, 2)])
    with pytest.raises(ValueError, match="non-empty list of Dense layers"):
        Network([])
    net = Network.from_sizes([3, 4, 2], "sigmoid")
    with pytest.raises(ValueError, match=r"Dense layer 'layer 1' \(n_in=3, n_out=4\): input x has shape \(2, 5\) but expected \(3,\) or \(3, N\)"):
        net.forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"Network: t has shape \(5, 2\) but the output a\^L has shape \(2, 5\)"):
        net.gradients(np.ones((3, 5)), np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"Network: t has shape \(2, 1\) but the output a\^L has shape \(2,\)"):
        Network.from_sizes([3, 2], "softmax", "cce").loss_value(np.ones(3), np.ones((2, 1)))
    with pytest.raises(ValueError, match="Network: t contains 1 non-finite"):
        net.loss_value(np.ones(3), np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="unknown loss"):
        Network.from_sizes([3, 2], loss="hinge")


def test_order_errors():
    net = Network.from_sizes([3, 2], "sigmoid")
    with pytest.raises(RuntimeError, match="call backward"):
        net.sgd_step(0.1)
    with pytest.raises(RuntimeError, match="call forward"):
        net.backward(np.ones(2))
