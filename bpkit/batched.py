"""Batched backpropagation in the two layouts of seed 004, section 4 (chapter 4 of the course).

Column layout (the book's, and every other bpkit module's): a batch of N samples is a matrix with one
sample per column, A^l of shape (n_l, N); W^l is (n_l, n_{l-1}) and

    Z^l = W^l A^{l-1} + b^l 1^T,   dW^l = Delta^l (A^{l-1})^T,   db^l = row_sum(Delta^l) = Delta^l 1.

Row layout (seed 004, sec. 4.2): one sample per row, every matrix transposed. The batch is
X_r = (A^0)^T of shape (N, n_0), the weights are stored as V^l = (W^l)^T of shape (n_{l-1}, n_l), and

    Z_r^l = A_r^{l-1} V^l + 1 (b^l)^T,   dV^l = (A_r^{l-1})^T Delta_r^l,   db^l = column_sum(Delta_r^l),
    dE/dA_r^{l-1} = Delta_r^l (V^l)^T.

Each row-layout array is the transpose of its column-layout twin (Z_r = Z^T, dV = dW^T, ...); the bias
gradient is the same vector (n_l,) in both.

Softmax normalises over the features of each sample: axis 0 in column layout, axis 1 in row layout.
Its batched backward step (seed 004, sec. 4.3) is one numpy line per layout:

    columns: S * (G - np.sum(S * G, axis=0))
    rows:    S * (G - np.sum(S * G, axis=1, keepdims=True))

Shapes must fit exactly; a mismatch raises ValueError naming the expected and the actual shape.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_same_shape, check_shape, format_shape
from .activations import Softmax, get_activation
from .network import Gradients, Network

__all__ = [
    "row_sum",
    "column_sum",
    "softmax_rows",
    "softmax_backward_columns",
    "softmax_backward_rows",
    "dense_forward_rows",
    "dense_backward_rows",
    "network_gradients_rows",
    "loop_gradients",
    "shape_table",
    "format_shape_table",
]

LAYOUTS = ("columns", "rows")


def _matrix(M, name: str, where: str) -> np.ndarray:
    M = as_float_array(M, name, where)
    if M.ndim != 2:
        raise ValueError(f"{where}: {name} has shape {format_shape(M.shape)} but expected a matrix (m, N)")
    return M


def row_sum(M) -> np.ndarray:
    """row_sum(M) = M 1: the sum of each row, shape (m,) for M of shape (m, N) (seed 004, sec. 4.1).

    In column layout the bias gradient is db^l = row_sum(Delta^l): the sum of delta^l over the N samples.
    """
    return np.sum(_matrix(M, "M", "row_sum"), axis=1)


def column_sum(M) -> np.ndarray:
    """column_sum(M) = M^T 1: the sum of each column, shape (m,) for M of shape (N, m) (seed 004, sec. 4.2).

    In row layout the bias gradient is db^l = column_sum(Delta_r^l): again the sum over the N samples.
    """
    return np.sum(_matrix(M, "M", "column_sum"), axis=0)


def _softmax_pair(S, G, where: str):
    S = _matrix(S, "S", where)
    G = as_float_array(G, "G", where)
    check_same_shape(G, S, ("G", "S"), where)
    return S, G


def softmax_rows(Z) -> np.ndarray:
    """Softmax of each row of Z (N, n) (row layout, one sample per row): the transpose of softmax over axis 0."""
    Z = _matrix(Z, "Z", "softmax_rows")
    e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def softmax_backward_columns(S, G) -> np.ndarray:
    """dE/dZ from S = softmax(Z) and G = dE/dS, column layout (S, G of shape (n, N)), seed 004 sec. 4.3:

    dE/dZ = S * (G - 1 column_sum(S * G)): column i is J(z_i)^T g_i with J = diag(s) - s s^T (eq. 3.5).
    """
    S, G = _softmax_pair(S, G, "softmax_backward_columns")
    return S * (G - np.sum(S * G, axis=0))


def softmax_backward_rows(S, G) -> np.ndarray:
    """dE/dZ from S = softmax(Z) and G = dE/dS, row layout (S, G of shape (N, n)), seed 004 sec. 4.3:

    dE/dZ = S * (G - row_sum(S * G) 1^T): row i is (J(z_i)^T g_i)^T. keepdims=True makes the (N, 1) sums
    broadcast along each row; without it numpy would pair them with the columns (or fail).
    """
    S, G = _softmax_pair(S, G, "softmax_backward_rows")
    return S * (G - np.sum(S * G, axis=1, keepdims=True))


def _dense_rows_xv(X, V, where):
    X = _matrix(X, "X", where)
    V = _matrix(V, "V", where)
    if X.shape[1] != V.shape[0]:
        raise ValueError(
            f"{where}: X has shape {format_shape(X.shape)} (N, n_in) but V has shape {format_shape(V.shape)}; "
            f"expected V of shape ({X.shape[1]}, n_out) (V = W^T is n_in x n_out in row layout)"
        )
    return X, V


def dense_forward_rows(X, V, b, activation="identity"):
    """Row-layout dense layer: Z = X V + 1 b^T, A = f(Z) row by row (seed 004, sec. 4.2). Returns (Z, A).

    X: (N, n_in), one sample per row; V = W^T: (n_in, n_out); b: (n_out,). Z and A: (N, n_out).
    Softmax is taken over each row; elementwise activations do not care about the layout.
    """
    where = "dense_forward_rows"
    X, V = _dense_rows_xv(X, V, where)
    b = as_float_array(b, "b", where)
    check_shape(b, (V.shape[1],), "b", where, "(n_out,)")
    f = get_activation(activation)
    Z = X @ V + b
    A = softmax_rows(Z) if isinstance(f, Softmax) else f.value(Z.T).T
    return Z, A


def dense_backward_rows(X, V, Z, A, grad_A, activation="identity"):
    """Row-layout backward step of the layer of dense_forward_rows. Returns (Delta, dV, db, grad_X):

    Delta = dE/dZ (N, n_out): f'(Z) * grad_A, or softmax_backward_rows(A, grad_A) for softmax;
    dV = X^T Delta (n_in, n_out); db = column_sum(Delta) (n_out,); grad_X = Delta V^T (N, n_in).
    """
    where = "dense_backward_rows"
    X, V = _dense_rows_xv(X, V, where)
    shape = (X.shape[0], V.shape[1])
    Z, A, grad_A = (as_float_array(M, name, where) for M, name in ((Z, "Z"), (A, "A"), (grad_A, "grad_A")))
    for M, name in ((Z, "Z"), (A, "A"), (grad_A, "grad_A")):
        check_shape(M, shape, name, where, "(N, n_out)")
    f = get_activation(activation)
    if isinstance(f, Softmax):
        Delta = softmax_backward_rows(A, grad_A)
    else:
        Delta = f.backward(Z.T, A.T, grad_A.T).T
    return Delta, X.T @ Delta, column_sum(Delta), Delta @ V.T


def network_gradients_rows(net: Network, X, T) -> Gradients:
    """Backpropagation through net's layers in row layout, with V^l = (W^l)^T (seed 004, sec. 4.2).

    X: (N, n_0) and T: (N, n_L), one sample per row. Returns Gradients in row layout:
    deltas[l-1] = Delta_r^l (N, n_l), dW[l-1] = dE/dV^l = (dE/dW^l)^T (n_{l-1}, n_l), db[l-1] (n_l,).
    The loss is net.loss in the same reduction (a fused output layer gives Delta_r^L = (S - T)/scale).
    """
    where = "network_gradients_rows"
    X = _matrix(X, "X", where)
    n0, nL = net.layers[0].n_in, net.layers[-1].n_out
    check_shape(X, (X.shape[0], n0), "X", where, f"(N, n_0) with n_0 = {n0}")
    T = as_float_array(T, "T", where)
    check_shape(T, (X.shape[0], nL), "T", where, f"(N, n_L) with N = {X.shape[0]}, n_L = {nL}")
    Vs = [layer.W.T for layer in net.layers]
    acts, Zs = [X], []
    for layer, V in zip(net.layers, Vs):
        Z, A = dense_forward_rows(acts[-1], V, layer.b, layer.activation)
        Zs.append(Z)
        acts.append(A)
    deltas, dVs, dbs = [None] * len(Vs), [None] * len(Vs), [None] * len(Vs)
    if net.fused is not None:  # softmax + CCE or sigmoid + BCE: Delta^L from the logits
        grad = net.fused(Zs[-1].T, T.T, net.loss.reduction)[1].T
        deltas[-1] = grad
        dVs[-1], dbs[-1], grad = acts[-2].T @ grad, column_sum(grad), grad @ Vs[-1].T
        start = len(Vs) - 2
    else:
        grad = net.loss.gradient(acts[-1].T, T.T).T  # losses sum over entries; 'mean' divides by N
        start = len(Vs) - 1
    for l in range(start, -1, -1):
        deltas[l], dVs[l], dbs[l], grad = dense_backward_rows(
            acts[l], Vs[l], Zs[l], acts[l + 1], grad, net.layers[l].activation
        )
    return Gradients(deltas=deltas, dW=dVs, db=dbs)


def loop_gradients(net: Network, X, T) -> Gradients:
    """The batch gradient by a Python loop over the samples (columns) of X (n_0, N) and T (n_L, N).

    Each sample's gradient is net.gradients(x_n, t_n) with x_n of shape (n_0, 1); dW and db are summed over
    n, deltas are stacked as columns. If net.loss.reduction is 'mean' (E divided by N), the per-sample
    loss is divided by 1, so the sums are divided by N at the end. Equal to net.gradients(X, T).
    """
    where = "loop_gradients"
    X, T = _matrix(X, "X", where), _matrix(T, "T", where)
    if X.shape[1] != T.shape[1]:
        raise ValueError(
            f"{where}: X has shape {format_shape(X.shape)} and T has shape {format_shape(T.shape)}; "
            "they must have the same number N of columns (samples)"
        )
    N = X.shape[1]
    dW = [np.zeros_like(layer.W) for layer in net.layers]
    db = [np.zeros_like(layer.b) for layer in net.layers]
    deltas = [np.zeros((layer.n_out, N)) for layer in net.layers]
    for n in range(N):
        g = net.gradients(X[:, n : n + 1], T[:, n : n + 1])
        for l in range(len(net.layers)):
            dW[l] += g.dW[l]
            db[l] += g.db[l]
            deltas[l][:, n] = g.deltas[l][:, 0]
    scale = N if net.loss.reduction == "mean" else 1
    return Gradients(
        deltas=[d / scale for d in deltas], dW=[w / scale for w in dW], db=[b / scale for b in db]
    )


def shape_table(sizes, N: int, layout: str = "columns") -> list:
    """The shape of every array of a batched forward and backward pass, as rows (name, shape, role).

    sizes = [n_0, n_1, ..., n_L]; N samples; layout 'columns' (A^l is (n_l, N), W^l is (n_l, n_{l-1}))
    or 'rows' (A^l is (N, n_l), the stored weight V^l = (W^l)^T is (n_{l-1}, n_l)). Order: the forward
    pass X, then W^l (V^l), b^l, Z^l, A^l for l = 1..L; the backward pass Delta^l, dW^l (dV^l), db^l
    for l = L..1. Names: 'X = A^0', 'W^1', 'b^1', 'Z^1', 'A^1', ..., 'Delta^L', 'dW^L', 'db^L', ...
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"shape_table: sizes must be [n_0, ..., n_L] with L >= 1, all >= 1, but is {sizes!r}")
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise ValueError(f"shape_table: N must be a positive integer but is {N!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"shape_table: layout must be 'columns' or 'rows' but is {layout!r}")

    def data(n):
        return (n, N) if layout == "columns" else (N, n)

    def weight(l):
        return (sizes[l], sizes[l - 1]) if layout == "columns" else (sizes[l - 1], sizes[l])

    wname = "W" if layout == "columns" else "V"
    L = len(sizes) - 1
    rows = [("X = A^0", data(sizes[0]), "forward")]
    for l in range(1, L + 1):
        rows += [(f"{wname}^{l}", weight(l), "forward"), (f"b^{l}", (sizes[l],), "forward"),
                 (f"Z^{l}", data(sizes[l]), "forward"),
                 (f"A^{l}", data(sizes[l]), "forward")]
    for l in range(L, 0, -1):
        rows += [(f"Delta^{l}", data(sizes[l]), "backward"), (f"d{wname}^{l}", weight(l), "backward"),
                 (f"db^{l}", (sizes[l],), "backward")]
    return rows


def format_shape_table(rows) -> str:
    """shape_table's rows as aligned text, one array per line: 'Z^1      (4, 8)    forward'."""
    width = max(len(name) for name, _, _ in rows) + 2
    return "\n".join(f"{name:<{width}}{format_shape(shape):<12}{role}" for name, shape, role in rows)
