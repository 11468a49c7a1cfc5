"""Chapter 5's checked exercises: a convolution's weight gradient (eq. (5.3)), its input gradient
with a stride (eq. (5.5), eq. (5.7)) and max pooling's backward step (eq. (5.12))."""

from __future__ import annotations

import numpy as np

from . import register
from ._build import f32, grad
from ._engine import Case, Exercise, Mistake


def _correlate(X, W, s=1):
    """Z[i, j] = sum_{u,v} W[u, v] X[i*s + u, j*s + v] (valid, stride s): eq. (5.1) with a stride."""
    KH, KW = W.shape
    OH, OW = (X.shape[0] - KH) // s + 1, (X.shape[1] - KW) // s + 1
    Z = np.zeros((OH, OW))
    for u in range(KH):
        for v in range(KW):
            Z += W[u, v] * X[u:u + s * (OH - 1) + 1:s, v:v + s * (OW - 1) + 1:s]
    return Z


# --------------------------------------------------------------------------------------------
# conv_weight_gradient
# --------------------------------------------------------------------------------------------


def conv_weight_gradient(X, Delta):
    """dW[u, v] = sum_mu sum_{i,j} Delta[mu, i, j] X[mu, i + u, j + v]: the kernel's gradient is the
    input correlated with the error signal, summed over the batch (eq. (5.3); stride 1, no padding).

    X: (N, X_H, X_W), one channel; Delta = dE/dZ: (N, O_H, O_W). Returns dW: (K_H, K_W) with
    K_H = X_H - O_H + 1 and K_W = X_W - O_W + 1.
    """
    N, OH, OW = Delta.shape
    KH, KW = X.shape[1] - OH + 1, X.shape[2] - OW + 1
    dW = np.zeros((KH, KW))
    for u in range(KH):
        for v in range(KW):
            dW[u, v] = np.sum(Delta * X[:, u:u + OH, v:v + OW])
    return dW


def _wgrad_cases(rng):
    def pair(N, XH, XW, KH, KW):
        return rng.standard_normal((N, XH, XW)), rng.standard_normal((N, XH - KH + 1, XW - KW + 1))

    cases = [Case(label, pair(*dims), N=dims[0]) for label, dims in
             [("N = 2, 6x6 input, 3x3 kernel", (2, 6, 6, 3, 3)), ("N = 1, 5x6 input, 2x3 kernel", (1, 5, 6, 2, 3)),
              ("N = 3, 7x5 input, 4x2 kernel", (3, 7, 5, 4, 2))]]
    cases.append(Case("float32, N = 2, 6x6 input, 3x3 kernel", f32(*pair(2, 6, 6, 3, 3)), N=2))
    Xi, Di = (rng.integers(-3, 4, a.shape) for a in pair(2, 5, 5, 2, 2))
    cases.append(Case("integers, N = 2, 5x5 input, 2x2 kernel", (Xi, Di), N=2))
    return cases


def _wgrad_numeric(X, Delta):
    K = (X.shape[1] - Delta.shape[1] + 1, X.shape[2] - Delta.shape[2] + 1)
    return (grad(lambda W: sum(np.sum(D * _correlate(x, W)) for x, D in zip(X, Delta)), np.zeros(K)),)


register(Exercise(
    name="conv_weight_gradient", chapter=5, title="A convolution's weight gradient",
    outputs=("dW",), reference=conv_weight_gradient, cases=_wgrad_cases, numeric=_wgrad_numeric, seed=501,
    mistakes=(
        Mistake("flipped", "the result is flipped (rotated by 180 degrees)",
                "the forward pass does not flip the kernel (it is a cross-correlation, eq. (5.1)), so the "
                "weight gradient is not flipped either: dW[u, v] pairs Delta[i, j] with X[i + u, j + v] (eq. (5.3)).",
                lambda X, D: conv_weight_gradient(X, D)[::-1, ::-1]),
        Mistake("first_sample_only", "only the first sample's gradient: no sum over the batch",
                "the kernel is shared by every sample: add up the samples' contributions (sum over mu).",
                lambda X, D: conv_weight_gradient(X[:1], D[:1])),
        Mistake("averaged", "the mean over the batch instead of the sum",
                "Delta already holds the loss's 1/N if the loss takes the mean: the kernel's gradient is a "
                "plain sum over the samples.", lambda X, D: conv_weight_gradient(X, D) / X.shape[0]),
    ),
))

