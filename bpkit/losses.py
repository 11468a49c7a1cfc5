"""Loss functions E = g(y, t) and their gradients dE/dy (seed 004, sec. 3.2).

y is the network output a^L and t the target, with exactly the same shape: one sample (n,) or a
column-layout batch (n, N) (samples are columns). Sums run over every entry, i.e. over the n outputs
and the N samples. reduction='sum' (default, the sources' form) or 'mean' (divide by N, the number
of samples: 1 for a 1-D sample, the number of columns otherwise).

The fused functions sigmoid_bce and softmax_cce take logits z (before the output activation) and
return (E, dE/dz) using the simplifications x - t of eqs. 3.7 and 3.9; they are stable for |z| up to
1e4 and beyond (no overflow, NaN or RuntimeWarning).

Integers are converted to float64 exactly; NaN/inf raise ValueError; shape mismatches raise
ValueError naming both shapes.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_column_data, check_same_shape, first_entry, n_samples
from .activations import sigmoid as _sigmoid
from .activations import softmax as _softmax

__all__ = [
    "Loss",
    "SquaredError",
    "MeanSquaredError",
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "sigmoid_bce",
    "softmax_cce",
    "get_loss",
]

_REDUCTIONS = ("sum", "mean")


def _check_reduction(reduction, where: str) -> str:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'sum' or 'mean' but is {reduction!r}")
    return reduction


def _pair(y, t, where: str, names=("y", "t")):
    """y and t as float arrays of one identical shape (n,) or (n, N)."""
    y = as_float_array(y, names[0], where)
    t = as_float_array(t, names[1], where)
    check_column_data(y, names[0], where)
    check_same_shape(y, t, names, where)
    return y, t


def _scale(y: np.ndarray, reduction: str) -> int:
    """The divisor of the reduction: 1 for 'sum', N samples for 'mean'."""
    return 1 if reduction == "sum" else n_samples(y)


def _require_in_unit_interval(t: np.ndarray, where: str, name: str = "t") -> None:
    outside = (t < 0) | (t > 1)
    if np.any(outside):
        raise ValueError(f"{where}: {name} must lie in [0, 1] but {first_entry(t, outside, name)}")


class Loss:
    """Base class: value(y, t) -> float E, gradient(y, t) -> dE/dy with the shape of y.

    Subclasses define _sum(y, t) (the 'sum' form of E) and _grad(y, t) (its gradient).
    """

    name = "loss"

    def __init__(self, reduction: str = "sum"):
        self.reduction = _check_reduction(reduction, self.name)

    def _inputs(self, y, t):
        return _pair(y, t, self.name)

    def value(self, y, t) -> float:
        """E = g(y, t) as a Python float (divided by N samples if reduction='mean')."""
        y, t = self._inputs(y, t)
        return float(self._sum(y, t)) / _scale(y, self.reduction)

    def __call__(self, y, t) -> float:
        return self.value(y, t)

    def gradient(self, y, t) -> np.ndarray:
        """dE/dy, the shape of y (divided by N samples if reduction='mean')."""
        y, t = self._inputs(y, t)
        return self._grad(y, t) / _scale(y, self.reduction)

    def _sum(self, y, t):
        raise NotImplementedError

    def _grad(self, y, t):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class SquaredError(Loss):
    """E = 1/2 sum (y - t)^2 over every entry (seed 004, sec. 3.2.1; seeds 000, 001, 003); dE/dy = y - t."""

    name = "squared_error"

    def _sum(self, y, t):
        return 0.5 * np.sum((y - t) ** 2)

    def _grad(self, y, t):
        return y - t


class MeanSquaredError(Loss):
    """E = (1/N) sum_samples ||y_n - t_n||^2 (N = number of columns, 1 for a 1-D sample); dE/dy = (2/N)(y - t).

    The mean form by definition (seed 002, problem 3 uses it with N = 3), so there is no reduction argument.
    """

    name = "mean_squared_error"

    def __init__(self):
        super().__init__("mean")  # E = (1/N) * sum of squares: the base class divides by N

    def _sum(self, y, t):
        return np.sum((y - t) ** 2)

    def _grad(self, y, t):
        return 2 * (y - t)

    def __repr__(self) -> str:
        return "MeanSquaredError()"


class BinaryCrossEntropy(Loss):
    """E = -sum (t log y + (1 - t) log(1 - y)) (seed 004, sec. 3.2.2); dE/dy = (y - t) / (y (1 - y)) (eq. 3.6).

    y must lie strictly in (0, 1) and t in [0, 1]; y exactly 0 or 1 raises ValueError (log 0 is -inf):
    use sigmoid_bce(z, t) on the logits instead.
    """

    name = "binary_cross_entropy"

    def _inputs(self, y, t):
        y, t = _pair(y, t, self.name)
        outside = (y <= 0) | (y >= 1)
        if np.any(outside):
            raise ValueError(
                f"{self.name}: y must lie strictly between 0 and 1 but {first_entry(y, outside, 'y')} "
                f"({int(outside.sum())} such entries); log(0) is -inf. A sigmoid output rounds to exactly "
                "0 or 1 for large |z|: use the logits form sigmoid_bce(z, t) (eq. 3.7), which never takes log(0)"
            )
        _require_in_unit_interval(t, self.name)
        return y, t

    def _sum(self, y, t):
        return -np.sum(t * np.log(y) + (1 - t) * np.log(1 - y))

    def _grad(self, y, t):
        return (y - t) / (y * (1 - y))


class CategoricalCrossEntropy(Loss):
    """E = -sum t log y (seed 004, sec. 3.2.3); dE/dy = -t / y (eq. 3.8).

    y must be > 0 (log 0 is -inf; use softmax_cce(z, t) on the logits instead). t is usually a
    probability vector per column (t >= 0, column sums 1); the formulas here hold for any t.
    """

    name = "categorical_cross_entropy"

    def _inputs(self, y, t):
        y, t = _pair(y, t, self.name)
        if np.any(y <= 0):
            raise ValueError(
                f"{self.name}: y must be > 0 but {first_entry(y, y <= 0, 'y')}; log(0) is -inf. A softmax output "
                "underflows to 0 for very negative logits: use softmax_cce(z, t) (eq. 3.9) instead"
            )
        return y, t

    def _sum(self, y, t):
        return -np.sum(t * np.log(y))

    def _grad(self, y, t):
        return -t / y


def sigmoid_bce(z, t, reduction: str = "sum") -> tuple[float, np.ndarray]:
    """Binary cross entropy of sigmoid(z), from the logits z: returns (E, dE/dz).

    E = sum (log(1 + e^z) - t z), equal to -sum(t log s + (1 - t) log(1 - s)) with s = sigmoid(z),
    computed as max(z, 0) - t z + log1p(e^{-|z|}) so it never overflows; dE/dz = s - t (seed 004, eq. 3.7).
    Shapes: z and t identical, (n,) or (n, N); t in [0, 1]. reduction 'mean' divides both by N.
    """
    where = "sigmoid_bce"
    reduction = _check_reduction(reduction, where)
    z, t = _pair(z, t, where, ("z", "t"))
    _require_in_unit_interval(t, where)
    N = _scale(z, reduction)
    # log(1 + e^z) - t z = max(z, 0) - t z + log1p(e^{-|z|}): the same as np.logaddexp(0, z) - t z, but a
    # tiny loss (t = 1, z = 40 gives 4.2e-18) keeps its relative accuracy instead of cancelling to 0.
    E = float(np.sum(np.maximum(z, 0) - t * z + np.log1p(np.exp(-np.abs(z))))) / N
    return E, (_sigmoid.value(z) - t) / N


def _log_sum_exp_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log sum_k e^{z_k} over axis 0 as two parts (m, r), one value per column: the sum is m + r.

    m = max(z) (at row k*) and r = log1p(sum_{k != k*} e^{z_k - m}) >= 0: the largest term is exactly 1
    and is kept out of the log1p, so nothing overflows and a column whose other terms are tiny
    (z = (40, 0, 0): r = 8.5e-18) keeps them. Callers form (m - z_k) + r, never m + r - z_k, which
    would round the tiny r away.
    """
    top = np.expand_dims(np.argmax(z, axis=0), 0)
    z_max = np.take_along_axis(z, top, axis=0)
    e = np.exp(z - z_max)
    np.put_along_axis(e, top, 0.0, axis=0)
    return z_max, np.log1p(np.sum(e, axis=0, keepdims=True))


