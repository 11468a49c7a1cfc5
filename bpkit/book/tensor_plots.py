"""The derivative of a vector by a matrix: a three-index array, and its contraction with a row, drawn.

A layer's net input is linear in the layer's weight matrix, so its derivative by that matrix is
one matrix of derivatives per entry of the net input: a three-index array. Chapter 2 builds it in
two layouts (section section 2.8, equation eq. (2.33)):

- ``layout="column"`` (the book): z = W a with W of shape (n_out, n_in) and a of n_in entries;
  entry [k, j, i] of the array is dz_k / dW_{ji} = a_i if j == k, else 0. Shape (n_out, n_out, n_in).
- ``layout="row"`` (note A): N = O W with O a row of n_in entries and W of shape (n_in, n_out);
  entry [k, i, j] is dN_k / dW_{ij} = O_i if j == k, else 0. Shape (n_out, n_in, n_out).

Either way slice k is a matrix shaped like W whose only non-zero line holds the input (row k of
it in the column layout, column k in the row layout). Contracting the array with a vector v of
n_out entries, sum_k v_k T[k], gives the outer product: v a^T (eq. (2.19)) in the column layout,
O^T v (eq. (2.34)) in the row layout.

``net_input_derivative`` computes the array (numpy only); ``draw_vector_by_matrix`` draws any
three-index array T of shape (K, P, Q) as its K slices and, given v, the contraction
sum_k v_k T[k] (needs matplotlib, the ``book`` extra). Bad arguments raise ValueError or TypeError
naming them, as everywhere in bpkit.
"""

from __future__ import annotations

import numpy as np

from .._checks import (
    as_float_array,
    check_axes,
    check_choice,
    check_coordinates,
    check_finite_result,
    check_format,
    check_int,
    check_list,
    check_number,
    format_shape,
    quiet,
)

__all__ = ["net_input_derivative", "draw_vector_by_matrix"]

NONZERO = "#ffd59e"  # the non-zero cells of a slice
RESULT = "#c6dbef"  # the cells of the contraction


def _one_input(a, layout: str, where: str) -> np.ndarray:
    a = as_float_array(a, "a", where)
    ok = a.ndim == 1 or (a.ndim == 2 and (a.shape[1] == 1 if layout == "column" else a.shape[0] == 1))
    if not ok:
        want = "(n_in,) or (n_in, 1), one column" if layout == "column" else "(n_in,) or (1, n_in), one row"
        raise ValueError(f"{where}: a has shape {format_shape(a.shape)} but expected {want} (layout={layout!r})")
    return a.ravel()


def net_input_derivative(a, n_out, layout: str = "column") -> np.ndarray:
    """The three-index array of eq. (2.33): the derivative of a layer's net input by its weights.

    a: the layer's input, one sample: shape (n_in,) or (n_in, 1) for layout "column" (the book's
       a^{l-1} in z = W a), (n_in,) or (1, n_in) for layout "row" (note A's O in N = O W).
    n_out: the number of net inputs (a positive integer).
    layout: "column" -> shape (n_out, n_out, n_in), entry [k, j, i] = dz_k/dW_{ji} = a_i [j == k];
            "row"    -> shape (n_out, n_in, n_out), entry [k, i, j] = dN_k/dW_{ij} = a_i [j == k].
    Slice [k] is shaped like W. The dtype of a is kept (float32 stays float32).
    """
    where = "net_input_derivative"
    layout = check_choice(layout, "layout", where, ("column", "row"))
    a = _one_input(a, layout, where)
    n_out = check_int(n_out, "n_out", where)
    n_in = a.shape[0]
    if layout == "column":
        T = np.zeros((n_out, n_out, n_in), dtype=a.dtype)
        for k in range(n_out):
            T[k, k, :] = a
    else:
        T = np.zeros((n_out, n_in, n_out), dtype=a.dtype)
        for k in range(n_out):
            T[k, :, k] = a
    return T


def _names(values, K: int, name: str, where: str, default) -> list:
    if values is None:
        return [default(k) for k in range(1, K + 1)]
    values = check_list(values, name, where, f"a list of {K} texts (one per slice)")
    if len(values) != K:
        raise ValueError(f"{where}: {name} needs {K} entries (one per slice of T) but has {len(values)}")
    return [str(v) for v in values]


def _grid(ax, M, x0: float, fmt: str, face, zero_face="white", zero_text="0.6", fontsize: float = 9.0):
    """Cells of matrix M with their entries, the upper left corner at (x0, 0); row 0 on top."""
    from matplotlib.patches import Rectangle

    P, Q = M.shape
    for p in range(P):
        for q in range(Q):
            value = float(M[p, q])
            nonzero = value != 0.0
            ax.add_patch(Rectangle((x0 + q, p), 1, 1, facecolor=face if nonzero else zero_face,
                                   edgecolor="0.35", lw=1))
            ax.text(x0 + q + 0.5, p + 0.55, fmt.format(value) if nonzero else "0", ha="center", va="center",
                    fontsize=fontsize, color="black" if nonzero else zero_text)


