"""Which numbers a convolution connects, as index sets and as pictures (chapter 5's widgets).

One channel, one filter, as in note B's example (chapter 5, eq. (5.1), with stride and
padding as in eq. (5.6)): x is (H, W) (the book's X_H x X_W), the kernel Wk is (KH, KW),
the net input z is (OH, OW) with OH = (H + 2p - KH) // s + 1, OW likewise, and (indices from 0, as in
numpy)

    z[i, j] = sum_{u,v} Wk[u, v] * xpad[i*s + u, j*s + v],   xpad = x with p zeros on every side.

So output z[i, j] reads input x[i*s + u - p, j*s + v - p] through weight Wk[u, v] (or a padding zero),
and dE/dWk[u, v] = sum_{i,j} dE/dz[i, j] * xpad[i*s + u, j*s + v] (eq. (5.3)) collects
one pair (input, output) per output position. ``output_dependencies`` and ``weight_pairs`` list those index pairs;
``draw_output_dependencies``, ``draw_weight_pairs`` and ``draw_sliding_step`` draw them on three
matplotlib axes (input, kernel, output). Needs matplotlib for the drawing functions only.
"""

from __future__ import annotations

import numpy as np

from .._checks import (
    as_float_array,
    check_axes,
    check_coordinates,
    check_finite_result,
    check_format,
    check_int,
    check_list,
    describe,
    format_shape,
    quiet,
)
from ..conv_reference import _conv_output_size

__all__ = [
    "conv_output_shape",
    "output_dependencies",
    "weight_pairs",
    "draw_grid",
    "draw_output_dependencies",
    "draw_weight_pairs",
    "draw_sliding_step",
]

HIGHLIGHT = "#ffb347"  # the cells a widget points at
PARTNER = "#9ecae1"  # the cells they are paired with
PAD = "#e6e6e6"  # padding zeros


def conv_output_shape(H, W, KH, KW, stride=1, padding=0) -> tuple[int, int]:
    """(OH, OW) = ((H + 2p - KH) // s + 1, (W + 2p - KW) // s + 1).

    ValueError if a size is < 1, the stride is < 1, the padding < 0, or the kernel (KH, KW) is larger
    than the padded input (H + 2p, W + 2p); TypeError if one is not an integer (bool, float, str).
    """
    return _output_shape(H, W, KH, KW, stride, padding, "conv_output_shape")


def _output_shape(H, W, KH, KW, stride, padding, where: str) -> tuple[int, int]:
    H, W, KH, KW = (check_int(v, n, where, 1) for v, n in zip((H, W, KH, KW), "H W KH KW".split()))
    s = check_int(stride, "stride", where, 1)
    p = check_int(padding, "padding", where, 0)
    return _conv_output_size((1, 1, H, W), KH, KW, s, p, where)


def _input_index(i, j, u, v, H, W, s, p):
    """The input position that output (i, j) reads through weight (u, v), or None for a padding zero."""
    r, c = i * s + u - p, j * s + v - p
    return (r, c) if 0 <= r < H and 0 <= c < W else None


def _check_index(index, names, bound, name: str, where: str) -> tuple[int, int]:
    """(i, j): non-negative integers (TypeError for bool, float, str: never truncated) inside bound."""
    i, j = (check_int(v, n, where, 0) for v, n in zip(index, names))
    if not (i < bound[0] and j < bound[1]):
        raise ValueError(
            f"{where}: {name} ({names[0]}, {names[1]}) = ({i}, {j}) is outside the shape {format_shape(bound)}"
        )
    return i, j


def output_dependencies(H, W, KH, KW, i, j, stride=1, padding=0) -> dict:
    """What output z[i, j] depends on: {(u, v): (r, c) or None} for every kernel weight (u, v).

    (r, c) = (i*s + u - p, j*s + v - p) is the input entry that weight Wk[u, v] multiplies in z[i, j];
    None means the weight meets a padding zero there. dz[i, j]/dWk[u, v] = x[r, c] (0 for None) and
    dz[i, j]/dx[r, c] = Wk[u, v] (eq. (5.2), eq. (5.4)): the window of z[i, j] is
    its receptive field.
    ValueError if (i, j) lies outside the output shape (OH, OW).
    """
    where = "output_dependencies"
    OH, OW = _output_shape(H, W, KH, KW, stride, padding, where)
    i, j = _check_index((i, j), ("i", "j"), (OH, OW), "output position", where)
    return {(u, v): _input_index(i, j, u, v, H, W, stride, padding)
            for u in range(KH) for v in range(KW)}


