"""bpkit.batched: column and row layouts of a batch (note E, sec. 4), the batched softmax backward
one-liners (sec. 4.3), the per-sample loop, and the shape table of chapter 4."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import bpkit as bp  # noqa: E402
from bpkit import MeanSquaredError, Network, SquaredError, numerical_gradient  # noqa: E402
from bpkit.book.plotting import draw_shape_table  # noqa: E402
from bpkit.book.timing import time_loop_vs_batched  # noqa: E402

from ._helpers import FAST, SMOOTH, central_diff, max_rel  # noqa: E402

rng = np.random.default_rng(4)


def probabilities(r, shape, axis):
    e = np.exp(r.normal(size=shape))
    return e / e.sum(axis=axis, keepdims=True)


# --- row_sum and column_sum ---------------------------------------------------------------------

def test_row_sum_and_column_sum_are_sums_over_the_samples():
    M = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(bp.row_sum(M), [3.0, 12.0])     # M 1, shape (2,)
    np.testing.assert_array_equal(bp.column_sum(M), [3.0, 5.0, 7.0])  # M^T 1, shape (3,)
    np.testing.assert_array_equal(bp.row_sum(M), bp.column_sum(M.T))


@pytest.mark.parametrize("fn", [bp.row_sum, bp.column_sum])
def test_sums_refuse_non_matrices(fn):
    with pytest.raises(ValueError, match=r"M has shape \(3,\) but expected a matrix"):
        fn(np.zeros(3))


# --- the softmax one-liners (note E, sec. 4.3) --------------------------------------------------

@FAST
@given(st.integers(2, 6), st.integers(1, 6), st.integers(0, 2**16))  # n >= 2: one class is refused
def test_softmax_one_liners_equal_the_full_jacobian_sample_by_sample(n, N, seed):
    r = np.random.default_rng(seed)
    Z, G = r.normal(scale=2, size=(n, N)), r.normal(size=(n, N))
    S = bp.softmax.value(Z)
    cols = bp.softmax_backward_columns(S, G)
    rows = bp.softmax_backward_rows(S.T, G.T)
    for i in range(N):
        s = S[:, i]
        J = np.diag(s) - np.outer(s, s)          # eq. 3.5, written out here
        np.testing.assert_allclose(cols[:, i], J.T @ G[:, i], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(rows[i, :], J.T @ G[:, i], rtol=1e-10, atol=1e-14)


@FAST
@given(st.integers(2, 4), st.integers(1, 4), st.integers(0, 2**16))  # n >= 2: one class is refused
def test_softmax_one_liners_match_finite_differences(n, N, seed):
    r = np.random.default_rng(seed)
    Z, G = r.normal(size=(n, N)), r.normal(size=(n, N))
    # A central difference with h = 1e-6 has a rounding error of about eps_machine * |E| / h,
    # a few 1e-10 here (2.7e-10 seen: seed 257, n = 2, N = 4), so below 1e-4 the comparison is
    # absolute, at 1e-9 (floor 1e-4 times the 1e-5 bound).
    numeric = central_diff(lambda Z: np.sum(G * bp.softmax.value(Z)), Z)
    assert max_rel(bp.softmax_backward_columns(bp.softmax.value(Z), G), numeric, floor=1e-4) < 1e-5
    numeric_rows = central_diff(lambda Zr: np.sum(G.T * bp.softmax_rows(Zr)), Z.T)
    assert max_rel(bp.softmax_backward_rows(bp.softmax_rows(Z.T), G.T), numeric_rows, floor=1e-4) < 1e-5


def test_row_one_liner_needs_keepdims_even_when_the_shapes_happen_to_fit():
    S, G = probabilities(rng, (3, 3), axis=1), rng.normal(size=(3, 3))
    without_keepdims = S * (G - np.sum(S * G, axis=1))  # broadcasts along the wrong axis
    assert not np.allclose(without_keepdims, bp.softmax_backward_rows(S, G))


def test_softmax_rows_is_the_transpose_of_softmax_over_columns():
    Z = rng.normal(scale=50, size=(4, 3))
    np.testing.assert_allclose(bp.softmax_rows(Z.T), bp.softmax.value(Z).T, rtol=1e-12)
    np.testing.assert_allclose(bp.softmax_rows(Z.T).sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("fn", [bp.softmax_backward_columns, bp.softmax_backward_rows])
def test_softmax_backward_refuses_mismatched_shapes(fn):
    with pytest.raises(ValueError, match=r"G has shape \(2, 3\) but S has shape \(3, 2\)"):
        fn(np.full((3, 2), 1 / 3), np.zeros((2, 3)))


# --- a dense layer in row layout -------------------------------------------------------------------

@FAST
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.sampled_from(SMOOTH),
       st.integers(0, 2**16))
def test_dense_rows_backward_matches_finite_differences(n_in, n_out, N, act, seed):
    r = np.random.default_rng(seed)
    X, V, b = r.normal(size=(N, n_in)), r.normal(size=(n_in, n_out)), r.normal(size=n_out)
    G = r.normal(size=(N, n_out))
    if act == "softmax" and n_out == 1:  # softmax of one class is always 1: refused
        with pytest.raises(ValueError, match="single class"):
            bp.dense_forward_rows(X, V, b, act)
        return
    Z, A = bp.dense_forward_rows(X, V, b, act)
    Delta, dV, db, dX = bp.dense_backward_rows(X, V, Z, A, G, act)
    assert Delta.shape == Z.shape == (N, n_out) and dV.shape == V.shape and db.shape == (n_out,)

    def E(X=X, V=V, b=b):
        return np.sum(G * bp.dense_forward_rows(X, V, b, act)[1])

    for analytic, numeric in [(dV, numerical_gradient(lambda V: E(V=V), V)),
                              (db, numerical_gradient(lambda b: E(b=b), b)),
                              (dX, numerical_gradient(lambda X: E(X=X), X))]:
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_dense_rows_is_the_transpose_of_the_column_layer():
    layer = bp.Dense(3, 2, "softmax", rng=rng)
    X = rng.normal(size=(3, 5))
    G = rng.normal(size=(2, 5))
    A = layer.forward(X)
    dX = layer.backward(dy=G)
    Z_r, A_r = bp.dense_forward_rows(X.T, layer.W.T, layer.b, "softmax")
    Delta_r, dV, db, dX_r = bp.dense_backward_rows(X.T, layer.W.T, Z_r, A_r, G.T, "softmax")
    for row_version, column_version in [(A_r, A), (Delta_r, layer.delta), (dV, layer.dW), (dX_r, dX)]:
        np.testing.assert_allclose(row_version, column_version.T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(db, layer.db, rtol=1e-12)


def test_dense_rows_refuses_mismatched_shapes():
    X = np.zeros((5, 3))
    with pytest.raises(ValueError, match=re.escape("V has shape (2, 4); expected V of shape (3, n_out)")):
        bp.dense_forward_rows(X, np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=re.escape("b has shape (3,) but expected (4,)")):
        bp.dense_forward_rows(X, np.zeros((3, 4)), np.zeros(3))
    Z = np.zeros((5, 4))
    with pytest.raises(ValueError, match=re.escape("grad_A has shape (4, 5) but expected (5, 4)")):
        bp.dense_backward_rows(X, np.zeros((3, 4)), Z, Z, np.zeros((4, 5)))


# --- whole networks: the two layouts give the same gradients ----------------------------------------

LOSSES = [
    ("tanh", lambda: SquaredError()),
    ("tanh", lambda: SquaredError("mean")),
    ("identity", MeanSquaredError),
    ("softmax", lambda: SquaredError()),       # unfused: the one-liner inside the network
    ("softmax", lambda: "categorical_cross_entropy"),  # fused: Delta^L = S - T
    ("softmax", lambda: bp.CategoricalCrossEntropy("mean")),  # fused, divided by N
    ("sigmoid", lambda: "binary_cross_entropy"),       # fused: Delta^L = A - T
]


@pytest.mark.parametrize("output", LOSSES, ids=[f"{a}-{i}" for i, (a, _) in enumerate(LOSSES)])
@FAST
@given(st.lists(st.integers(1, 4), min_size=2, max_size=4), st.integers(1, 5),
       st.sampled_from(SMOOTH), st.integers(0, 2**16))
def test_row_layout_gradients_are_the_transposes_of_the_column_layout(output, sizes, N, hidden, seed):
    out_act, loss = output
    L = len(sizes) - 1
    if (hidden == "softmax" and 1 in sizes[1:-1]) or (out_act == "softmax" and sizes[-1] == 1):
        # a softmax layer of one output is refused
        with pytest.raises(ValueError, match="softmax layer needs n_out >= 2"):
            Network.from_sizes(sizes, activations=[hidden] * (L - 1) + [out_act], loss=loss(), seed=seed)
        return
    net = Network.from_sizes(sizes, activations=[hidden] * (L - 1) + [out_act], loss=loss(), seed=seed)
    r = np.random.default_rng(seed)
    X, T = r.normal(size=(sizes[0], N)), probabilities(r, (sizes[-1], N), axis=0)
    cols = net.gradients(X, T)
    rows = bp.network_gradients_rows(net, X.T, T.T)
    for l in range(L):
        np.testing.assert_allclose(rows.dW[l], cols.dW[l].T, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(rows.db[l], cols.db[l], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(rows.deltas[l], cols.deltas[l].T, rtol=1e-10, atol=1e-13)


def test_row_layout_gradients_match_finite_differences_of_the_loss():
    net = Network.from_sizes([3, 4, 3], activations=["tanh", "softmax"], loss="squared_error", seed=1)
    X, T = rng.normal(size=(6, 3)), probabilities(rng, (6, 3), axis=1)
    g = bp.network_gradients_rows(net, X, T)

    def E(V1=None, b2=None):
        W1 = net.layers[0].W if V1 is None else V1.T
        b = net.layers[1].b if b2 is None else b2
        probe = Network([bp.Dense(3, 4, "tanh", W=W1, b=net.layers[0].b),
                         bp.Dense(4, 3, "softmax", W=net.layers[1].W, b=b)], loss="squared_error")
        return probe.loss_value(X.T, T.T)

    np.testing.assert_allclose(g.dW[0], central_diff(lambda V: E(V1=V), net.layers[0].W.T), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g.db[1], central_diff(lambda b: E(b2=b), net.layers[1].b), rtol=1e-6, atol=1e-9)


def test_network_gradients_rows_refuses_column_layout_input():
    net = Network.from_sizes([3, 2], seed=0)
    with pytest.raises(ValueError, match=re.escape("X has shape (3, 5) but expected (3, 3) (N, n_0)")):
        bp.network_gradients_rows(net, np.zeros((3, 5)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match=re.escape("T has shape (2, 5) but expected (5, 2)")):
        bp.network_gradients_rows(net, np.zeros((5, 3)), np.zeros((2, 5)))


# --- the per-sample loop ----------------------------------------------------------------------------

@pytest.mark.parametrize("loss", [SquaredError(), SquaredError("mean"), MeanSquaredError(), "cce"])
def test_loop_over_samples_gives_the_batch_gradient(loss):
    out = "softmax" if loss == "cce" else "sigmoid"
    net = Network.from_sizes([3, 5, 2], activations=["tanh", out], loss=loss, seed=2)
    X, T = rng.normal(size=(3, 7)), probabilities(rng, (2, 7), axis=0)
    looped, batched = bp.loop_gradients(net, X, T), net.gradients(X, T)
    for part in ("dW", "db", "deltas"):
        for a, b in zip(getattr(looped, part), getattr(batched, part)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_loop_gradients_refuses_different_sample_counts():
    net = Network.from_sizes([3, 2], seed=0)
    with pytest.raises(ValueError, match=r"X has shape \(3, 4\) and T has shape \(2, 5\)"):
        bp.loop_gradients(net, np.zeros((3, 4)), np.zeros((2, 5)))


def test_time_loop_vs_batched_returns_one_time_per_batch_size():
    net = Network.from_sizes([4, 3, 2], seed=0)
    loop, batched = time_loop_vs_batched(net, [1, 8], rng=np.random.default_rng(0), repeat=1)
    assert len(loop) == len(batched) == 2 and all(t > 0 for t in loop + batched)


# --- the shape table ----------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["columns", "rows"])
def test_shape_table_matches_the_arrays_of_a_real_pass(layout):
    sizes, N = [3, 5, 4, 2], 6
    net = Network.from_sizes(sizes, activations="tanh", seed=0)
    X, T = rng.normal(size=(3, N)), rng.normal(size=(2, N))
    if layout == "columns":
        g = net.gradients(X, T)
        arrays = {"X = A^0": X}
        for l, layer in enumerate(net.layers, start=1):
            arrays.update({f"W^{l}": layer.W, f"b^{l}": layer.b, f"Z^{l}": layer.z, f"A^{l}": layer.a,
                           f"Delta^{l}": g.deltas[l - 1], f"dW^{l}": g.dW[l - 1], f"db^{l}": g.db[l - 1]})
    else:
        g = bp.network_gradients_rows(net, X.T, T.T)
        net.forward(X)  # fills the layers' caches z and a (column layout) to transpose
        arrays = {"X = A^0": X.T}
        for l, layer in enumerate(net.layers, start=1):
            arrays.update({f"V^{l}": layer.W.T, f"b^{l}": layer.b, f"Z^{l}": layer.z.T, f"A^{l}": layer.a.T,
                           f"Delta^{l}": g.deltas[l - 1], f"dV^{l}": g.dW[l - 1], f"db^{l}": g.db[l - 1]})
    table = bp.shape_table(sizes, N, layout)
    assert [name for name, _, _ in table][:2] == ["X = A^0", "W^1" if layout == "columns" else "V^1"]
    assert len(table) == 1 + 7 * 3 and {name for name, _, _ in table} == set(arrays)
    for name, shape, _ in table:
        assert arrays[name].shape == shape, name
    text = bp.format_shape_table(table)
    assert len(text.splitlines()) == len(table)
    assert ("(2, 6)" if layout == "columns" else "(6, 2)") in text


def test_shape_table_refuses_bad_arguments():
    with pytest.raises(ValueError, match="layout must be 'columns' or 'rows'"):
        bp.shape_table([3, 2], 4, "diagonal")
    with pytest.raises(ValueError, match="N must be a positive integer"):
        bp.shape_table([3, 2], 0)
    with pytest.raises(ValueError, match="sizes must be"):
        bp.shape_table([3], 4)


def test_draw_shape_table_draws_one_rectangle_per_array():
    table = bp.shape_table([3, 4, 2], 5, "rows")
    fig, ax = plt.subplots()
    draw_shape_table(ax, table)
    assert len(ax.patches) == len(table)
    widths = {round(p.get_width() / 0.25) for p in ax.patches}
    assert widths == {1, 2, 3, 4}  # (n,) as one column; (5, 3), (3, 4), (5, 2), ... as they are
    plt.close(fig)
