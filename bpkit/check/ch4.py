"""Chapter 4's checked exercises: one dense layer's backward pass in the column layout (eq. (4.3),
eq. (4.4)) and in the row layout (eq. (4.6), eq. (4.7)), the bias gradient of a batch, the batched
softmax backward step (eq. (4.9)) and the error signal of the mean cross entropy (eq. (4.10))."""

from __future__ import annotations

import numpy as np

from . import register
from ._build import f32, grad, log_softmax, softmax
from ._engine import Case, Exercise, Mistake

SIZES = [("3 outputs, 4 inputs, N = 5", 3, 4, 5), ("2 outputs, 3 inputs, N = 1", 2, 3, 1),
         ("square: 4 outputs, 4 inputs, N = 3", 4, 4, 3), ("6 outputs, 2 inputs, N = 8", 6, 2, 8)]


def _layer_cases(rng, rows: bool):
    def arrays(n_out, n_in, N):
        W = rng.standard_normal((n_out, n_in))
        X = rng.standard_normal((n_in, N))
        D = rng.standard_normal((n_out, N))
        return (W.T, X.T, D.T) if rows else (W, X, D)

    cases = [Case(label, arrays(n_out, n_in, N), N=N) for label, n_out, n_in, N in SIZES]
    cases.append(Case("float32, " + SIZES[0][0], f32(*arrays(*SIZES[0][1:])), N=SIZES[0][3]))
    ints = tuple(rng.integers(-3, 4, a.shape) for a in arrays(3, 2, 4))
    cases.append(Case("integers, 3 outputs, 2 inputs, N = 4", ints, N=4))
    return cases


# --------------------------------------------------------------------------------------------
# dense_backward_columns
# --------------------------------------------------------------------------------------------


def dense_backward_columns(W, X, Delta):
    """The gradients of a dense layer Z = W X + b 1^T, in the column layout (eq. (4.3), eq. (4.4)).

    Given Delta = dE/dZ (the error signals, one sample per column, any loss and reduction already
    in it): dW = Delta X^T, db = Delta 1 (the row sums), dX = W^T Delta.
    Shapes: W (n_out, n_in), X (n_in, N), Delta (n_out, N). Returns (dW, db, dX):
    (n_out, n_in), (n_out,), (n_in, N).
    """
    return Delta @ X.T, Delta.sum(axis=1), W.T @ Delta


def _columns_numeric(W, X, Delta):
    b = np.zeros(W.shape[0])
    return (grad(lambda V: np.sum(Delta * (V @ X + b[:, None])), W),
            grad(lambda c: np.sum(Delta * (W @ X + c[:, None])), b),
            grad(lambda Y: np.sum(Delta * (W @ Y + b[:, None])), X))


register(Exercise(
    name="dense_backward_columns", chapter=4, title="A dense layer's backward pass, samples as columns",
    outputs=("dW", "db", "dX"), reference=dense_backward_columns, cases=lambda rng: _layer_cases(rng, False),
    numeric=_columns_numeric, seed=401,
    mistakes=(
        Mistake("transposed_dW", "dW is X Delta^T, the transpose of the right one",
                "dW = Delta X^T has the shape of W, (n_out, n_in) (eq. (4.4)).",
                lambda W, X, D: (X @ D.T, D.sum(axis=1), W.T @ D)),
        Mistake("db_wrong_axis", "db is summed over the units instead of over the samples",
                "each column of Delta is one sample: db = Delta.sum(axis=1), one entry per unit (eq. (4.4)).",
                lambda W, X, D: (D @ X.T, D.sum(axis=0), W.T @ D)),
        Mistake("db_not_summed", "db is Delta itself, not summed over the batch",
                "the bias is shared by every sample, so its gradient adds up the samples' signals: "
                "db = Delta.sum(axis=1) (eq. (4.4)).", lambda W, X, D: (D @ X.T, D, W.T @ D)),
        Mistake("W_not_WT", "dX uses W where W^T belongs",
                "the error flows back through the transpose: dX = W^T Delta (eq. (4.3)). W @ Delta only fits "
                "when the layer is square.", lambda W, X, D: (D @ X.T, D.sum(axis=1), W @ D)),
        Mistake("averaged", "dW and db are divided by N",
                "Delta already holds the loss's 1/N if the loss takes the mean (eq. (4.10)): the parameter "
                "gradients are plain sums over the samples (eq. (4.4)).",
                lambda W, X, D: (D @ X.T / X.shape[1], D.sum(axis=1) / X.shape[1], W.T @ D)),
    ),
))

# --------------------------------------------------------------------------------------------
# dense_backward_rows
# --------------------------------------------------------------------------------------------


