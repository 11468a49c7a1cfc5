"""Small helpers the chapter files share: float32 copies of a case, a stable sigmoid and softmax for
the references; central differences are bpkit.numdiff's (float64, step 1e-6)."""

from __future__ import annotations

import numpy as np

from ..numdiff import numerical_gradient as grad  # noqa: F401  - for the chapter files
from ..numdiff import numerical_jacobian as jacobian  # noqa: F401


def f32(*args):
    """The arguments with every float64 array converted to float32 (lists of arrays too)."""
    def conv(a):
        if isinstance(a, np.ndarray) and a.dtype == np.float64:
            return a.astype(np.float32)
        if isinstance(a, list):
            return [conv(b) for b in a]
        return a

    return tuple(conv(a) for a in args)


def sigmoid(z):
    """1 / (1 + e^{-z}) without overflow: e^{-|z|} <= 1."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def log_softmax(z, axis=0):
    """log softmax(z) along axis: z - max - log sum e^{z - max}, finite for every finite z."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z, axis=0):
    """e^{z_i} / sum_j e^{z_j} along axis, with the largest logit subtracted first."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