def softmax_cce(z, t, reduction: str = "sum") -> tuple[float, np.ndarray]:
    """Categorical cross entropy of softmax(z) over axis 0, from the logits z: returns (E, dE/dz).

    E = sum_columns sum_k t_k (logsumexp(z) - z_k) = -sum t log softmax(z), with the log-sum-exp taken
    as max(z) + log sum exp(z - max(z)) (in its log1p form, see _log_sum_exp_parts) so nothing overflows;
    dE/dz = softmax(z) - t (seed 004, eq. 3.9).
    Eq. 3.9 needs every column of t to be a probability vector (t >= 0, column sum 1); otherwise the
    true gradient is softmax(z) sum(t) - t, so such t raises ValueError.
    Shapes: z and t identical, (n,) or (n, N). reduction 'mean' divides both by N.
    """
    where = "softmax_cce"
    reduction = _check_reduction(reduction, where)
    z, t = _pair(z, t, where, ("z", "t"))
    column_sums = np.sum(t, axis=0)
    if np.any(t < 0) or not np.allclose(column_sums, 1, rtol=0, atol=1e-6):
        raise ValueError(
            f"{where}: every column of t must be a probability vector (t >= 0, sum 1), because "
            f"dE/dz = softmax(z) - t (eq. 3.9) assumes sum(t) = 1; column sums are {np.round(column_sums, 6)}, "
            f"min(t) = {float(t.min())}"
        )
    N = _scale(z, reduction)
    z_max, r = _log_sum_exp_parts(z)  # log sum_k e^{z_k} = z_max + r per column
    E = float(np.sum(t * ((z_max - z) + r))) / N
    return E, (_softmax.value(z) - t) / N


_LOSSES = {
    "squared_error": SquaredError,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "binary_cross_entropy": BinaryCrossEntropy,
    "bce": BinaryCrossEntropy,
    "categorical_cross_entropy": CategoricalCrossEntropy,
    "cce": CategoricalCrossEntropy,
}


def get_loss(name_or_obj) -> Loss:
    """A Loss for a name ('squared_error', 'mean_squared_error' (alias 'mse'), 'binary_cross_entropy' ('bce'),
    'categorical_cross_entropy' ('cce')), with the default reduction 'sum', or a Loss instance (returned as
    is). Unknown names raise ValueError listing the known ones."""
    if isinstance(name_or_obj, Loss):
        return name_or_obj
    if isinstance(name_or_obj, str) and name_or_obj.lower() in _LOSSES:
        return _LOSSES[name_or_obj.lower()]()
    raise ValueError(
        f"unknown loss {name_or_obj!r}; known losses: {', '.join(sorted(_LOSSES))} (or pass a Loss instance)"
    )