def dense_backward_rows(V, X_r, Delta_r):
    """The gradients of a dense layer Z_r = X_r V + 1 b^T in the row layout, V = W^T (eq. (4.6),
    eq. (4.7)): dV = X_r^T Delta_r, db = 1^T Delta_r (the column sums), dX_r = Delta_r V^T.

    Shapes: V (n_in, n_out), X_r (N, n_in), Delta_r (N, n_out): one sample per row.
    Returns (dV, db, dX_r): (n_in, n_out), (n_out,), (N, n_in).
    """
    return X_r.T @ Delta_r, Delta_r.sum(axis=0), Delta_r @ V.T


def _rows_numeric(V, X_r, Delta_r):
    # the row layout is the column layout transposed: V = W^T, X_r = X^T, Delta_r = Delta^T
    dW, db, dX = _columns_numeric(V.T, X_r.T, Delta_r.T)
    return dW.T, db, dX.T


register(Exercise(
    name="dense_backward_rows", chapter=4, title="The same layer, samples as rows",
    outputs=("dV", "db", "dX_r"), reference=dense_backward_rows, cases=lambda rng: _layer_cases(rng, True),
    numeric=_rows_numeric, seed=402,
    mistakes=(
        Mistake("transposed_dV", "dV is Delta_r^T X_r, the transpose of the right one",
                "dV = X_r^T Delta_r has the shape of V, (n_in, n_out) (eq. (4.7)).",
                lambda V, X, D: (D.T @ X, D.sum(axis=0), D @ V.T)),
        Mistake("db_wrong_axis", "db is summed over the units instead of over the samples",
                "in the row layout each row is a sample: db = Delta_r.sum(axis=0) (eq. (4.7)).",
                lambda V, X, D: (X.T @ D, D.sum(axis=1), D @ V.T)),
        Mistake("V_not_VT", "dX_r uses V where V^T belongs",
                "dX_r = Delta_r V^T (eq. (4.6)); Delta_r @ V only fits when the layer is square.",
                lambda V, X, D: (X.T @ D, D.sum(axis=0), D @ V)),
        Mistake("averaged", "dV and db are divided by N",
                "Delta_r already holds the loss's 1/N if the loss takes the mean: the parameter gradients are "
                "plain sums over the samples (eq. (4.7)).",
                lambda V, X, D: (X.T @ D / X.shape[0], D.sum(axis=0) / X.shape[0], D @ V.T)),
    ),
))

# --------------------------------------------------------------------------------------------
# bias_gradient
# --------------------------------------------------------------------------------------------


def bias_gradient(Delta):
    """db = Delta 1 = the row sums of Delta (eq. (4.4)): the bias of a layer is added to every
    sample's net input, so its gradient adds up the samples' error signals.

    Delta: (n, N), one sample per column. Returns db: (n,).
    """
    return Delta.sum(axis=1)


def _bias_cases(rng):
    cases = [Case(f"{n} units, N = {N}", (rng.standard_normal((n, N)),), N=N) for n, N in [(3, 5), (4, 1), (2, 7)]]
    cases.append(Case("float32, 3 units, N = 5", f32(rng.standard_normal((3, 5))), N=5))
    cases.append(Case("integers, 3 units, N = 4", (rng.integers(-5, 6, (3, 4)),), N=4))
    return cases


register(Exercise(
    name="bias_gradient", chapter=4, title="The bias gradient of a batch",
    outputs=("db",), reference=bias_gradient, cases=_bias_cases, seed=403,
    numeric=lambda D: (grad(lambda b: np.sum(D * b[:, None]), np.zeros(D.shape[0])),),
    mistakes=(
        Mistake("wrong_axis", "the sum runs over the units (axis 0) instead of over the samples",
                "one sample per column: sum along the rows, Delta.sum(axis=1), one entry per unit.",
                lambda D: D.sum(axis=0)),
        Mistake("not_summed", "Delta is returned as it is, not summed over the batch",
                "the gradient of a shared bias adds up every sample's signal: Delta.sum(axis=1).", lambda D: D),
        Mistake("averaged", "the mean over the samples instead of the sum",
                "the gradient is a sum; a 1/N of the loss is already inside Delta (eq. (4.10)).",
                lambda D: D.mean(axis=1)),
        Mistake("keepdims", "db has shape (n, 1): the sum kept its axis",
                "the bias is a vector of shape (n,): Delta.sum(axis=1), without keepdims=True.",
                lambda D: D.sum(axis=1, keepdims=True)),
    ),
))

# --------------------------------------------------------------------------------------------
# softmax_backward_batch
# --------------------------------------------------------------------------------------------