def weight_pairs(H, W, KH, KW, u, v, stride=1, padding=0) -> dict:
    """Every (input, output) pair in dE/dWk[u, v]: {(i, j): (r, c) or None} for every output (i, j).

    dE/dWk[u, v] = sum over the pairs of dE/dz[i, j] * x[r, c] (eq. (5.3); a None pair,
    a padding zero, contributes 0). The inputs (r, c) form the patch of x that note B calls dnet/dw.
    ValueError if (u, v) lies outside the kernel shape (KH, KW).
    """
    where = "weight_pairs"
    OH, OW = _output_shape(H, W, KH, KW, stride, padding, where)
    u, v = _check_index((u, v), ("u", "v"), (KH, KW), "kernel weight", where)
    return {(i, j): _input_index(i, j, u, v, H, W, stride, padding)
            for i in range(OH) for j in range(OW)}


def _matrix(M, name: str, where: str, allow_nonfinite: bool = False) -> np.ndarray:
    if allow_nonfinite:
        M = np.asarray(as_float_array(M, name, where, allow_nonfinite=True), dtype=np.float64)
        with quiet():
            too_big = np.isfinite(M) & (np.abs(M) > 1e300)
        if np.any(too_big):
            check_coordinates(M[too_big], name, where)
    else:
        M = check_coordinates(M, name, where)
    if M.ndim != 2 or M.size == 0:
        raise ValueError(f"{where}: {name} must be a non-empty matrix but has shape {format_shape(M.shape)}")
    return M


def _forward(x, Wk, s, p, where):
    """z of the module docstring, written as the definition (independent of bpkit.conv)."""
    OH, OW = _output_shape(*x.shape, *Wk.shape, s, p, where)
    xpad = np.pad(x, p)
    KH, KW = Wk.shape
    with quiet():
        z = np.array([[np.sum(Wk * xpad[i * s:i * s + KH, j * s:j * s + KW])
                       for j in range(OW)] for i in range(OH)])
    check_finite_result(z, where, "z", "x and Wk")
    return check_coordinates(z, "z (from x and Wk)", where)


def draw_grid(ax, M, title="", highlight=(), color=HIGHLIGHT, labels=None, padding=0,
              fmt="{:g}"):
    """Draw matrix M as a grid of cells showing its entries (NaN cells are left blank).

    highlight: cells (r, c) to fill with ``color`` (r, c may lie in the padding, -p <= r < H + p);
    labels: {(r, c): text} written small in the cell's upper left corner; padding: p rings of grey
    zero cells drawn around M. Row 0 is at the top. Returns ax.
    """
    from matplotlib.patches import Rectangle

    where = "draw_grid"
    check_axes(ax, "ax", where)
    M = _matrix(M, "M", where, allow_nonfinite=True)
    H, W = M.shape
    p = check_int(padding, "padding", where, 0)
    check_format(fmt, "fmt", where)
    if labels is None:
        labels = {}
    if not isinstance(labels, dict):
        raise TypeError(f"{where}: labels must be a dict (r, c) -> text but is {describe(labels)}")
    try:
        highlight = set(tuple(cell) for cell in highlight)
    except TypeError:
        raise TypeError(f"{where}: highlight must be a list of cells (r, c) but is {describe(highlight)}") from None
    for r in range(-p, H + p):
        for c in range(-p, W + p):
            inside = 0 <= r < H and 0 <= c < W
            face = color if (r, c) in highlight else ("white" if inside else PAD)
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=face, edgecolor="0.35", lw=1))
            value = M[r, c] if inside else 0.0
            if np.isfinite(value):
                ax.text(c + 0.5, r + 0.58, fmt.format(value), ha="center", va="center",
                        fontsize=10, color="black" if inside else "0.5")
            if (r, c) in labels:
                ax.text(c + 0.06, r + 0.06, labels[(r, c)], ha="left", va="top", fontsize=6.5,
                        color="0.15")
    ax.set_xlim(-p - 0.05, W + p + 0.05)
    ax.set_ylim(H + p + 0.05, -p - 0.05)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(title, fontsize=10)
    return ax


def _same_scale(axes) -> None:
    """Give the grids on ``axes`` the same cell size: widen every view to the largest grid."""
    size = max(max(abs(np.diff(a.get_xlim()))[0], abs(np.diff(a.get_ylim()))[0]) for a in axes)
    for a in axes:
        (x0, x1), (y1, y0) = a.get_xlim(), a.get_ylim()
        cx = (x0 + x1) / 2
        a.set_xlim(cx - size / 2, cx + size / 2)
        a.set_ylim(y0 + size, y0)


