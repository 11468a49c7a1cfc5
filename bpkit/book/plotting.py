"""Plots the chapters share (needs matplotlib, the ``book`` extra; the core of bpkit does not).

Each function draws on an ``Axes`` it is given and returns it, so a notebook cell stays a
few lines long and the figure layout stays in the notebook.

Bad arguments raise ValueError or TypeError naming them, as everywhere in bpkit: ax must be a
matplotlib Axes, functions must be callable, grids finite, increasing 1-D arrays of at least two
points, counts integers, formats valid. Coordinates beyond 1e300 in magnitude are refused: matplotlib
adds margins to the data limits, which would overflow near the largest float.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from .._checks import (
    as_float_array,
    check_axes,
    check_bool,
    check_callable,
    check_cmap,
    check_coordinates,
    check_format,
    check_int,
    check_list,
    check_number,
    describe,
    quiet,
)

__all__ = ["contour_with_gradient", "plot_timings", "plot_activation", "heatmap", "plot_loss_and_gradient", "draw_shape_table"]


def _grid(values, name: str, where: str) -> np.ndarray:
    """A 1-D grid of at least 2 finite points in increasing order."""
    xs = check_coordinates(values, name, where)
    if xs.ndim != 1 or xs.size < 2:
        raise ValueError(f"{where}: {name} must be a 1-D grid of >= 2 points but has shape {xs.shape}")
    if np.any(np.diff(xs) <= 0):
        raise ValueError(f"{where}: {name} must be increasing (a grid) but {name} = {xs!r}")
    return xs


def contour_with_gradient(ax, E: Callable[[np.ndarray], float], xs: np.ndarray, ys: np.ndarray,
                          point: np.ndarray, grad: np.ndarray, levels: int = 20):
    """Contours of a scalar function E(x1, x2) over the grid ``xs`` x ``ys``, the point
    ``point`` (shape (2,)) and the descent direction ``-grad`` (shape (2,)) drawn from it.

    The arrow is scaled to a fixed fraction of the plot so a tiny gradient stays visible;
    its length is printed in the title instead.
    """
    where = "contour_with_gradient"
    check_axes(ax, "ax", where)
    check_callable(E, "E", where)
    point = check_coordinates(point, "point", where)
    grad = np.asarray(as_float_array(grad, "grad", where), dtype=np.float64)
    if point.shape != (2,) or grad.shape != (2,):
        raise ValueError(f"{where}: point and grad must have shape (2,), got {point.shape} and {grad.shape}")
    xs, ys = _grid(xs, "xs", where), _grid(ys, "ys", where)
    levels = check_int(levels, "levels", where)
    with quiet():
        norm = float(np.linalg.norm(grad))
        if not np.isfinite(norm):  # the squares overflowed: hypot does not
            norm = float(np.hypot(grad[0], grad[1]))
    if not np.isfinite(norm):
        raise ValueError(f"{where}: the length of grad overflows float64 (grad = {grad!r})")
    values = np.array([[E(np.array([x, y])) for x in xs] for y in ys])
    ax.contour(xs, ys, values, levels=levels, cmap="viridis", linewidths=0.8)
    ax.plot(*point, "o", color="crimson")
    if norm > 0:
        span = 0.15 * (xs[-1] - xs[0])
        step = -grad / norm * span
        ax.annotate("", xy=point + step, xytext=point,
                    arrowprops=dict(arrowstyle="->", color="crimson", lw=2))
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(rf"$E$ and $-\nabla E$ (length {norm:.3g})")
    ax.set_aspect("equal")
    return ax


def plot_timings(ax, sizes: Sequence[int], series: Mapping[str, Sequence[float]],
                 xlabel: str = "size", ylabel: str = "seconds"):
    """Log-log plot of run times: one line per entry of ``series`` (label -> times, one per size).

    sizes and every series' times: positive finite numbers (a log axis), one time per size.
    """
    where = "plot_timings"
    check_axes(ax, "ax", where)
    sizes = check_coordinates(sizes, "sizes", where)
    if sizes.ndim != 1 or np.any(sizes <= 0):
        raise ValueError(f"{where}: sizes must be a list of positive numbers but is {sizes!r}")
    if not isinstance(series, Mapping):
        raise TypeError(f"{where}: series must be a dict label -> times but is {describe(series)}")
    checked = {}
    for label, times in series.items():
        times = check_coordinates(times, f"series[{label!r}]", where)
        if times.ndim != 1 or len(times) != len(sizes):
            raise ValueError(f"{where}: series {label!r} has {times.size} times for {len(sizes)} sizes")
        if np.any(times <= 0):
            raise ValueError(f"{where}: series {label!r} has times <= 0, which a log axis cannot show")
        checked[label] = times
    for label, times in checked.items():
        ax.loglog(sizes, times, "o-", label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return ax


def plot_activation(ax, act, lo: float, hi: float, n: int = 401, derivative: bool = True):
    """An element-wise activation f and its derivative f' over [lo, hi] (eq. (3.2) to
    eq. (3.5)).

    ``act`` is an Activation or a name ('sigmoid', 'tanh', 'relu', 'identity', 'square').
    Draws f(z) as a solid line and, if ``derivative``, f'(z) (the diagonal of the Jacobian)
    as a dashed line, both on ``n`` points. Softmax is refused: it has no element-wise
    derivative (draw its Jacobian with ``heatmap``).
    """
    from ..activations import get_activation

    where = "plot_activation"
    check_axes(ax, "ax", where)
    act = get_activation(act, f"{where}: act")
    if not act.elementwise:
        raise ValueError(
            f"plot_activation: activation '{act.name}' is not element-wise, so it has no curve f'(z); "
            "draw its Jacobian with heatmap(ax, act.jacobian(z))"
        )
    check_number(lo, "lo", where)
    check_number(hi, "hi", where)
    if not lo < hi:
        raise ValueError(f"plot_activation: need finite lo < hi but got lo={lo!r}, hi={hi!r}")
    check_coordinates([lo, hi], "lo and hi", where)
    n = check_int(n, "n", where, 2)
    derivative = check_bool(derivative, "derivative", where)
    z = np.linspace(lo, hi, n)
    try:
        a = check_coordinates(act.value(z), "f(z)", where)
        d = check_coordinates(act.derivative(z), "f'(z)", where) if derivative else None
    except ValueError as err:  # e.g. square of z = 1e200: name the arguments that chose z
        raise ValueError(f"{where}: on [lo, hi] = [{lo!r}, {hi!r}]: {err}") from None
    ax.plot(z, a, "-", lw=2, label=f"$f(z)$ ({act.name})")
    if derivative:
        ax.plot(z, d, "--", lw=2, label="$f'(z)$")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("$z$")
    ax.grid(True, alpha=0.3)
    ax.legend()
    ax.set_title(act.name)
    return ax


def heatmap(ax, M, labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None,
            fmt: str = "{:.3f}", cmap: str = "RdBu_r", colorbar: bool = True):
    """A matrix M of shape (q, p) as a colour map with every entry written in its cell.

    The colour scale is symmetric about 0 (0 is white for the default diverging map), so the
    signs of a Jacobian's entries, e.g. softmax's diag(s) - s s^T (eq. (3.7)), show
    at a glance. ``labels`` name the q rows and ``col_labels`` the p columns (default: the
    row labels, which then requires a square M). Returns ax; the image is ``ax.images[0]``.
    """
    where = "heatmap"
    check_axes(ax, "ax", where)
    M = check_coordinates(M, "M", where)
    if M.ndim != 2 or M.size == 0:
        raise ValueError(f"heatmap: M must be a non-empty matrix (q, p) but has shape {M.shape}")
    q, p = M.shape
    if col_labels is None:
        col_labels = labels
    for name, lab, k in (("labels", labels, q), ("col_labels", col_labels, p)):
        if lab is not None:
            lab = check_list(lab, name, where, f"a list of {k} labels")
            if len(lab) != k:
                raise ValueError(f"heatmap: {name} has {len(lab)} entries but M of shape {M.shape} needs {k}")
    check_format(fmt, "fmt", where)
    check_cmap(cmap, "cmap", where)
    colorbar = check_bool(colorbar, "colorbar", where)
    vmax = float(np.max(np.abs(M))) or 1.0
    im = ax.imshow(M, cmap=cmap, vmin=-vmax, vmax=vmax)
    for (i, j), value in np.ndenumerate(M):
        dark = abs(value) > 0.6 * vmax
        ax.text(j, i, fmt.format(value), ha="center", va="center",
                color="white" if dark else "black", fontsize=9)
    ax.set_xticks(range(p))
    ax.set_yticks(range(q))
    if labels is not None:
        ax.set_yticklabels(labels)
    if col_labels is not None:
        ax.set_xticklabels(col_labels)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return ax


def plot_loss_and_gradient(ax, xs, E: Callable[[float], float], dE: Callable[[float], float],
                           point: float | None = None, xlabel: str = "$z$"):
    """A scalar loss E(x) (solid) and its derivative dE/dx (dashed) over the 1-D grid ``xs``.

    With ``point``, also marks (point, E(point)) and draws the tangent line of E there, whose
    slope is dE(point): the number backpropagation sends back. E and dE take and return floats.
    xs: a finite, increasing 1-D grid of at least 2 points; point: None or a number inside the grid.
    """
    where = "plot_loss_and_gradient"
    check_axes(ax, "ax", where)
    xs = np.asarray(as_float_array(xs, "xs", where), dtype=np.float64)
    if xs.ndim != 1 or xs.size < 2:
        raise ValueError(f"plot_loss_and_gradient: xs must be a 1-D grid of >= 2 points but has shape {xs.shape}")
    xs = _grid(xs, "xs", where)
    check_callable(E, "E", where)
    check_callable(dE, "dE", where)
    if point is not None:
        check_number(point, "point", where)
        if not xs[0] <= point <= xs[-1]:
            raise ValueError(f"plot_loss_and_gradient: point {point!r} lies outside the grid [{xs[0]}, {xs[-1]}]")
    ax.plot(xs, [E(x) for x in xs], "-", lw=2, label="$E$")
    ax.plot(xs, [dE(x) for x in xs], "--", lw=2, label=f"$dE/d${xlabel}")
    if point is not None:
        e0, slope = E(point), dE(point)
        half = 0.15 * (xs[-1] - xs[0])
        ends = np.array([point - half, point + half])
        ax.plot(ends, e0 + slope * (ends - point), ":", color="crimson", lw=2, label="tangent")
        ax.plot([point], [e0], "o", color="crimson")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def draw_shape_table(ax, rows, unit: float = 0.25) -> None:
    """Draw each array of shape_table's rows as a rectangle of (rows x columns) cells of side `unit`:
    the forward pass on the upper line (blue), the backward pass on the lower line (orange), each
    rectangle named above and its shape written below. A vector (n,) is drawn as an (n, 1) column.

    rows: the list from bpkit.batched.shape_table (name, shape, "forward" or "backward"); unit > 0.
    """
    from matplotlib.patches import Rectangle

    from .._checks import format_shape
    from ..batched import check_shape_rows

    where = "draw_shape_table"
    check_axes(ax, "ax", where)
    rows = check_shape_rows(rows, where)
    unit = check_number(unit, "unit", where, low=0.0, low_open=True)
    lines = [[r for r in rows if r[2] == "forward"], [r for r in rows if r[2] == "backward"]]
    heights = [max((r[1][0] for r in line), default=0) * unit for line in lines]
    y_top, right = 0.0, 0.0
    for line, height in zip(lines, heights):
        x = 0.0
        for name, shape, role in line:
            h, w = (shape[0], 1) if len(shape) == 1 else shape
            colour = "tab:blue" if role == "forward" else "tab:orange"
            ax.add_patch(Rectangle((x, y_top - h * unit), w * unit, h * unit, facecolor=colour,
                                   alpha=0.35, edgecolor=colour))
            label = name.replace("Delta", "Δ").replace(" = A^0", "")
            ax.text(x + w * unit / 2, y_top + 0.1, label, ha="center", va="bottom", fontsize=8)
            ax.text(x + w * unit / 2, y_top - h * unit - 0.1, format_shape(shape), ha="center",
                    va="top", fontsize=7)
            x += max(w * unit, 0.9) + 0.35
        right = max(right, x)
        y_top -= height + 1.1
    ax.set_xlim(-0.2, right)
    ax.set_ylim(y_top + 0.5, 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
