"""Drawings of a feedforward network: nodes in columns, one column per layer, with numbers on them.

Needs matplotlib (the ``book`` extra); the core of bpkit does not import this module.

Two levels:

- ``draw_graph(ax, sizes, ...)`` draws any layered graph with sizes [n_0, n_1, ..., n_L]. Text and
  colours are given per node (a list of L + 1 sequences, entry l of length n_l) and per edge
  (a list of L arrays, entry l - 1 of shape (n_l, n_{l-1}): the layout of W^l, so entry [j, i]
  belongs to the edge from node i of layer l - 1 to node j of layer l).
- ``draw_network(ax, net, x, t=None)`` runs a bpkit ``Network`` forward on one sample x (and
  backward if a target t is given) and writes the forward values a^l on the nodes, the deltas
  delta^l = dE/dz^l under them, and w^l_{ji} and dE/dw^l_{ji} on the edges, with the edge colour
  showing the sign of the gradient and the width its size.

Both draw on the ``Axes`` they are given and return it, like ``bpkit.book.plotting``.
Bad arguments raise ValueError or TypeError naming them, as everywhere in bpkit.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .._checks import (
    as_float_array,
    check_axes,
    check_cmap,
    check_coordinates,
    check_format,
    check_instance,
    check_int_list,
    check_list,
    check_number,
    format_shape,
    quiet,
)

__all__ = ["node_positions", "draw_graph", "draw_network"]


def _check_sizes(sizes, where: str) -> list:
    return check_int_list(sizes, "sizes", where, "[n_0, ..., n_L] with L >= 1", min_len=2)


def node_positions(sizes: Sequence[int], layer_gap: float = 3.0, node_gap: float = 2.0) -> list:
    """(x, y) of every node: layer l at x = l * layer_gap, its n_l nodes centred on y = 0, node_gap apart,
    node 1 on top. Returns a list of L + 1 arrays, entry l of shape (n_l, 2).
    sizes: positive integers; layer_gap, node_gap: finite numbers > 0.
    """
    where = "node_positions"
    sizes = _check_sizes(sizes, where)
    layer_gap = check_number(layer_gap, "layer_gap", where, low=0.0, low_open=True)
    node_gap = check_number(node_gap, "node_gap", where, low=0.0, low_open=True)
    with quiet():
        pos = [np.column_stack([np.full(n, l * layer_gap), ((n - 1) / 2 - np.arange(n)) * node_gap])
               for l, n in enumerate(sizes)]
    for p in pos:
        check_coordinates(p, "the positions (from layer_gap and node_gap)", where)
    return pos


def _per_node(values, sizes, name: str, where: str):
    """None, or a list of L + 1 sequences with the lengths sizes[l]."""
    if values is None:
        return None
    values = check_list(values, name, where, f"a list of {len(sizes)} lists (one per layer)")
    if len(values) != len(sizes):
        raise ValueError(f"{where}: {name} needs {len(sizes)} entries (layers 0..{len(sizes) - 1}) but has {len(values)}")
    for l, (v, n) in enumerate(zip(values, sizes)):
        if v is not None:
            v = check_list(v, f"{name}[{l}]", where, f"a list of {n} texts (one per node of layer {l})")
            if len(v) != n:
                raise ValueError(f"{where}: {name}[{l}] has {len(v)} entries but layer {l} has {n} nodes")
    return values


def _per_edge(values, sizes, name: str, where: str, numbers: bool = False):
    """None, or a list of L arrays, entry l - 1 of shape (n_l, n_{l-1}) (the layout of W^l).

    numbers=True: finite floats (edge_values); otherwise anything printable (edge_text).
    """
    if values is None:
        return None
    L = len(sizes) - 1
    values = check_list(values, name, where, f"a list of {L} arrays (one per layer)")
    if len(values) != L:
        raise ValueError(f"{where}: {name} needs {L} entries (layers 1..{L}) but has {len(values)}")
    out = []
    for l, v in enumerate(values, start=1):
        if v is None:
            out.append(None)
            continue
        if numbers:
            v = np.asarray(as_float_array(v, f"{name}[{l - 1}]", where), dtype=float)
        else:
            try:
                kind = np.asarray(v).dtype.kind
            except ValueError as err:
                raise ValueError(f"{where}: {name}[{l - 1}] is not a rectangular array ({err})") from None
            v = np.asarray(v, dtype=object if kind in "OUS" else float)
        expected = (sizes[l], sizes[l - 1])
        if v.shape != expected:
            raise ValueError(
                f"{where}: {name}[{l - 1}] (layer {l}) has shape {format_shape(v.shape)} but expected "
                f"{format_shape(expected)} (n_l x n_(l-1), like W^{l})"
            )
        out.append(v)
    return out


def draw_graph(
    ax,
    sizes: Sequence[int],
    node_text=None,
    edge_text=None,
    edge_values=None,
    node_names=None,
    layer_names=None,
    label_at: float = 0.35,
    node_radius: float = 0.3,
    layer_gap: float = 3.0,
    node_gap: float = 2.0,
    fontsize: float = 8,
    cmap: str = "coolwarm",
    max_width: float = 4.0,
):
    """Draw a layered graph with sizes [n_0, ..., n_L] on ``ax`` and return ``ax``.

    node_text: L + 1 sequences of strings (entry l has n_l), written next to the nodes.
    node_names: L + 1 sequences of short names written inside the nodes (e.g. 'h1').
    edge_text: L arrays of strings, entry l - 1 of shape (n_l, n_{l-1}); [j, i] labels edge i -> j.
    edge_values: L float arrays of those shapes; the edge colour shows the sign (``cmap``, centred on 0)
        and the width the size relative to the largest |value| (up to ``max_width`` points).
    label_at: where along each edge (0 = source, 1 = target) its text sits; away from 0.5 the texts
        of crossing edges do not overlap.
    layer_names: L + 1 strings written above the columns.
    layer_gap, node_gap, node_radius: the layout in data units (see node_positions).
    Raises ValueError naming the expected and the actual count or shape when an argument does not fit.
    """
    where = "draw_graph"
    check_axes(ax, "ax", where)
    sizes = _check_sizes(sizes, where)
    node_text = _per_node(node_text, sizes, "node_text", where)
    node_names = _per_node(node_names, sizes, "node_names", where)
    edge_text = _per_edge(edge_text, sizes, "edge_text", where)
    edge_values = _per_edge(edge_values, sizes, "edge_values", where, numbers=True)
    if layer_names is not None:
        layer_names = check_list(layer_names, "layer_names", where, f"a list of {len(sizes)} names")
        if len(layer_names) != len(sizes):
            raise ValueError(f"{where}: layer_names needs {len(sizes)} entries but has {len(layer_names)}")
    label_at = check_number(label_at, "label_at", where, low=0.0, high=1.0)
    node_radius = check_number(node_radius, "node_radius", where, low=0.0, low_open=True)
    fontsize = check_number(fontsize, "fontsize", where, low=0.0, low_open=True)
    max_width = check_number(max_width, "max_width", where, low=0.0, low_open=True)
    check_cmap(cmap, "cmap", where)
    import matplotlib.pyplot as plt

    pos = node_positions(sizes, layer_gap, node_gap)
    check_coordinates([node_radius + 1.5, max(sizes) * node_gap], "node_radius and node_gap", where)
    colormap = plt.get_cmap(cmap)
    scale = 0.0
    if edge_values is not None:
        scale = max((float(np.max(np.abs(v))) for v in edge_values if v is not None and v.size), default=0.0)
    for l in range(1, len(sizes)):
        for j in range(sizes[l]):
            for i in range(sizes[l - 1]):
                (x0, y0), (x1, y1) = pos[l - 1][i], pos[l][j]
                color, width = "0.55", 1.0
                if edge_values is not None and edge_values[l - 1] is not None:
                    v = float(edge_values[l - 1][j, i])
                    share = abs(v) / scale if scale > 0 else 0.0
                    color = colormap(0.5 + 0.5 * np.sign(v) * max(share, 0.35) if v else 0.5)
                    width = 0.6 + (max_width - 0.6) * share
                ax.plot([x0, x1], [y0, y1], color=color, lw=width, zorder=1, solid_capstyle="round")
                if edge_text is not None and edge_text[l - 1] is not None:
                    tx, ty = x0 + label_at * (x1 - x0), y0 + label_at * (y1 - y0)
                    ax.text(tx, ty, str(edge_text[l - 1][j, i]), fontsize=fontsize * 0.9, ha="center",
                            va="center", zorder=3,
                            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    for l, layer in enumerate(pos):
        for k, (x, y) in enumerate(layer):
            ax.add_patch(plt.Circle((x, y), node_radius, fc="#e8f0fb", ec="#2c5d9a", lw=1.2, zorder=2))
            if node_names is not None and node_names[l] is not None:
                ax.text(x, y, str(node_names[l][k]), fontsize=fontsize + 1, ha="center", va="center", zorder=4)
            if node_text is not None and node_text[l] is not None:
                ax.text(x, y - node_radius - 0.04, str(node_text[l][k]), fontsize=fontsize, ha="center",
                        va="top", zorder=4, bbox=dict(boxstyle="round,pad=0.2", fc="#fff8e1", ec="#d9b44a",
                                                      lw=0.6))
    top = max((n - 1) / 2 for n in sizes) * node_gap
    if layer_names is not None:
        for l, name in enumerate(layer_names):
            ax.text(l * layer_gap, top + node_radius + 0.2, str(name), fontsize=fontsize + 1, ha="center",
                    va="bottom")
    margin = node_radius + 0.5
    ax.set_xlim(-margin, (len(sizes) - 1) * layer_gap + margin)
    ax.set_ylim(-top - node_radius - 1.5, top + node_radius + 0.7)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _one_sample(x, n: int, name: str, where: str) -> np.ndarray:
    x = as_float_array(x, name, where)
    if x.shape not in ((n,), (n, 1)):
        raise ValueError(
            f"{where}: {name} has shape {format_shape(x.shape)} but expected ({n},) or ({n}, 1): "
            "the drawing shows one sample"
        )
    return x.ravel()


def draw_network(ax, net, x, t=None, fmt: str = ".3f", node_names=None, layer_names=None, **kwargs):
    """Draw a bpkit ``Network`` evaluated at one sample x (shape (n_0,) or (n_0, 1)) on ``ax``; return ``ax``.

    Forward only (t None): input nodes show x_i, the others z^l_j and a^l_j, and the edges w^l_{ji}.
    With a target t (shape like a^L): the nodes also show delta^l_j = dE/dz^l_j (the output nodes also
    t_j; delta^l_j is also dE/db^l_j), the edges also dE/dw^l_{ji} = delta^l_j a^{l-1}_i, coloured by its
    sign and as wide as its size. Biases are not drawn.
    Runs ``net.gradients(x, t)`` (or ``net.forward(x)``), so the network's caches hold this sample
    afterwards; the weights are not changed. Other keyword arguments go to ``draw_graph``.
    """
    where = "draw_network"
    check_axes(ax, "ax", where)
    from ..network import Network

    check_instance(net, Network, "net", where, "a bpkit Network")
    check_format(fmt, "fmt", where, spec=True)
    sizes = [net.layers[0].n_in] + [layer.n_out for layer in net.layers]
    x = _one_sample(x, sizes[0], "x", where)
    if t is None:
        net.forward(x)
        grads = None
    else:
        t = _one_sample(t, sizes[-1], "t", where)
        grads = net.gradients(x, t)
    f = "{:" + fmt + "}"
    node_text = [[f"x={f.format(v)}" for v in x]]
    for l, layer in enumerate(net.layers):
        lines = [f"z={f.format(z)}\na={f.format(a)}" for z, a in zip(layer.z, layer.a)]
        if grads is not None:
            lines = [s + f"\nδ={f.format(d)}" for s, d in zip(lines, grads.deltas[l])]
            if l == len(net.layers) - 1:
                lines = [s + f"\nt={f.format(v)}" for s, v in zip(lines, t)]
        node_text.append(lines)
    edge_text, edge_values = [], None
    for l, layer in enumerate(net.layers):
        text = np.empty(layer.W.shape, dtype=object)
        for (j, i), w in np.ndenumerate(layer.W):
            text[j, i] = f"w={f.format(w)}"
            if grads is not None:
                text[j, i] += f"\n∂E/∂w={f.format(grads.dW[l][j, i])}"
        edge_text.append(text)
    if grads is not None:
        edge_values = [dW for dW in grads.dW]
    if layer_names is None:
        layer_names = ["input"] + [f"layer {l}" for l in range(1, len(sizes))]
    return draw_graph(ax, sizes, node_text=node_text, edge_text=edge_text, edge_values=edge_values,
                      node_names=node_names, layer_names=layer_names, **kwargs)
