"""bpkit.book.trace: one gradient-descent step, one operation at a time, with its typeset form (chapter 6)."""

import numpy as np
import pytest

import bpkit as bp
from bpkit.book.trace import trace_step
from bpkit.book.typeset import draw_equation, latex_aligned

RNG = np.random.default_rng(6)


def strings(parts):
    return [p for p in parts if isinstance(p, str)]


WS = [RNG.normal(size=(3, 2)), RNG.normal(size=(2, 3))]
BS = [RNG.normal(size=(3, 1)), RNG.normal(size=(2, 1))]


def test_trace_matches_network_on_a_batch():
    x, t = RNG.normal(size=(2, 4)), RNG.normal(size=(2, 4))
    steps, v = trace_step(WS, BS, bp.tanh, x, t, bp.MeanSquaredError(), lr=0.1)
    net = bp.Network([bp.Dense(2, 3, "tanh", W=WS[0], b=BS[0]),
                      bp.Dense(3, 2, "tanh", W=WS[1], b=BS[1])], "mean_squared_error")
    g = net.gradients(x, t)
    for l in (1, 2):
        np.testing.assert_allclose(v[f"dE/dW^{l}"], g.dW[l - 1], atol=1e-12)
        np.testing.assert_allclose(v[f"dE/db^{l}"].ravel(), g.db[l - 1], atol=1e-12)
        np.testing.assert_allclose(v[f"W^{l} updated"], WS[l - 1] - 0.1 * g.dW[l - 1])
    assert steps[0].result[0] == "z^1" and steps[-1].result[0] == "b^1 updated"


def test_trace_order_and_names():
    steps, v = trace_step(WS, BS, bp.sigmoid, np.ones((2, 1)), np.zeros((2, 1)), bp.SquaredError(), lr=0.5)
    assert [s.result[0] for s in steps] == [
        "z^1", "a^1", "z^2", "a^2", "delta^2", "delta^1",
        "dE/dW^2", "dE/db^2", "W^2 updated", "b^2 updated",
        "dE/dW^1", "dE/db^1", "W^1 updated", "b^1 updated"]
    assert set(v) == {s.result[0] for s in steps}
    _, no_lr = trace_step(WS, BS, bp.sigmoid, np.ones((2, 1)), np.zeros((2, 1)), bp.SquaredError())
    assert "W^1 updated" not in no_lr
    named, vn = trace_step(WS, BS, bp.sigmoid, np.ones((2, 1)), np.zeros((2, 1)), bp.SquaredError(),
                           layer_names=["2", "3"])
    assert named[0].formula == "z^2 = W^2 a^0 + b^2" and "delta^3" in vn


def test_step_latex_for_one_sample():
    W = np.array([[1.0, -2.0], [2.0, 4.0], [-3.0, 1.0]])
    steps, _ = trace_step([W], [np.array([[1.0], [2.0], [3.0]])], bp.identity, np.ones((2, 1)),
                          np.zeros((3, 1)), bp.SquaredError(), lr=0.01)
    first = steps[0]
    assert (first.lhs, first.rhs) == ("\\mathbf{z}^{1}", "W^{1}\\mathbf{a}^{0} + \\mathbf{b}^{1}")
    assert latex_aligned(first.rows()) == (
        "\\begin{aligned} \\mathbf{z}^{1} &= W^{1}\\mathbf{a}^{0} + \\mathbf{b}^{1} \\\\ "
        "&= \\begin{bmatrix} 1 & -2 \\\\ 2 & 4 \\\\ -3 & 1 \\end{bmatrix} \\begin{bmatrix} 1 \\\\ 1 \\end{bmatrix}"
        " + \\begin{bmatrix} 1 \\\\ 2 \\\\ 3 \\end{bmatrix} = \\begin{bmatrix} 0 \\\\ 8 \\\\ 1 \\end{bmatrix}"
        " \\end{aligned}")
    by_name = {s.result[0]: s for s in steps}
    assert by_name["delta^1"].lhs == "\\boldsymbol{\\delta}^{1}"
    assert len(by_name["dE/db^1"].rows()) == 1  # dE/db = delta: one line, no repeated matrix
    update = by_name["W^1 updated"]
    assert update.lhs == "" and update.rhs.startswith("W^{1} - \\eta")
    assert "0.01" in strings(update.rows()[0]) and update.rows()[1][0] == "&="


def test_step_latex_for_a_batch_uses_capitals():
    steps, _ = trace_step(WS, BS, bp.identity, np.ones((2, 3)), np.zeros((2, 3)), bp.MeanSquaredError())
    by_name = {s.result[0]: s for s in steps}
    assert by_name["z^1"].rhs == "W^{1}A^{0} + \\mathbf{b}^{1}\\mathbf{1}^{\\top}"
    assert by_name["delta^2"].lhs == "\\Delta^{2}"
    assert by_name["dE/db^1"].rhs == "\\Delta^{1}\\mathbf{1}"


def test_every_step_draws():
    """Every string of every step is valid mathtext (the widget's frames draw them)."""
    from matplotlib.figure import Figure

    steps, _ = trace_step(WS, BS, bp.square, np.ones((2, 3)), np.zeros((2, 3)), bp.MeanSquaredError(),
                          lr=1e-5)
    for s in steps:
        ax = Figure().add_axes([0, 0, 1, 1])
        draw_equation(ax, s.rows())
    assert "1 \\times 10^{-5}" in strings(steps[-1].rows()[0])


def test_trace_rejects_bad_shapes():
    with pytest.raises(ValueError, match="expects W"):
        trace_step([np.ones((3, 2))], [np.ones((3, 1))], bp.identity, np.ones((4, 1)),
                   np.ones((3, 1)), bp.SquaredError())
