"""Fast, vectorised 2-D convolution (cross-correlation) in NCHW: im2col, one matmul, col2im.

The equations are those of bpkit.conv_reference (which loops over them), chapter 5's
eq. (5.6) and eq. (5.7), computed through im2col as in eq. (5.9)
and eq. (5.10). The shapes, in the code's names (the book's symbols in brackets, see
bpkit.conv_reference): x (N, C, H, W) [(N, C_in, X_H, X_W)], Wk (F, C, KH, KW)
[(C_out, C_in, K_H, K_W)], b (F,), out and dout (N, F, OH, OW) with
OH = (H + 2p - KH) // s + 1, OW = (W + 2p - KW) // s + 1, and CKK = C * KH * KW, OHW = OH * OW.

    out[n, f, i, j] = b[f] + sum_{c,u,v} Wk[f, c, u, v] xpad[n, c, i*s + u, j*s + v]        (conv)

im2col turns (conv) into one matrix product. Each column of cols holds one input patch (the book's
column layout, rows ordered (c, u, v)):

    cols[(c, u, v), (n, i, j)] = xpad[n, c, i*s + u, j*s + v],   cols: (CKK, N*OHW)
    out = Wk.reshape(F, CKK) @ cols + b                             (F, N*OHW) -> (N, F, OH, OW)
    dWk = dout_mat @ cols^T,   db = row sums of dout_mat,   dcols = Wk.reshape(F, CKK)^T @ dout_mat
    dx = col2im(dcols): the adjoint of im2col, where overlapping patches add up

(dout_mat is dout as an (F, N*OHW) matrix). That is the whole algorithm; the rest of this module is
about memory traffic, because the arithmetic is small (about 2*N*F*CKK*OHW multiply-adds per
product) and copying large temporaries through main memory costs more than the arithmetic:

- Per sample n the product Wk(F, CKK) @ cols_n(CKK, OHW) is already (F, OHW), i.e. out[n] in NCHW.
  So the fast path keeps cols per sample, (n, CKK, OHW), and never transposes the output or dout.
- im2col is a single copy from a strided view of the padded input (no copy itself) into a
  buffer in that layout; col2im is KH*KW strided adds, one per kernel offset (u, v), not np.add.at.
- The batch is cut into one piece per thread, and the pieces run on a small thread pool: numpy
  releases the GIL in copies, ufuncs and matmul, but its own loops use one core, and BLAS does not
  thread per-sample products this small. get_num_threads() and set_num_threads(n) control the pool
  (default: the number of CPUs this process may use). Smaller, cache-sized pieces (and 2, 4 or 8
  pieces per thread) were measured too and were slower: numpy's per-call overhead outweighed the
  cache gain (README, Performance).
- float32 stays float32 throughout; nothing is converted to float64 and back.

The backward pass recomputes the patches from x (one copy) instead of keeping the whole cols
matrix of the forward pass alive between the two calls.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._checks import (
    as_float_array,
    check_finite_result,
    check_int,
    check_list,
    check_rng,
    check_shape,
    format_shape,
    quiet,
)
from .layer import Layer
from .conv_reference import _conv_backward_inputs, _conv_grads_checked, _conv_inputs, _conv_output_size, _pad

__all__ = [
    "conv2d_forward",
    "conv2d_backward",
    "im2col",
    "col2im",
    "Conv2D",
    "get_num_threads",
    "set_num_threads",
]

# --------------------------------------------------------------------------------------------
# Threads: pieces of the batch run on a pool (numpy releases the GIL in the heavy calls).
# --------------------------------------------------------------------------------------------


def _default_num_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


_num_threads = _default_num_threads()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def get_num_threads() -> int:
    """The number of threads that conv2d_forward/backward (and bpkit.pooling) split a batch over."""
    return _num_threads


def set_num_threads(n) -> None:
    """Use n threads (n >= 1) for the pieces of a batch; 1 runs everything in the calling thread."""
    global _num_threads, _pool
    n = check_int(n, "n", "set_num_threads", 1)
    with _pool_lock:
        if _pool is not None and n != _num_threads:
            _pool.shutdown(wait=True)
            _pool = None
        _num_threads = n


def _chunks(N: int):
    """Split range(N) into one (lo, hi) piece per thread (fewer if N is smaller)."""
    size = -(-N // _num_threads)  # ceil(N / threads)
    return [(lo, min(lo + size, N)) for lo in range(0, N, size)]


# Below this many multiply-adds per call the pool's hand-off (about 0.1-0.3 ms on this machine)
# costs more than a second core saves, so small convolutions run in the calling thread.
_THREAD_MIN_MACS = 1 << 20


def _map_chunks(work, N: int, macs: int) -> list:
    """[work(lo, hi) for each piece of the batch], on the thread pool if there are several pieces
    and the call does at least _THREAD_MIN_MACS multiply-adds."""
    global _pool
    if _num_threads == 1 or N == 1 or macs < _THREAD_MIN_MACS:  # nothing worth sharing out
        return [work(0, N)]
    pieces = _chunks(N)
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_num_threads, thread_name_prefix="bpkit")
        pool = _pool
    futures = [pool.submit(work, lo, hi) for lo, hi in pieces]
    return [f.result() for f in futures]


# --------------------------------------------------------------------------------------------
# im2col and col2im
# --------------------------------------------------------------------------------------------


def _patches(xpad: np.ndarray, KH: int, KW: int, stride: int) -> np.ndarray:
    """A view P of shape (N, C, KH, KW, OH, OW) with P[n, c, u, v, i, j] = xpad[n, c, i*s + u, j*s + v].

    No copy: the same memory read with two more strides (what sliding_window_view(xpad, (KH, KW))
    [..., ::s, ::s] gives, built directly because that function's own overhead is some 18 us a call).
    """
    xpad = np.ascontiguousarray(xpad)
    N, C, Hp, Wp = xpad.shape
    sn, sc, sh, sw = xpad.strides
    shape = (N, C, KH, KW, (Hp - KH) // stride + 1, (Wp - KW) // stride + 1)
    return np.ndarray(shape, xpad.dtype, xpad, 0, (sn, sc, sh, sw, sh * stride, sw * stride))


def _add_patches(dxpad: np.ndarray, dpatches: np.ndarray, stride: int) -> None:
    """The adjoint of _patches, in place: dxpad[n, c, i*s + u, j*s + v] += dpatches[n, c, u, v, i, j].

    One strided add per kernel offset (u, v): KH*KW vectorised adds instead of np.add.at. For a fixed
    (u, v) the target positions i*s + u, j*s + v are all different, so a plain += is exact.
    """
    KH, KW, OH, OW = dpatches.shape[2:]
    s = stride
    with quiet():  # a sum too large for a float becomes inf; the callers check their results
        for u in range(KH):
            for v in range(KW):
                dxpad[:, :, u : u + s * (OH - 1) + 1 : s, v : v + s * (OW - 1) + 1 : s] += dpatches[:, :, u, v]


def im2col(x, KH, KW, stride=1, padding=0) -> np.ndarray:
    """cols (C*KH*KW, N*OH*OW): one input patch per column (the book's column layout; the matrix
    written im2col(x) in eq. (5.9)).

    cols[(c, u, v), (n, i, j)] = xpad[n, c, i*s + u, j*s + v], rows ordered (c, u, v) and columns
    (n, i, j), so that out = Wk.reshape(F, -1) @ cols + b[:, None] is (conv) as an (F, N*OH*OW) matrix.
    x: (N, C, H, W). A single copy from a strided view.
    """
    where = "im2col"
    x = as_float_array(x, "x", where)
    if x.ndim != 4:
        raise ValueError(f"{where}: x has shape {format_shape(x.shape)} but expected 4 axes (N, C, H, W)")
    KH, KW = check_int(KH, "KH", where, 1), check_int(KW, "KW", where, 1)
    s, p = check_int(stride, "stride", where, 1), check_int(padding, "padding", where, 0)
    OH, OW = _conv_output_size(x.shape, KH, KW, s, p, where)
    N, C = x.shape[:2]
    cols = np.empty((C, KH, KW, N, OH, OW), dtype=x.dtype)
    cols[...] = _patches(_pad(x, p), KH, KW, s).transpose(1, 2, 3, 0, 4, 5)
    return cols.reshape(C * KH * KW, N * OH * OW)


def col2im(cols, x_shape, KH, KW, stride=1, padding=0) -> np.ndarray:
    """dx of shape x_shape = (N, C, H, W): the adjoint (transpose) of im2col, where overlapping
    patches add up; the col2im of eq. (5.10).

    dx[n, c, h, w] = sum of cols[(c, u, v), (n, i, j)] over all (u, v, i, j) with
    i*s + u - p = h and j*s + v - p = w. cols: (C*KH*KW, N*OH*OW) as im2col returns it.
    """
    where = "col2im"
    cols = as_float_array(cols, "cols", where)
    x_shape = check_list(x_shape, "x_shape", where, "a shape (N, C, H, W) of 4 positive integers")
    if len(x_shape) != 4:
        raise ValueError(f"{where}: x_shape {format_shape(x_shape)} must have 4 entries (N, C, H, W)")
    x_shape = tuple(check_int(d, f"x_shape[{i}]", where, 1) for i, d in enumerate(x_shape))
    KH, KW = check_int(KH, "KH", where, 1), check_int(KW, "KW", where, 1)
    s, p = check_int(stride, "stride", where, 1), check_int(padding, "padding", where, 0)
    N, C, H, W = x_shape
    OH, OW = _conv_output_size(x_shape, KH, KW, s, p, where)
    check_shape(cols, (C * KH * KW, N * OH * OW), "cols", where, "(C*KH*KW, N*OH*OW)")
    dxpad = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=cols.dtype)
    _add_patches(dxpad, cols.reshape(C, KH, KW, N, OH, OW).transpose(3, 0, 1, 2, 4, 5), s)
    dx = np.ascontiguousarray(dxpad[:, :, p : p + H, p : p + W])
    return check_finite_result(dx, where, "dx (overlapping patches add up)", "cols")


# --------------------------------------------------------------------------------------------
# conv2d forward and backward
# --------------------------------------------------------------------------------------------


def _copy_cols(patches: np.ndarray, lo: int, hi: int, OHW: int) -> np.ndarray:
    """Samples lo..hi-1 of the patch view, copied once into the per-sample layout (hi - lo, CKK, OHW)."""
    cols = np.empty((hi - lo,) + patches.shape[1:], dtype=patches.dtype)
    cols[...] = patches[lo:hi]
    return cols.reshape(hi - lo, -1, OHW)


def conv2d_forward(x, Wk, b=None, stride=1, padding=0) -> np.ndarray:
    """out[n, f, i, j] = b[f] + sum_{c,u,v} Wk[f, c, u, v] xpad[n, c, i*s + u, j*s + v]  (conv).

    The book's eq. (5.6), as the matrix product eq. (5.9).
    x: (N, C, H, W); Wk: (F, C, KH, KW); b: (F,) or None (zeros). Returns out: (N, F, OH, OW).
    Per piece of the batch: cols = patches (n, C*KH*KW, OH*OW), out[piece] = Wk(F, CKK) @ cols + b,
    written straight into the NCHW output (no transpose). Same numbers as conv2d_forward_loop.
    """
    x, Wk, b, s, p, _ = _conv_inputs(x, Wk, b, stride, padding, "conv2d_forward")
    return _forward(x, Wk, b, s, p, ("conv2d_forward", "the output", "x, Wk and b"))


def _forward(x, Wk, b, s, p, check) -> np.ndarray:
    """conv2d_forward without the argument checks (x, Wk, b already arrays of one float dtype).

    check = (where, what, culprits) for check_finite_result: each piece tests its own output while
    it is still in the cache, and the ValueError is raised here if one of them overflowed.
    """
    patches = _patches(_pad(x, p), Wk.shape[2], Wk.shape[3], s)
    N, F, (OH, OW) = x.shape[0], Wk.shape[0], patches.shape[4:]
    OHW = OH * OW
    W2 = Wk.reshape(F, -1)
    out = np.empty((N, F, OH, OW), dtype=x.dtype)
    out3 = out.reshape(N, F, OHW)
    bias = b[:, None]

    def work(lo, hi):
        with quiet():  # per thread (errstate is thread-local); an overflow is reported below
            o = out3[lo:hi]
            np.matmul(W2, _copy_cols(patches, lo, hi, OHW), out=o)
            o += bias
            return np.isfinite(o).all()

    if not all(_map_chunks(work, N, N * F * W2.shape[1] * OHW)):
        check_finite_result(out, *check)  # raises
    return out


def conv2d_backward(dout, x, Wk, stride=1, padding=0):
    """Gradients of (conv) given dout = dE/dout (N, F, OH, OW): returns (dx, dWk, db).

    The book's eq. (5.7), computed as eq. (5.10):

    dWk[f, c, u, v] = sum_{n,i,j} dout[n, f, i, j] xpad[n, c, i*s + u, j*s + v]  (= dout_mat @ cols^T)
    db[f] = sum_{n,i,j} dout[n, f, i, j]
    dx = col2im(Wk(F, CKK)^T @ dout_mat): the full convolution of dout (dilated by s) with the
    flipped kernel (eq. (5.8)), cropped by p. Shapes: dx like x, dWk like Wk
    (F, C, KH, KW), db (F,).
    Per piece of the batch; the pieces' dWk and db are summed at the end.
    """
    dout, x, Wk, s, p, _ = _conv_backward_inputs(dout, x, Wk, stride, padding, "conv2d_backward")
    return _conv_grads_checked(*_backward(dout, x, Wk, s, p), "conv2d_backward")


def _backward(dout, x, Wk, s, p, need_dx=True):
    """conv2d_backward without the argument checks; dx is None if not need_dx (only dWk and db)."""
    N, C, H, W = x.shape
    F, _, KH, KW = Wk.shape
    OH, OW = dout.shape[2:]
    dtype = x.dtype
    OHW, CKK = OH * OW, C * KH * KW
    W2t = Wk.reshape(F, CKK).T
    d3 = dout.reshape(N, F, OHW)
    dx = np.empty(x.shape, dtype=dtype) if need_dx else None
    patches = _patches(_pad(x, p), KH, KW, s)

    def work(lo, hi):
        with quiet():  # per thread (errstate is thread-local); overflows are reported by the caller
            d = d3[lo:hi]
            cols = _copy_cols(patches, lo, hi, OHW)
            dW_part = np.matmul(d, cols.transpose(0, 2, 1)).sum(axis=0)  # (F, CKK)
            db_part = d.sum(axis=(0, 2))
            if not need_dx:
                return dW_part, db_part
            dcols = np.matmul(W2t, d, out=cols)  # (n, CKK, OHW): reuses the patch buffer
            if p == 0:
                dxpad = dx[lo:hi]
                dxpad.fill(0)
            else:
                dxpad = np.zeros((hi - lo, C, H + 2 * p, W + 2 * p), dtype=dtype)
            _add_patches(dxpad, dcols.reshape(hi - lo, C, KH, KW, OH, OW), s)
            if p:
                dx[lo:hi] = dxpad[:, :, p : p + H, p : p + W]
        return dW_part, db_part

    parts = _map_chunks(work, N, (3 if need_dx else 2) * N * F * CKK * OHW)
    with quiet():
        dWk = sum(part[0] for part in parts).reshape(Wk.shape)
        db = sum(part[1] for part in parts)
    return dx, dWk, db


# --------------------------------------------------------------------------------------------
# The layer
# --------------------------------------------------------------------------------------------


class Conv2D(Layer):
    """Convolutional layer: out = conv2d_forward(x, W, b, stride, padding) (the (conv) equation
    above, the book's eq. (5.6); backward is eq. (5.7)), a bpkit.layer.Layer.

    W: (C_out, C_in, KH, KW) (kernel_size is an int or a pair (KH, KW)); b: (C_out,). Parameters are
    named W and b, as in Dense (params(), grads()). Default init: rng = np.random.default_rng(0) if
    None (an int seeds a new generator), W ~ N(0, 1/(C_in*KH*KW)), b = 0; given W and b are copied
    (ints converted to float64 exactly). forward(x) (N, C_in, H, W) -> (N, C_out, OH, OW) caches x;
    backward(dy) stores self.dW (like W) and self.db (like b) and returns dx (like x).
    No activation: put one after it (bp.ReLU()).
    """

    skips_dx = True

    def __init__(self, C_in, C_out, kernel_size, stride=1, padding=0, W=None, b=None, rng=None, name=None):
        self.name = "conv2d" if name is None else str(name)
        where = f"Conv2D layer '{self.name}'"
        self.C_in = check_int(C_in, "C_in", where, 1)
        self.C_out = check_int(C_out, "C_out", where, 1)
        if isinstance(kernel_size, (tuple, list)):
            if len(kernel_size) != 2:
                raise ValueError(f"{where}: kernel_size must be an int or a pair (KH, KW) but is {kernel_size!r}")
            KH, KW = (check_int(k, f"kernel_size[{i}]", where, 1) for i, k in enumerate(kernel_size))
        else:
            KH = KW = check_int(kernel_size, "kernel_size", where, 1)
        self.kernel_size = (KH, KW)
        self.stride = check_int(stride, "stride", where, 1)
        self.padding = check_int(padding, "padding", where, 0)
        shape = (self.C_out, self.C_in, KH, KW)
        rng = check_rng(rng, "rng", where)
        if W is None:
            W = rng.normal(0.0, np.sqrt(1.0 / (self.C_in * KH * KW)), size=shape)
        W = np.array(as_float_array(W, "W", self._where()), order="C")  # a copy; C order like the gradients
        check_shape(W, shape, "W", self._where(), "(C_out, C_in, KH, KW)")
        if b is None:
            b = np.zeros(self.C_out, dtype=W.dtype)
        b = np.array(as_float_array(b, "b", self._where()), order="C")
        check_shape(b, (self.C_out,), "b", self._where(), "(C_out,)")
        self.W, self.b = W, b
        self.x = self.out = None
        self.dW = self.db = None

    def _where(self) -> str:
        KH, KW = self.kernel_size
        return (
            f"Conv2D layer '{self.name}' (C_in={self.C_in}, C_out={self.C_out}, kernel {KH}x{KW}, "
            f"stride {self.stride}, padding {self.padding})"
        )

    def forward(self, x) -> np.ndarray:
        """out = conv2d_forward(x, W, b, stride, padding): (N, C_in, H, W) -> (N, C_out, OH, OW); caches x."""
        x = as_float_array(x, "input x", self._where())
        if x.ndim != 4 or x.shape[1] != self.C_in:
            raise ValueError(
                f"{self._where()}: input x has shape {format_shape(x.shape)} but expected "
                f"(N, {self.C_in}, H, W)"
            )
        _conv_output_size(x.shape, *self.kernel_size, self.stride, self.padding, self._where())  # fits?
        dtype = np.result_type(x, self.W, self.b)
        x = x.astype(dtype, copy=False)
        W, b = self.W.astype(dtype, copy=False), self.b.astype(dtype, copy=False)
        check = (self._where(), "the output", "input x, W and b")
        self.out = _forward(x, W, b, self.stride, self.padding, check)
        self.x = x
        return self.out

    def backward(self, dout, need_dx=True) -> np.ndarray | None:
        """Given dout = dE/dout (the forward output's shape): stores self.dW, self.db and returns dx
        (None if need_dx is False: the first layer of a model skips the input gradient)."""
        where = self._where() + " backward"
        self._require_forward("x")
        dout = as_float_array(dout, "dout", where)
        check_shape(dout, self.out.shape, "dout", where, "(the shape of the layer's output)")
        x = self.x.astype(np.result_type(self.x, dout), copy=False)
        dx, dW, db = _backward(dout.astype(x.dtype, copy=False), x, self.W.astype(x.dtype, copy=False),
                               self.stride, self.padding, need_dx)
        self.dW = check_finite_result(dW, where, "dW", "dout and the cached input x")
        self.db = check_finite_result(db, where, "db", "dout")
        return dx if dx is None else check_finite_result(dx, where, "dx", "dout and W")

    def params(self) -> dict:
        """{'W': W (C_out, C_in, KH, KW), 'b': b (C_out,)}, the live arrays."""
        return {"W": self.W, "b": self.b}

    def grads(self) -> dict:
        """{'W': dE/dW, 'b': dE/db} of the last backward (None before it)."""
        return {"W": self.dW, "b": self.db}

    def __repr__(self) -> str:
        KH, KW = self.kernel_size
        return (
            f"Conv2D(C_in={self.C_in}, C_out={self.C_out}, kernel_size=({KH}, {KW}), "
            f"stride={self.stride}, padding={self.padding}, name={self.name!r})"
        )