# --------------------------------------------------------------------------------------------
# conv_input_gradient
# --------------------------------------------------------------------------------------------


def conv_input_gradient(Delta, W, s, X_shape):
    """dX for Z = X * W with stride s: dX[i*s + u, j*s + v] += Delta[i, j] W[u, v] (eq. (5.7)).

    The same as the full convolution of the dilated error signal dil_s(Delta) with the flipped
    kernel rot180(W) (eq. (5.5)), padded to the input's size. Delta = dE/dZ: (O_H, O_W), one image,
    one channel; W: (K_H, K_W); s: the stride (int); X_shape: (X_H, X_W). Returns dX: X_shape.
    """
    dX = np.zeros(tuple(X_shape))
    KH, KW = W.shape
    OH, OW = Delta.shape
    for u in range(KH):
        for v in range(KW):
            dX[u:u + s * (OH - 1) + 1:s, v:v + s * (OW - 1) + 1:s] += Delta * W[u, v]
    return dX


def _igrad_cases(rng):
    def case(XH, XW, KH, KW, s):
        OH, OW = (XH - KH) // s + 1, (XW - KW) // s + 1
        return rng.standard_normal((OH, OW)), rng.standard_normal((KH, KW)), s, (XH, XW)

    cases = [Case(label, case(*dims)) for label, dims in
             [("stride 1, 5x5 input, 3x3 kernel", (5, 5, 3, 3, 1)), ("stride 2, 7x7 input, 3x3 kernel", (7, 7, 3, 3, 2)),
              ("stride 2, 8x6 input, 2x2 kernel", (8, 6, 2, 2, 2)),
              ("stride 3, 10x7 input, 3x2 kernel", (10, 7, 3, 2, 3))]]
    cases.append(Case("float32, stride 2, 7x7 input, 3x3 kernel", f32(*case(7, 7, 3, 3, 2))))
    D, W, s, shape = case(5, 5, 2, 2, 1)
    cases.append(Case("integers, stride 1, 5x5 input, 2x2 kernel",
                      (rng.integers(-3, 4, D.shape), rng.integers(-2, 3, W.shape), s, shape)))
    return cases


def _igrad_numeric(Delta, W, s, X_shape):
    return (grad(lambda X: np.sum(Delta * _correlate(X, W, s)), np.zeros(X_shape)),)


def _igrad_no_dilation(Delta, W, s, X_shape):
    return conv_input_gradient(Delta, W, 1, X_shape)


register(Exercise(
    name="conv_input_gradient", chapter=5, title="A convolution's input gradient, with a stride",
    outputs=("dX",), reference=conv_input_gradient, cases=_igrad_cases, numeric=_igrad_numeric, seed=502,
    mistakes=(
        Mistake("not_dilated", "the stride is ignored: Delta[i, j] W[u, v] goes to X[i + u, j + v], not X[i*s + u, j*s + v]",
                "with stride s, output (i, j) read the input at (i*s + u, j*s + v): send the gradient back "
                "there; in the full-convolution form, dilate Delta by s first (eq. (5.7)).", _igrad_no_dilation),
        Mistake("kernel_flip_wrong", "the kernel is flipped where it must not be (or not flipped where it must)",
                "scattering Delta[i, j] W[u, v] to X[i*s + u, j*s + v] uses W as it is; the full convolution "
                "with rot180(W) is the same thing written as a sliding sum (eq. (5.5)). Use one form, not a mix.",
                lambda D, W, s, shape: conv_input_gradient(D, W[::-1, ::-1], s, shape)),
    ),
))

# --------------------------------------------------------------------------------------------
# maxpool_backward
# --------------------------------------------------------------------------------------------