def softmax_backward_batch(S, U):
    """The softmax backward step for a batch, one line: S * (U - 1 (1^T (S * U))) (eq. (4.9)).

    S: softmax outputs, one sample per column (n, N), each column summing to 1; U = dE/dS (n, N).
    Returns dE/dZ, (n, N): column mu is J_mu^T u_mu = s_mu * (u_mu - s_mu . u_mu).
    """
    return S * (U - (S * U).sum(axis=0))


def _softmax_batch_cases(rng):
    def pair(n, N):
        return softmax(rng.standard_normal((n, N)) * 1.5, axis=0), rng.standard_normal((n, N))

    cases = [Case(f"{n} classes, N = {N}", pair(n, N), N=N) for n, N in [(3, 4), (5, 1), (4, 4), (10, 6)]]
    cases.append(Case("float32, 3 classes, N = 4", f32(*pair(3, 4)), N=4))
    return cases


def _softmax_batch_numeric(S, U):
    return (grad(lambda Z: np.sum(U * softmax(Z, axis=0)), np.log(S)),)


register(Exercise(
    name="softmax_backward_batch", chapter=4, title="The batched softmax backward step",
    outputs=("dZ",), reference=softmax_backward_batch, cases=_softmax_batch_cases,
    numeric=_softmax_batch_numeric, seed=404,
    mistakes=(
        Mistake("wrong_axis", "the dot products s_mu . u_mu are summed along the rows (axis 1), across samples",
                "each sample is a column: the sum that belongs to sample mu runs down column mu, "
                "(S * U).sum(axis=0) (eq. (4.9)).",
                lambda S, U: S * (U - (S * U).sum(axis=1, keepdims=True))),
        Mistake("diagonal_only", "only the diagonal of each softmax Jacobian: S (1 - S) U",
                "every column's Jacobian is diag(s) - s s^T (eq. (3.7)); the off-diagonal part gives "
                "- s (s . u).", lambda S, U: S * (1 - S) * U),
        Mistake("missing_S", "the factor S is missing: U - 1 (1^T (S * U))",
                "the bracket is multiplied entry by entry by S (eq. (4.9)).", lambda S, U: U - (S * U).sum(axis=0)),
    ),
))

# --------------------------------------------------------------------------------------------
# mean_cce_delta
# --------------------------------------------------------------------------------------------


def mean_cce_delta(Z, T):
    """Delta = (softmax(Z) - T) / N: the error signals of E_mean = (1/N) sum_mu CCE_mu (eq. (4.10)),
    softmax column by column.

    Z: logits (n, N), one sample per column; T: one-hot targets (n, N). Returns Delta = dE_mean/dZ, (n, N).
    """
    return (softmax(Z, axis=0) - T) / Z.shape[1]


def _mean_cce_cases(rng):
    def pair(n, N):
        return rng.standard_normal((n, N)) * 2, np.eye(n)[:, rng.integers(0, n, N)]

    cases = [Case(f"{n} classes, N = {N}", pair(n, N), N=N) for n, N in [(3, 4), (10, 1), (4, 6), (5, 3)]]
    cases.append(Case("float32, 3 classes, N = 4", f32(*pair(3, 4)), N=4))
    T_int = pair(4, 5)[1].astype(np.int64)
    cases.append(Case("integer logits, 4 classes, N = 5", (rng.integers(-4, 5, (4, 5)), T_int), N=5))
    return cases


def _mean_cce_numeric(Z, T):
    return (grad(lambda Y: -np.sum(T * log_softmax(Y, axis=0)) / Y.shape[1], Z),)


register(Exercise(
    name="mean_cce_delta", chapter=4, title="The error signal of the mean cross entropy",
    outputs=("Delta",), reference=mean_cce_delta, cases=_mean_cce_cases, numeric=_mean_cce_numeric, seed=405,
    mistakes=(
        Mistake("sum_not_mean", "the 1/N of the mean is missing: this is the gradient of the summed loss",
                "E_mean = (1/N) E_sum, so every error signal carries 1/N (eq. (4.10)): divide by N = Z.shape[1].",
                lambda Z, T: softmax(Z, axis=0) - T),
        Mistake("divided_by_classes", "divided by the number of classes n = Z.shape[0] instead of N = Z.shape[1]",
                "N, the batch size, is the number of columns: Z.shape[1].",
                lambda Z, T: (softmax(Z, axis=0) - T) / Z.shape[0]),
        Mistake("softmax_wrong_axis", "softmax runs along the rows (over the samples) instead of down each column",
                "each column is one sample's logits: normalise over axis 0.",
                lambda Z, T: (softmax(Z, axis=1) - T) / Z.shape[1]),
    ),
))
