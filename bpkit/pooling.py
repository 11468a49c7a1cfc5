"""Fast, vectorised max and average pooling in NCHW (same equations as bpkit.conv_reference: the
book's eq. (5.11) and eq. (5.12); its K is the window size k here).

x: (N, C, H, W); square windows of size k, stride s (default k), no padding; out and dout:
(N, C, OH, OW) with OH = (H - k) // s + 1, OW = (W - k) // s + 1. Window (i, j) of channel (n, c) is
x[n, c, i*s : i*s + k, j*s : j*s + k].

Instead of looping over the OH*OW windows, the code loops over the k*k offsets (u, v) inside a window:
for a fixed offset, the entries x[n, c, i*s + u, j*s + v] of all windows form one strided view of x,
so each step is a single vectorised numpy operation over the whole batch:

    max pooling:  out = max over (u, v) of the offset views             (k*k np.maximum passes)
                  arg = the first offset (row-major) that attains it     (the tie rule)
                  dx[offset view (u, v)] += dout where arg == u*k + v    (k*k strided adds)
    avg pooling:  out = (sum over (u, v) of the offset views) / k^2
                  dx[offset view (u, v)] += dout / k^2

For a fixed offset the target positions of different windows are all different, so a plain += is
exact, and windows that overlap (s < k) accumulate over the offsets, as the chain rule requires.

Max pooling with stride = size (the usual case) takes the max in two steps instead, first along W
(x as rows of k neighbours: long 1-D passes), then along H, and backward scatters dout back through
the two steps. Numpy's strided passes over short rows (an OW of 4) cost more than their arithmetic,
so this is three times faster on a small CNN's pooling layer, with the same tie rule and numbers.

Ties: the whole gradient of a window goes to the FIRST maximal entry in row-major order (a strict >
keeps the earlier offset), exactly as in maxpool2d_backward_loop.

Input rules as in bpkit.conv_reference: every size at least 1, integer size and stride (TypeError for
bool, float, str). Values near the largest float: an average whose sum would overflow is computed as
the sum of x / k^2; a dx whose overlapping windows add up beyond the float range raises ValueError.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_finite_result, check_int, format_shape, quiet
from .layer import Layer
from .conv_reference import _check_dout, _pool_inputs

__all__ = [
    "maxpool2d_forward",
    "maxpool2d_backward",
    "avgpool2d_forward",
    "avgpool2d_backward",
    "MaxPool2D",
    "AvgPool2D",
]


def _offset_view(a: np.ndarray, u: int, v: int, s: int, OH: int, OW: int) -> np.ndarray:
    """The view a[:, :, i*s + u, j*s + v] for i < OH, j < OW: entry (u, v) of every window, (N, C, OH, OW)."""
    return a[:, :, u : u + s * (OH - 1) + 1 : s, v : v + s * (OW - 1) + 1 : s]


def _max_and_argmax(x: np.ndarray, k: int, s: int, OH: int, OW: int):
    """(out, arg): the max of every window and where its first maximum (row-major) is; arg is what
    _scatter_to_max needs (the index u*k + v, or for s == k the two steps' indices (i_u, i_v))."""
    if s == k:
        return _max_two_steps(x, k, OH, OW)
    out = _offset_view(x, 0, 0, s, OH, OW).copy()
    arg = np.zeros(out.shape, dtype=np.intp)
    for q in range(1, k * k):
        cand = _offset_view(x, q // k, q % k, s, OH, OW)
        better = cand > out  # strict: on a tie the earlier offset keeps the gradient
        np.copyto(out, cand, where=better)
        arg[better] = q
    return out, arg


def _first_max(a: np.ndarray, k: int):
    """a (M, k, L) -> (max over axis 1, the first index reaching it): strict >, so ties keep the first.
    The index is a bool array for k = 2 (True: index 1), None for k = 1, else int8."""
    out, arg = a[:, 0], None
    for v in range(1, k):
        better = a[:, v] > out
        out = np.maximum(out, a[:, v])
        arg = better if k == 2 else np.where(better, np.int8(v), np.int8(0) if arg is None else arg)
    return out, arg


def _to_first(d: np.ndarray, arg, k: int) -> np.ndarray:
    """The adjoint of _first_max: d (M, L) -> (M, k, L) with d[m, l] at index arg[m, l] of axis 1."""
    out = np.empty((d.shape[0], k, d.shape[1]), dtype=d.dtype)
    if k == 1:  # a window of one entry (arg is None)
        out[:, 0] = d
    elif k == 2:  # d * arg and d - d * arg are d or 0 exactly
        np.multiply(d, arg, out=out[:, 1])
        np.subtract(d, out[:, 1], out=out[:, 0])
    else:
        for u in range(k):
            np.multiply(d, arg == u, out=out[:, u])
    return out


def _max_two_steps(x: np.ndarray, k: int, OH: int, OW: int):
    """Max pooling with stride k: along W over rows of k neighbours, then along H (see the module)."""
    N, C = x.shape[:2]
    xc = x[:, :, : OH * k, : OW * k]  # rows and columns beyond the last window take no part
    m, i_v = _first_max(xc.reshape(-1, k, 1), k)  # (N*C*OH*k*OW, 1): the max of each row of k
    out, i_u = _first_max(m.reshape(N * C * OH, k, OW), k)  # then the max over the k rows
    return out.reshape(N, C, OH, OW), (i_u, i_v)


def _scatter_two_steps(dout, arg, x_shape, k):
    """dx for _max_two_steps: dout back through the H step, then through the W step."""
    N, C, OH, OW = dout.shape
    i_u, i_v = arg
    d = _to_first(dout.reshape(N * C * OH, OW), i_u, k)  # (N*C*OH, k, OW)
    d = _to_first(d.reshape(-1, 1), i_v, k).reshape(N, C, OH * k, OW * k)
    if d.shape == tuple(x_shape):
        return d
    dx = np.zeros(x_shape, dtype=dout.dtype)
    dx[:, :, : OH * k, : OW * k] = d
    return dx


def maxpool2d_forward(x, size, stride=None) -> np.ndarray:
    """out[n, c, i, j] = max_{u,v < k} x[n, c, i*s + u, j*s + v]; x (N, C, H, W) -> (N, C, OH, OW).

    The book's eq. (5.11) (max).
    stride defaults to size; no padding. k*k vectorised np.maximum passes, one per window offset.
    """
    x, k, s, (OH, OW) = _pool_inputs(x, size, stride, "maxpool2d_forward")
    out = _offset_view(x, 0, 0, s, OH, OW).copy()
    for q in range(1, k * k):
        np.maximum(out, _offset_view(x, q // k, q % k, s, OH, OW), out=out)
    return out


def maxpool2d_backward(dout, x, size, stride=None) -> np.ndarray:
    """dx: each window's dout[n, c, i, j] goes to the FIRST maximal entry of the window (row-major).

    The book's eq. (5.12) (max).
    dout: (N, C, OH, OW); returns dx (N, C, H, W). Overlapping windows (stride < size) add up.
    """
    where = "maxpool2d_backward"
    x, k, s, (OH, OW) = _pool_inputs(x, size, stride, where)
    dout = _check_dout(dout, x.shape[:2] + (OH, OW), x.dtype, where, "x, size and stride")
    return _scatter_to_max(dout, _max_and_argmax(x, k, s, OH, OW)[1], x.shape, k, s, where)


def _scatter_to_max(dout, arg, x_shape, k, s, where):
    """dx with dout[n, c, i, j] added at the window entry arg[n, c, i, j] (u*k + v) of each window."""
    if isinstance(arg, tuple):
        return _scatter_two_steps(dout, arg, x_shape, k)  # stride = size: no overlap, no overflow
    OH, OW = dout.shape[2:]
    dx = np.zeros(x_shape, dtype=dout.dtype)
    zero = dx.dtype.type(0)
    with quiet():  # overlapping windows add up; a sum beyond the float range is reported below
        for q in range(k * k):
            _offset_view(dx, q // k, q % k, s, OH, OW)[...] += np.where(arg == q, dout, zero)
    return check_finite_result(dx, where, "dx (overlapping windows add up)", "dout")


def avgpool2d_forward(x, size, stride=None) -> np.ndarray:
    """out[n, c, i, j] = (1/k^2) sum_{u,v < k} x[n, c, i*s + u, j*s + v]; x (N, C, H, W) -> (N, C, OH, OW).

    The book's eq. (5.11) (average).
    """
    x, k, s, (OH, OW) = _pool_inputs(x, size, stride, "avgpool2d_forward")
    out = _offset_view(x, 0, 0, s, OH, OW).copy()
    with quiet():
        for q in range(1, k * k):
            out += _offset_view(x, q // k, q % k, s, OH, OW)
        out /= k * k
        if not np.isfinite(out).all():  # the sum overflowed (values near the largest float)
            out = _offset_view(x, 0, 0, s, OH, OW) / (k * k)
            for q in range(1, k * k):
                out += _offset_view(x, q // k, q % k, s, OH, OW) / (k * k)
    return out


def avgpool2d_backward(dout, x, size, stride=None) -> np.ndarray:
    """dx: every entry of window (i, j) receives dout[n, c, i, j] / k^2; overlapping windows add up.

    The book's eq. (5.12) (average).
    dout: (N, C, OH, OW); returns dx (N, C, H, W).
    """
    where = "avgpool2d_backward"
    x, k, s, (OH, OW) = _pool_inputs(x, size, stride, where)
    dout = _check_dout(dout, x.shape[:2] + (OH, OW), x.dtype, where, "x, size and stride")
    dx = np.zeros(x.shape, dtype=np.result_type(x, dout))
    share = dout / (k * k)
    with quiet():  # overlapping windows add up; a sum beyond the float range is reported below
        for q in range(k * k):
            _offset_view(dx, q // k, q % k, s, OH, OW)[...] += share
    return check_finite_result(dx, where, "dx (overlapping windows add up)", "dout")


class _Pool2D(Layer):
    """Shared layer logic: forward(x) caches x; backward(dout) returns dx (no parameters)."""

    _forward = _backward = None  # set by the subclasses
    _kind = ""

    def __init__(self, size, stride=None, name=None):
        self.name = self._kind.lower() if name is None else str(name)
        where = self._where_for(size, stride)
        self.size = check_int(size, "size", where, 1)
        self.stride = self.size if stride is None else check_int(stride, "stride", where, 1)
        self.x = self.out = None

    def _where_for(self, size, stride) -> str:
        return f"{self._kind} layer '{self.name}' (size {size}, stride {stride})"

    def _where(self) -> str:
        return self._where_for(self.size, self.stride)

    def _input(self, x) -> np.ndarray:
        x = as_float_array(x, "input x", self._where())
        if x.ndim != 4:
            raise ValueError(
                f"{self._where()}: input x has shape {format_shape(x.shape)} but expected (N, C, H, W)"
            )
        return x

    def forward(self, x) -> np.ndarray:
        """Pool x (N, C, H, W) -> (N, C, OH, OW); caches x for backward."""
        x = self._input(x)
        self.out = type(self)._forward(x, self.size, self.stride)
        self.x = x
        return self.out

    def backward(self, dout) -> np.ndarray:
        """dx (the shape of the cached x) given dout = dE/dout (the shape of the forward output)."""
        self._require_forward("x")
        return type(self)._backward(dout, self.x, self.size, self.stride)

    def __repr__(self) -> str:
        return f"{self._kind}(size={self.size}, stride={self.stride}, name={self.name!r})"


class MaxPool2D(_Pool2D):
    """Max pooling layer: maxpool2d_forward / maxpool2d_backward (first maximum takes the gradient).

    forward keeps each window's argmax, so backward only scatters dy (no second search).
    """

    _kind = "MaxPool2D"
    _forward = staticmethod(maxpool2d_forward)
    _backward = staticmethod(maxpool2d_backward)

    def forward(self, x) -> np.ndarray:
        """Pool x (N, C, H, W) -> (N, C, OH, OW); caches x and each window's first argmax."""
        x, k, s, (OH, OW) = _pool_inputs(self._input(x), self.size, self.stride, self._where())
        self.out, self._arg = _max_and_argmax(x, k, s, OH, OW)
        self.x = x
        return self.out

    def backward(self, dout) -> np.ndarray:
        """dx (the shape of the cached x): each dout entry goes to its window's first maximum."""
        where = self._where() + " backward"
        self._require_forward("x")
        dout = _check_dout(dout, self.out.shape, self.x.dtype, where, "the forward output")
        return _scatter_to_max(dout, self._arg, self.x.shape, self.size, self.stride, where)


class AvgPool2D(_Pool2D):
    """Average pooling layer: avgpool2d_forward / avgpool2d_backward."""

    _kind = "AvgPool2D"
    _forward = staticmethod(avgpool2d_forward)
    _backward = staticmethod(avgpool2d_backward)
