"""bpkit.conv and bpkit.conv_reference: conv2d forward/backward (NCHW, stride, padding), im2col/col2im,
the Conv2D layer. The fast code agrees with the loops, both agree with finite differences, over
random shapes, strides and paddings (hypothesis)."""

import re

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import bpkit as bp
from bpkit import conv as fast

from ._helpers import FAST, central_diff

rng = np.random.default_rng(5)


@st.composite
def conv_cases(draw, max_side=7):
    """(x, Wk, b, stride, padding, seed) with the kernel fitting inside the padded input."""
    N, C, F = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    KH, KW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    s, p = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    assume(KH <= H + 2 * p and KW <= W + 2 * p)
    r = np.random.default_rng(draw(st.integers(0, 2**16)))
    return r.normal(size=(N, C, H, W)), r.normal(size=(F, C, KH, KW)), r.normal(size=F), s, p, r


@FAST
@given(conv_cases())
def test_fast_matches_loop_forward_and_backward(case):
    x, Wk, b, s, p, r = case
    out = bp.conv2d_forward(x, Wk, b, s, p)
    ref = bp.conv2d_forward_loop(x, Wk, b, s, p)
    N, C, H, W = x.shape
    F, _, KH, KW = Wk.shape
    assert out.shape == ref.shape == (N, F, (H + 2 * p - KH) // s + 1, (W + 2 * p - KW) // s + 1)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    dout = r.normal(size=out.shape)
    for got, want in zip(bp.conv2d_backward(dout, x, Wk, s, p), bp.conv2d_backward_loop(dout, x, Wk, s, p)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@FAST
@given(conv_cases(max_side=5))
def test_both_match_finite_differences(case):
    x, Wk, b, s, p, r = case
    dout = r.normal(size=bp.conv2d_forward_loop(x, Wk, b, s, p).shape)

    def E(forward, x=x, Wk=Wk, b=b):  # E = <dout, out>, so dE/dout = dout
        return np.sum(dout * forward(x, Wk, b, s, p))

    for forward, backward in ((bp.conv2d_forward, bp.conv2d_backward), (bp.conv2d_forward_loop, bp.conv2d_backward_loop)):
        dx, dWk, db = backward(dout, x, Wk, s, p)
        tol = dict(rtol=1e-6, atol=1e-8)  # E is linear in each argument: only rounding error remains
        np.testing.assert_allclose(dx, central_diff(lambda v: E(forward, x=v), x), **tol)
        np.testing.assert_allclose(dWk, central_diff(lambda v: E(forward, Wk=v), Wk), **tol)
        np.testing.assert_allclose(db, central_diff(lambda v: E(forward, b=v), b), **tol)


def test_hand_computed_example_with_stride_and_padding():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    Wk = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])  # out = xpad[i*s, j*s] - xpad[i*s + 1, j*s + 1]
    out = bp.conv2d_forward(x, Wk, np.array([0.5]), stride=2, padding=1)
    xpad = np.pad(x[0, 0], 1)
    want = np.array([[xpad[2 * i, 2 * j] - xpad[2 * i + 1, 2 * j + 1] for j in range(3)] for i in range(3)]) + 0.5
    np.testing.assert_array_equal(out[0, 0], want)
    # backward with dout = 1: dx[h, w] counts +1 for every window that reads it at (0, 0), -1 at (1, 1)
    dx, dWk, db = bp.conv2d_backward(np.ones((1, 1, 3, 3)), x, Wk, stride=2, padding=1)
    dxpad = np.zeros((6, 6))
    for i in range(3):
        for j in range(3):
            dxpad[2 * i, 2 * j] += 1
            dxpad[2 * i + 1, 2 * j + 1] -= 1
    np.testing.assert_array_equal(dx[0, 0], dxpad[1:5, 1:5])
    assert db.tolist() == [9.0]
    np.testing.assert_array_equal(dWk[0, 0], [[sum(xpad[2 * i, 2 * j + v] for i in range(3) for j in range(3)) for v in (0, 1)],
                                              [sum(xpad[2 * i + 1, 2 * j + v] for i in range(3) for j in range(3)) for v in (0, 1)]])


def test_overlapping_patches_accumulate_in_dx():
    # 3x3 kernel of ones, stride 1, no padding, dout = 1: dx counts how many windows cover each pixel
    x = rng.normal(size=(2, 1, 5, 5))
    dx, _, _ = bp.conv2d_backward(np.ones((2, 1, 3, 3)), x, np.ones((1, 1, 3, 3)))
    cover = np.array([1, 2, 3, 2, 1])
    np.testing.assert_array_equal(dx[0, 0], np.outer(cover, cover))
    np.testing.assert_array_equal(dx[1, 0], np.outer(cover, cover))


