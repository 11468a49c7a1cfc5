"""Loss functions E = g(y, t) and their gradients dE/dy (section 3.8).

y is the network output a^L and t the target, with exactly the same shape: one sample (n,) or a
column-layout batch (n, N) (samples are columns). Sums run over every entry, i.e. over the n outputs
and the N samples. reduction='sum' (default, the sources' form) or 'mean' (divide by N, the number
of samples: 1 for a 1-D sample, the number of columns otherwise).

The fused functions sigmoid_bce and softmax_cce take logits z (before the output activation) and
return (E, dE/dz) using the simplifications a - t of eq. (3.13) and eq. (3.14); they are stable for every
finite z up to the largest float (no overflow, NaN or RuntimeWarning).

Integers are converted to float64 exactly; NaN/inf raise ValueError; shape mismatches raise
ValueError naming both shapes; an empty batch (N = 0, or n = 0) raises ValueError (a mean over no
samples is undefined). A loss or gradient whose exact value does not fit in the float type (the
squared error of y = 1e200, say, or -t/y for y = 5e-324) raises ValueError naming y and t.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import (
    as_float_array,
    check_choice,
    check_column_data,
    check_finite_result,
    check_same_shape,
    first_entry,
    n_samples,
    quiet,
)
from .activations import _check_classes
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
    return check_choice(reduction, "reduction", where, _REDUCTIONS)


def _pair(y, t, where: str, names=("y", "t")):
    """y and t as float arrays of one identical shape (n,) or (n, N)."""
    y = as_float_array(y, names[0], where)
    t = as_float_array(t, names[1], where)
    check_column_data(y, names[0], where)
    check_same_shape(y, t, names, where)
    return y, t


def _scale(y: np.ndarray, reduction: str) -> int:
    """The divisor of the reduction: 1 for 'sum', N samples for 'mean' (N >= 1: empty data is refused)."""
    return 1 if reduction == "sum" else n_samples(y)


def _reduce(terms: np.ndarray, N: int, where: str, names: str = "y and t") -> float:
    """E = sum(terms) / N as a float, computed as float(sum) / N exactly as before for ordinary input.

    If the sum overflows although every term is finite (terms near the largest float), it is taken
    again as sum(terms / 2^k) * (2^k / N) with 2^k >= the number of terms (an exact scaling), so a
    mean or a sum that fits is still returned; if E itself does not fit, ValueError naming the arguments.
    Call it inside quiet() (the sum may overflow).
    """
    total = np.sum(terms)
    if np.isfinite(total):
        E = float(total) / N  # N may be a quarter (see value): then this can overflow
        if math.isfinite(E):
            return E
    elif np.isfinite(terms).all():
        k = 2.0 ** math.ceil(math.log2(max(terms.size, 2)))
        E = float(np.sum(terms / k)) * (k / N)  # Python floats: inf, not an error, if too large
        if math.isfinite(E):
            return E
    raise ValueError(
        f"{where}: the loss E overflows float64 (whose largest finite value is "
        f"{float(np.finfo(np.float64).max):.4g}); {names} hold values too large in magnitude for a finite loss"
    )


def _require_in_unit_interval(t: np.ndarray, where: str, name: str = "t") -> None:
    outside = (t < 0) | (t > 1)
    if np.any(outside):
        raise ValueError(f"{where}: {name} must lie in [0, 1] but {first_entry(t, outside, name)}")


class Loss:
    """Base class: value(y, t) -> float E, gradient(y, t) -> dE/dy with the shape of y.

    Subclasses define _terms(y, t) (the entries whose sum is the 'sum' form of E) and _grad(y, t)
    (its gradient). reduction: 'sum' or 'mean' (ValueError naming the allowed values otherwise).
    """

    name = "loss"

    def __init__(self, reduction: str = "sum"):
        self.reduction = _check_reduction(reduction, self.name)

    def _inputs(self, y, t):
        return _pair(y, t, self.name)

    def value(self, y, t) -> float:
        """E = g(y, t) as a Python float (divided by N samples if reduction='mean')."""
        y, t = self._inputs(y, t)
        N = _scale(y, self.reduction)
        with quiet():
            terms = self._terms(y, t)
            if not np.isfinite(terms).all():  # a term beyond the float range: try a quarter of each
                quarter = self._quarter_terms(y, t)
                if quarter is not None:
                    return _reduce(quarter, N / 4, self.name)  # sum(terms) / N = sum(terms / 4) / (N / 4)
            return _reduce(terms, N, self.name)

    def __call__(self, y, t) -> float:
        return self.value(y, t)

    def gradient(self, y, t) -> np.ndarray:
        """dE/dy, the shape of y (divided by N samples if reduction='mean')."""
        y, t = self._inputs(y, t)
        N = _scale(y, self.reduction)
        with quiet():
            grad = self._grad(y, t) / N
            if not np.isfinite(grad).all():
                # y or t near the largest float: 2 (y - t) or -t / y may overflow where the gradient
                # (divided by N) does not; _quarter_grad is the same gradient divided by 4 (exactly)
                quarter = self._quarter_grad(y, t)
                if quarter is not None:
                    grad = quarter / N * 4
        return check_finite_result(grad, self.name, "the gradient dE/dy", "y and t")

    def _terms(self, y, t):
        """The entries whose sum is the 'sum' form of E."""
        raise NotImplementedError

    def _quarter_grad(self, y, t):
        """_grad(y, t) / 4 computed without overflowing where the gradient itself fits (or None)."""
        return None

    def _quarter_terms(self, y, t):
        """_terms(y, t) / 4 computed without overflowing where the terms themselves fit (or None)."""
        return None

    def _grad(self, y, t):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class SquaredError(Loss):
    """E = 1/2 sum (y - t)^2 over every entry (eq. (3.10); notes A, B, D); dE/dy = y - t."""

    name = "squared_error"

    def _terms(self, y, t):
        return 0.5 * (y - t) ** 2  # summed: the same number as 0.5 * sum((y - t)^2), scaling by 1/2 is exact

    def _grad(self, y, t):
        return y - t

    def _quarter_grad(self, y, t):
        return self._grad(y / 4, t / 4)  # linear in (y, t); quartering is exact

    def _quarter_terms(self, y, t):
        return self._terms(y / 2, t / 2)  # quadratic in (y, t); halving is exact


class MeanSquaredError(Loss):
    """E = (1/N) sum_samples ||y_n - t_n||^2 (N = number of columns, 1 for a 1-D sample); dE/dy = (2/N)(y - t).

    The mean form by definition (note C, problem 3 uses it with N = 3): reduction can only be 'mean'
    (the sum form of the squared error is SquaredError('sum'), with the factor 1/2).
    """

    name = "mean_squared_error"

    def __init__(self, reduction: str = "mean"):
        # E = (1/N) * sum of squares: the base class divides by N
        super().__init__(check_choice(reduction, "reduction", "MeanSquaredError", ("mean",),
                                      "the mean form by definition; the sum form is SquaredError('sum')"))

    def _terms(self, y, t):
        return (y - t) ** 2

    def _grad(self, y, t):
        return 2 * (y - t)

    def _quarter_grad(self, y, t):
        return self._grad(y / 4, t / 4)  # linear in (y, t); quartering is exact

    def _quarter_terms(self, y, t):
        return self._terms(y / 2, t / 2)  # quadratic in (y, t); halving is exact

    def __repr__(self) -> str:
        return "MeanSquaredError()"


class BinaryCrossEntropy(Loss):
    """E = -sum (t log y + (1 - t) log(1 - y)); dE/dy = (y - t) / (y (1 - y))
    (eq. (3.11)).

    y must lie strictly in (0, 1) and t in [0, 1]; y exactly 0 or 1 raises ValueError (log 0 is -inf):
    use sigmoid_bce(z, t) on the logits instead. log(1 - y) is computed as log1p(-y), which keeps its
    relative accuracy for tiny y (1 - 1e-16 rounds, so log(1 - y) would be 11 % off there, and 0 for
    y = 1e-300). A gradient entry too large for a float (y = 5e-324 with t = 1) raises ValueError.
    """

    name = "binary_cross_entropy"

    def _inputs(self, y, t):
        y, t = _pair(y, t, self.name)
        outside = (y <= 0) | (y >= 1)
        if np.any(outside):
            raise ValueError(
                f"{self.name}: y must lie strictly between 0 and 1 but {first_entry(y, outside, 'y')} "
                f"({int(outside.sum())} such entries); log(0) is -inf. A sigmoid output rounds to exactly "
                "0 or 1 for large |z|: use the logits form sigmoid_bce(z, t) (eq. (3.13)), which never takes log(0)"
            )
        _require_in_unit_interval(t, self.name)
        return y, t

    def _terms(self, y, t):
        return -(t * np.log(y) + (1 - t) * np.log1p(-y))

    def _grad(self, y, t):
        return (y - t) / (y * (1 - y))


class CategoricalCrossEntropy(Loss):
    """E = -sum t log y; dE/dy = -t / y (eq. (3.12)).

    y must be > 0 (log 0 is -inf; use softmax_cce(z, t) on the logits instead). t is usually a
    probability vector per column (t >= 0, column sums 1); the formulas here hold for any t.
    """

    name = "categorical_cross_entropy"

    def _inputs(self, y, t):
        y, t = _pair(y, t, self.name)
        if np.any(y <= 0):
            raise ValueError(
                f"{self.name}: y must be > 0 but {first_entry(y, y <= 0, 'y')}; log(0) is -inf. A softmax output "
                "underflows to 0 for very negative logits: use softmax_cce(z, t) (eq. (3.14)) instead"
            )
        return y, t

    def _terms(self, y, t):
        return -(t * np.log(y))

    def _grad(self, y, t):
        return -t / y

    def _quarter_grad(self, y, t):
        return self._grad(y, t / 4)  # linear in t; quartering is exact

    def _quarter_terms(self, y, t):
        return self._terms(y, t / 4)  # linear in t; quartering is exact


def sigmoid_bce(z, t, reduction: str = "sum", value: bool = True) -> tuple[float, np.ndarray]:
    """Binary cross entropy of sigmoid(z), from the logits z: returns (E, dE/dz).

    E = sum (log(1 + e^z) - t z), equal to -sum(t log s + (1 - t) log(1 - s)) with s = sigmoid(z),
    computed as max(z, 0) - t z + log1p(e^{-|z|}) so it never overflows; dE/dz = s - t
    (eq. (3.13), eq. (3.15)).
    Shapes: z and t identical, (n,) or (n, N); t in [0, 1]. reduction 'mean' divides both by N.
    value=False skips E (returned as None): a training step needs the gradient alone.
    """
    where = "sigmoid_bce"
    reduction = _check_reduction(reduction, where)
    z, t = _pair(z, t, where, ("z", "t"))
    _require_in_unit_interval(t, where)
    N = _scale(z, reduction)
    if not value:
        return None, (_sigmoid.value(z) - t) / N
    # log(1 + e^z) - t z = max(z, 0) - t z + log1p(e^{-|z|}): the same as np.logaddexp(0, z) - t z, but a
    # tiny loss (t = 1, z = 40 gives 4.2e-18) keeps its relative accuracy instead of cancelling to 0.
    # For |z| near the largest float max(z, 0) - t z is still finite (0 <= t <= 1); only a sum of
    # several such terms can overflow, and then _reduce rescales it (or says that E does not fit).
    with quiet():
        terms = np.maximum(z, 0) - t * z + np.log1p(np.exp(-np.abs(z)))
        E = _reduce(terms, N, where, "z and t")
    return E, (_sigmoid.value(z) - t) / N


def _log_sum_exp_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log sum_k e^{z_k} over axis 0 as two parts (m, r), one value per column: the sum is m + r;
    and softmax(z), from the same exponentials.

    m = max(z) (at row k*) and r = log1p(sum_{k != k*} e^{z_k - m}) >= 0: the largest term is exactly 1
    and is kept out of the log1p, so nothing overflows and a column whose other terms are tiny
    (z = (40, 0, 0): r = 8.5e-18) keeps them. Callers form (m - z_k) + r, never m + r - z_k, which
    would round the tiny r away. softmax(z) = e^{z - m} / (1 + sum_{k != k*} e^{z_k - m}).
    m and r have shape (1,) + z.shape[1:], softmax the shape of z.
    """
    z2 = z.reshape(z.shape[0], -1)
    top, cols = np.argmax(z2, axis=0), np.arange(z2.shape[1])
    z_max = z2[top, cols]
    with quiet():  # z - z_max below the float range is -inf, and e^-inf = 0 is the right term
        e = np.exp(z2 - z_max)
    e[top, cols] = 0.0
    rest = np.sum(e, axis=0)
    denominator = 1.0 + rest
    e /= denominator
    e[top, cols] = 1.0 / denominator
    keep = (1,) + z.shape[1:]
    return z_max.reshape(keep), np.log1p(rest).reshape(keep), e.reshape(z.shape)


