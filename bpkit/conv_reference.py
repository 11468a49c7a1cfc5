"""Convolution and pooling written as loops that read like their definitions: the reference.

Layout NCHW: x is (N, C, H, W); the kernel weights Wk are (F, C, KH, KW) (F filters, "n_out x n_in x
kh x kw", like the dense W being n_out x n_in); the bias b is (F,). Stride s and padding p are the same
in both directions; p rows and columns of zeros are added on every side, giving xpad.

The code's names are the short ones of deep-learning code; chapter 5 of the book writes them as
    N -> N (samples), C -> C_in (input channels), F -> C_out (filters), H, W -> X_H, X_W,
    KH, KW -> K_H, K_W, OH, OW -> O_H, O_W, p -> P, n -> mu (sample index), f -> d (filter index),
    and the pooling window size k -> K.

"Convolution" is cross-correlation (the kernel is not flipped), as in every deep-learning library
and in the book, which calls it convolution too (chapter 5, eq. (5.6)):

    out[n, f, i, j] = b[f] + sum_{c,u,v} Wk[f, c, u, v] * xpad[n, c, i*s + u, j*s + v]      (conv)

with OH = (H + 2p - KH) // s + 1 and OW = (W + 2p - KW) // s + 1. Given dout = dE/dout (N, F, OH, OW):

    dWk[f, c, u, v] = sum_{n,i,j} dout[n, f, i, j] * xpad[n, c, i*s + u, j*s + v]           (dWk)
    db[f]           = sum_{n,i,j} dout[n, f, i, j]                                          (db)
    dxpad[n, c, i*s + u, j*s + v] += Wk[f, c, u, v] * dout[n, f, i, j]   for all n,f,i,j,c,u,v  (dx)

and dx is dxpad cropped by p on every side: the book's eq. (5.7). (dx) is the "full
convolution" of dout, dilated by s, with the flipped kernel (eq. (5.8)); written as the scatter above it is simply the chain rule applied to (conv): every
output entry hands its gradient back to the inputs it read.

Pooling (no padding, stride defaults to the window size k; eq. (5.11) and
eq. (5.12)) takes the max or the mean of each k x k window xwin = x[n, c, i*s : i*s + k, j*s : j*s + k]. Backward: average pooling hands dout / k^2 to every
entry of the window; max pooling hands all of dout to the FIRST maximal entry of the window in
row-major order (the tie rule; bpkit.pooling follows it too). Windows overlap when s < k, and then
the contributions add up (+=).

These loops run over n, f (or c), i, j in Python and are slow: they are the reference for the tests
and for the chapter, not for training. bpkit.conv and bpkit.pooling hold the fast versions with the
same signatures (without the _loop suffix).

Input rules as everywhere in bpkit: ints and bools become float64 exactly; float32 stays float32;
NaN/inf are refused; shapes that do not fit raise ValueError naming the shapes; every size is at least 1
(an empty batch, zero channels or filters, a zero-size image or kernel raise ValueError); stride, padding
and window size are integers (TypeError for bool, float, str; ValueError for stride or size < 1,
padding < 0). A result too large for the float type raises ValueError naming the arguments; an average
over a window of values near the largest float is still computed (as the sum of value / k^2).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_finite_result, check_int, check_shape, format_shape, quiet

__all__ = [
    "conv2d_forward_loop",
    "conv2d_backward_loop",
    "maxpool2d_forward_loop",
    "maxpool2d_backward_loop",
    "avgpool2d_forward_loop",
    "avgpool2d_backward_loop",
]


# --------------------------------------------------------------------------------------------
# Shared validation (also used by bpkit.conv and bpkit.pooling, so the errors are the same).
# --------------------------------------------------------------------------------------------


def _check_nchw(x: np.ndarray, name: str, where: str) -> None:
    if x.ndim != 4:
        raise ValueError(
            f"{where}: {name} has shape {format_shape(x.shape)} but expected 4 axes (N, C, H, W)"
        )


def _conv_output_size(x_shape, KH: int, KW: int, stride: int, padding: int, where: str):
    """(OH, OW) = ((H + 2p - KH) // s + 1, (W + 2p - KW) // s + 1); ValueError if the kernel does not fit."""
    H, W = x_shape[2], x_shape[3]
    Hp, Wp = H + 2 * padding, W + 2 * padding
    if KH > Hp or KW > Wp:
        raise ValueError(
            f"{where}: the kernel ({KH}, {KW}) is larger than the padded input ({Hp}, {Wp}) "
            f"(x has shape {format_shape(x_shape)}, padding {padding})"
        )
    return (Hp - KH) // stride + 1, (Wp - KW) // stride + 1


def _conv_inputs(x, Wk, b, stride, padding, where: str):
    """Validate and convert the conv2d arguments; return x, Wk, b, stride, padding, (OH, OW).

    x, Wk and b are converted to one common float dtype (float32 only if all of them are float32).
    b=None gives zeros.
    """
    x = as_float_array(x, "x", where)
    Wk = as_float_array(Wk, "Wk", where)
    _check_nchw(x, "x", where)
    if Wk.ndim != 4:
        raise ValueError(
            f"{where}: Wk has shape {format_shape(Wk.shape)} but expected 4 axes (F, C, KH, KW)"
        )
    stride = check_int(stride, "stride", where, 1)
    padding = check_int(padding, "padding", where, 0)
    F, C, KH, KW = Wk.shape
    if x.shape[1] != C:
        raise ValueError(
            f"{where}: channel mismatch: x has shape {format_shape(x.shape)} with C={x.shape[1]} "
            f"channels but Wk has shape {format_shape(Wk.shape)} with C={C} (Wk is (F, C, KH, KW))"
        )
    if b is None:
        b = np.zeros(F, dtype=np.result_type(x, Wk))
    b = as_float_array(b, "b", where)
    check_shape(b, (F,), "b", where, f"(one bias per filter: F = {F} filters in Wk)")
    dtype = np.result_type(x, Wk, b)
    x, Wk, b = x.astype(dtype, copy=False), Wk.astype(dtype, copy=False), b.astype(dtype, copy=False)
    OH, OW = _conv_output_size(x.shape, KH, KW, stride, padding, where)
    return x, Wk, b, stride, padding, (OH, OW)


def _check_dout(dout, expected, dtype, where: str, source: str) -> np.ndarray:
    """dout converted (to `dtype` if that is wider) and checked against the forward output shape,
    which follows from the arguments named in `source`."""
    dout = as_float_array(dout, "dout", where)
    check_shape(dout, expected, "dout", where, f"(the shape of the forward output, from {source})")
    return dout.astype(np.result_type(dout, dtype), copy=False)


def _conv_backward_inputs(dout, x, Wk, stride, padding, where: str):
    """Validate the conv2d backward arguments; return dout, x, Wk (one common dtype), s, p, (OH, OW)."""
    x, Wk, _, s, p, (OH, OW) = _conv_inputs(x, Wk, None, stride, padding, where)
    dout = _check_dout(dout, (x.shape[0], Wk.shape[0], OH, OW), x.dtype, where, "x, Wk, stride and padding")
    dtype = np.result_type(x, dout)
    return dout, x.astype(dtype, copy=False), Wk.astype(dtype, copy=False), s, p, (OH, OW)


def _pool_inputs(x, size, stride, where: str):
    """Validate pooling arguments; return x, size, stride, (OH, OW) with OH = (H - size) // stride + 1."""
    x = as_float_array(x, "x", where)
    _check_nchw(x, "x", where)
    size = check_int(size, "size", where, 1)
    stride = size if stride is None else check_int(stride, "stride", where, 1)
    H, W = x.shape[2], x.shape[3]
    if size > H or size > W:
        raise ValueError(
            f"{where}: the window ({size}, {size}) is larger than the input ({H}, {W}) "
            f"(x has shape {format_shape(x.shape)})"
        )
    return x, size, stride, ((H - size) // stride + 1, (W - size) // stride + 1)


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    """xpad: x with `padding` rows and columns of zeros on every side of H and W."""
    if padding == 0:
        return x
    N, C, H, W = x.shape
    xpad = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=x.dtype)  # faster than np.pad
    xpad[:, :, padding : padding + H, padding : padding + W] = x
    return xpad


# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------


def conv2d_forward_loop(x, Wk, b=None, stride=1, padding=0) -> np.ndarray:
    """out[n, f, i, j] = b[f] + sum_{c,u,v} Wk[f, c, u, v] xpad[n, c, i*s + u, j*s + v]  (conv).

    The book's eq. (5.6), as loops.
    x: (N, C, H, W); Wk: (F, C, KH, KW); b: (F,) or None (zeros). Returns out: (N, F, OH, OW),
    OH = (H + 2p - KH) // s + 1, OW = (W + 2p - KW) // s + 1. One loop per output index n, f, i, j;
    the sum over c, u, v is the elementwise product of the filter with the window it sees.
    """
    where = "conv2d_forward_loop"
    x, Wk, b, s, p, (OH, OW) = _conv_inputs(x, Wk, b, stride, padding, where)
    N, F, KH, KW = x.shape[0], Wk.shape[0], Wk.shape[2], Wk.shape[3]
    xpad = _pad(x, p)
    out = np.zeros((N, F, OH, OW), dtype=x.dtype)
    with quiet():  # a sum too large for a float becomes inf here, and is reported below
        for n in range(N):
            for f in range(F):
                for i in range(OH):
                    for j in range(OW):
                        window = xpad[n, :, i * s : i * s + KH, j * s : j * s + KW]  # (C, KH, KW)
                        out[n, f, i, j] = b[f] + np.sum(Wk[f] * window)
    return check_finite_result(out, where, "the output", "x, Wk and b")


def conv2d_backward_loop(dout, x, Wk, stride=1, padding=0):
    """Gradients of (conv) given dout = dE/dout (N, F, OH, OW): returns (dx, dWk, db).

    The book's eq. (5.7), as loops. For every output entry (n, f, i, j), with window = xpad[n, :, i*s : i*s + KH, j*s : j*s + KW]:
        dWk[f] += dout[n, f, i, j] * window      (dWk: input cross-correlated with dout)
        db[f]  += dout[n, f, i, j]               (db)
        dxpad[n, :, window] += dout[n, f, i, j] * Wk[f]   (dx: full convolution with the flipped kernel)
    and dx = dxpad[:, :, p:p+H, p:p+W]. Shapes: dx like x (N, C, H, W), dWk like Wk (F, C, KH, KW),
    db (F,).
    """
    where = "conv2d_backward_loop"
    dout, x, Wk, s, p, (OH, OW) = _conv_backward_inputs(dout, x, Wk, stride, padding, where)
    N, C, H, W = x.shape
    F, _, KH, KW = Wk.shape
    dtype = x.dtype
    xpad = _pad(x, p)
    dxpad = np.zeros(xpad.shape, dtype=dtype)
    dWk = np.zeros(Wk.shape, dtype=dtype)
    db = np.zeros(F, dtype=dtype)
    with quiet():  # sums too large for a float become inf here, and are reported below
        for n in range(N):
            for f in range(F):
                for i in range(OH):
                    for j in range(OW):
                        g = dout[n, f, i, j]
                        rows, cols = slice(i * s, i * s + KH), slice(j * s, j * s + KW)
                        dWk[f] += g * xpad[n, :, rows, cols]
                        db[f] += g
                        dxpad[n, :, rows, cols] += g * Wk[f]
    dx = np.ascontiguousarray(dxpad[:, :, p : p + H, p : p + W])
    return _conv_grads_checked(dx, dWk, db, where)


def _conv_grads_checked(dx, dWk, db, where: str):
    """(dx, dWk, db) after checking that each fits in the float type (ValueError naming the arguments)."""
    check_finite_result(dx, where, "dx", "dout and Wk")
    check_finite_result(dWk, where, "dWk", "dout and x")
    check_finite_result(db, where, "db", "dout")
    return dx, dWk, db


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------


def _pool_forward_loop(x, size, stride, reduce, where: str) -> np.ndarray:
    """out[n, c, i, j] = reduce(x[n, c, i*s : i*s + k, j*s : j*s + k]), one window at a time."""
    x, k, s, (OH, OW) = _pool_inputs(x, size, stride, where)
    N, C = x.shape[:2]
    out = np.zeros((N, C, OH, OW), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    out[n, c, i, j] = reduce(x[n, c, i * s : i * s + k, j * s : j * s + k])
    return out


def _window_mean(window: np.ndarray):
    """np.mean(window); if the sum overflows (values near the largest float), the mean as sum(window / size)."""
    with quiet():
        m = np.mean(window)
        if not np.isfinite(m):
            m = np.sum(window / window.size)
    return m


def _pool_backward_loop(dout, x, size, stride, scatter, where: str) -> np.ndarray:
    """dx: for every window, scatter(dx_window, x_window, dout[n, c, i, j]) adds that window's share
    into the view dx_window of dx (so overlapping windows add up)."""
    x, k, s, (OH, OW) = _pool_inputs(x, size, stride, where)
    N, C = x.shape[:2]
    dout = _check_dout(dout, (N, C, OH, OW), x.dtype, where, "x, size and stride")
    dx = np.zeros(x.shape, dtype=np.result_type(x, dout))
    with quiet():  # overlapping windows add up; a sum too large for a float is reported below
        for n in range(N):
            for c in range(C):
                for i in range(OH):
                    for j in range(OW):
                        rows, cols = slice(i * s, i * s + k), slice(j * s, j * s + k)
                        scatter(dx[n, c, rows, cols], x[n, c, rows, cols], dout[n, c, i, j])
    return check_finite_result(dx, where, "dx (overlapping windows add up)", "dout")


def maxpool2d_forward_loop(x, size, stride=None) -> np.ndarray:
    """out[n, c, i, j] = max of the window x[n, c, i*s : i*s + k, j*s : j*s + k] (k = size).

    The book's eq. (5.11) (max), as loops.
    x: (N, C, H, W); stride s defaults to size; no padding. Returns (N, C, OH, OW) with
    OH = (H - k) // s + 1, OW = (W - k) // s + 1.
    """
    return _pool_forward_loop(x, size, stride, np.max, "maxpool2d_forward_loop")


def maxpool2d_backward_loop(dout, x, size, stride=None) -> np.ndarray:
    """dx: each window's dout[n, c, i, j] goes to the FIRST maximal entry of that window (row-major).

    The book's eq. (5.12) (max), as loops.
    The derivative of max is 1 at the maximum and 0 elsewhere; on a tie bpkit picks the first maximum
    in row-major order (np.argmax's rule). Overlapping windows (stride < size) add up (+=).
    dout: (N, C, OH, OW); returns dx: (N, C, H, W), the shape of x.
    """

    def to_first_max(dx_window, x_window, g):
        first = np.unravel_index(np.argmax(x_window), x_window.shape)  # first maximum, row-major
        dx_window[first] += g

    return _pool_backward_loop(dout, x, size, stride, to_first_max, "maxpool2d_backward_loop")


def avgpool2d_forward_loop(x, size, stride=None) -> np.ndarray:
    """out[n, c, i, j] = mean of the window x[n, c, i*s : i*s + k, j*s : j*s + k] (k = size).

    The book's eq. (5.11) (average), as loops.
    x: (N, C, H, W); stride s defaults to size; no padding. Returns (N, C, OH, OW).
    """
    return _pool_forward_loop(x, size, stride, _window_mean, "avgpool2d_forward_loop")


def avgpool2d_backward_loop(dout, x, size, stride=None) -> np.ndarray:
    """dx: every entry of window (i, j) receives dout[n, c, i, j] / k^2; overlapping windows add up.

    The book's eq. (5.12) (average), as loops.
    dout: (N, C, OH, OW); returns dx: (N, C, H, W), the shape of x.
    """

    def to_every_entry(dx_window, x_window, g):
        dx_window += g / x_window.size

    return _pool_backward_loop(dout, x, size, stride, to_every_entry, "avgpool2d_backward_loop")
