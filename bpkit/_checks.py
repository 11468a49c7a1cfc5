"""Shared input validation (private).

Every public entry point of bpkit passes its arrays through these helpers, so that bad
input fails early with a ValueError that says *where* (which function or layer), *what*
(which argument) and *how* (expected versus actual shape or value), instead of a numpy
broadcasting surprise or a silently wrong answer.

Conversion rules (documented once, used everywhere):

- bool and integer arrays are converted to float64. The conversion is exact: every integer
  with |value| <= 2**53 is a float64, and larger ones are refused rather than rounded.
  Nothing is ever truncated (numpy would truncate ``x[i] += 1e-6`` on an int array).
- float32 and float64 arrays keep their dtype; float16 is widened to float64 (exact).
- complex, object and string arrays are refused.
- NaN and +-inf are refused (unless ``allow_nonfinite=True``).
- Empty arrays are refused: every size must be at least 1 (one sample, one feature, one class, one
  channel, one filter, one pixel). A mean over no samples is undefined, and a silent empty result
  would hide a slicing bug upstream.

Rules for the other kinds of argument (one helper each, below):

- sizes, strides, paddings, counts, steps, indices (check_int, check_int_list): a Python int or a
  numpy integer; bool, float (even 2.0), str and anything else raise TypeError; a value below the
  minimum (1 for sizes and counts, 0 for paddings and indices) raises ValueError. Never truncated.
- numeric parameters such as lr, eps, tol, floor (check_number): a real number (int, float, numpy
  scalar; bool and str raise TypeError), finite, and inside the stated range (else ValueError).
- names from a fixed set such as reduction or layout (check_choice): ValueError listing the allowed values.
- random generators (check_rng): None, a non-negative integer seed, or a numpy Generator.
- callables, flags, lists of things, matplotlib axes: check_callable, check_bool, check_list, check_axes.
- results (check_finite_result): a computation whose exact result does not fit in the floating-point
  type raises ValueError naming the arguments, instead of returning inf or NaN with a RuntimeWarning.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

_MAX_EXACT_INT = 2**53


def format_shape(shape) -> str:
    """Write a shape like numpy does, but allow symbolic entries: (3, 'N') -> '(3, N)'."""
    parts = [str(s) for s in shape]
    if len(parts) == 1:
        return f"({parts[0]},)"
    return "(" + ", ".join(parts) + ")"


def as_float_array(
    x, name: str, where: str, allow_nonfinite: bool = False, allow_empty: bool = False
) -> np.ndarray:
    """Return ``x`` as a real floating-point ndarray, or raise a ValueError naming `where` and `name`.

    bool/int -> float64 exactly (|value| <= 2**53, else refused); float32/float64 kept;
    float16 -> float64; complex/object/str refused; NaN/inf refused unless allow_nonfinite;
    an array with a zero-length axis refused unless allow_empty (every size must be at least 1).
    The result may share memory with ``x`` when no conversion is needed.
    """
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as err:  # ragged nested lists and the like
        raise ValueError(f"{where}: {name} is not a rectangular array of numbers ({err})") from None
    if arr.size == 0 and not allow_empty and arr.dtype.kind in "biuf":
        axis = arr.shape.index(0)
        raise ValueError(
            f"{where}: {name} has shape {format_shape(arr.shape)}, with no entries (axis {axis} has "
            "length 0); bpkit needs at least one entry along every axis: at least one sample, one "
            "feature or class, one channel, one filter, one pixel (a mean over no samples is "
            "undefined, and an empty result would hide a slicing bug)"
        )
    kind = arr.dtype.kind
    if kind in "biu":
        if kind in "iu" and arr.size and (arr.max() > _MAX_EXACT_INT or arr.min() < -_MAX_EXACT_INT):
            raise ValueError(
                f"{where}: {name} has integers larger than 2**53 in magnitude, "
                "which float64 cannot represent exactly; convert them yourself if rounding is fine"
            )
        arr = arr.astype(np.float64)
    elif kind == "f":
        if arr.dtype == np.float16:
            arr = arr.astype(np.float64)
    else:
        raise ValueError(
            f"{where}: {name} must hold real numbers (bool, int or float) but has dtype {arr.dtype}"
        )
    if not allow_nonfinite and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))
        first = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{where}: {name} contains {len(bad)} non-finite value(s) (NaN or inf), "
            f"the first at index {first}: {float(arr[first])}; bpkit needs finite inputs"
        )
    return arr


def check_shape(arr: np.ndarray, expected, name: str, where: str, hint: str = "") -> None:
    """Raise ValueError unless ``arr.shape == expected``.

    Message: "<where>: <name> has shape (3, 4) but expected (3, 5) <hint>".
    """
    if tuple(arr.shape) != tuple(expected):
        suffix = f" {hint}" if hint else ""
        raise ValueError(
            f"{where}: {name} has shape {format_shape(arr.shape)} "
            f"but expected {format_shape(expected)}{suffix}"
        )


def check_same_shape(a: np.ndarray, b: np.ndarray, names: tuple[str, str], where: str) -> None:
    """Raise ValueError unless two arrays have exactly the same shape (no broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{where}: {names[0]} has shape {format_shape(a.shape)} but {names[1]} has shape "
            f"{format_shape(b.shape)}; they must match exactly (bpkit never broadcasts "
            "(n,) against (n, 1))"
        )


