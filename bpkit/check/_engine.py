"""The checker's engine: run a learner's function on an exercise's cases and say what is wrong.

An Exercise holds a reference implementation, a generator of test cases (seeded) and a catalogue
of classic wrong versions (Mistake). run(exercise, fn) calls fn on every case and compares its
outputs with the reference's (and, for a gradient, with central differences). The diagnosis, in
this order:

1. fn matches the reference on every case: passed (with the largest error against the reference
   and against central differences).
2. fn's outcome equals one catalogued mistake's on every case (where the mistake raises an
   exception, fn must raise too): that mistake is named, with how to fix it.
3. Otherwise the first case where fn fails: an exception (its type, message and the line of the
   learner's code it came from), a wrong return type or number of outputs, a wrong shape (and
   whether it is the transpose), NaN or inf; else, output by output, a sign flip, a factor 2, 1/2,
   N or 1/N (N the batch size), a transpose or another constant factor if one holds on every
   case; else the worst entries (index, expected, got), as PyTorch's gradcheck reports them.

fn never crashes the check: every exception it raises is caught and described.
"""

from __future__ import annotations

import html
import linecache
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

# Tolerances on the error relative to the largest entry of the expected output: the reference is
# computed in float64 from the case's values, the learner's code in the case's own dtype.
TOL = {"float64": 1e-8, "float32": 2e-4}
# Central differences (computed in float64) against the reference, and against the learner.
NUMERIC_TOL = 1e-6