def softmax_cce(z, t, reduction: str = "sum", value: bool = True) -> tuple[float, np.ndarray]:
    """Categorical cross entropy of softmax(z) over axis 0, from the logits z: returns (E, dE/dz).

    E = sum_columns sum_k t_k (logsumexp(z) - z_k) = -sum t log softmax(z), with the log-sum-exp taken
    as max(z) + log sum exp(z - max(z)) (in its log1p form, see _log_sum_exp_parts) so nothing overflows;
    dE/dz = softmax(z) - t (eq. (3.14), eq. (3.16)).
    The fused gradient needs every column of t to be a probability vector (t >= 0, column sum 1); otherwise the
    true gradient is softmax(z) sum(t) - t, so such t raises ValueError.
    Shapes: z and t identical, (n,) or (n, N). reduction 'mean' divides both by N.
    value=False skips E (returned as None): a training step needs the gradient alone.
    """
    where = "softmax_cce"
    reduction = _check_reduction(reduction, where)
    z, t = _pair(z, t, where, ("z", "t"))
    _check_classes(z, "z", where, 0)
    with quiet():  # huge t (refused just below) must not warn while its column sums are formed
        column_sums = t.sum(axis=0)
        if t.min() < 0 or not np.abs(column_sums - 1).max() <= 1e-6:
            raise ValueError(
                f"{where}: every column of t must be a probability vector (t >= 0, sum 1), because "
                f"dE/dz = softmax(z) - t (eq. (3.14)) assumes sum(t) = 1; column sums are {np.round(column_sums, 6)}, "
                f"min(t) = {float(t.min())}"
            )
    N = _scale(z, reduction)
    if not value:  # the gradient alone: softmax's own e^{z - max} / sum, fewer passes than the parts below
        return None, (_softmax._value(z) - t) / N
    z_max, r, a = _log_sum_exp_parts(z)  # log sum_k e^{z_k} = z_max + r per column; a = softmax(z)
    with quiet():
        terms = t * ((z_max - z) + r)
        if np.isfinite(terms).all():
            E = _reduce(terms, N, where, "z and t")
        else:
            # z_max - z exceeds the float range only for logits near +-max. There a quarter of each
            # term is recomputed as (t/4) z_max - (t/4) z + (t/4) r: each product is finite (t <= 1),
            # an entry with t = 0 adds exactly 0 (not 0 * inf = NaN), and E = sum / (N / 4) is
            # returned whenever it fits in a float.
            q = t / 4
            quarter = np.where(np.isfinite(terms), terms / 4, (q * z_max - q * z) + q * r)
            E = _reduce(quarter, N / 4, where, "z and t")
    return E, (a - t) / N


