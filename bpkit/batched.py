"""Batched backpropagation in the two layouts of chapter 4 (eqs. (4.1) to (4.7)).

Column layout (the book's, and every other bpkit module's): a batch of N samples is a matrix with one
sample per column, A^l of shape (n_l, N); W^l is (n_l, n_{l-1}) and

    Z^l = W^l A^{l-1} + b^l 1^T,   dW^l = Delta^l (A^{l-1})^T,   db^l = row_sum(Delta^l) = Delta^l 1.

Row layout: one sample per row, every matrix transposed. The batch is
X_r = (A^0)^T of shape (N, n_0), the weights are stored as V^l = (W^l)^T of shape (n_{l-1}, n_l), and

    Z_r^l = A_r^{l-1} V^l + 1 (b^l)^T,   dV^l = (A_r^{l-1})^T Delta_r^l,   db^l = column_sum(Delta_r^l),
    dE/dA_r^{l-1} = Delta_r^l (V^l)^T.

Each row-layout array is the transpose of its column-layout twin (Z_r = Z^T, dV = dW^T, ...); the bias
gradient is the same vector (n_l,) in both.

Softmax normalises over the features of each sample: axis 0 in column layout, axis 1 in row layout.
Its batched backward step is one numpy line per layout:

    columns: S * (G - np.sum(S * G, axis=0))
    rows:    S * (G - np.sum(S * G, axis=1, keepdims=True))

Shapes must fit exactly; a mismatch raises ValueError naming the expected and the actual shape.
Every size must be at least 1 (an empty batch is refused); softmax needs at least 2 classes, and S
given to the softmax backward steps must be a softmax output (entries in [0, 1], each sample summing
to 1). A result too large for a float raises ValueError naming the arguments.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_float_array,
    check_choice,
    check_finite_result,
    check_matches,
    check_instance,
    check_int,
    check_int_list,
    check_list,
    check_same_shape,
    check_shape,
    describe,
    format_shape,
    quiet,
    safe_sum,
)
from .activations import Softmax, _check_classes, _softmax_vjp, check_softmax_output, get_activation
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
    """row_sum(M) = M 1: the sum of each row, shape (m,) for M of shape (m, N)
    (the bias gradient of eq. (4.4)).

    In column layout the bias gradient is db^l = row_sum(Delta^l): the sum of delta^l over the N samples.
    """
    M = _matrix(M, "M", "row_sum")
    total = safe_sum(M, axis=1)
    return check_finite_result(total, "row_sum", "the row sums", "M")


def column_sum(M) -> np.ndarray:
    """column_sum(M) = M^T 1: the sum of each column, shape (m,) for M of shape (N, m)
    (the bias gradient of eq. (4.7)).

    In row layout the bias gradient is db^l = column_sum(Delta_r^l): again the sum over the N samples.
    """
    M = _matrix(M, "M", "column_sum")
    total = safe_sum(M, axis=0)
    return check_finite_result(total, "column_sum", "the column sums", "M")


def _softmax_pair(S, G, where: str, axis: int):
    S = _matrix(S, "S", where)
    G = as_float_array(G, "G", where)
    check_same_shape(G, S, ("G", "S"), where)
    check_softmax_output(S, "S", where, axis)
    return S, G


def softmax_rows(Z) -> np.ndarray:
    """Softmax of each row of Z (N, n) (row layout, one sample per row): the transpose of softmax over axis 0.

    n >= 2 classes (Z of shape (N, 1) is almost always a column-layout batch: ValueError).
    """
    Z = _matrix(Z, "Z", "softmax_rows")
    _check_classes(Z, "Z", "softmax_rows", 1)
    with quiet():  # Z - max below the float range is -inf, and exp(-inf) = 0 is right
        e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def softmax_backward_columns(S, G) -> np.ndarray:
    """dE/dZ from S = softmax(Z) and G = dE/dS, column layout (S, G of shape (n, N)):

    dE/dZ = S * (G - 1 column_sum(S * G)): column i is J(z_i)^T g_i with J = diag(s) - s s^T
    (eq. (4.9), eq. (3.7)).
    S must be a softmax output: entries in [0, 1], every column summing to 1 (ValueError otherwise).
    """
    where = "softmax_backward_columns"
    S, G = _softmax_pair(S, G, where, 0)
    return _softmax_vjp(S, G, 0, where, "G")


def softmax_backward_rows(S, G) -> np.ndarray:
    """dE/dZ from S = softmax(Z) and G = dE/dS, row layout (S, G of shape (N, n)):

    dE/dZ = S * (G - row_sum(S * G) 1^T): row i is (J(z_i)^T g_i)^T. keepdims=True makes the (N, 1) sums
    broadcast along each row; without it numpy would pair them with the columns (or fail).
    S must be a softmax output: entries in [0, 1], every row summing to 1 (ValueError otherwise).
    """
    where = "softmax_backward_rows"
    S, G = _softmax_pair(S, G, where, 1)
    return _softmax_vjp(S, G, 1, where, "G")


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
    """Row-layout dense layer: Z = X V + 1 b^T, A = f(Z) row by row (eq. (4.5)).
    Returns (Z, A).

    X: (N, n_in), one sample per row; V = W^T: (n_in, n_out); b: (n_out,). Z and A: (N, n_out).
    Softmax is taken over each row; elementwise activations do not care about the layout.
    """
    where = "dense_forward_rows"
    X, V = _dense_rows_xv(X, V, where)
    b = as_float_array(b, "b", where)
    check_shape(b, (V.shape[1],), "b", where, "(n_out,)")
    f = get_activation(activation, where)
    with quiet():
        Z = X @ V + b
    check_finite_result(Z, where, "Z = X V + 1 b^T", "X, V and b")
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
    f = get_activation(activation, where)
    if isinstance(f, Softmax):
        check_softmax_output(A, "A", where, 1)
        _check_is_softmax_of(A, softmax_rows(Z), where)
        Delta = _softmax_vjp(A, grad_A, 1, where, "grad_A")
    else:
        Delta = f.vjp(Z.T, A.T, grad_A.T).T
    with quiet():
        dV, db, grad_X = X.T @ Delta, np.sum(Delta, axis=0), Delta @ V.T
    check_finite_result(dV, where, "dV = X^T Delta", "X and grad_A")
    check_finite_result(db, where, "db = column_sum(Delta)", "grad_A")
    check_finite_result(grad_X, where, "dE/dX = Delta V^T", "V and grad_A")
    return Delta, dV, db, grad_X


def _check_is_softmax_of(A: np.ndarray, S: np.ndarray, where: str) -> None:
    """A must be S = softmax_rows(Z): A from other logits would silently give a wrong gradient."""
    check_matches(A, S, "A", "softmax_rows(Z)", where, "A must be the forward output for this Z")


def network_gradients_rows(net: Network, X, T) -> Gradients:
    """Backpropagation through net's layers in row layout, with V^l = (W^l)^T
    (eq. (4.6), eq. (4.7)).

    X: (N, n_0) and T: (N, n_L), one sample per row. Returns Gradients in row layout:
    deltas[l-1] = Delta_r^l (N, n_l), dW[l-1] = dE/dV^l = (dE/dW^l)^T (n_{l-1}, n_l), db[l-1] (n_l,).
    The loss is net.loss in the same reduction (a fused output layer gives Delta_r^L = (S - T)/scale).
    """
    where = "network_gradients_rows"
    check_instance(net, Network, "net", where, "a bpkit Network")
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
        try:
            grad = net.fused(Zs[-1].T, T.T, net.loss.reduction)[1].T
        except ValueError as err:  # the message speaks of t = T^T: name the user's T
            raise ValueError(f"{where}: T (shape {format_shape(T.shape)}, used as t = T^T): {err}") from None
        deltas[-1] = grad
        with quiet():
            dVs[-1], dbs[-1], grad = acts[-2].T @ grad, np.sum(grad, axis=0), grad @ Vs[-1].T
        check_finite_result(dVs[-1], where, f"dV^{len(Vs)}", "X and T")
        check_finite_result(grad, where, f"dE/dA^{len(Vs) - 1}", "X and T")
        start = len(Vs) - 2
    else:
        try:
            grad = net.loss.gradient(acts[-1].T, T.T).T  # losses sum over entries; 'mean' divides by N
        except ValueError as err:  # the message speaks of t = T^T: name the user's T
            raise ValueError(f"{where}: T (shape {format_shape(T.shape)}, used as t = T^T): {err}") from None
        start = len(Vs) - 1
    for l in range(start, -1, -1):
        try:
            deltas[l], dVs[l], dbs[l], grad = dense_backward_rows(
                acts[l], Vs[l], Zs[l], acts[l + 1], grad, net.layers[l].activation
            )
        except ValueError as err:  # an overflow there speaks of grad_A, which came from the user's X and T
            raise ValueError(f"{where}: layer {l + 1}, from X and T: {err}") from None
    return Gradients(deltas=deltas, dW=dVs, db=dbs)


def loop_gradients(net: Network, X, T) -> Gradients:
    """The batch gradient by a Python loop over the samples (columns) of X (n_0, N) and T (n_L, N).

    Each sample's gradient is net.gradients(x_n, t_n) with x_n of shape (n_0, 1); dW and db are summed over
    n, deltas are stacked as columns. If net.loss.reduction is 'mean' (E divided by N), the per-sample
    loss is divided by 1, so the sums are divided by N at the end. Equal to net.gradients(X, T).
    """
    where = "loop_gradients"
    check_instance(net, Network, "net", where, "a bpkit Network")
    X, T = _matrix(X, "X", where), _matrix(T, "T", where)
    if X.shape[1] != T.shape[1]:
        raise ValueError(
            f"{where}: X has shape {format_shape(X.shape)} and T has shape {format_shape(T.shape)}; "
            "they must have the same number N of columns (samples)"
        )
    N = X.shape[1]
    n0, nL = net.layers[0].n_in, net.layers[-1].n_out
    check_shape(X, (n0, N), "X", where, f"(n_0, N) with n_0 = {n0} network inputs")
    check_shape(T, (nL, N), "T", where, f"(n_L, N) with n_L = {nL} network outputs")
    dW = [np.zeros_like(layer.W) for layer in net.layers]
    db = [np.zeros_like(layer.b) for layer in net.layers]
    deltas = [np.zeros((layer.n_out, N)) for layer in net.layers]
    with quiet():
        for n in range(N):
            try:
                g = net.gradients(X[:, n : n + 1], T[:, n : n + 1])
            except ValueError as err:  # name the user's arrays and the sample, not the per-sample t
                raise ValueError(
                    f"{where}: sample {n} (column {n} of X, shape {format_shape(X.shape)}, and of T, shape "
                    f"{format_shape(T.shape)}): {err}"
                ) from None
            for l in range(len(net.layers)):
                dW[l] += g.dW[l]
                db[l] += g.db[l]
                deltas[l][:, n] = g.deltas[l][:, 0]
        scale = N if net.loss.reduction == "mean" else 1
        out = Gradients(
            deltas=[d / scale for d in deltas], dW=[w / scale for w in dW], db=[b / scale for b in db]
        )
    for l in range(len(net.layers)):
        check_finite_result(out.dW[l], where, f"the sum of dW^{l + 1} over the samples", "X and T")
        check_finite_result(out.db[l], where, f"the sum of db^{l + 1} over the samples", "X and T")
    return out


def shape_table(sizes, N: int, layout: str = "columns") -> list:
    """The shape of every array of a batched forward and backward pass, as rows (name, shape, role).

    sizes = [n_0, n_1, ..., n_L]; N samples; layout 'columns' (A^l is (n_l, N), W^l is (n_l, n_{l-1}))
    or 'rows' (A^l is (N, n_l), the stored weight V^l = (W^l)^T is (n_{l-1}, n_l)). Order: the forward
    pass X, then W^l (V^l), b^l, Z^l, A^l for l = 1..L; the backward pass Delta^l, dW^l (dV^l), db^l
    for l = L..1. Names: 'X = A^0', 'W^1', 'b^1', 'Z^1', 'A^1', ..., 'Delta^L', 'dW^L', 'db^L', ...
    """
    where = "shape_table"
    sizes = check_int_list(sizes, "sizes", where, "[n_0, ..., n_L] with L >= 1", min_len=2)
    N = check_int(N, "N", where)
    layout = check_choice(layout, "layout", where, LAYOUTS)

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


def check_shape_rows(rows, where: str) -> list:
    """rows as shape_table returns them: a non-empty list of (name, shape, role) with a str name, a shape
    of positive integers and the role 'forward' or 'backward'."""
    what = "a non-empty list of (name, shape, role) rows as shape_table returns"
    rows = check_list(rows, "rows", where, what, min_len=1)
    for i, row in enumerate(rows):
        if not isinstance(row, (tuple, list)) or len(row) != 3:
            raise TypeError(f"{where}: rows[{i}] must be a (name, shape, role) triple but is {describe(row)}")
        name, shape, role = row
        if not isinstance(name, str):
            raise TypeError(f"{where}: rows[{i}] has the name {describe(name)}, not a str")
        check_int_list(shape, f"rows[{i}] shape", where, "a shape (n,) or (m, n)", min_len=1)
        check_choice(role, f"rows[{i}] role", where, ("forward", "backward"))
    return rows


def format_shape_table(rows) -> str:
    """shape_table's rows as aligned text, one array per line: 'Z^1      (4, 8)    forward'."""
    rows = check_shape_rows(rows, "format_shape_table")
    width = max(len(name) for name, _, _ in rows) + 2
    return "\n".join(f"{name:<{width}}{format_shape(shape):<12}{role}" for name, shape, role in rows)