def check_column_data(arr: np.ndarray, name: str, where: str, rows: int | None = None) -> None:
    """Require one sample (n,) or a column-layout batch (n, N) (with n == rows if given)."""
    n = "n" if rows is None else rows
    ok = arr.ndim in (1, 2) and (rows is None or arr.shape[0] == rows)
    if not ok:
        raise ValueError(
            f"{where}: {name} has shape {format_shape(arr.shape)} but expected "
            f"{format_shape((n,))} (one sample) or {format_shape((n, 'N'))} (N samples as columns)"
        )


def check_single_sample(arr: np.ndarray, name: str, where: str, extra: str = "") -> int:
    """Require one sample as a column vector, (n,) or (n, 1); return n."""
    if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1):
        return arr.shape[0]
    suffix = f"; {extra}" if extra else ""
    raise ValueError(
        f"{where}: {name} has shape {format_shape(arr.shape)} but expected one sample "
        f"of shape (n,) or (n, 1){suffix}"
    )


def first_entry(arr: np.ndarray, mask: np.ndarray, name: str) -> str:
    """'name[i, j] = value' for the first entry where mask is True (for error messages)."""
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    if not index:  # a 0-d array: a single number
        return f"{name} = {float(arr[index])}"
    return f"{name}[{', '.join(map(str, index))}] = {float(arr[index])}"


def n_samples(arr: np.ndarray) -> int:
    """Number of samples N in column layout: 1 for a 1-D sample (n,), else the number of columns."""
    return 1 if arr.ndim == 1 else arr.shape[1]


# --------------------------------------------------------------------------------------------
# Arguments that are not data arrays: sizes, numbers, choices, generators, callables, ...
# --------------------------------------------------------------------------------------------


def describe(value, limit: int = 80) -> str:
    """A short 'repr (type)' of a bad value, for error messages."""
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{text} ({type(value).__name__})"


def is_int(value) -> bool:
    """True for a Python int or a numpy integer, False for bool and everything else."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _int_kind(minimum: int) -> str:
    if minimum == 1:
        return "a positive integer"
    if minimum == 0:
        return "a non-negative integer"
    return f"an integer >= {minimum}"


def check_int(value, name: str, where: str, minimum: int = 1) -> int:
    """A size, stride, padding, count, step or index: a Python int or numpy integer >= minimum, as int.

    Wrong types (bool, float even if integral, str, None, ...) raise TypeError, values below the
    minimum ValueError; nothing is truncated or rounded.
    """
    kind = _int_kind(minimum)
    if not is_int(value):
        raise TypeError(
            f"{where}: {name} must be {kind} (a Python int or numpy integer; bool, float and str "
            f"are refused, even 2.0) but is {describe(value)}"
        )
    if value < minimum:
        hint = ""
        if minimum == 1 and value == 0:
            hint = " (bpkit needs every size and count to be at least 1)"
        raise ValueError(f"{where}: {name} must be {kind} but is {int(value)}{hint}")
    return int(value)


def check_list(values, name: str, where: str, what: str = "a list", min_len: int = 0) -> list:
    """A list, tuple or range (or a 1-D array), returned as a list; TypeError for anything else
    (a single object, a str, a dict, a set, None), ValueError if it has fewer than min_len entries."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = list(values)
    if not isinstance(values, (list, tuple, range)):
        raise TypeError(f"{where}: {name} must be {what} but is {describe(values)}")
    values = list(values)
    if len(values) < min_len:
        raise ValueError(
            f"{where}: {name} must be {what} with at least {min_len} entr{'y' if min_len == 1 else 'ies'} "
            f"but is {values!r}"
        )
    return values