def _windows(X, k):
    """X (H, W), H and W multiples of k -> (H/k, W/k, k*k): the entries of each window, row-major."""
    H, W = X.shape
    return X.reshape(H // k, k, W // k, k).transpose(0, 2, 1, 3).reshape(H // k, W // k, k * k)


def _unwindows(Wd, k):
    OH, OW = Wd.shape[:2]
    return Wd.reshape(OH, OW, k, k).transpose(0, 2, 1, 3).reshape(OH * k, OW * k)


def maxpool_backward(X, dOut, k):
    """dX for max pooling with window k and stride k: each window's dOut[i, j] goes to the FIRST
    entry (row-major) of the window that attains the maximum; every other entry gets 0 (eq. (5.12)).

    X: (H, W) with H and W multiples of k; dOut: (H/k, W/k); k: int. Returns dX: (H, W).
    """
    win = _windows(X, k)
    first = np.argmax(win, axis=2)  # argmax returns the first maximum
    out = np.zeros(win.shape)
    np.put_along_axis(out, first[..., None], dOut[..., None], axis=2)
    return _unwindows(out, k)


def _pool_cases(rng):
    cases = []
    for label, (H, W, k) in [("4x4 input, 2x2 windows", (4, 4, 2)), ("6x9 input, 3x3 windows", (6, 9, 3)),
                             ("2x2 input, one window", (2, 2, 2))]:
        cases.append(Case(label, (rng.standard_normal((H, W)), rng.standard_normal((H // k, W // k)), k), smooth=True))
    cases.append(Case("float32, 4x6 input, 2x2 windows",
                      f32(rng.standard_normal((4, 6)), rng.standard_normal((2, 3)), 2), smooth=True))
    cases.append(Case("integers with ties, 6x6 input, 2x2 windows",
                      (rng.integers(0, 3, (6, 6)), rng.integers(1, 5, (3, 3)), 2), smooth=False))
    cases.append(Case("integers with ties, 6x6 input, 3x3 windows",
                      (rng.integers(0, 2, (6, 6)), rng.integers(1, 5, (2, 2)), 3), smooth=False))
    return cases


def _pool_numeric(X, dOut, k):
    return (grad(lambda Y: np.sum(dOut * _windows(Y, k).max(axis=2)), X),)


def _pool_variant(rule):
    def fn(X, dOut, k):
        win = _windows(X, k)
        m = win.max(axis=2, keepdims=True)
        if rule == "every":
            mask = np.ones(win.shape)
        elif rule == "average":
            mask = np.full(win.shape, 1.0 / (k * k))
        elif rule == "all_ties":
            mask = (win == m).astype(float)
        else:  # last of the ties
            last = k * k - 1 - np.argmax((win == m)[..., ::-1], axis=2)
            mask = np.zeros(win.shape)
            np.put_along_axis(mask, last[..., None], 1.0, axis=2)
        return _unwindows(mask * dOut[..., None], k)

    return fn


register(Exercise(
    name="maxpool_backward", chapter=5, title="Max pooling's backward step",
    outputs=("dX",), reference=maxpool_backward, cases=_pool_cases, numeric=_pool_numeric, seed=503,
    mistakes=(
        Mistake("every_entry", "dOut is sent to every entry of its window",
                "only the maximum took part in the forward pass: dOut[i, j] goes to the one position "
                "omega_ij of the window's maximum, and 0 to the rest (eq. (5.12)).", _pool_variant("every")),
        Mistake("average", "dOut / k^2 is sent to every entry: average pooling's gradient",
                "that is the backward step of average pooling; max pooling routes all of dOut[i, j] to the "
                "maximum (eq. (5.12)).", _pool_variant("average")),
        Mistake("all_ties", "on a tie, every maximal entry receives dOut",
                "the maximum is one value taken once: give dOut[i, j] to one position, the first maximum in "
                "row-major order (np.argmax returns it), as bpkit and most libraries do.",
                _pool_variant("all_ties")),
        Mistake("last_tie", "on a tie, the last maximal entry receives dOut",
                "by the book's convention the first maximum in row-major order receives it (np.argmax), "
                "as in bpkit.maxpool2d_backward.", _pool_variant("last")),
    ),
))
