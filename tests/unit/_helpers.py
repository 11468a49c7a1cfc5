"""Shared test helpers: an independent central difference and hypothesis settings."""

import os

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Moderate by default so the suite stays fast; BPKIT_EXAMPLES=500 for a long stress run.
FAST = settings(max_examples=int(os.environ.get("BPKIT_EXAMPLES", "100")), deadline=None)
ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu", "square"]
SMOOTH = ["identity", "sigmoid", "tanh", "square", "softmax"]


def central_diff(f, x, h=1e-6):
    """Hand-written central difference, independent of bpkit.numdiff: d f / d x, shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=np.float64)
    f0 = np.asarray(f(x.copy()), dtype=np.float64)
    out = np.zeros(f0.shape + x.shape)
    for idx in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[idx] = h
        out[(Ellipsis,) + idx] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * h)
    return out


def max_rel(a, b, floor=1e-8):
    """Worst-entry relative error with a floor, written out here (not bpkit.relative_error)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor), initial=0.0))


def away_from_kinks(z, margin=1e-3):
    """Move entries off ReLU's kink at 0 so finite differences stay on one side."""
    return np.where(np.abs(z) < margin, margin, z)


floats = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


def column_arrays(min_rows=1, max_rows=5, max_cols=4, elements=floats):
    """Strategy: arrays of shape (n,), (n, 1) or (n, N)."""
    shapes = st.one_of(
        hnp.array_shapes(min_dims=1, max_dims=1, min_side=min_rows, max_side=max_rows),
        st.tuples(st.integers(min_rows, max_rows), st.integers(1, max_cols)),
    )
    return shapes.flatmap(lambda s: hnp.arrays(np.float64, s, elements=elements))
