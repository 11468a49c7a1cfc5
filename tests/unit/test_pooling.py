"""bpkit.pooling and the pooling loops of bpkit.conv_reference: max and average pooling forward and
backward, with strides equal to, smaller than (overlapping windows) and larger than the window, the
first-maximum tie rule, finite differences, errors and the layers."""

import re

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import bpkit as bp

from ._helpers import FAST, central_diff

rng = np.random.default_rng(6)

KINDS = {
    "max": (bp.maxpool2d_forward, bp.maxpool2d_backward, bp.maxpool2d_forward_loop, bp.maxpool2d_backward_loop),
    "avg": (bp.avgpool2d_forward, bp.avgpool2d_backward, bp.avgpool2d_forward_loop, bp.avgpool2d_backward_loop),
}


@st.composite
def pool_cases(draw, max_side=8, distinct=False, ties=False):
    """(x, size, stride, r): stride None (= size), or any stride, often different from the size."""
    N, C = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    H, W = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    k = draw(st.integers(1, 4))
    assume(k <= min(H, W))
    stride = draw(st.one_of(st.none(), st.integers(1, 4)))
    r = np.random.default_rng(draw(st.integers(0, 2**16)))
    if distinct:  # entries at least 0.01 apart: finite differences never cross a max's kink
        x = r.permutation(N * C * H * W).reshape(N, C, H, W) * 0.01 + r.uniform(0, 1e-3)
    elif ties:  # few distinct values: many windows have several maxima
        x = r.integers(0, 3, size=(N, C, H, W)).astype(float)
    else:
        x = r.normal(size=(N, C, H, W))
    return x, k, stride, r