def check_int_list(values, name: str, where: str, what: str, min_len: int = 1, minimum: int = 1) -> list:
    """A list of integers such as layer sizes [n_0, ..., n_L]: check_list, then check_int per entry."""
    kinds = {1: "positive integers", 0: "non-negative integers"}.get(minimum, f"integers >= {minimum}")
    want = f"{what} ({kinds})"
    values = check_list(values, name, where, want, min_len)
    for i, v in enumerate(values):
        if not is_int(v):
            raise TypeError(
                f"{where}: {name} must be {want} but {name}[{i}] is {describe(v)} (bool, float and str "
                "are refused, even 2.0)"
            )
        if v < minimum:
            raise ValueError(f"{where}: {name} must be {want} but {name}[{i}] is {int(v)}; {name} = {values!r}")
    return [int(v) for v in values]


def _range_text(low, low_open, high, high_open) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    return ""


def check_number(
    value, name: str, where: str, low=None, low_open: bool = False, high=None, high_open: bool = False
) -> float:
    """A numeric parameter (lr, eps, tol, floor, ...): a finite real number in the range, as float.

    int, float and numpy scalars are accepted; bool, str, None, arrays and complex numbers raise
    TypeError; NaN, inf and values outside [low, high] (open ends if low_open/high_open) ValueError.
    """
    rng = _range_text(low, low_open, high, high_open)
    want = f"a finite real number {rng}".rstrip()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be {want} but is {describe(value)}")
    try:
        v = float(value)
    except OverflowError:  # an int beyond the float range
        raise ValueError(f"{where}: {name} must be {want} but is {value!r}, beyond the float64 range") from None
    if not math.isfinite(v):
        raise ValueError(f"{where}: {name} must be {want} but is {v!r}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{where}: {name} must be {want} but is {v!r}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{where}: {name} must be {want} but is {v!r}")
    return v


def _alternatives(allowed) -> str:
    shown = [repr(a) for a in allowed]
    if len(shown) == 1:
        return shown[0]
    if len(shown) == 2:
        return f"{shown[0]} or {shown[1]}"
    return "one of " + ", ".join(shown)


def check_choice(value, name: str, where: str, allowed, hint: str = ""):
    """One of a fixed set of names (or integers): ValueError listing the allowed values otherwise."""
    numeric = all(is_int(a) for a in allowed)
    ok = is_int(value) if numeric else isinstance(value, str)
    if not ok or value not in allowed:
        shown = repr(value) if isinstance(value, str) or (numeric and is_int(value)) else describe(value)
        suffix = f" ({hint})" if hint else ""
        raise ValueError(f"{where}: {name} must be {_alternatives(allowed)} but is {shown}{suffix}")
    return int(value) if numeric else value


def check_rng(rng, name: str, where: str, default_seed: int = 0) -> np.random.Generator:
    """A numpy Generator from None (np.random.default_rng(default_seed)), a non-negative integer seed,
    a Generator (returned as is), a BitGenerator or a SeedSequence; TypeError/ValueError otherwise."""
    if rng is None:
        return np.random.default_rng(default_seed)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (np.random.BitGenerator, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    want = "None, a non-negative integer seed or a numpy Generator (np.random.default_rng(seed))"
    if not is_int(rng):
        raise TypeError(f"{where}: {name} must be {want} but is {describe(rng)}")
    if rng < 0:
        raise ValueError(f"{where}: {name} must be {want} but is {int(rng)}, a negative seed")
    return np.random.default_rng(int(rng))


def check_callable(value, name: str, where: str, what: str = "a function"):
    """TypeError unless value can be called."""
    if not callable(value):
        raise TypeError(f"{where}: {name} must be {what} but is {describe(value)}")
    return value


def check_bool(value, name: str, where: str) -> bool:
    """A flag: True or False (numpy bools too); TypeError for anything else (no truthiness of 'no')."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False but is {describe(value)}")
    return bool(value)


def check_format(fmt, name: str, where: str, spec: bool = False) -> str:
    """A format for one number: a pattern like '{:.3f}' (spec=False) or a spec like '.3f' (spec=True)."""
    if not isinstance(fmt, str):
        raise TypeError(f"{where}: {name} must be a format string but is {describe(fmt)}")
    try:
        format(1.5, fmt) if spec else fmt.format(1.5)
    except (ValueError, IndexError, KeyError, TypeError) as err:
        example = "'.3f'" if spec else "'{:.3f}'"
        raise ValueError(
            f"{where}: {name} = {fmt!r} cannot format a number ({type(err).__name__}: {err}); "
            f"give a format like {example}"
        ) from None
    return fmt


def check_axes(ax, name: str, where: str):
    """A matplotlib Axes to draw on (TypeError otherwise, e.g. for a Figure or None)."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(
            f"{where}: {name} must be a matplotlib Axes (fig, ax = plt.subplots()) but is {describe(ax)}"
        )
    return ax