def draw_vector_by_matrix(ax, T, v=None, fmt: str = "{:.3f}", slice_titles=None, v_names=None,
                          result_title=None, array_title=None, fontsize=9.0):
    """Draw a three-index array T (shape (K, P, Q)) as its K slices side by side on ``ax``; return ``ax``.

    With v (K entries: shape (K,), (1, K) or (K, 1)) the picture is the contraction
    ``T[0] * v_1 + ... + T[K-1] * v_K = sum_k v_k T[k]`` (shape (P, Q)): every slice has its factor
    written under it, and the result grid follows the "=". For the array of net_input_derivative
    the result is the outer product of eq. (2.19) / eq. (2.34).
    Non-zero cells are coloured, zero cells show a grey 0; entries are written with ``fmt`` (a
    pattern such as '{:.3f}'). slice_titles: K texts above the slices (default 'k = 1', ...);
    v_names: K names of v's entries written under the slices (default 'v_1', ...); result_title:
    the text above the result (default a formula in v and T); array_title: a text written under a
    bracket that spans the K slices, naming the whole array (default none); fontsize: the size of the
    entries in points (the titles are one point larger), a number > 0.
    """
    where = "draw_vector_by_matrix"
    check_axes(ax, "ax", where)
    T = as_float_array(T, "T", where)
    if T.ndim != 3:
        raise ValueError(
            f"{where}: T has shape {format_shape(T.shape)} but expected (K, P, Q): a three-index array, "
            "one (P, Q) matrix per entry of the vector it is the derivative of"
        )
    K, P, Q = T.shape
    check_coordinates([K * (Q + 2.0) + Q + 2.0, P + 3.0], "the size of T", where)
    result = None
    if v is not None:
        v = as_float_array(v, "v", where)
        if v.shape not in ((K,), (1, K), (K, 1)):
            raise ValueError(
                f"{where}: v has shape {format_shape(v.shape)} but expected ({K},), (1, {K}) or ({K}, 1): "
                f"one entry per slice of T (T has shape {format_shape(T.shape)})"
            )
        v = v.ravel()
        with quiet():
            result = np.tensordot(v, T, axes=1)
        check_finite_result(result, where, "the contraction sum_k v_k T[k]", "T and v")
    check_format(fmt, "fmt", where)
    fontsize = check_number(fontsize, "fontsize", where, low=0.0, low_open=True, high=100.0)
    titles = _names(slice_titles, K, "slice_titles", where, lambda k: f"k = {k}")
    names = _names(v_names, K, "v_names", where, lambda k: f"$v_{{{k}}}$")
    if result_title is None:
        result_title = r"$\sum_k v_k\, T[k]$"
    for name, text in (("result_title", result_title), ("array_title", array_title)):
        if text is not None and not isinstance(text, str):
            raise TypeError(f"{where}: {name} must be a text (str) or None but is {type(text).__name__}")

    gap = 1.6
    x = 0.0
    for k in range(K):
        _grid(ax, T[k], x, fmt, NONZERO, fontsize=fontsize)
        ax.text(x + Q / 2, -0.3, titles[k], ha="center", va="bottom", fontsize=fontsize + 1)
        if v is not None:
            ax.text(x + Q / 2, P + 0.3, f"× {names[k]} = {fmt.format(float(v[k]))}", ha="center", va="top",
                    fontsize=fontsize + 1)
            sign = "+" if k < K - 1 else "="
            ax.text(x + Q + gap / 2, P / 2, sign, ha="center", va="center", fontsize=fontsize + 7)
        x += Q + gap
    bottom = P + 0.3
    if array_title is not None:
        y = P + (1.3 if v is not None else 0.35)
        right = x - gap
        ax.plot([0, 0, right, right], [y - 0.15, y, y, y - 0.15], color="0.3", lw=1)
        ax.text(right / 2, y + 0.15, array_title, ha="center", va="top", fontsize=fontsize + 1)
        bottom = y + 0.75
    if result is not None:
        _grid(ax, result, x, fmt, RESULT, fontsize=fontsize)
        ax.text(x + Q / 2, -0.3, result_title, ha="center", va="bottom", fontsize=fontsize + 1)
        x += Q
    else:
        x -= gap
    ax.set_xlim(-0.2, x + 0.2)
    ax.set_ylim(max(P + 1.3, bottom + 0.2), -1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
