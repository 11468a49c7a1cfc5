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
"""

from __future__ import annotations

import numpy as np

_MAX_EXACT_INT = 2**53


def format_shape(shape) -> str:
    """Write a shape like numpy does, but allow symbolic entries: (3, 'N') -> '(3, N)'."""
    parts = [str(s) for s in shape]
    if len(parts) == 1:
        return f"({parts[0]},)"
    return "(" + ", ".join(parts) + ")"


def as_float_array(x, name: str, where: str, allow_nonfinite: bool = False) -> np.ndarray:
    """Return ``x`` as a real floating-point ndarray, or raise a ValueError naming `where` and `name`.

    bool/int -> float64 exactly (|value| <= 2**53, else refused); float32/float64 kept;
    float16 -> float64; complex/object/str refused; NaN/inf refused unless allow_nonfinite.
    The result may share memory with ``x`` when no conversion is needed.
    """
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as err:  # ragged nested lists and the like
        raise ValueError(f"{where}: {name} is not a rectangular array of numbers ({err})") from None
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
    if not allow_nonfinite and not np.all(np.isfinite(arr)):
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
    return f"{name}[{', '.join(map(str, index))}] = {float(arr[index])}"


def n_samples(arr: np.ndarray) -> int:
    """Number of samples N in column layout: 1 for a 1-D sample (n,), else the number of columns."""
    return 1 if arr.ndim == 1 else arr.shape[1]
