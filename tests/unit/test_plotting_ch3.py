"""bpkit.book.plotting helpers of chapter 3: plot_activation, heatmap, plot_loss_and_gradient."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bpkit as bp  # noqa: E402
from bpkit.book.plotting import heatmap, plot_activation, plot_loss_and_gradient  # noqa: E402



@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "square"])
def test_plot_activation_draws_f_and_its_derivative(ax, name):
    plot_activation(ax, name, -3.0, 2.0, n=51)
    f_line, df_line = ax.get_lines()[:2]
    z = f_line.get_xdata()
    assert z[0] == -3.0 and z[-1] == 2.0 and len(z) == 51
    act = bp.get_activation(name)
    np.testing.assert_array_equal(f_line.get_ydata(), act.value(z))
    np.testing.assert_array_equal(df_line.get_ydata(), act.derivative(z))
    assert ax.get_xlim() == (-3.0, 2.0) and ax.get_title() == name


def test_plot_activation_without_derivative_draws_one_curve(ax):
    plot_activation(ax, bp.tanh, -1, 1, n=5, derivative=False)
    assert [len(line.get_xdata()) for line in ax.get_lines()].count(5) == 1


def test_plot_activation_refuses_softmax_and_bad_ranges(ax):
    with pytest.raises(ValueError, match="'softmax' is not element-wise.*heatmap"):
        plot_activation(ax, "softmax", -1, 1)
    with pytest.raises(ValueError, match=r"need finite lo < hi but got lo=2, hi=1"):
        plot_activation(ax, "sigmoid", 2, 1)
    with pytest.raises(ValueError, match="n must be an integer >= 2 but is 1"):
        plot_activation(ax, "sigmoid", 0, 1, n=1)


def test_heatmap_shows_the_matrix_with_a_symmetric_scale_and_every_entry(ax):
    M = np.array([[0.25, -0.5, 0.0], [1.0, 0.125, -2.0]])
    heatmap(ax, M, labels=["r1", "r2"], col_labels=["a", "b", "c"], fmt="{:.2f}")
    image = ax.images[0]
    np.testing.assert_array_equal(image.get_array(), M)
    assert image.get_clim() == (-2.0, 2.0)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["0.25", "-0.50", "0.00", "1.00", "0.12", "-2.00"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["r1", "r2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]


def test_heatmap_of_a_zero_matrix_and_the_softmax_jacobian(ax):
    heatmap(ax, np.zeros((2, 2)), colorbar=False)
    assert ax.images[0].get_clim() == (-1.0, 1.0)
    J = bp.softmax.jacobian(np.array([1.0, 0.0, -1.0]))
    _, ax2 = plt.subplots()
    heatmap(ax2, J, labels=["1", "2", "3"])  # square: the row labels serve the columns too
    assert [t.get_text() for t in ax2.get_xticklabels()] == ["1", "2", "3"]
    plt.close(ax2.figure)


def test_heatmap_refuses_bad_input(ax):
    with pytest.raises(ValueError, match=r"non-empty matrix \(q, p\) but has shape \(3,\)"):
        heatmap(ax, np.zeros(3))
    with pytest.raises(ValueError, match="NaN or inf"):
        heatmap(ax, np.array([[np.inf]]))
    with pytest.raises(ValueError, match=r"labels has 3 entries but M of shape \(2, 2\) needs 2"):
        heatmap(ax, np.eye(2), labels=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"col_labels has 2 entries but M of shape \(2, 3\) needs 3"):
        heatmap(ax, np.zeros((2, 3)), labels=["a", "b"])


def test_plot_loss_and_gradient_draws_curves_and_the_tangent(ax):
    xs = np.linspace(-2, 2, 9)
    plot_loss_and_gradient(ax, xs, lambda x: x**2, lambda x: 2 * x, point=1.0)
    E_line, dE_line, tangent, dot = ax.get_lines()[:4]
    np.testing.assert_allclose(E_line.get_ydata(), xs**2)
    np.testing.assert_allclose(dE_line.get_ydata(), 2 * xs)
    (x0, x1), (y0, y1) = tangent.get_xdata(), tangent.get_ydata()
    assert (y1 - y0) / (x1 - x0) == pytest.approx(2.0)  # slope dE(1) = 2
    assert list(dot.get_xdata()) == [1.0] and list(dot.get_ydata()) == [1.0]


def test_plot_loss_and_gradient_refuses_bad_grid_and_point(ax):
    with pytest.raises(ValueError, match=r"1-D grid of >= 2 points but has shape \(1,\)"):
        plot_loss_and_gradient(ax, [0.0], abs, abs)
    with pytest.raises(ValueError, match=r"point 3.0 lies outside the grid \[-1.0, 1.0\]"):
        plot_loss_and_gradient(ax, np.linspace(-1, 1, 3), abs, abs, point=3.0)