# --- im2col and col2im ----------------------------------------------------------------------------


@FAST
@given(conv_cases())
def test_im2col_layout_and_col2im_adjoint(case):
    x, Wk, b, s, p, r = case
    N, C, H, W = x.shape
    F, _, KH, KW = Wk.shape
    cols = bp.im2col(x, KH, KW, s, p)
    OH, OW = (H + 2 * p - KH) // s + 1, (W + 2 * p - KW) // s + 1
    assert cols.shape == (C * KH * KW, N * OH * OW)
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    for _ in range(5):  # spot checks of the definition cols[(c, u, v), (n, i, j)] = xpad[n, c, i*s+u, j*s+v]
        c, u, v, n, i, j = (int(r.integers(m)) for m in (C, KH, KW, N, OH, OW))
        assert cols[(c * KH + u) * KW + v, (n * OH + i) * OW + j] == xpad[n, c, i * s + u, j * s + v]
    out = (Wk.reshape(F, -1) @ cols + b[:, None]).reshape(F, N, OH, OW).transpose(1, 0, 2, 3)
    np.testing.assert_allclose(out, bp.conv2d_forward_loop(x, Wk, b, s, p), rtol=1e-12, atol=1e-12)
    Y = r.normal(size=cols.shape)  # adjoint: <im2col(x), Y> = <x, col2im(Y)>
    back = bp.col2im(Y, x.shape, KH, KW, s, p)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * Y), np.sum(x * back), rtol=1e-10, atol=1e-10)


def test_col2im_adds_overlapping_patches():
    cols = bp.im2col(np.zeros((1, 1, 4, 4)), 2, 2)  # 9 overlapping 2x2 patches
    dx = bp.col2im(np.ones_like(cols), (1, 1, 4, 4), 2, 2)
    np.testing.assert_array_equal(dx[0, 0], np.outer([1, 2, 2, 1], [1, 2, 2, 1]))


# --- errors, dtypes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("forward", [bp.conv2d_forward, bp.conv2d_forward_loop])
def test_channel_mismatch_names_both_shapes(forward):
    with pytest.raises(ValueError, match=re.escape("x has shape (2, 3, 5, 5) with C=3 channels but Wk has shape (4, 2, 3, 3) with C=2")):
        forward(np.zeros((2, 3, 5, 5)), np.zeros((4, 2, 3, 3)))


@pytest.mark.parametrize("fn", ["conv2d_forward", "conv2d_forward_loop", "conv2d_backward", "conv2d_backward_loop"])
def test_kernel_larger_than_padded_input(fn):
    x, Wk = np.zeros((1, 1, 3, 4)), np.zeros((1, 1, 6, 2))
    args = (x, Wk) if "forward" in fn else (np.zeros((1, 1, 1, 1)), x, Wk)
    with pytest.raises(ValueError, match=re.escape("the kernel (6, 2) is larger than the padded input (5, 6) (x has shape (1, 1, 3, 4), padding 1)")):
        getattr(bp, fn)(*args, padding=1)
    getattr(bp, "conv2d_forward")(np.zeros((1, 1, 4, 4)), Wk, padding=1)  # 6 <= 4 + 2: fits


@pytest.mark.parametrize("backward", [bp.conv2d_backward, bp.conv2d_backward_loop])
def test_dout_shape_is_checked(backward):
    with pytest.raises(ValueError, match=re.escape("dout has shape (2, 4, 3, 3) but expected (2, 4, 2, 2)")):
        backward(np.zeros((2, 4, 3, 3)), np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), stride=2)


