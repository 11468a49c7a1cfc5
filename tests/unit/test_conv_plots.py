"""bpkit.book.conv_plots: the index sets of chapter 5's widgets against one-hot backward passes of the
loop reference, and the drawings against the numbers they claim to show."""

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bpkit as bp  # noqa: E402
from bpkit.book import conv_plots as cp  # noqa: E402

# (H, W, KH, KW, stride, padding): square and not, overlapping and gapped windows, padding.
CONFIGS = [(4, 4, 2, 2, 1, 0), (5, 4, 3, 2, 2, 1), (5, 5, 2, 2, 2, 0), (3, 4, 3, 3, 1, 2),
           (6, 5, 2, 3, 3, 1)]


def _one_hot_backward(x, Wk, i, j, s, p):
    """conv2d_backward_loop with dE/dz = 1 at (i, j) and 0 elsewhere: (dz[i,j]/dx, dz[i,j]/dWk)."""
    OH, OW = cp.conv_output_shape(*x.shape, *Wk.shape, s, p)
    dout = np.zeros((1, 1, OH, OW))
    dout[0, 0, i, j] = 1.0
    dx, dW, _ = bp.conv2d_backward_loop(dout, x[None, None], Wk[None, None], s, p)
    return dx[0, 0], dW[0, 0]


@pytest.mark.parametrize("H, W, KH, KW, s, p", CONFIGS)
def test_output_dependencies_are_the_nonzero_derivatives_of_that_output(H, W, KH, KW, s, p):
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 2, (H, W))           # no zeros, so a zero derivative means "not read"
    Wk = rng.uniform(1, 2, (KH, KW))
    OH, OW = cp.conv_output_shape(H, W, KH, KW, s, p)
    for i, j in itertools.product(range(OH), range(OW)):
        deps = cp.output_dependencies(H, W, KH, KW, i, j, s, p)
        dx, dW = _one_hot_backward(x, Wk, i, j, s, p)
        want_dx = np.zeros((H, W))
        want_dW = np.zeros((KH, KW))
        for (u, v), rc in deps.items():
            if rc is not None:
                want_dx[rc] += Wk[u, v]
                want_dW[u, v] = x[rc]
        np.testing.assert_allclose(dx, want_dx, rtol=1e-14, atol=0)
        np.testing.assert_allclose(dW, want_dW, rtol=1e-14, atol=0)


@pytest.mark.parametrize("H, W, KH, KW, s, p", CONFIGS)
def test_weight_pairs_sum_to_the_weight_gradient_and_invert_output_dependencies(H, W, KH, KW, s, p):
    rng = np.random.default_rng(1)
    x, Wk = rng.normal(size=(H, W)), rng.normal(size=(KH, KW))
    OH, OW = cp.conv_output_shape(H, W, KH, KW, s, p)
    dz = rng.normal(size=(OH, OW))
    _, dW, _ = bp.conv2d_backward_loop(dz[None, None], x[None, None], Wk[None, None], s, p)
    for u, v in itertools.product(range(KH), range(KW)):
        pairs = cp.weight_pairs(H, W, KH, KW, u, v, s, p)
        assert sorted(pairs) == list(itertools.product(range(OH), range(OW)))
        total = sum(dz[ij] * x[rc] for ij, rc in pairs.items() if rc is not None)
        assert total == pytest.approx(dW[0, 0, u, v], rel=1e-12, abs=1e-12)
        for (i, j), rc in pairs.items():
            assert cp.output_dependencies(H, W, KH, KW, i, j, s, p)[(u, v)] == rc


def test_conv_output_shape_and_its_errors():
    assert cp.conv_output_shape(4, 4, 2, 2) == (3, 3)              # note B
    assert cp.conv_output_shape(5, 7, 3, 2, stride=2, padding=1) == (3, 4)
    with pytest.raises(ValueError, match=r"kernel \(5, 2\) is larger than the padded input \(4, 4\)"):
        cp.conv_output_shape(4, 4, 5, 2)
    with pytest.raises(ValueError, match="stride must be a positive integer but is 0"):
        cp.conv_output_shape(4, 4, 2, 2, stride=0)
    with pytest.raises(TypeError, match=r"padding must be a non-negative integer .* but is 1.5 \(float\)"):
        cp.conv_output_shape(4, 4, 2, 2, padding=1.5)       # not an integer: TypeError, never truncated
    with pytest.raises(ValueError, match=r"output position \(i, j\) = \(3, 0\) is outside the shape \(3, 3\)"):
        cp.output_dependencies(4, 4, 2, 2, 3, 0)
    with pytest.raises(TypeError, match=r"i must be a non-negative integer"):
        cp.output_dependencies(4, 4, 2, 2, 1.5, 0)           # used to be truncated to 1
    with pytest.raises(ValueError, match=r"kernel weight \(u, v\) = \(0, 2\) is outside the shape \(2, 2\)"):
        cp.weight_pairs(4, 4, 2, 2, 0, 2)