def quiet():
    """np.errstate that lets overflow, inf - inf and x/0 pass silently; the caller checks the result
    (check_finite_result) and raises a ValueError naming the arguments instead of a RuntimeWarning."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


def check_finite_result(result, where: str, what: str, culprits: str):
    """Raise ValueError unless every entry of result is finite: the exact result does not fit in the
    floating-point type, because the arguments named in `culprits` are too large in magnitude."""
    arr = result if isinstance(result, np.ndarray) else np.asarray(result)
    if np.isfinite(arr).all():  # the method: np.all's Python wrapper costs more than the check
        return result
    dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    raise ValueError(
        f"{where}: {what} overflows {dtype} (whose largest finite value is {float(np.finfo(dtype).max):.4g}); "
        f"{culprits} hold values too large in magnitude for a finite result"
    )


def check_instance(value, cls, name: str, where: str, what: str):
    """TypeError unless value is an instance of cls (what: 'a bpkit Network', ...)."""
    if not isinstance(value, cls):
        raise TypeError(f"{where}: {name} must be {what} but is {describe(value)}")
    return value


# The largest coordinate bpkit hands to matplotlib, which adds margins to the data limits and
# would overflow (with RuntimeWarnings) near the largest float.
PLOT_LIMIT = 1e300


def check_coordinates(values, name: str, where: str) -> np.ndarray:
    """Finite coordinates to draw, as float64, with |value| <= PLOT_LIMIT (ValueError otherwise)."""
    arr = np.asarray(as_float_array(values, name, where), dtype=np.float64)
    if np.any(np.abs(arr) > PLOT_LIMIT):
        raise ValueError(
            f"{where}: {name} has values beyond {PLOT_LIMIT:g} in magnitude (max |{name}| = "
            f"{float(np.max(np.abs(arr))):.4g}), too large to draw"
        )
    return arr


def check_cmap(cmap, name: str, where: str):
    """A matplotlib colormap: a registered name or a Colormap (ValueError otherwise)."""
    import matplotlib

    if isinstance(cmap, matplotlib.colors.Colormap):
        return cmap
    if not isinstance(cmap, str) or cmap not in matplotlib.colormaps:
        raise ValueError(
            f"{where}: {name} must be the name of a matplotlib colormap (e.g. 'RdBu_r') but is {describe(cmap)}"
        )
    return cmap


def safe_sum(a: np.ndarray, axis=None, keepdims: bool = False):
    """np.sum(a, axis), unchanged for ordinary input; if it overflows although the entries are finite
    (values near the largest float, whose partial sums leave the float range), the sum is taken again
    of a / 2^k (2^k >= the number of terms, an exact scaling) and scaled back. The result can still be
    inf if the sum itself does not fit: callers check it (check_finite_result)."""
    with quiet():
        total = np.sum(a, axis=axis, keepdims=keepdims)
        if np.isfinite(total).all() or not np.isfinite(a).all():
            return total
        count = a.size if axis is None else int(np.prod([a.shape[i] for i in np.atleast_1d(axis)]))
        k = float(2.0 ** math.ceil(math.log2(max(count, 2))))
        return np.sum(a / k, axis=axis, keepdims=keepdims) * k


def check_matches(arr: np.ndarray, expected: np.ndarray, name: str, expected_name: str,
                  where: str, hint: str) -> None:
    """Raise ValueError unless ``arr`` equals ``expected`` (e.g. a given softmax output and the
    one recomputed from z) to within sqrt(eps) of the less precise dtype of the two: an output
    from other inputs would silently give a wrong gradient."""
    tol = float(np.sqrt(max(np.finfo(arr.dtype).eps, np.finfo(expected.dtype).eps)))
    off = np.abs(arr - expected) > tol
    if np.any(off):
        i = tuple(int(k) for k in np.argwhere(off)[0])
        raise ValueError(
            f"{where}: {name} is not {expected_name}: {first_entry(arr, off, name)} but "
            f"{expected_name} there is {float(expected[i])!r} ({int(off.sum())} entries differ by "
            f"more than {tol:.1e}); {hint}"
        )
