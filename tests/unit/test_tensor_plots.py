"""bpkit.book.tensor_plots: the derivative of a net input by its weight matrix (chapter 2, eq-ch2-dn-dw)
against finite differences, its contraction against the outer product, the drawing against the
numbers it claims to show, and the bad-input contract of test_bad_input_contract.py."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import bpkit as bp  # noqa: E402
from bpkit.book.tensor_plots import draw_vector_by_matrix, net_input_derivative  # noqa: E402
from tests.unit import test_bad_input_contract as contract  # noqa: E402  (a module: its tests are not collected twice)



@pytest.mark.parametrize("n_in, n_out", [(1, 1), (2, 3), (3, 2), (4, 4)])
def test_column_layout_is_the_jacobian_of_z_by_W(n_in, n_out):
    rng = np.random.default_rng(n_in * 10 + n_out)
    a, W = rng.normal(size=n_in), rng.normal(size=(n_out, n_in))
    T = net_input_derivative(a, n_out)
    assert T.shape == (n_out, n_out, n_in)
    np.testing.assert_allclose(T, bp.numerical_jacobian(lambda M: M @ a, W), atol=1e-9)
    np.testing.assert_array_equal(net_input_derivative(a.reshape(-1, 1), n_out), T)


@pytest.mark.parametrize("n_in, n_out", [(1, 1), (2, 3), (3, 2), (4, 4)])
def test_row_layout_is_note_As_dN_by_dW(n_in, n_out):
    rng = np.random.default_rng(n_in * 10 + n_out + 1)
    O, W = rng.normal(size=(1, n_in)), rng.normal(size=(n_in, n_out))
    T = net_input_derivative(O, n_out, layout="row")
    assert T.shape == (n_out, n_in, n_out)
    np.testing.assert_allclose(T, bp.numerical_jacobian(lambda M: (O @ M).ravel(), W), atol=1e-9)
    for k in range(n_out):  # slice k: column k is O^T, every other column zero
        np.testing.assert_array_equal(T[k][:, k], O.ravel())
        assert np.count_nonzero(np.delete(T[k], k, axis=1)) == 0


def test_contraction_is_the_outer_product_in_both_layouts():
    rng = np.random.default_rng(7)
    a, v = rng.normal(size=3), rng.normal(size=2)
    np.testing.assert_allclose(np.einsum("k,kji->ji", v, net_input_derivative(a, 2)), np.outer(v, a), rtol=1e-15)
    np.testing.assert_allclose(np.einsum("k,kij->ij", v, net_input_derivative(a, 2, "row")), np.outer(a, v),
                               rtol=1e-15)


def test_float32_input_stays_float32():
    assert net_input_derivative(np.ones(2, np.float32), 3).dtype == np.float32


def test_net_input_derivative_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"a has shape \(1, 3\) but expected \(n_in,\) or \(n_in, 1\)"):
        net_input_derivative(np.ones((1, 3)), 2)
    with pytest.raises(ValueError, match=r"a has shape \(3, 1\) but expected \(n_in,\) or \(1, n_in\)"):
        net_input_derivative(np.ones((3, 1)), 2, layout="row")
    with pytest.raises(ValueError, match="layout must be 'column' or 'row'"):
        net_input_derivative(np.ones(3), 2, layout="rows")
    with pytest.raises(ValueError, match="n_out must be a positive integer but is 0"):
        net_input_derivative(np.ones(3), 0)
    with pytest.raises(TypeError, match="n_out must be a positive integer"):
        net_input_derivative(np.ones(3), 2.0)


def _cell_texts(ax):
    """{(x, y) of the text's centre: text} for the texts written inside cells."""
    return {(round(t.get_position()[0], 6), round(t.get_position()[1], 6)): t.get_text() for t in ax.texts}


def test_drawing_shows_every_slice_every_factor_and_the_contraction(ax):
    O = np.array([0.25, -0.5])
    v = np.array([0.125, -2.0, 1.5])
    T = net_input_derivative(O, 3, layout="row")  # (3, 2, 3)
    draw_vector_by_matrix(ax, T, v, fmt="{:.4f}", v_names=["r1", "r2", "r3"])
    cells = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(cells) == T.size + 2 * 3  # three 2 x 3 slices and the 2 x 3 result
    at = _cell_texts(ax)
    K, P, Q = T.shape
    gap = 1.6
    for k in range(K):  # slice k starts at x = k (Q + gap); cell (p, q) has its text at (x + q + .5, p + .55)
        for p in range(P):
            for q in range(Q):
                want = "0" if T[k, p, q] == 0 else f"{T[k, p, q]:.4f}"
                assert at[(round(k * (Q + gap) + q + 0.5, 6), round(p + 0.55, 6))] == want
    result = np.tensordot(v, T, axes=1)
    np.testing.assert_allclose(result, np.outer(O, v))
    for p in range(P):
        for q in range(Q):
            assert at[(round(K * (Q + gap) + q + 0.5, 6), round(p + 0.55, 6))] == f"{result[p, q]:.4f}"
    shown = [t.get_text() for t in ax.texts]
    for k in range(K):
        assert f"× r{k + 1} = {v[k]:.4f}" in shown
    assert shown.count("+") == K - 1 and shown.count("=") == 1
    nonzero = [c for c in cells if c.get_facecolor()[:3] != (1.0, 1.0, 1.0)]
    assert len(nonzero) == K * P + P * Q  # one coloured column per slice, every result cell


def test_drawing_without_v_has_no_factors_and_no_result_and_an_optional_array_title(ax):
    T = net_input_derivative(np.array([1.0, 2.0, 3.0]), 2)
    draw_vector_by_matrix(ax, T, slice_titles=["first", "second"], array_title="the array")
    shown = [t.get_text() for t in ax.texts]
    assert "=" not in shown and "+" not in shown and not any(s.startswith("×") for s in shown)
    assert "first" in shown and "second" in shown and "the array" in shown
    assert len([p for p in ax.patches if isinstance(p, Rectangle)]) == T.size
    assert len(ax.get_lines()) == 1  # the bracket under the slices


def test_drawing_refuses_arguments_that_do_not_fit(ax):
    T = np.ones((3, 2, 2))
    with pytest.raises(ValueError, match=r"T has shape \(2, 2\) but expected \(K, P, Q\)"):
        draw_vector_by_matrix(ax, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"v has shape \(2,\) but expected \(3,\), \(1, 3\) or \(3, 1\)"):
        draw_vector_by_matrix(ax, T, np.ones(2))
    with pytest.raises(ValueError, match="slice_titles needs 3 entries"):
        draw_vector_by_matrix(ax, T, slice_titles=["a"])
    with pytest.raises(ValueError, match="fmt = '{:d}' cannot format a number"):
        draw_vector_by_matrix(ax, T, fmt="{:d}")
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        draw_vector_by_matrix(plt.gcf(), T)
    with pytest.raises(ValueError, match="T and v hold values too large"):
        draw_vector_by_matrix(ax, np.full((2, 1, 1), 1e308), np.array([10.0, 10.0]))


# ---- the bad-input contract of test_bad_input_contract.py, applied to this module's entry points ----
_FIG = Figure()
_AX = _FIG.subplots()


def _ax():
    _AX.clear()
    return _AX


_O = np.array([0.6, -0.4, 0.9])
_T = net_input_derivative(_O, 2, layout="row")
ENTRIES = [
    contract.Entry("tensor_plots.net_input_derivative", net_input_derivative,
                   dict(a=contract.Arr(_O), n_out=contract.Int(2),
                        layout=contract.Choice("column", ["col", "ROW", ""]))),
    contract.Entry("tensor_plots.draw_vector_by_matrix",
                   lambda ax, T, v, fmt, slice_titles, fontsize:
                   draw_vector_by_matrix(ax, T, v, fmt, slice_titles, fontsize=fontsize),
                   dict(ax=contract.Obj(_ax, contract.NOT_AX, fresh=True), T=contract.Arr(_T),
                        v=contract.Arr(np.array([0.5, -1.0]), none=contract.ANY),
                        fmt=contract.Obj("{:.3f}", [("bad spec", "{:d}"), ("int", 5), ("two fields", "{} {}")]),
                        slice_titles=contract.Obj(None, [("short", ["a"]), ("int", 5), ("str", "ab")]),
                        fontsize=contract.Num(9.0, low=0.0, low_open=True, high=100.0)),
                   examples=contract.PLOT),
]


@pytest.mark.parametrize("e", ENTRIES, ids=[e.name for e in ENTRIES])
def test_bad_input_contract(e):
    contract._valid_result(e)

    @settings(max_examples=max(e.examples, 40), deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(contract._bad_values(e))
    def run(drawn):
        param, (label, make, kind), seed = drawn
        value = make(e.params[param].value(), np.random.default_rng(seed))
        contract.check_call(e, param, label, value, kind)

    run()


@pytest.mark.parametrize("e", ENTRIES, ids=[e.name for e in ENTRIES])
def test_every_bad_value_once(e):
    """Every malformed value of the table once (seed 0): a few hundred calls, under a second."""
    contract.sweep(e)