def test_other_argument_errors():
    x, Wk = np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3))
    with pytest.raises(ValueError, match=re.escape("x has shape (2, 5, 5) but expected 4 axes (N, C, H, W)")):
        bp.conv2d_forward(np.zeros((2, 5, 5)), Wk)
    with pytest.raises(ValueError, match=re.escape("Wk has shape (3, 2, 3) but expected 4 axes (F, C, KH, KW)")):
        bp.conv2d_forward(x, np.zeros((3, 2, 3)))
    with pytest.raises(ValueError, match=re.escape("b has shape (2,) but expected (3,)")):
        bp.conv2d_forward(x, Wk, np.zeros(2))
    for bad, error in ((0, ValueError), (-1, ValueError), (1.5, TypeError), (2.0, TypeError), (True, TypeError)):
        with pytest.raises(error, match="stride must be a positive integer"):  # not an integer: TypeError
            bp.conv2d_forward(x, Wk, stride=bad)
    with pytest.raises(ValueError, match="padding must be a non-negative integer"):
        bp.conv2d_forward(x, Wk, padding=-1)
    with pytest.raises(ValueError, match="non-finite"):
        bp.conv2d_forward(np.full((1, 2, 5, 5), np.nan), Wk)
    with pytest.raises(ValueError, match=re.escape("cols has shape (18, 8) but expected (18, 9)")):
        bp.col2im(np.zeros((18, 8)), (1, 2, 5, 5), 3, 3)


def test_dtypes_float32_stays_float32_and_ints_become_float64():
    x32, W32, b32 = (a.astype(np.float32) for a in (rng.normal(size=(2, 3, 6, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)))
    out = bp.conv2d_forward(x32, W32, b32, 1, 1)
    assert out.dtype == np.float32 and bp.im2col(x32, 3, 3).dtype == np.float32
    grads = bp.conv2d_backward(np.ones(out.shape, np.float32), x32, W32, 1, 1)
    assert [g.dtype for g in grads] == [np.float32] * 3
    ref = bp.conv2d_forward_loop(x32.astype(np.float64), W32.astype(np.float64), b32.astype(np.float64), 1, 1)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)
    xi, Wi = np.arange(2 * 3 * 6 * 6).reshape(2, 3, 6, 6), np.ones((1, 3, 2, 2), dtype=np.int64)
    out_i = bp.conv2d_forward(xi, Wi)
    assert out_i.dtype == np.float64
    np.testing.assert_array_equal(out_i, bp.conv2d_forward_loop(xi, Wi))


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_thread_count_does_not_change_the_numbers(threads):
    x, Wk, b = rng.normal(size=(7, 2, 6, 5)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    dout = rng.normal(size=(7, 3, 3, 3))
    before = fast.get_num_threads()
    try:
        fast.set_num_threads(threads)
        assert fast.get_num_threads() == threads
        got = (bp.conv2d_forward(x, Wk, b, 2, 1),) + bp.conv2d_backward(dout, x, Wk, 2, 1)
    finally:
        fast.set_num_threads(before)
    want = (bp.conv2d_forward_loop(x, Wk, b, 2, 1),) + bp.conv2d_backward_loop(dout, x, Wk, 2, 1)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        fast.set_num_threads(0)


# --- the layer --------------------------------------------------------------------------------------


def test_conv2d_layer_forward_backward_and_errors():
    layer = bp.Conv2D(2, 3, (3, 2), stride=2, padding=1, rng=1, name="c1")
    assert layer.W.shape == (3, 2, 3, 2) and layer.b.shape == (3,)
    x = rng.normal(size=(4, 2, 7, 6))
    with pytest.raises(RuntimeError, match="call forward"):
        layer.backward(np.zeros((4, 3, 4, 4)))
    out = layer.forward(x)
    np.testing.assert_allclose(out, bp.conv2d_forward_loop(x, layer.W, layer.b, 2, 1), rtol=1e-12)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    for got, want in zip((dx, layer.dW, layer.db), bp.conv2d_backward_loop(dout, x, layer.W, 2, 1)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=re.escape("Conv2D layer 'c1'") + ".*" + re.escape("input x has shape (4, 3, 7, 6) but expected (N, 2, H, W)")):
        layer.forward(np.zeros((4, 3, 7, 6)))
    with pytest.raises(ValueError, match=re.escape("dout has shape (4, 3, 4, 3) but expected (4, 3, 4, 4)")):
        layer.backward(np.zeros((4, 3, 4, 3)))
    with pytest.raises(ValueError, match=re.escape("W has shape (3, 2, 3, 3) but expected (3, 2, 3, 2)")):
        bp.Conv2D(2, 3, (3, 2), W=np.zeros((3, 2, 3, 3)))
    given = np.ones((1, 1, 2, 2), dtype=int)
    layer = bp.Conv2D(1, 1, 2, W=given, b=[1])
    assert layer.W.dtype == np.float64 and layer.W is not given and layer.b.tolist() == [1.0]
    assert "Conv2D(C_in=1, C_out=1, kernel_size=(2, 2)" in repr(layer)