@FAST
@given(st.sampled_from(sorted(KINDS)), pool_cases(ties=True))
def test_fast_matches_loop_including_ties(kind, case):
    x, k, stride, r = case
    fwd, bwd, fwd_loop, bwd_loop = KINDS[kind]
    out = fwd(x, k, stride)
    s = k if stride is None else stride
    N, C, H, W = x.shape
    assert out.shape == (N, C, (H - k) // s + 1, (W - k) // s + 1)
    np.testing.assert_allclose(out, fwd_loop(x, k, stride), rtol=1e-12, atol=1e-12)
    dout = r.normal(size=out.shape)
    np.testing.assert_allclose(bwd(dout, x, k, stride), bwd_loop(dout, x, k, stride), rtol=1e-12, atol=1e-12)


@FAST
@given(st.sampled_from(sorted(KINDS)), pool_cases(max_side=6, distinct=True))
def test_both_match_finite_differences(kind, case):
    x, k, stride, r = case
    fwd, bwd, fwd_loop, bwd_loop = KINDS[kind]
    dout = r.normal(size=fwd_loop(x, k, stride).shape)
    for forward, backward in ((fwd, bwd), (fwd_loop, bwd_loop)):
        numeric = central_diff(lambda v: np.sum(dout * forward(v, k, stride)), x, h=1e-4)
        np.testing.assert_allclose(backward(dout, x, k, stride), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("impl", ["fast", "loop"])
def test_max_pooling_overlapping_windows_by_hand(impl):
    # size 3, stride 1 on a 3 x 5 input: the three windows overlap and share their maximum
    x = np.array([[1.0, 2.0, 9.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0, 0.0], [5.0, 0.0, 0.0, 0.0, 8.0]])[None, None]
    fwd, bwd = (bp.maxpool2d_forward, bp.maxpool2d_backward) if impl == "fast" else (bp.maxpool2d_forward_loop, bp.maxpool2d_backward_loop)
    assert fwd(x, 3, 1).tolist() == [[[[9.0, 9.0, 9.0]]]]
    dx = bwd(np.array([[[[1.0, 10.0, 100.0]]]]), x, 3, 1)
    want = np.zeros((3, 5))
    want[0, 2] = 111.0  # all three windows pick the 9: their gradients add up
    np.testing.assert_array_equal(dx[0, 0], want)
    # size 2, stride 3 (> size): windows skip entries, which get no gradient
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    assert fwd(x, 2, 3).tolist() == [[[[6.0, 9.0], [21.0, 24.0]]]]
    dx = bwd(np.ones((1, 1, 2, 2)), x, 2, 3)
    assert sorted(zip(*np.nonzero(dx[0, 0]))) == [(1, 1), (1, 4), (4, 1), (4, 4)]
    # size 3, stride 2 (windows overlap in one row and column); the shared centre x[2, 2] is the max of all four
    x = -np.ones((1, 1, 5, 5))
    x[0, 0, 2, 2] = 1.0
    dx = bwd(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), x, 3, 2)
    assert dx[0, 0, 2, 2] == 10.0 and np.count_nonzero(dx) == 1


@pytest.mark.parametrize("impl", ["fast", "loop"])
def test_tie_rule_first_maximum_in_row_major_order(impl):
    bwd = bp.maxpool2d_backward if impl == "fast" else bp.maxpool2d_backward_loop
    x = np.zeros((1, 1, 2, 2))
    np.testing.assert_array_equal(bwd(np.ones((1, 1, 1, 1)), x, 2)[0, 0], [[1.0, 0.0], [0.0, 0.0]])
    x = np.array([[0.0, 7.0], [7.0, 7.0]])[None, None]
    np.testing.assert_array_equal(bwd(np.full((1, 1, 1, 1), 2.0), x, 2)[0, 0], [[0.0, 2.0], [0.0, 0.0]])
    x = np.array([[1.0, 0.0, 5.0], [5.0, 0.0, 5.0]])[None, None]  # size 2, stride 1: the second window ties x[0, 2] and x[1, 2]
    np.testing.assert_array_equal(bwd(np.array([[[[1.0, 10.0]]]]), x, 2, 1)[0, 0], [[0.0, 0.0, 10.0], [1.0, 0.0, 0.0]])


def test_average_pooling_by_hand():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(bp.avgpool2d_forward(x, 2)[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    dx = bp.avgpool2d_backward(np.ones((1, 1, 3, 3)), x, 2, 1)  # overlapping: coverage / 4
    np.testing.assert_array_equal(dx[0, 0] * 4, np.outer([1, 2, 2, 1], [1, 2, 2, 1]))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_errors_name_the_shapes(kind):
    fwd, bwd, fwd_loop, bwd_loop = KINDS[kind]
    for f in (fwd, fwd_loop):
        with pytest.raises(ValueError, match=re.escape("the window (4, 4) is larger than the input (3, 5) (x has shape (1, 2, 3, 5))")):
            f(np.zeros((1, 2, 3, 5)), 4)
        with pytest.raises(ValueError, match=re.escape("x has shape (3, 5) but expected 4 axes (N, C, H, W)")):
            f(np.zeros((3, 5)), 2)
        with pytest.raises(ValueError, match="size must be a positive integer"):
            f(np.zeros((1, 1, 3, 3)), 0)
        with pytest.raises(ValueError, match="stride must be a positive integer"):
            f(np.zeros((1, 1, 3, 3)), 2, 0)
        with pytest.raises(ValueError, match="non-finite"):
            f(np.full((1, 1, 3, 3), np.inf), 2)
    for b in (bwd, bwd_loop):
        with pytest.raises(ValueError, match=re.escape("dout has shape (1, 2, 2, 2) but expected (1, 2, 1, 2)")):
            b(np.zeros((1, 2, 2, 2)), np.zeros((1, 2, 3, 5)), 2)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_dtypes(kind):
    fwd, bwd, fwd_loop, _ = KINDS[kind]
    x32 = rng.normal(size=(2, 2, 6, 6)).astype(np.float32)
    out = fwd(x32, 3, 2)
    assert out.dtype == np.float32 and bwd(np.ones(out.shape, np.float32), x32, 3, 2).dtype == np.float32
    xi = np.arange(36).reshape(1, 1, 6, 6)
    assert fwd(xi, 2).dtype == np.float64
    np.testing.assert_array_equal(fwd(xi, 2), fwd_loop(xi, 2))


@pytest.mark.parametrize("cls,kind", [(bp.MaxPool2D, "max"), (bp.AvgPool2D, "avg")])
def test_pool_layers(cls, kind):
    _, _, fwd_loop, bwd_loop = KINDS[kind]
    layer = cls(3, stride=2, name="p")
    with pytest.raises(RuntimeError, match="call forward"):
        layer.backward(np.zeros((1, 1, 1, 1)))
    x = rng.normal(size=(2, 3, 7, 6))
    out = layer.forward(x)
    np.testing.assert_allclose(out, fwd_loop(x, 3, 2), rtol=1e-12)
    dout = rng.normal(size=out.shape)
    np.testing.assert_allclose(layer.backward(dout), bwd_loop(dout, x, 3, 2), rtol=1e-12, atol=1e-12)
    assert cls(2).stride == 2 and repr(cls(2)).startswith(cls.__name__ + "(size=2, stride=2")
    with pytest.raises(ValueError, match="size must be a positive integer"):
        cls(0)
    with pytest.raises(ValueError, match=re.escape("input x has shape (3, 7, 6) but expected (N, C, H, W)")):
        layer.forward(np.zeros((3, 7, 6)))
