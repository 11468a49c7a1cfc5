"""bpkit.book.plotting (matplotlib helpers) and bpkit.book.timing (the chapter's timing demo)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from bpkit.book.plotting import contour_with_gradient, plot_timings  # noqa: E402
from bpkit.book.timing import best_time, time_chain_orders  # noqa: E402


def bowl(x):
    return float(x @ x)


def test_contour_with_gradient_draws_contours_point_and_descent_arrow():
    fig, ax = plt.subplots()
    grid = np.linspace(-1, 1, 11)
    contour_with_gradient(ax, bowl, grid, grid, np.array([0.5, 0.0]), np.array([1.0, 0.0]))
    (arrow,) = [c for c in ax.get_children() if isinstance(c, matplotlib.text.Annotation)]
    # the arrow points along -grad, from the point towards smaller x1
    assert arrow.xy[0] < 0.5 and arrow.xy[1] == pytest.approx(0.0)
    assert "length 1" in ax.get_title()
    plt.close(fig)


def test_contour_with_gradient_refuses_wrong_shapes():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"shape \(2,\), got \(3,\) and \(2,\)"):
        contour_with_gradient(ax, bowl, np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(2))
    plt.close(fig)


def test_plot_timings_one_line_per_series_and_length_check():
    fig, ax = plt.subplots()
    plot_timings(ax, [1, 2, 4], {"a": [1.0, 2.0, 4.0], "b": [1.0, 1.0, 1.0]})
    assert len(ax.get_lines()) == 2
    with pytest.raises(ValueError, match="has 2 times for 3 sizes"):
        plot_timings(ax, [1, 2, 4], {"c": [1.0, 2.0]})
    plt.close(fig)


def test_best_time_is_per_call():
    calls = []
    t = best_time(lambda: calls.append(1), repeat=2, min_seconds=1e-3)
    assert 0 < t < 1e-3 and len(calls) > 2


def test_time_chain_orders_returns_one_time_per_size_for_each_order():
    backward, forward = time_chain_orders([4, 8], n_maps=3, rng=np.random.default_rng(0), repeat=1)
    assert len(backward) == len(forward) == 2
    assert all(t > 0 for t in backward + forward)