def _setup(axes, x, Wk, stride, padding, where):
    if isinstance(axes, np.ndarray):
        axes = list(axes.ravel())
    axes = check_list(axes, "axes", where, "3 matplotlib Axes (input, kernel, output)")
    if len(axes) != 3:
        raise ValueError(f"{where}: needs 3 axes (input, kernel, output) but got {len(axes)}")
    for k, a in enumerate(axes):
        check_axes(a, f"axes[{k}]", where)
    x, Wk = _matrix(x, "x", where), _matrix(Wk, "Wk", where)
    z = _forward(x, Wk, stride, padding, where)
    return x, Wk, z


def draw_output_dependencies(axes, x, Wk, i, j, stride=1, padding=0) -> float:
    """Output z[i, j], the input window it reads and the weights it uses, on axes (input, kernel, z).

    Each window cell is labelled with the weight that multiplies it. Returns z[i, j].
    """
    where = "draw_output_dependencies"
    x, Wk, z = _setup(axes, x, Wk, stride, padding, where)
    i, j = _check_index((i, j), ("i", "j"), z.shape, "output position", where)
    deps = output_dependencies(*x.shape, *Wk.shape, i, j, stride, padding)
    window = {(u, v): (i * stride + u - padding, j * stride + v - padding) for (u, v) in deps}
    draw_grid(axes[0], x, f"input x (padding {padding})", highlight=window.values(),
              labels={rc: f"w[{u},{v}]" for (u, v), rc in window.items()}, padding=padding)
    draw_grid(axes[1], Wk, "kernel Wk: all used", highlight=deps.keys())
    draw_grid(axes[2], z, f"z[{i},{j}] = {z[i, j]:g}", highlight=[(i, j)])
    _same_scale(axes)
    return float(z[i, j])


def draw_weight_pairs(axes, x, Wk, dz, u, v, stride=1, padding=0) -> float:
    """Every (input, output) pair in dE/dWk[u, v], on axes (input, kernel, dE/dz).

    The inputs paired with weight (u, v) are highlighted and labelled with their output partner
    z[i, j]; dz = dE/dz (OH, OW). Returns dE/dWk[u, v] = sum of dz[i, j] * x[r, c] over the pairs.
    """
    where = "draw_weight_pairs"
    x, Wk, z = _setup(axes, x, Wk, stride, padding, where)
    dz = _matrix(dz, "dz", where)
    if dz.shape != z.shape:
        raise ValueError(f"{where}: dz has shape {format_shape(dz.shape)} but expected "
                         f"{format_shape(z.shape)} (the shape of z)")
    u, v = _check_index((u, v), ("u", "v"), Wk.shape, "kernel weight", where)
    pairs = weight_pairs(*x.shape, *Wk.shape, u, v, stride, padding)
    cells = {ij: (ij[0] * stride + u - padding, ij[1] * stride + v - padding) for ij in pairs}
    with quiet():
        grad = sum(dz[ij] * x[rc] for ij, rc in pairs.items() if rc is not None)
    check_finite_result(grad, where, f"dE/dWk[{u},{v}]", "dz and x")
    draw_grid(axes[0], x, "inputs paired with the weight", highlight=cells.values(),
              labels={rc: f"z[{i},{j}]" for (i, j), rc in cells.items()}, padding=padding)
    draw_grid(axes[1], Wk, f"Wk[{u},{v}]", highlight=[(u, v)])
    draw_grid(axes[2], dz, f"dE/dz; dE/dWk[{u},{v}] = {grad:g}",
              highlight=[ij for ij, rc in pairs.items() if rc is not None], color=PARTNER)
    _same_scale(axes)
    return float(grad)


def draw_sliding_step(axes, x, Wk, step, stride=1, padding=0) -> tuple[int, int, float]:
    """Step ``step`` (0 .. OH*OW - 1, row by row) of sliding the kernel over the input.

    Draws the window of output (i, j) = divmod(step, OW), the kernel, and the outputs computed so far
    (later ones blank). Returns (i, j, z[i, j]).
    """
    where = "draw_sliding_step"
    x, Wk, z = _setup(axes, x, Wk, stride, padding, where)
    OH, OW = z.shape
    step = check_int(step, "step", where, 0)
    if step >= OH * OW:
        raise ValueError(f"{where}: step must be < OH * OW = {OH * OW} for an output of shape "
                         f"{format_shape(z.shape)} but is {step}")
    i, j = divmod(step, OW)
    draw_output_dependencies(axes, x, Wk, i, j, stride, padding)
    shown = np.where(np.arange(OH * OW).reshape(OH, OW) <= step, z, np.nan)
    axes[2].clear()
    draw_grid(axes[2], shown, f"step {step + 1} of {OH * OW}: z[{i},{j}] = {z[i, j]:g}",
              highlight=[(i, j)])
    _same_scale(axes)
    return i, j, float(z[i, j])
