"""Plots the chapters share (needs matplotlib, the ``book`` extra; the core of bpkit does not).

Each function draws on an ``Axes`` it is given and returns it, so a notebook cell stays a
few lines long and the figure layout stays in the notebook.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np


def contour_with_gradient(ax, E: Callable[[np.ndarray], float], xs: np.ndarray, ys: np.ndarray,
                          point: np.ndarray, grad: np.ndarray, levels: int = 20):
    """Contours of a scalar function E(x1, x2) over the grid ``xs`` x ``ys``, the point
    ``point`` (shape (2,)) and the descent direction ``-grad`` (shape (2,)) drawn from it.

    The arrow is scaled to a fixed fraction of the plot so a tiny gradient stays visible;
    its length is printed in the title instead.
    """
    point, grad = np.asarray(point, float), np.asarray(grad, float)
    if point.shape != (2,) or grad.shape != (2,):
        raise ValueError(f"point and grad must have shape (2,), got {point.shape} and {grad.shape}")
    values = np.array([[E(np.array([x, y])) for x in xs] for y in ys])
    ax.contour(xs, ys, values, levels=levels, cmap="viridis", linewidths=0.8)
    ax.plot(*point, "o", color="crimson")
    norm = float(np.linalg.norm(grad))
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
                 xlabel: str = "size $m$", ylabel: str = "seconds"):
    """Log-log plot of run times: one line per entry of ``series`` (label -> times, one per size)."""
    for label, times in series.items():
        if len(times) != len(sizes):
            raise ValueError(f"series {label!r} has {len(times)} times for {len(sizes)} sizes")
        ax.loglog(sizes, times, "o-", label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return ax
