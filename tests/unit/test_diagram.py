"""bpkit.book.diagram: the network drawing shows the numbers of the forward and the backward pass."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bpkit as bp  # noqa: E402
from bpkit.book.diagram import draw_graph, draw_network, node_positions  # noqa: E402

W1 = np.array([[0.15, 0.20], [0.25, 0.30]])
W2 = np.array([[0.40, 0.45], [0.50, 0.55]])
X = np.array([0.05, 0.10])
T = np.array([0.01, 0.99])


def small_net():
    return bp.Network([bp.Dense(2, 2, "sigmoid", W=W1, b=[0.35, 0.35]),
                       bp.Dense(2, 2, "sigmoid", W=W2, b=[0.60, 0.60])])



def texts(ax):
    return [t.get_text() for t in ax.texts]


def edge_lines(ax):
    return ax.get_lines()  # draw_graph draws edges as lines and nodes as patches


def test_node_positions_columns_centred_top_down():
    pos = node_positions([2, 3, 1], layer_gap=2.0, node_gap=1.0)
    assert [p.shape for p in pos] == [(2, 2), (3, 2), (1, 2)]
    np.testing.assert_allclose(pos[1], [[2.0, 1.0], [2.0, 0.0], [2.0, -1.0]])
    np.testing.assert_allclose(pos[0][:, 1], [0.5, -0.5])
    np.testing.assert_allclose(pos[2], [[4.0, 0.0]])


def test_node_positions_refuses_bad_sizes():
    with pytest.raises(ValueError, match=r"sizes must be \[n_0, ..., n_L\].*\[3\]"):
        node_positions([3])
    with pytest.raises(ValueError, match="positive integers"):
        node_positions([2, 0])


def test_draw_graph_one_line_per_edge_one_circle_per_node_and_edge_text_in_W_layout(ax):
    labels = [np.array([["a", "b", "c"], ["d", "e", "f"]]), np.array([["g", "h"]])]
    draw_graph(ax, [3, 2, 1], edge_text=labels, node_names=[["x1", "x2", "x3"], ["h1", "h2"], ["y"]])
    assert len(edge_lines(ax)) == 3 * 2 + 2 * 1
    assert len(ax.patches) == 3 + 2 + 1
    # entry [j, i] of layer 1's labels sits on the edge from input i to hidden j
    pos = node_positions([3, 2, 1])
    where = {t.get_text(): np.array(t.get_position()) for t in ax.texts}
    start, end = pos[0][2], pos[1][0]  # input 3 -> hidden 1 is entry [0, 2]: "c"
    np.testing.assert_allclose(where["c"], start + 0.35 * (end - start))


def test_draw_graph_refuses_arguments_that_do_not_fit(ax):
    with pytest.raises(ValueError, match=r"edge_text\[0\] \(layer 1\) has shape \(3, 2\) but expected \(2, 3\)"):
        draw_graph(ax, [3, 2, 1], edge_text=[np.zeros((3, 2)), np.zeros((1, 2))])
    with pytest.raises(ValueError, match="node_text needs 3 entries .* but has 2"):
        draw_graph(ax, [3, 2, 1], node_text=[["a"] * 3, ["b"] * 2])
    with pytest.raises(ValueError, match=r"node_names\[1\] has 3 entries but layer 1 has 2 nodes"):
        draw_graph(ax, [3, 2, 1], node_names=[["a"] * 3, ["b"] * 3, ["c"]])
    with pytest.raises(ValueError, match="edge_values needs 2 entries"):
        draw_graph(ax, [3, 2, 1], edge_values=[np.zeros((2, 3))])


def test_draw_network_writes_forward_values_deltas_weights_and_gradients(ax):
    net = small_net()
    draw_network(ax, net, X, T, fmt=".6f")
    g = small_net().gradients(X, T)
    a1 = small_net().layers[0].forward(X)
    shown = "\n".join(texts(ax))
    for value in [*X, *a1, *g.deltas[0], *g.deltas[1], *T]:
        assert f"{value:.6f}" in shown
    for l, (W, dW) in enumerate(zip([W1, W2], g.dW)):
        for (j, i), w in np.ndenumerate(W):
            assert f"w={w:.6f}\n∂E/∂w={dW[j, i]:.6f}" in shown, (l, j, i)


def test_draw_network_colours_edges_by_gradient_sign_and_widths_by_size(ax):
    draw_network(ax, small_net(), X, T)
    g = small_net().gradients(X, T)
    grads = np.concatenate([np.ravel(dW, order="C") for dW in g.dW])
    # edges are drawn layer by layer, j outer, i inner: the order of W.ravel()
    lines = edge_lines(ax)
    widths = np.array([line.get_linewidth() for line in lines])
    reds = np.array([matplotlib.colors.to_rgba(line.get_color())[0] for line in lines])
    blues = np.array([matplotlib.colors.to_rgba(line.get_color())[2] for line in lines])
    assert np.argmax(widths) == np.argmax(np.abs(grads))
    assert np.all(np.diff(widths[np.argsort(np.abs(grads))]) >= 0)
    assert np.all((reds > blues) == (grads > 0))


def test_draw_network_forward_only_shows_no_backward_numbers_and_keeps_weights(ax):
    net = small_net()
    draw_network(ax, net, X.reshape(2, 1))
    shown = "\n".join(texts(ax))
    assert "δ" not in shown and "∂E/∂w" not in shown and "w=0.150" in shown
    np.testing.assert_array_equal(net.layers[0].W, W1)
    assert len({line.get_color() for line in edge_lines(ax)}) == 1  # no gradient colouring


def test_draw_network_refuses_a_batch_and_a_wrong_target(ax):
    with pytest.raises(ValueError, match=r"x has shape \(2, 3\) but expected \(2,\) or \(2, 1\)"):
        draw_network(ax, small_net(), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"t has shape \(3,\) but expected \(2,\) or \(2, 1\)"):
        draw_network(ax, small_net(), X, np.zeros(3))