_LOSSES = {
    "squared_error": SquaredError,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "binary_cross_entropy": BinaryCrossEntropy,
    "bce": BinaryCrossEntropy,
    "categorical_cross_entropy": CategoricalCrossEntropy,
    "cce": CategoricalCrossEntropy,
}


def fused_output(activation, loss):
    """sigmoid_bce or softmax_cce when the output activation and the loss simplify to a^L - t
    (eq. (3.13), eq. (3.14)), else None. Used by Network and Sequential for their output layer."""
    from .activations import Sigmoid, Softmax  # activations does not import losses: no cycle

    if isinstance(activation, Sigmoid) and isinstance(loss, BinaryCrossEntropy):
        return sigmoid_bce
    if isinstance(activation, Softmax) and isinstance(loss, CategoricalCrossEntropy):
        return softmax_cce
    return None


def output_loss(loss, fused, a, z, t, where: str, output: str, value: bool = True):
    """(E, dE/da or None, dE/dz or None) at a model's output a = f(z) for the target t (shaped like a):
    from the fused form (E, a - t) if `fused` is sigmoid_bce or softmax_cce, else from the loss.
    value=False: E is None (not computed), for a backward pass that needs the gradient alone."""
    t = as_float_array(t, "t", where)
    check_same_shape(t, a, ("t", output), where)
    if fused is not None:
        E, delta = fused(z, t, loss.reduction, value)
        return E, None, delta
    return (loss.value(a, t) if value else None), loss.gradient(a, t), None


def get_loss(name_or_obj, where: str | None = None) -> Loss:
    """A Loss for a name ('squared_error', 'mean_squared_error' (alias 'mse'), 'binary_cross_entropy' ('bce'),
    'categorical_cross_entropy' ('cce')), with the default reduction 'sum', or a Loss instance (returned as
    is). Unknown names (and anything else) raise ValueError listing the known ones; `where` (a function or
    class) prefixes the message."""
    if isinstance(name_or_obj, Loss):
        return name_or_obj
    if isinstance(name_or_obj, str) and name_or_obj.lower() in _LOSSES:
        return _LOSSES[name_or_obj.lower()]()
    shown = repr(name_or_obj) if len(repr(name_or_obj)) <= 80 else repr(name_or_obj)[:77] + "..."
    prefix = f"{where}: " if where else ""
    raise ValueError(
        f"{prefix}unknown loss {shown}; known losses: {', '.join(sorted(_LOSSES))} (or pass a Loss instance)"
    )