@dataclass(frozen=True)
class Case:
    """One test case: the positional arguments fn is called with (copies, so fn may change them)."""

    label: str
    args: tuple
    N: int | None = None  # the batch size, if the exercise has a batch (for the factor N diagnosis)
    smooth: bool = True  # central differences apply (False where the function has a kink: ties)

    @property
    def dtype(self) -> str:
        floats = [a.dtype for a in self.args if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        return "float32" if floats and all(d == np.float32 for d in floats) else "float64"


@dataclass(frozen=True)
class Mistake:
    """A classic wrong version: `fn` has the exercise's signature; `name` says what it does wrong,
    `fix` how to put it right."""

    key: str
    name: str
    fix: str
    fn: Callable


@dataclass
class Exercise:
    """One checked exercise: see the module docstring."""

    name: str
    chapter: int
    title: str
    outputs: tuple  # the names of the returned arrays; one name: fn returns a single array
    reference: Callable
    cases: Callable  # rng -> list of Case
    mistakes: tuple = ()
    numeric: Callable | None = None  # (*args) -> tuple of arrays by central differences, or None
    seed: int = 0
    _cases: list = field(default=None, repr=False)

    def make_cases(self) -> list:
        if self._cases is None:
            self._cases = self.cases(np.random.default_rng(self.seed))
        return self._cases


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------


@dataclass
class Result:
    """What check.run returns: passed (bool), message (str), and which catalogued mistake was
    recognised (its key, else None). Shows as a coloured box in a notebook, as text elsewhere."""

    exercise: str
    passed: bool
    message: str
    mistake: str | None = None

    def __str__(self) -> str:
        head = "correct" if self.passed else "not correct yet"
        return f"{self.exercise}: {head}\n{self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour, back = ("#2e7d32", "#f1f8e9") if self.passed else ("#c62828", "#fff3f0")
        head = "correct" if self.passed else "not correct yet"
        return (
            f'<div style="border-left:4px solid {colour};background:{back};padding:.4em .8em;margin:.3em 0">'
            f"<b>{html.escape(self.exercise)}: {head}</b>"
            f'<pre style="white-space:pre-wrap;background:none;border:none;margin:.3em 0 0;padding:0">'
            f"{html.escape(self.message)}</pre></div>"
        )


# --------------------------------------------------------------------------------------------
# Calling fn and comparing outputs
# --------------------------------------------------------------------------------------------


@dataclass
class Raised:
    """fn raised: the exception and the learner's line it came from."""

    error: BaseException
    where: str


def _copy(args: tuple) -> tuple:
    return tuple(a.copy() if isinstance(a, np.ndarray) else list(a) if isinstance(a, list) else a for a in args)


def _as64(args: tuple) -> tuple:
    def conv(a):
        if isinstance(a, np.ndarray):
            return a.astype(np.float64)
        if isinstance(a, list):
            return [conv(b) for b in a]
        return a

    return tuple(conv(a) for a in args)


def _learner_line(tb) -> str:
    """'line 3: return x.T' for the last frame of the traceback outside numpy and bpkit.check."""
    frames = [f for f in traceback.extract_tb(tb)
              if "/numpy/" not in f.filename and "bpkit/check" not in f.filename.replace("\\", "/")]
    if not frames:
        return ""
    f = frames[-1]
    text = f.line or linecache.getline(f.filename, f.lineno).strip()
    return f"line {f.lineno}: {text}" if text else f"line {f.lineno}"


def call(fn: Callable, args: tuple):
    """fn(*copies of args), quietly: the return value, or a Raised."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*_copy(args))
    except Exception as err:  # noqa: BLE001 - the learner's code may raise anything
        return Raised(err, _learner_line(err.__traceback__))


def outputs_of(value, names: tuple):
    """The returned value as a tuple of float arrays (one per name), or a str saying what is wrong."""
    if isinstance(value, Raised):
        return value
    k = len(names)
    if k > 1:
        if not isinstance(value, (tuple, list)):
            return (f"returned {type(value).__name__}, but expected a tuple of {k} arrays "
                    f"({', '.join(names)})")
        if len(value) != k:
            return f"returned {len(value)} values, but expected {k} ({', '.join(names)})"
        items = list(value)
    else:
        items = [value]
    out = []
    for name, item in zip(names, items):
        if item is None:
            return f"returned None for {name} (a missing return statement?)"
        try:
            arr = np.asarray(item)
        except Exception:  # noqa: BLE001
            arr = None
        if arr is None or arr.dtype.kind not in "biuf":
            return f"returned {type(item).__name__} for {name}, not an array of numbers"
        out.append(arr.astype(np.float64))
    return tuple(out)


def _error(got: np.ndarray, exp: np.ndarray) -> float:
    """max |got - exp| relative to the largest |exp| (1 if exp is all zeros)."""
    scale = float(np.max(np.abs(exp))) if exp.size else 0.0
    return float(np.max(np.abs(got - exp))) / (scale if scale > 0 else 1.0) if exp.size else 0.0


def close(got: np.ndarray, exp: np.ndarray, tol: float) -> bool:
    return got.shape == exp.shape and bool(np.all(np.isfinite(got))) and _error(got, exp) <= tol


def same_outcome(a, b, tol: float) -> bool:
    """Two outcomes agree: both raised, or both arrays of the same shapes and close."""
    if isinstance(a, Raised) or isinstance(b, Raised):
        return isinstance(a, Raised) and isinstance(b, Raised)
    if isinstance(a, str) or isinstance(b, str):
        return False
    return all(close(x, y, tol) for x, y in zip(a, b))


# --------------------------------------------------------------------------------------------
# The diagnosis
# --------------------------------------------------------------------------------------------


def _bound(err: float) -> str:
    """'at most 1e-09': the power of ten at or above err (at least 1e-15), so that the message does not
    depend on the last bits a particular machine's BLAS or SIMD kernels produce."""
    k = max(-15, int(np.ceil(np.log10(err)))) if err > 0 else -15
    return f"at most 1e{k:+03d}"


def _fmt(v: float) -> str:
    return f"{v:.8g}"


def _describe_case(case: Case) -> str:
    shapes = []
    for a in case.args:
        if isinstance(a, np.ndarray):
            shapes.append(f"{a.dtype} array {tuple(a.shape)}")
        elif isinstance(a, list):
            shapes.append(f"list of {len(a)} arrays")
        else:
            shapes.append(repr(a))
    return f"case '{case.label}' (arguments: {', '.join(shapes)})"


def _worst_entries(got: np.ndarray, exp: np.ndarray, k: int = 3) -> str:
    diff = np.abs(got - exp).ravel()
    order = np.argsort(-diff, kind="stable")[:k]
    lines = []
    for flat in order:
        if diff[flat] == 0:
            break
        idx = np.unravel_index(flat, exp.shape) if exp.ndim else ()
        lines.append(f"    index {tuple(int(i) for i in idx)}: expected {_fmt(exp.ravel()[flat])}, "
                     f"got {_fmt(got.ravel()[flat])} (off by {diff[flat]:.3g})")
    return "\n".join(lines)


# factor -> (how it reads, what usually causes it); N and 1/N are filled in per case
FACTORS = [
    ("sign", lambda n: -1.0, "the sign is flipped (it is -1 times the right one)",
     "look for a - t written as t - a, a missing minus sign, or a subtraction the wrong way round"),
    ("factor 2", lambda n: 2.0, "it is 2 times the right one",
     "the 1/2 of a squared error (1/2)||a - t||^2 cancels the 2 of its derivative; or a term is counted twice"),
    ("factor 1/2", lambda n: 0.5, "it is 1/2 times the right one",
     "the derivative of (1/2)||a - t||^2 is a - t, with no 1/2 left"),
    ("factor N", lambda n: float(n) if n else None,
     "it is N times the right one (N = the batch size)",
     "you summed over the batch where the loss takes the mean: divide by N once, where the loss does"),
    ("factor 1/N", lambda n: 1.0 / n if n else None,
     "it is 1/N times the right one (N = the batch size)",
     "you averaged over the batch where the gradient is a sum (or divided by N twice)"),
]


def _transform_holds(transform, got_all, exp_all, cases) -> bool:
    """transform(exp, case) -> expected-if-mistaken, or None; holds on every case, and changes at least one."""
    changed = False
    for got, exp, case in zip(got_all, exp_all, cases):
        alt = transform(exp, case)
        if alt is None or not close(got, alt, TOL[case.dtype]):
            return False
        changed = changed or not close(alt, exp, TOL[case.dtype])
    return changed


def _output_diagnosis(name: str, j: int, outs: list, refs: list, cases: list) -> str | None:
    """A named transform (sign, factor, transpose, constant) that turns the right output j into
    the learner's on every case, or None."""
    got_all = [o[j] for o in outs]
    exp_all = [r[j] for r in refs]
    for _, factor, reads, cause in FACTORS:
        def scaled(exp, case, factor=factor):
            c = factor(case.N)
            return None if c is None else c * exp
        if _transform_holds(scaled, got_all, exp_all, cases):
            return f"{name}: {reads}. Usual cause: {cause}."
    if _transform_holds(lambda e, c: e.T if e.ndim == 2 else None, got_all, exp_all, cases):
        return f"{name}: it is the transpose of the right {name}. Check the order of the factors of the product."
    # another constant factor, the same on every case
    ratios = []
    for got, exp in zip(got_all, exp_all):
        if got.shape != exp.shape or not np.any(exp):
            return None
        ratios.append(float(np.vdot(got, exp) / np.vdot(exp, exp)))
    c = ratios[0]
    if c != 0 and all(abs(r - c) <= 1e-6 * abs(c) for r in ratios):
        if _transform_holds(lambda e, case: c * e, got_all, exp_all, cases):
            return f"{name}: it is {c:.6g} times the right one on every case: a constant factor is wrong."
    return None


def diagnose(ex: Exercise, fn: Callable) -> Result:
    """Run fn on every case of ex and say what is right or wrong (see the module docstring)."""
    if not callable(fn):
        return Result(ex.name, False, f"check.run needs a function, but got {type(fn).__name__}")
    cases = ex.make_cases()
    refs = [outputs_of(ex.reference(*_as64(c.args)), ex.outputs) for c in cases]
    outs = [outputs_of(call(fn, c.args), ex.outputs) for c in cases]
    tols = [TOL[c.dtype] for c in cases]

    # 1. right on every case
    if all(same_outcome(o, r, t) for o, r, t in zip(outs, refs, tols)):
        parts = []
        for dt in ("float64", "float32"):
            errs = [_error(g, e) for c, o, r in zip(cases, outs, refs) if c.dtype == dt for g, e in zip(o, r)]
            if errs:
                parts.append(f"{_bound(max(errs))} on the {dt} cases (tolerance {TOL[dt]:.0e})")
        msg = (f"All {len(cases)} cases agree with the reference; the largest error relative to the "
               f"largest entry is " + ", and ".join(parts) + ".")
        if ex.numeric is not None:
            nerr = max(_error(g, e) for c, o in zip(cases, outs) if c.smooth and c.dtype == "float64"
                       for g, e in zip(o, ex.numeric(*_as64(c.args))))
            msg += f"\nCentral differences agree too (largest error {_bound(nerr)} on the float64 cases)."
        return Result(ex.name, True, msg)

    # 2. a catalogued mistake on every case
    for m in ex.mistakes:
        theirs = [outputs_of(call(m.fn, _as64(c.args)), ex.outputs) for c in cases]
        if all(same_outcome(o, w, t) for o, w, t in zip(outs, theirs, tols)):
            return Result(ex.name, False, f"Recognised mistake: {m.name}.\nHow to fix it: {m.fix}", m.key)

    # 3. the first failing case, described
    n_bad = sum(not same_outcome(o, r, t) for o, r, t in zip(outs, refs, tols))
    summary = f"{n_bad} of {len(cases)} cases fail."
    for case, out, ref, tol in zip(cases, outs, refs, tols):
        if same_outcome(out, ref, tol):
            continue
        where = _describe_case(case)
        if isinstance(out, Raised):
            err = out.error
            at = f"\n  at {out.where}" if out.where else ""
            return Result(ex.name, False, f"Your function raised {type(err).__name__}: {err}{at}\n"
                                          f"on {where}.\n{summary}")
        if isinstance(out, str):
            return Result(ex.name, False, f"Your function {out}, on {where}.\n{summary}")
        for name, got, exp in zip(ex.outputs, out, ref):
            if got.shape != exp.shape:
                extra = ""
                if exp.ndim == 2 and got.shape == exp.T.shape:
                    extra = (" That is the transposed shape" + (": the values are the transpose of the right "
                             f"{name}. Check the order of the factors of the product." if close(got, exp.T, tol)
                             else "."))
                return Result(ex.name, False, f"{name} has shape {tuple(got.shape)} but expected "
                                              f"{tuple(exp.shape)}, on {where}.{extra}\n{summary}")
            if not np.all(np.isfinite(got)):
                bad = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0])
                return Result(ex.name, False, f"{name} holds {got[bad]} at index {bad}, on {where}: expected "
                                              f"finite numbers. An exp that overflows (subtract the largest entry first), or a "
                                              f"division by zero?\n{summary}")
        # values: each wrong output, named if a transform explains it on every case
        valid = [i for i, o in enumerate(outs) if isinstance(o, tuple)
                 and all(g.shape == e.shape for g, e in zip(o, refs[i]))]
        lines = []
        for j, (name, got, exp) in enumerate(zip(ex.outputs, out, ref)):
            if close(got, exp, tol):
                lines.append(f"{name}: right on this case.")
                continue
            named = None
            if len(valid) == len(cases):
                named = _output_diagnosis(name, j, [outs[i] for i in valid], [refs[i] for i in valid],
                                          [cases[i] for i in valid])
            if named:
                lines.append(named)
            else:
                lines.append(f"{name}: largest error {_error(got, exp):.3g} relative to max |{name}| = "
                             f"{_fmt(float(np.max(np.abs(exp))))} (tolerance {tol:.0e}); the worst entries:\n"
                             + _worst_entries(got, exp))
        return Result(ex.name, False, f"On {where}:\n" + "\n".join(lines) + f"\n{summary}")
    raise AssertionError("unreachable: some case failed")  # pragma: no cover