@pytest.fixture
def axes():
    fig, axes = plt.subplots(1, 3)
    yield axes
    plt.close(fig)


def _filled(ax, color):
    rgba = matplotlib.colors.to_rgba(color)
    return [(int(r.get_y()), int(r.get_x())) for r in ax.patches if r.get_facecolor() == rgba]


def test_draw_grid_shows_entries_padding_highlights_and_labels(axes):
    M = np.array([[1.0, 2.0], [3.0, np.nan]])
    cp.draw_grid(axes[0], M, "m", highlight=[(0, 1), (-1, -1)], labels={(1, 0): "w[0,0]"}, padding=1)
    assert len(axes[0].patches) == 16                      # (2 + 2) x (2 + 2) cells
    assert sorted(_filled(axes[0], cp.HIGHLIGHT)) == [(-1, -1), (0, 1)]
    assert len(_filled(axes[0], cp.PAD)) == 12 - 1         # the ring, less one highlighted cell
    texts = [t.get_text() for t in axes[0].texts]
    assert texts.count("0") == 12 and "w[0,0]" in texts and "nan" not in texts
    with pytest.raises(ValueError, match=r"M must be a non-empty matrix but has shape \(3,\)"):
        cp.draw_grid(axes[1], np.zeros(3))


def test_draw_output_dependencies_highlights_the_window_and_returns_z(axes):
    x = np.arange(16.0).reshape(4, 4)
    Wk = np.array([[1.0, 0.0], [2.0, -1.0]])
    z = bp.conv2d_forward_loop(x[None, None], Wk[None, None], stride=2, padding=1)[0, 0]
    value = cp.draw_output_dependencies(axes, x, Wk, 1, 2, stride=2, padding=1)
    assert value == z[1, 2]
    assert sorted(_filled(axes[0], cp.HIGHLIGHT)) == [(1, 3), (1, 4), (2, 3), (2, 4)]
    assert len(_filled(axes[1], cp.HIGHLIGHT)) == 4
    assert _filled(axes[2], cp.HIGHLIGHT) == [(1, 2)]
    corner = {(int(t.get_position()[1]), int(t.get_position()[0])): t.get_text()
              for t in axes[0].texts if t.get_text().startswith("w[")}
    # z[1, 2] reads xpad[2 + u, 4 + v], i.e. x[1 + u, 3 + v], through Wk[u, v]
    assert corner == {(1, 3): "w[0,0]", (1, 4): "w[0,1]", (2, 3): "w[1,0]", (2, 4): "w[1,1]"}
    # the same cell size on all three panels: the 6 x 6 padded input sets the view of each
    for ax in axes:
        assert np.ptp(ax.get_xlim()) == pytest.approx(6.1) and np.ptp(ax.get_ylim()) == pytest.approx(6.1)


def test_draw_weight_pairs_returns_the_weight_gradient(axes):
    rng = np.random.default_rng(2)
    x, Wk, dz = rng.normal(size=(4, 4)), rng.normal(size=(2, 2)), rng.normal(size=(3, 3))
    _, dW, _ = bp.conv2d_backward_loop(dz[None, None], x[None, None], Wk[None, None])
    grad = cp.draw_weight_pairs(axes, x, Wk, dz, 0, 0)
    assert grad == pytest.approx(dW[0, 0, 0, 0], rel=1e-12)
    # note B: the inputs paired with w11 are the top-left 3 x 3 patch of x
    assert sorted(_filled(axes[0], cp.HIGHLIGHT)) == list(itertools.product(range(3), range(3)))
    assert len(_filled(axes[2], cp.PARTNER)) == 9
    with pytest.raises(ValueError, match=r"dz has shape \(2, 2\) but expected \(3, 3\)"):
        cp.draw_weight_pairs(axes, x, Wk, np.zeros((2, 2)), 0, 0)


def test_draw_sliding_step_fills_the_outputs_computed_so_far(axes):
    x = np.arange(20.0).reshape(4, 5)
    Wk = np.array([[1.0, -1.0], [0.5, 2.0]])
    z = bp.conv2d_forward_loop(x[None, None], Wk[None, None], stride=1)[0, 0]   # (3, 4)
    i, j, value = cp.draw_sliding_step(axes, x, Wk, 5)
    assert (i, j, value) == (1, 1, z[1, 1])
    shown = [t.get_text() for t in axes[2].texts]
    assert shown == [f"{v:g}" for v in z.ravel()[:6]]
    with pytest.raises(ValueError, match=r"step must be < OH \* OW = 12 .* but is 12"):
        cp.draw_sliding_step(axes, x, Wk, 12)
    with pytest.raises(ValueError, match="needs 3 axes"):
        cp.draw_sliding_step(axes[:2], x, Wk, 0)
