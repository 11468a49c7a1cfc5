"""The bad-input contract of bpkit's public API (issue 10, section 3), as one property.

For every public entry point (bpkit's exports, and the public functions of bpkit.book.errata, .trace,
.timing, .plotting, .diagram, .conv_plots and bpkit.conv.set_num_threads), hypothesis corrupts one
argument at a time with a malformed value of its kind: zero sizes and empty arrays, non-integer /
bool / str sizes, NaN / inf / negative / zero / str numeric parameters, objects of the wrong kind,
values outside the argument's domain, and finite values near the float64 (and float32) maximum.
Every other argument stays valid. The one assertion, with RuntimeWarnings turned into errors:

* an INVALID value (one bpkit must refuse) raises ValueError or TypeError, raised in bpkit's own
  code, whose message names the argument (the name appears as a word);
* an EXTREME but valid value (huge, tiny, float32) either returns a finite result shaped like the
  result for ordinary input, equal to a high-precision (long double) reference where there is one,
  or raises such a named ValueError/TypeError -- the latter only where the exact result does not fit
  in the floating-point type (a reference that overflows);
* an ANY value (a reshaped array, say, valid for some functions) may do either.

Anything else (a raw numpy or Python error, another exception type, a RuntimeWarning, a non-finite
or wrongly shaped result) fails with the call shown. The regression tests for the individual cases
are in test_bad_input_regressions.py.

Examples: BPKIT_CONTRACT_EXAMPLES per entry point (default 25, about 8 s for the file);
BPKIT_CONTRACT_SWEEP=1 also runs every malformed value of the table once (about 5600 calls).
On the code before issue 10, section 3, the sweep found 1238 of 5585 calls breaking the contract in
145 of the 163 entry points; under hypothesis, errata.load_printed(5) closed pytest's own file
descriptor 5 (the run died), timing.best_time(min_seconds=inf) never returned, and plot_activation
and ten other plotting entry points had not finished after 120 s each.
"""

from __future__ import annotations

import dataclasses
import os
import re
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import bpkit as bp  # noqa: E402
from bpkit.book import conv_plots as cp  # noqa: E402
from bpkit.book import diagram, errata, plotting, timing, trace  # noqa: E402
from bpkit.conv import get_num_threads, set_num_threads  # noqa: E402

F64 = float(np.finfo(np.float64).max)
F32 = float(np.finfo(np.float32).max)
INVALID, EXTREME, ANY = "invalid", "extreme", "any"
EXAMPLES = int(os.environ.get("BPKIT_CONTRACT_EXAMPLES", "25"))

# --------------------------------------------------------------------------------------------
# Arguments: a valid value and the malformed values of its kind, each (label, make, kind).
# --------------------------------------------------------------------------------------------


@dataclass
class Param:
    valid: Any
    bad: list  # (label, make(valid, rng) -> value, kind)
    names: tuple = ()  # words that may name the argument in a message (default: its own name)
    fresh: bool = False  # valid is a factory (mutable objects: a new one for every call)

    def value(self):
        return self.valid() if self.fresh else self.valid


def _const(v):
    return lambda valid, rng: v


def _put(values, fraction=0.5):
    """Set random entries of the valid array to values drawn from `values` (at least one entry)."""

    def make(valid, rng):
        out = np.array(valid, dtype=np.float64, copy=True)
        mask = rng.random(out.shape) < fraction
        mask.flat[rng.integers(out.size)] = True
        out[mask] = rng.choice(values, size=int(mask.sum()))
        return out

    return make


def _with(value):
    """The valid array with one random entry replaced by value."""

    def make(valid, rng):
        out = np.array(valid, dtype=np.float64, copy=True)
        out.flat[rng.integers(out.size)] = value
        return out

    return make


HUGE = [F64, -F64, 0.9 * F64, -0.9 * F64, 1e308, -1e308, 9e307, -9e307, 1e300, -1e300]
TINY = [5e-324, -5e-324, 1e-310, 1e-300, -1e-300, 1e-16]


def _huge32(valid, rng):
    out = np.array(valid, dtype=np.float32, copy=True)
    mask = rng.random(out.shape) < 0.5
    mask.flat[rng.integers(out.size)] = True
    out[mask] = rng.choice(np.array([F32, -F32, 3e38, -3e38], np.float32), size=int(mask.sum()))
    return out


def _empty_axes(valid):
    valid = np.asarray(valid)
    return [
        (f"empty axis {i}", _const(np.zeros(valid.shape[:i] + (0,) + valid.shape[i + 1 :])), INVALID)
        for i in range(valid.ndim)
    ]


def Arr(valid, huge=EXTREME, extreme=None, invalid=(), reshape=ANY, names=(), finite_only=True, none=INVALID):
    """An array argument. huge: the kind of finite values near the float max (EXTREME for real
    data, INVALID where the domain is bounded); extreme: replaces the default huge/tiny/float32
    variants; invalid: extra domain violations; none: the kind of None (ANY where None means a default)."""
    valid = np.asarray(valid, dtype=np.float64)
    bad = _empty_axes(valid) + [
        ("nan", _with(np.nan), INVALID if finite_only else ANY),
        ("inf", _with(np.inf), INVALID if finite_only else ANY),
        ("-inf", _with(-np.inf), INVALID if finite_only else ANY),
        ("strings", lambda v, r: np.full(v.shape, "a"), INVALID),
        ("None", _const(None), none),
        ("ragged", _const([[1.0, 2.0], [3.0]]), INVALID),
        ("complex", lambda v, r: v + 1j, INVALID),
        ("dict", _const({"a": 1.0}), INVALID),
        ("extra axis", lambda v, r: v[..., None], reshape),
        ("flattened", lambda v, r: v.ravel(), reshape if valid.ndim > 1 else ANY),
        ("transposed", lambda v, r: v.T, reshape if valid.ndim > 1 and valid.shape != valid.shape[::-1] else ANY),
    ]
    if extreme is None:
        extreme = [("huge", _put(HUGE), huge), ("all huge", _put([F64, -F64], 1.0), huge),
                   ("huge float32", _huge32, huge), ("tiny", _put(TINY), EXTREME),
                   ("integers", lambda v, r: np.rint(v).astype(np.int64), ANY)]
    return Param(valid, bad + list(extreme) + list(invalid), tuple(names))


def Int(valid, minimum=1, none_ok=False, names=()):
    bad = [
        ("below minimum", _const(minimum - 1), INVALID),
        ("far below minimum", _const(minimum - 4), INVALID),
        ("float", _const(2.5), INVALID),
        ("integral float", _const(float(minimum + 1)), INVALID),
        ("numpy float", _const(np.float64(minimum + 1)), INVALID),
        ("True", _const(True), INVALID),
        ("False", _const(False), INVALID),
        ("str", _const("3"), INVALID),
        ("list", _const([2]), INVALID),
        ("nan", _const(float("nan")), INVALID),
        ("complex", _const(1j), INVALID),
        ("None", _const(None), ANY if none_ok else INVALID),
        ("numpy integer", _const(np.int64(valid if isinstance(valid, int) else minimum + 1)), ANY),
    ]
    return Param(valid, bad, tuple(names))


def Num(valid, low=None, low_open=False, high=None, extreme=(), none_ok=False, names=()):
    bad = [
        ("nan", _const(float("nan")), INVALID),
        ("inf", _const(float("inf")), INVALID),
        ("-inf", _const(float("-inf")), INVALID),
        ("str", _const("0.1"), INVALID),
        ("True", _const(True), INVALID),
        ("list", _const([0.1]), INVALID),
        ("array", _const(np.array([0.1, 0.2])), INVALID),
        ("complex", _const(1j), INVALID),
        ("None", _const(None), ANY if none_ok else INVALID),
    ]
    if low is not None:
        bad += [("below range", _const(low - 1.0), INVALID), ("far below range", _const(low - 1e300), INVALID)]
        if low_open:
            bad += [("at the open end", _const(low), INVALID)]
    if high is not None:
        bad += [("above range", _const(high + 1.0), INVALID)]
    return Param(valid, bad + list(extreme), tuple(names))


def Choice(valid, bad_values, names=()):
    bad = [(f"{v!r}", _const(v), INVALID) for v in bad_values]
    bad += [("None", _const(None), INVALID), ("int", _const(7), INVALID), ("list", _const([valid]), INVALID),
            ("array", _const(np.array([1.0, 2.0])), INVALID)]
    return Param(valid, bad, tuple(names))


def Obj(valid, bad_values, fresh=False, names=()):
    return Param(valid, [(label, _const(v), INVALID) for label, v in bad_values], tuple(names), fresh)


def Ints(valid, minimum=1, min_len=1, names=()):
    bad = [
        ("int", _const(5), INVALID),
        ("str", _const("32"), INVALID),
        ("None", _const(None), INVALID),
        ("floats", _const([2.5, 3]), INVALID),
        ("integral floats", _const([2.0, 3.0]), INVALID),
        ("bools", _const([True, 2]), INVALID),
        ("strs", _const(["3", "2"]), INVALID),
        ("zero", _const([0] + list(valid[1:])), INVALID),
        ("negative", _const([-1] + list(valid[1:])), INVALID),
        ("nested", _const([[2, 3]]), INVALID),
        ("dict", _const({2: 3}), INVALID),
        ("empty", _const([]), INVALID),
    ]
    if min_len > 1:
        bad.append(("too short", _const(list(valid[: min_len - 1])), INVALID))
    return Param(valid, bad, tuple(names))


def Bool(valid):
    return Param(valid, [("str", _const("yes"), INVALID), ("None", _const(None), INVALID),
                         ("int", _const(2), INVALID), ("array", _const(np.array([True, False])), INVALID)])


def Callable_(valid):
    return Param(valid, [("int", _const(5), INVALID), ("str", _const("f"), INVALID),
                         ("None", _const(None), INVALID), ("array", _const(np.ones(2)), INVALID)])


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


@dataclass
class Entry:
    name: str
    fn: Callable
    params: dict
    ref: Callable | None = None  # ref(**kwargs) -> exact result in long double (or None)
    ok: tuple = ()  # exception types that are ordinary results (GradientCheckError)
    examples: int = EXAMPLES
    fuzz: tuple | None = None  # the parameters to corrupt (default: all)
    scale: Callable | None = None  # scale(**kwargs): the size of the terms behind each result entry


ENTRIES: list[Entry] = []


def entry(label, call, /, **kwargs):
    """An entry point: label, the call, options (_ref, _ok, _examples, _fuzz, _scale) and its parameters."""
    opts = {k[1:]: kwargs.pop(k) for k in list(kwargs) if k.startswith("_")}
    ENTRIES.append(Entry(label, call, kwargs, **opts))


LD = np.longdouble


def _ld(a):
    return np.asarray(a, dtype=LD)


def _softmax_ld(z, axis=0):
    z = _ld(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _sigmoid_ld(z):
    z = _ld(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


# Data (column layout): Z23 is n = 2 classes by N = 3 samples.
Z23 = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.3]])
Z33 = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.3], [-0.7, 0.9, 0.2]])
Z3 = np.array([0.3, -1.2, 2.0])
G23 = np.array([[0.2, -0.5, 1.0], [0.7, 0.1, -0.4]])
G33 = np.array([[0.2, -0.5, 1.0], [0.7, 0.1, -0.4], [-0.3, 0.6, 0.8]])
P33 = np.array([[1.0, 0.0, 0.2], [0.0, 1.0, 0.3], [0.0, 0.0, 0.5]])  # columns are probabilities
U23 = np.array([[0.2, 0.7, 0.9], [0.6, 0.3, 0.5]])  # in (0, 1)
T23 = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25]])  # in [0, 1]

UNIT_OK = [0.0, 1.0, 1e-300, 5e-324, 1 - 1e-16, 0.5]
UNIT_BAD = [1.5, -0.1, 1 + 1e-15, F64, -F64]


def unit_arr(valid, open_=False, names=()):
    ok = [v for v in UNIT_OK if not (open_ and v in (0.0, 1.0))] + ([1e-16] if open_ else [])
    bad = UNIT_BAD + ([0.0, 1.0] if open_ else [])
    return Arr(valid, extreme=[("in domain", _put(ok), EXTREME)],
               invalid=[(f"outside domain {v}", _with(v), INVALID) for v in bad], names=names)


def prob_arr(valid, names=()):
    return Arr(valid, extreme=[("one-hot", lambda v, r: np.eye(v.shape[0])[:, r.integers(v.shape[0], size=v.shape[1])], EXTREME)],
               invalid=[("doubled", lambda v, r: 2 * v, INVALID), ("negative", lambda v, r: v - 0.25, INVALID),
                        ("huge", _put(HUGE), INVALID)], names=names)


# ---- activations -------------------------------------------------------------------------
ACT_REF = {
    "identity": (lambda z: _ld(z), lambda z: np.ones_like(_ld(z))),
    "sigmoid": (_sigmoid_ld, lambda z: _sigmoid_ld(z) * (1 - _sigmoid_ld(z))),
    "tanh": (lambda z: np.tanh(_ld(z)),
             lambda z: 4 * np.exp(-2 * np.abs(_ld(z))) / (1 + np.exp(-2 * np.abs(_ld(z)))) ** 2),
    "relu": (lambda z: np.maximum(_ld(z), 0), lambda z: (_ld(z) > 0).astype(LD)),
    "square": (lambda z: _ld(z) ** 2, lambda z: 2 * _ld(z)),
}
OUTPUT_DOMAIN = {  # a = f(z): (values that are outputs, values that are not)
    "identity": None,
    "sigmoid": (UNIT_OK, UNIT_BAD),
    "tanh": ([-1.0, 1.0, 0.0, 1e-300, -1 + 1e-16], [1.5, -1 - 1e-15, F64, -F64]),
    "relu": ([0.0, F64, 1e-300, 5e-324], [-1.0, -1e-300, -F64]),
}
for _name, (_f, _df) in ACT_REF.items():
    _act = bp.get_activation(_name)
    entry(f"{_name}.value", _act.value, _ref=_f, z=Arr(Z23))
    entry(f"{_name}.derivative", _act.derivative, _ref=_df, z=Arr(Z23))
    entry(f"{_name}.jacobian", _act.jacobian, _ref=lambda z, _df=_df: np.diag(_df(z).ravel()), z=Arr(Z3))
    entry(f"{_name}.backward", lambda z, grad_a, _act=_act: _act.vjp(z, None, grad_a),
          _ref=lambda z, grad_a, _df=_df: _df(z) * _ld(grad_a), z=Arr(Z23), grad_a=Arr(G23))
    if OUTPUT_DOMAIN.get(_name):
        ok, no = OUTPUT_DOMAIN[_name]
        entry(f"{_name}.derivative_from_output", _act.derivative_from_output,
              a=Arr(np.array([[0.2, 0.7, 0.9], [0.6, 0.3, 0.5]]) * (1 if _name != "relu" else 3),
                    extreme=[("in domain", _put(ok), EXTREME)],
                    invalid=[(f"not an output {v}", _with(v), INVALID) for v in no]))
entry("identity.derivative_from_output", bp.identity.derivative_from_output, _ref=lambda a: np.ones_like(_ld(a)), a=Arr(Z23))

ONE_CLASS = [("one class (1, N)", lambda v, r: v[:1], INVALID), ("one class (1,)", _const(np.array([0.3])), INVALID)]
entry("softmax.value", bp.softmax.value, _ref=_softmax_ld, z=Arr(Z23, invalid=ONE_CLASS))
entry("softmax.jacobian", bp.softmax.jacobian,
      _ref=lambda z: (lambda s: np.diag(s) - np.outer(s, s))(_softmax_ld(np.ravel(z))), z=Arr(Z3, invalid=ONE_CLASS[1:]))
entry("softmax.backward", lambda z, grad_a: bp.softmax.vjp(z, None, grad_a),
      _ref=lambda z, grad_a: (lambda s, g: s * (g - np.sum(s * g, axis=0)))(_softmax_ld(z), _ld(grad_a)),
      _scale=lambda z, grad_a: _softmax_ld(z) * np.max(np.abs(_ld(grad_a)), axis=0),
      z=Arr(Z23, invalid=ONE_CLASS[:1]), grad_a=Arr(G23))
NOT_SOFTMAX = [("ones", lambda v, r: np.ones_like(v), INVALID), ("halved", lambda v, r: v / 2, INVALID),
               ("swapped columns", lambda v, r: v[:, ::-1], INVALID), ("negative", lambda v, r: -v, INVALID),
               ("huge", _put(HUGE), INVALID)]
# Without z, a softmax output of other logits (its columns swapped) cannot be told apart: valid.
NOT_A_SOFTMAX_OUTPUT = [(l, m, ANY if l == "swapped columns" else k) for l, m, k in NOT_SOFTMAX]
entry("softmax.backward(a)", lambda z, a, grad_a: bp.softmax.vjp(z, a, grad_a),
      z=Arr(Z23, huge=ANY), a=Arr(bp.softmax.value(Z23), extreme=[], invalid=NOT_SOFTMAX, none=ANY), grad_a=Arr(G23))
entry("get_activation", bp.get_activation, name_or_obj=Choice("tanh", ["tan", "", "SOFTMAXX"], names=("activation",)))

# ---- losses ------------------------------------------------------------------------------
for _red in ("sum", "mean"):
    _N = (lambda y: 1 if np.ndim(y) == 1 else np.shape(y)[1]) if _red == "mean" else (lambda y: 1)
    se = bp.SquaredError(_red)
    entry(f"SquaredError({_red}).value", se.value,
          _ref=lambda y, t, _N=_N: 0.5 * np.sum((_ld(y) - _ld(t)) ** 2) / _N(y), y=Arr(Z23), t=Arr(G23))
    entry(f"SquaredError({_red}).gradient", se.gradient,
          _ref=lambda y, t, _N=_N: (_ld(y) - _ld(t)) / _N(y), y=Arr(Z23), t=Arr(G23))
    bce = bp.BinaryCrossEntropy(_red)
    entry(f"BinaryCrossEntropy({_red}).value", bce.value,
          _ref=lambda y, t, _N=_N: -np.sum(_ld(t) * np.log(_ld(y)) + (1 - _ld(t)) * np.log1p(-_ld(y))) / _N(y),
          y=unit_arr(U23, open_=True), t=unit_arr(T23))
    entry(f"BinaryCrossEntropy({_red}).gradient", bce.gradient,
          _ref=lambda y, t, _N=_N: (_ld(y) - _ld(t)) / (_ld(y) * (1 - _ld(y))) / _N(y),
          y=unit_arr(U23, open_=True), t=unit_arr(T23))
    cce = bp.CategoricalCrossEntropy(_red)
    POS = Arr(U23, extreme=[("positive extremes", _put([5e-324, 1e-300, F64, 0.9 * F64, 1e-16]), EXTREME)],
              invalid=[("zero", _with(0.0), INVALID), ("negative", _with(-1.0), INVALID), ("-huge", _with(-F64), INVALID)])
    entry(f"CategoricalCrossEntropy({_red}).value", cce.value,
          _ref=lambda y, t, _N=_N: -np.sum(_ld(t) * np.log(_ld(y))) / _N(y),
          _scale=lambda y, t, _N=_N: np.sum(np.abs(_ld(t) * np.log(_ld(y)))) / _N(y), y=POS, t=Arr(T23))
    entry(f"CategoricalCrossEntropy({_red}).gradient", cce.gradient,
          _ref=lambda y, t, _N=_N: -_ld(t) / _ld(y) / _N(y), y=POS, t=Arr(T23))
    entry(f"sigmoid_bce({_red})", lambda z, t, _red=_red: bp.sigmoid_bce(z, t, _red),
          _ref=lambda z, t, _N=_N: (np.sum(np.maximum(_ld(z), 0) - _ld(t) * _ld(z) + np.log1p(np.exp(-np.abs(_ld(z))))) / _N(z),
                                   (_sigmoid_ld(z) - _ld(t)) / _N(z)),
          _scale=lambda z, t, _N=_N: (np.sum(np.abs(_ld(z)) * (1 + np.abs(_ld(t))) + 1) / _N(z),
                                      (_sigmoid_ld(z) + np.abs(_ld(t))) / _N(z)),
          z=Arr(Z23), t=unit_arr(T23))

    def _cce_ref(z, t, _N=_N):
        z, t = _ld(z), _ld(t)
        m = np.max(z, axis=0)
        lse = m + np.log(np.sum(np.exp(z - m), axis=0))
        return np.sum(np.where(t > 0, t * (lse - z), 0)) / _N(z), (_softmax_ld(z) - t) / _N(z)

    entry(f"softmax_cce({_red})", lambda z, t, _red=_red: bp.softmax_cce(z, t, _red), _ref=_cce_ref,
          _scale=lambda z, t, _N=_N: (np.sum(np.abs(_ld(t)) * (np.abs(_ld(z)) + np.max(np.abs(_ld(z)), axis=0) + 1)) / _N(z),
                                      (_softmax_ld(z) + np.abs(_ld(t))) / _N(z)),
          z=Arr(Z33, invalid=[("one class", lambda v, r: v[:1], INVALID)]), t=prob_arr(P33))
entry("MeanSquaredError.value", bp.MeanSquaredError().value,
      _ref=lambda y, t: np.sum((_ld(y) - _ld(t)) ** 2) / np.shape(y)[1], y=Arr(Z23), t=Arr(G23))
entry("MeanSquaredError.gradient", bp.MeanSquaredError().gradient,
      _ref=lambda y, t: 2 * (_ld(y) - _ld(t)) / np.shape(y)[1], y=Arr(Z23), t=Arr(G23))
for _cls in (bp.SquaredError, bp.BinaryCrossEntropy, bp.CategoricalCrossEntropy):
    entry(f"{_cls.__name__}()", _cls, reduction=Choice("mean", ["none", "SUM", "avg", ""]))
entry("MeanSquaredError()", bp.MeanSquaredError, reduction=Choice("mean", ["sum", "none", "MEAN"]))
entry("sigmoid_bce(reduction)", lambda reduction: bp.sigmoid_bce(Z23, T23, reduction), reduction=Choice("sum", ["none", "avg"]))
entry("softmax_cce(reduction)", lambda reduction: bp.softmax_cce(Z33, P33, reduction), reduction=Choice("sum", ["none", "avg"]))
entry("get_loss", bp.get_loss, name_or_obj=Choice("mse", ["hinge", "", "MSEE"], names=("loss",)))

# ---- Dense, Network ------------------------------------------------------------------------
W23 = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.6]])
B2 = np.array([0.1, -0.2])
X3N = np.array([[0.5, -1.0, 0.3, 2.0], [1.0, 0.2, -0.7, 0.1], [-0.4, 0.6, 0.9, -1.1]])
RNG_BAD = [("str", "abc"), ("negative", -1), ("float", 2.5), ("bool", True), ("list", [1, "a"]), ("object", object())]
LAYER_ACTS = ["tanh", "sigmoid", "ok", "relu", "squared", 5]

entry("Dense()", lambda n_in, n_out, activation, W, b, rng: bp.Dense(n_in, n_out, activation, W, b, rng),
      _fuzz=("n_in", "n_out", "activation", "W", "b", "rng"),
      n_in=Int(3), n_out=Int(2), activation=Choice("tanh", ["sigmod", "", "softmaxx"]), W=Arr(W23, none=ANY),
      b=Arr(B2, none=ANY),
      rng=Obj(None, RNG_BAD))
entry("Dense(sizes)", lambda n_in, n_out, rng: bp.Dense(n_in, n_out, "tanh", rng=rng),
      n_in=Int(3), n_out=Int(2), rng=Obj(None, RNG_BAD))
entry("Dense(softmax, n_out=1)", lambda n_out: bp.Dense(3, n_out, "softmax"),
      n_out=Param(3, [("one output", _const(1), INVALID)]))
entry("Dense.forward", lambda x: bp.Dense(3, 2, "tanh", W=W23, b=B2).forward(x), x=Arr(X3N, names=("x",)))


def _dense_after_forward(act="tanh"):
    layer = bp.Dense(3, 2, act, W=W23, b=B2)
    layer.forward(X3N)
    return layer


entry("Dense.backward(dy)", lambda dy: _dense_after_forward().backward(dy=dy), dy=Arr(np.ones((2, 4)) * 0.3))
entry("Dense.backward(delta)", lambda delta: _dense_after_forward().backward(delta=delta), delta=Arr(np.ones((2, 4)) * 0.3))


def sig_net():
    return bp.Network.from_sizes([3, 4, 2], ["tanh", "sigmoid"], "squared_error", seed=0)


def cce_net():
    return bp.Network.from_sizes([3, 4, 3], ["tanh", "softmax"], "cce", seed=1)


def bce_net():
    return bp.Network.from_sizes([3, 4, 2], ["tanh", "sigmoid"], bp.BinaryCrossEntropy("mean"), seed=2)


T_SE = np.array([[0.1, 0.9, 0.4, 0.3], [0.8, 0.2, 0.6, 0.5]])
T_CCE = np.array([[1.0, 0.0, 0.0, 0.5], [0.0, 1.0, 0.0, 0.5], [0.0, 0.0, 1.0, 0.0]])
T_BCE = np.array([[1.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.25, 1.0]])
NETS = {"SE": (sig_net, lambda: Arr(T_SE)), "CCE": (cce_net, lambda: prob_arr(T_CCE)),
        "BCE": (bce_net, lambda: unit_arr(T_BCE))}

for _k, (_make, _t) in NETS.items():
    entry(f"Network[{_k}].forward", lambda x, _make=_make: _make().forward(x), x=Arr(X3N))
    entry(f"Network[{_k}].loss_value", lambda x, t, _make=_make: _make().loss_value(x, t), x=Arr(X3N), t=_t())
    entry(f"Network[{_k}].gradients", lambda x, t, _make=_make: _make().gradients(x, t), x=Arr(X3N), t=_t())
    entry(f"Network[{_k}].gradient_vector", lambda x, t, _make=_make: _make().gradient_vector(x, t), x=Arr(X3N), t=_t())
    entry(f"bp.loop_gradients[{_k}]", lambda X, T, _make=_make: bp.loop_gradients(_make(), X, T), X=Arr(X3N), T=_t())
    entry(f"bp.network_gradients_rows[{_k}]", lambda X, T, _make=_make: bp.network_gradients_rows(_make(), X, T),
          X=Arr(X3N.T), T=Param(_t().valid.T, _t().bad))


def _after_forward(make):
    net = make()
    net.forward(X3N)
    return net


def _after_gradients():
    net = sig_net()
    net.gradients(X3N, T_SE)
    return net


entry("Network.backward", lambda t: _after_forward(sig_net).backward(t), t=Arr(T_SE))
def _sgd(lr):
    net = _after_gradients()
    net.sgd_step(lr)
    return net.params_vector()


entry("Network.sgd_step", _sgd,
      lr=Num(0.5, low=0.0, low_open=True, extreme=[("huge", _const(1e308), EXTREME), ("tiny", _const(1e-300), EXTREME)]))
entry("Network.train", lambda x, t, lr, steps: sig_net().train(x, t, lr, steps),
      x=Arr(X3N), t=Arr(T_SE), lr=Num(0.5, low=0.0, low_open=True, extreme=[("huge", _const(1e308), EXTREME)]),
      steps=Int(3))
_NP = sig_net().n_params
entry("Network.set_params_vector", lambda v: sig_net().set_params_vector(v), v=Arr(np.linspace(-1, 1, _NP)))
entry("Network.loss_of_params", lambda v, x, t: sig_net().loss_of_params(v, x, t),
      v=Arr(np.linspace(-1, 1, _NP)), x=Arr(X3N), t=Arr(T_SE))
NOT_LAYERS = [("a Dense", bp.Dense(3, 2)), ("int", 5), ("str", "abc"), ("None", None), ("mixed", [bp.Dense(3, 2), 5]),
              ("empty", []), ("lambdas", [lambda x: x]), ("nested", [[bp.Dense(3, 2)]])]
entry("Network()", lambda layers, loss: bp.Network(layers, loss),
      layers=Obj(lambda: [bp.Dense(3, 4), bp.Dense(4, 2)], NOT_LAYERS, fresh=True),
      loss=Choice("squared_error", ["hinge", "", "MSEE"]))
_dup = bp.Dense(2, 2)
entry("Network(same layer twice)", lambda layers: bp.Network(layers),
      layers=Obj(lambda: [bp.Dense(2, 2), bp.Dense(2, 2)], [("same layer twice", [_dup, _dup])], fresh=True))
entry("Network.from_sizes", lambda sizes, activations, loss, rng, seed: bp.Network.from_sizes(sizes, activations, loss, rng, seed),
      sizes=Ints([3, 4, 2], min_len=2), activations=Obj(["tanh", "sigmoid"], [("unknown", ["tanh", "sigmod"]), ("wrong count", ["tanh"]),
                                                                              ("int", 5), ("None", None), ("ints", [1, 2])]),
      loss=Choice("squared_error", ["hinge", ""]), rng=Obj(None, RNG_BAD), seed=Obj(None, RNG_BAD))

# ---- the layer protocol: Sequential, SGD, minibatches, Flatten ------------------------------
def seq_net():
    return bp.Sequential([bp.Dense(3, 2, "sigmoid", W=W23, b=B2)], "squared_error")


def _trained(model):
    model.gradients(X3N, T_SE)
    return model


entry("Sequential()", lambda layers, loss: bp.Sequential(layers, loss),
      layers=Obj(lambda: [bp.Dense(3, 4), bp.ReLU(), bp.Dense(4, 2)], NOT_LAYERS + [("same layer twice", [_dup, _dup])],
                 fresh=True),
      loss=Choice("squared_error", ["hinge", "", "MSEE"]))
entry("Sequential.loss_value", lambda x, t: seq_net().loss_value(x, t), x=Arr(X3N), t=Arr(T_SE))
entry("Sequential.gradients", lambda x, t: seq_net().gradients(x, t), x=Arr(X3N), t=Arr(T_SE))
entry("Sequential.check_gradients", lambda eps, tol, floor: seq_net().check_gradients(X3N, T_SE, eps, tol, floor),
      eps=Num(1e-6, low=0.0, low_open=True), tol=Num(1e-5, low=0.0), floor=Num(1e-4, low=0.0, low_open=True))
NOT_MODELS = [("None", None), ("int", 5), ("a list of layers", [bp.Dense(3, 2)]), ("str", "model")]
entry("SGD()", lambda model, lr, momentum: bp.SGD(model, lr, momentum),
      model=Obj(lambda: _trained(seq_net()), NOT_MODELS, fresh=True), lr=Num(0.1, low=0.0, low_open=True),
      momentum=Num(0.5, low=0.0, high=1.0, extreme=[("at the open end", _const(1.0), INVALID)]))
entry("SGD.step", lambda lr: bp.SGD(_trained(seq_net()), lr).step(), lr=Num(0.1, low=0.0, low_open=True))
entry("minibatches", lambda x, t, batch_size, rng: list(bp.minibatches(x, t, batch_size, rng)),
      x=Arr(X3N, invalid=[("one axis", lambda v, r: v.ravel(), INVALID), ("three axes", lambda v, r: v[:, :, None], INVALID),
                          ("other N", lambda v, r: v[:, :3], INVALID)]),
      t=Arr(T_SE, invalid=[("one axis", lambda v, r: v.ravel(), INVALID), ("other N", lambda v, r: v[:, :2], INVALID)]),
      batch_size=Int(2), rng=Obj(None, RNG_BAD))
entry("Flatten.forward", lambda x: bp.Flatten().forward(x),
      x=Arr(X3N.reshape(4, 1, 3, 1), invalid=[("one axis", lambda v, r: v.ravel()[:1], INVALID)]))
entry("Flatten.backward", lambda dy: (lambda f: (f.forward(np.ones((4, 1, 3, 1))), f.backward(dy))[1])(bp.Flatten()),
      dy=Arr(X3N))

# ---- batched -------------------------------------------------------------------------------
entry("row_sum", bp.row_sum, _ref=lambda M: np.sum(_ld(M), axis=1), _scale=lambda M: np.sum(np.abs(_ld(M)), axis=1), M=Arr(Z23))
entry("column_sum", bp.column_sum, _ref=lambda M: np.sum(_ld(M), axis=0), _scale=lambda M: np.sum(np.abs(_ld(M)), axis=0),
      M=Arr(Z23))
entry("softmax_rows", bp.softmax_rows, _ref=lambda Z: _softmax_ld(Z, axis=1),
      Z=Arr(Z23.T, invalid=[("one class (N, 1)", lambda v, r: v[:, :1], INVALID)]))
entry("softmax_backward_columns", bp.softmax_backward_columns,
      _ref=lambda S, G: _ld(S) * (_ld(G) - np.sum(_ld(S) * _ld(G), axis=0)),
      _scale=lambda S, G: _ld(S) * np.max(np.abs(_ld(G)), axis=0),
      S=Arr(bp.softmax.value(Z23), extreme=[], invalid=NOT_A_SOFTMAX_OUTPUT), G=Arr(G23))
entry("softmax_backward_rows", bp.softmax_backward_rows,
      _ref=lambda S, G: _ld(S) * (_ld(G) - np.sum(_ld(S) * _ld(G), axis=1, keepdims=True)),
      _scale=lambda S, G: _ld(S) * np.max(np.abs(_ld(G)), axis=1, keepdims=True),
      S=Arr(bp.softmax.value(Z23).T, extreme=[], invalid=[(l, lambda v, r, m=m: m(v.T, r).T, k) for l, m, k in NOT_A_SOFTMAX_OUTPUT]),
      G=Arr(G23.T))
V32 = W23.T
entry("dense_forward_rows", lambda X, V, b, activation: bp.dense_forward_rows(X, V, b, activation),
      X=Arr(X3N.T), V=Arr(V32), b=Arr(B2), activation=Choice("tanh", ["tan", ""]))
_Zr = X3N.T @ V32 + B2
entry("dense_backward_rows", lambda X, V, Z, A, grad_A, activation: bp.dense_backward_rows(X, V, Z, A, grad_A, activation),
      _fuzz=("X", "V", "Z", "grad_A", "activation"),
      X=Arr(X3N.T), V=Arr(V32), Z=Arr(_Zr), A=Arr(np.tanh(_Zr)), grad_A=Arr(np.full((4, 2), 0.3)),
      activation=Choice("tanh", ["tan", ""]))
_Zs = np.array([[0.3, -0.2, 0.5], [1.0, 0.1, -0.4], [0.0, 0.7, 0.2], [-0.5, 0.4, 0.9]])
entry("dense_backward_rows(softmax)", lambda A, grad_A: bp.dense_backward_rows(X3N.T, np.ones((3, 3)), _Zs, A, grad_A, "softmax"),
      A=Arr(bp.softmax_rows(_Zs), extreme=[], invalid=[(l, lambda v, r, m=m: m(v.T, r).T, k) for l, m, k in NOT_SOFTMAX]),
      grad_A=Arr(np.full((4, 3), 0.3)))
NOT_NETS = [("None", None), ("a Dense", bp.Dense(3, 2)), ("str", "net"), ("int", 5), ("list", [bp.Dense(3, 2)])]
entry("network_gradients_rows(net)", lambda net: bp.network_gradients_rows(net, X3N.T, T_SE.T),
      net=Obj(sig_net, NOT_NETS, fresh=True))
entry("loop_gradients(net)", lambda net: bp.loop_gradients(net, X3N, T_SE), net=Obj(sig_net, NOT_NETS, fresh=True))
entry("shape_table", bp.shape_table, sizes=Ints([3, 4, 2], min_len=2), N=Int(5),
      layout=Choice("rows", ["diagonal", "ROWS", ""]))
entry("format_shape_table", bp.format_shape_table,
      rows=Obj(bp.shape_table([3, 2], 4), [("empty", []), ("None", None), ("int", 5), ("str", "rows"),
                                           ("short rows", [("X", (3, 4))]), ("bad shape", [("X", "3x4", "forward")]),
                                           ("dict", {"X": (3, 4)})]))

# ---- convolution and pooling ---------------------------------------------------------------
X4 = np.arange(2 * 2 * 5 * 5, dtype=float).reshape(2, 2, 5, 5) / 25 - 2
WK = np.array([[[[0.5, -0.3], [0.2, 0.1]], [[0.4, 0.2], [-0.1, 0.3]]],
               [[[-0.2, 0.1], [0.6, -0.5]], [[0.3, 0.3], [0.1, -0.4]]],
               [[[0.1, 0.2], [0.3, 0.4]], [[-0.5, 0.6], [0.7, -0.8]]]])  # (3, 2, 2, 2)
B3 = np.array([0.1, -0.1, 0.2])
ZERO_KERNEL = [("0x0 kernel", _const(np.ones((3, 2, 0, 0))), INVALID)]
for _nm, _fwd, _bwd in (("", bp.conv2d_forward, bp.conv2d_backward), ("_loop", bp.conv2d_forward_loop, bp.conv2d_backward_loop)):
    entry(f"conv2d_forward{_nm}", _fwd, x=Arr(X4), Wk=Arr(WK, invalid=ZERO_KERNEL), b=Arr(B3, none=ANY),
          stride=Int(2), padding=Int(1, minimum=0))
    _out = bp.conv2d_forward(X4, WK, B3, 2, 1)
    entry(f"conv2d_backward{_nm}", _bwd, dout=Arr(np.ones_like(_out) * 0.1), x=Arr(X4), Wk=Arr(WK, invalid=ZERO_KERNEL),
          stride=Int(2), padding=Int(1, minimum=0))
entry("im2col", bp.im2col, x=Arr(X4), KH=Int(2), KW=Int(3), stride=Int(1), padding=Int(0, minimum=0))
_cols = bp.im2col(X4, 2, 2, 2, 1)
entry("col2im", bp.col2im, cols=Arr(_cols), x_shape=Obj((2, 2, 5, 5), [("float", (2, 2, 5.0, 5)), ("6.9", (2, 2, 6.9, 6)),
                                                                       ("bool", (2, True, 5, 5)), ("str", (2, 2, "5", 5)),
                                                                       ("zero", (0, 2, 5, 5)), ("short", (2, 5, 5)),
                                                                       ("int", 5), ("None", None), ("negative", (2, 2, -5, 5))]),
      KH=Int(2), KW=Int(2), stride=Int(2), padding=Int(1, minimum=0))
entry("Conv2D()", lambda C_in, C_out, kernel_size, stride, padding, rng: bp.Conv2D(C_in, C_out, kernel_size, stride, padding, rng=rng),
      C_in=Int(2), C_out=Int(3), kernel_size=Param((2, 2), Int(2).bad + [("triple", _const((2, 2, 2)), INVALID),
                                                                         ("float pair", _const((2.0, 2)), INVALID),
                                                                         ("zero pair", _const((0, 2)), INVALID)]),
      stride=Int(1), padding=Int(0, minimum=0), rng=Obj(None, RNG_BAD))
entry("Conv2D.forward", lambda x: bp.Conv2D(2, 3, 2, W=WK, b=B3).forward(x), x=Arr(X4))


def _conv_layer_after_forward():
    layer = bp.Conv2D(2, 3, 2, stride=2, padding=1, W=WK, b=B3)
    layer.forward(X4)
    return layer


entry("Conv2D.backward", lambda dout: _conv_layer_after_forward().backward(dout), dout=Arr(np.ones_like(_out) * 0.1))


def _threads(n):
    before = get_num_threads()
    try:
        set_num_threads(n)
        return get_num_threads()
    finally:
        set_num_threads(before)


entry("set_num_threads", _threads, n=Int(2))
XP = np.array([[[[1.0, 3.0, 2.0, 0.5], [0.2, -1.0, 4.0, 1.5], [2.5, 0.3, -0.7, 1.1], [0.9, 1.9, 0.4, -2.0]]]])
for _nm, _fwd, _bwd, _red in (("maxpool2d", bp.maxpool2d_forward, bp.maxpool2d_backward, np.max),
                              ("avgpool2d", bp.avgpool2d_forward, bp.avgpool2d_backward, np.mean),
                              ("maxpool2d", bp.maxpool2d_forward_loop, bp.maxpool2d_backward_loop, np.max),
                              ("avgpool2d", bp.avgpool2d_forward_loop, bp.avgpool2d_backward_loop, np.mean)):
    def _pool_ref(x, size, stride, _red=_red):
        x = _ld(x)
        s = size if stride is None else stride
        OH, OW = (x.shape[2] - size) // s + 1, (x.shape[3] - size) // s + 1
        return np.array([[[[_red(x[n, c, i * s:i * s + size, j * s:j * s + size]) for j in range(OW)] for i in range(OH)]
                          for c in range(x.shape[1])] for n in range(x.shape[0])], dtype=LD)

    entry(_fwd.__name__, _fwd, _ref=_pool_ref, _scale=lambda x, size, stride, _p=_pool_ref: _p(np.abs(_ld(x)), size, stride),
          x=Arr(XP), size=Int(2), stride=Int(1, none_ok=True))
    entry(_bwd.__name__, _bwd, dout=Arr(np.ones((1, 1, 3, 3)) * 0.5), x=Arr(XP), size=Int(2), stride=Int(1, none_ok=True))
for _cls in (bp.MaxPool2D, bp.AvgPool2D):
    entry(f"{_cls.__name__}()", _cls, size=Int(2), stride=Int(1, none_ok=True))
    entry(f"{_cls.__name__}.forward", lambda x, _cls=_cls: _cls(2, 1).forward(x), x=Arr(XP))
    entry(f"{_cls.__name__}.backward", lambda dout, _cls=_cls: (lambda l: (l.forward(XP), l.backward(dout))[1])(_cls(2, 1)),
          dout=Arr(np.ones((1, 1, 3, 3)) * 0.5))

# ---- jacobian ------------------------------------------------------------------------------
J23 = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
entry("vjp", bp.vjp, _ref=lambda J, v: _ld(J).T @ _ld(v), _scale=lambda J, v: np.abs(_ld(J)).T @ np.abs(_ld(v)),
      J=Arr(J23), v=Arr(np.array([0.3, -0.7])))
entry("jvp", bp.jvp, _ref=lambda J, u: _ld(J) @ _ld(u), _scale=lambda J, u: np.abs(_ld(J)) @ np.abs(_ld(u)),
      J=Arr(J23), u=Arr(np.array([0.3, -0.7, 0.2])))
TANH_MAP = bp.Map("tanh", np.tanh, lambda x: np.diag(1 - np.tanh(x) ** 2))
NOT_MAPS = [("lambdas", [lambda x: x]), ("ints", [5]), ("str", "F"), ("None", None), ("a Map", TANH_MAP),
            ("mixed", [TANH_MAP, np.tanh])]
entry("Map()", lambda name, f, jacobian: bp.Map(name, f, jacobian), name=Param("F", []),
      f=Callable_(np.tanh), jacobian=Callable_(lambda x: np.diag(1 - np.tanh(x) ** 2)))
entry("forward_chain", bp.forward_chain, maps=Obj([TANH_MAP, TANH_MAP], NOT_MAPS),
      x0=Arr(np.array([0.3, -0.2, 1.0]), names=("x0", "x^0")))
_xs = bp.forward_chain([TANH_MAP, TANH_MAP], np.array([0.3, -0.2, 1.0]))
entry("jacobians_at", bp.jacobians_at, maps=Obj([TANH_MAP, TANH_MAP], NOT_MAPS),
      xs=Obj(_xs, [("int", 5), ("None", None), ("str", "xs"), ("too short", _xs[:1]), ("an array", np.ones(3)),
                   ("empty point", [np.zeros(0)] * 3), ("nan point", [np.array([np.nan, 0.0, 0.0])] * 3)]))
JS = [np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]]), np.array([[0.2, -0.4], [1.0, 0.3], [0.0, 0.5], [0.7, -0.1]])]
NOT_JS = [("an array", JS[0]), ("int", 5), ("None", None), ("empty", []), ("str", "J"), ("mismatched", [JS[1], JS[0]]),
          ("vectors", [np.ones(3)]), ("empty J", [np.zeros((0, 3))])]
entry("chain_vjp", bp.chain_vjp, jacobians=Obj(JS, NOT_JS), grad_g=Arr(np.array([0.1, -0.2, 0.3, 0.4])))
entry("chain_jacobian_forward", bp.chain_jacobian_forward, jacobians=Obj(JS, NOT_JS))
entry("count_flops_backward", bp.count_flops_backward, dims=Ints([3, 2, 4], min_len=2))
entry("count_flops_forward", bp.count_flops_forward, dims=Ints([3, 2, 4], min_len=2))

# ---- numdiff -------------------------------------------------------------------------------
XD = np.array([0.7, -1.3, 0.2])
EPS_BAD = [("denormal eps", _const(1e-300), INVALID), ("eps below 1e-12", _const(1e-14), INVALID)]


def _tanh_sum(v):
    return float(np.sum(np.tanh(v)))


entry("numerical_jacobian", bp.numerical_jacobian, f=Callable_(np.tanh), x=Arr(XD),
      eps=Num(1e-6, low=0.0, low_open=True, extreme=EPS_BAD), order=Param(2, Int(2).bad + [("three", _const(3), INVALID)]))
entry("numerical_gradient", bp.numerical_gradient, f=Callable_(_tanh_sum), x=Arr(XD),
      eps=Num(1e-6, low=0.0, low_open=True, extreme=EPS_BAD), order=Param(4, Int(4).bad + [("three", _const(3), INVALID)]))
entry("relative_error", bp.relative_error, analytic=Arr(XD), numerical=Arr(XD * 1.01),
      floor=Num(1e-8, low=0.0, low_open=True, extreme=[("tiny", _const(1e-300), EXTREME), ("huge", _const(F64), EXTREME)]))
entry("check_gradient", bp.check_gradient, _ok=(bp.GradientCheckError,), f=Callable_(_tanh_sum), x=Arr(XD),
      analytic=Arr(1 - np.tanh(XD) ** 2), tol=Num(1e-6, low=0.0), eps=Num(1e-6, low=0.0, low_open=True, extreme=EPS_BAD),
      raise_on_fail=Bool(True), order=Param(2, Int(2).bad), floor=Num(1e-8, low=0.0, low_open=True))

# ---- errata, trace, timing -----------------------------------------------------------------
PRINTED = {"problem": 1, "quantity": "a", "value": [["0.25", "-1.5"]], "scale": "2/3", "seed": 2, "line": 3}
NOT_ENTRY = [("None", None), ("int", 5), ("no value", {"scale": "1"}), ("empty value", {"value": []}),
             ("bad number", {"value": [["1.2.3"]]}), ("bad scale", {"value": [["1"]], "scale": "two"}),
             ("zero scale", {"value": [["1"]], "scale": "1/0"}), ("float values", {"value": [[1.5]]}),
             ("ragged", {"value": [["1"], ["2", "3"]]}), ("nan", {"value": [["nan"]]})]
entry("errata.printed_array", errata.printed_array, entry=Obj(PRINTED, NOT_ENTRY))
entry("errata.compare", errata.compare, recomputed=Arr(np.array([[0.1667, -1.0]])), printed=Arr(np.array([[1 / 6, -1.0]])),
      tol=Num(1e-3, low=0.0))
entry("errata.fmt", errata.fmt, a=Arr(np.array([[0.25, -1.5]])),
      scale=Obj(None, [("bad", "two"), ("zero", "0"), ("int", 5.5), ("list", [1])]))
entry("errata.table_rows", errata.table_rows, entries=Obj([PRINTED], [("None", None), ("int", 5), ("dicts", [5]),
                                                                     ("not printed", [{"quantity": "a"}])]),
      recomputed=Obj({"a": np.array([[1 / 6, -1.0]])}, [("None", None), ("list", [1.0]), ("missing", {"b": 1.0}),
                                                         ("nan", {"a": np.array([[np.nan, 0.0]])})]),
      reconstruction=Obj(None, [("list", [1.0]), ("missing", {"b": 1.0})]))
entry("errata.select", errata.select, entries=Obj([dict(PRINTED, kind="given")], [("None", None), ("int", 5), ("ints", [1, 2])]),
      problem=Param(1, []), kind=Choice("given", ["giv", "", "PRINTED"]))
entry("errata.arrays", errata.arrays, entries=Obj([PRINTED], [("None", None), ("int", 5), ("ints", [1, 2]), ("no value", [{"quantity": "a"}])]))
entry("errata.html_table", errata.html_table, rows=Obj([{"a": "[1]", "b": 2}], [("None", None), ("int", 5), ("ints", [1])]),
      columns=Obj(["a", "b"], [("None", None), ("int", 5)]))
entry("errata.load_printed", errata.load_printed, path=Obj(None, [("int", 5), ("list", ["a"])]))

TW = [np.array([[0.5, -0.2], [0.3, 0.8]]), np.array([[1.0, -1.0]])]
TB = [np.array([[0.1], [-0.2]]), np.array([[0.05]])]
entry("trace.trace_step", lambda Ws, bs, activation, x, t, loss, lr, layer_names: trace.trace_step(Ws, bs, activation, x, t, loss, lr, layer_names),
      Ws=Obj(TW, [("array", TW[0]), ("None", None), ("int", 5), ("empty", []), ("nan", [TW[0], np.array([[np.nan, 1.0]])]),
                  ("1-D", [np.ones(2), TW[1]]), ("str", [TW[0], "W"])]),
      bs=Obj(TB, [("one", TB[:1]), ("None", None), ("1-D", [np.ones(2), np.ones(1)])]),
      activation=Obj(bp.sigmoid, [("int", 5), ("unknown", "sigmod"), ("softmax", bp.softmax), ("None", None)]),
      x=Arr(np.array([[0.5, 1.0], [-1.0, 0.2]])), t=Arr(np.array([[1.0, 0.0]])),
      loss=Obj(bp.SquaredError(), [("int", 5), ("unknown", "hinge"), ("None", None), ("function", np.sum)]),
      lr=Num(0.1, low=0.0, low_open=True, none_ok=True), layer_names=Obj(None, [("short", ["1"]), ("int", 5), ("str", "12")]))

entry("timing.best_time", timing.best_time, _examples=10, fn=Callable_(lambda: None), repeat=Int(1),
      min_seconds=Num(1e-4, low=0.0, extreme=[("huge", _const(1e300), INVALID)]))
entry("timing.time_chain_orders", lambda sizes, n_maps, rng, repeat: timing.time_chain_orders(sizes, n_maps, rng, repeat),
      _examples=10, sizes=Ints([2], min_len=1), n_maps=Int(1), rng=Obj(None, RNG_BAD), repeat=Int(1))
entry("timing.time_loop_vs_batched", lambda net, batch_sizes, rng, repeat: timing.time_loop_vs_batched(net, batch_sizes, rng, repeat),
      _examples=10, net=Obj(lambda: bp.Network.from_sizes([2, 2], seed=0), NOT_NETS, fresh=True),
      batch_sizes=Ints([1], min_len=1), rng=Obj(None, RNG_BAD), repeat=Int(1))

# ---- plotting, diagram, conv_plots (matplotlib) ---------------------------------------------
# A Figure outside pyplot: it is never "open" for other tests (bpkit.book.widgets refuses to draw while
# pyplot figures are open), and needs no closing.
FIG = Figure()
AXES = FIG.subplots(1, 3)
AX = AXES[0]
NOT_AX = [("None", None), ("int", 5), ("str", "ax"), ("figure", FIG)]


def _ax():
    for a in AXES:
        a.clear()
    return AX


def _axes():
    for a in AXES:
        a.clear()
    return list(AXES)


def _bowl(v):
    return float(v @ v)


GRID = np.linspace(-1, 1, 5)
PLOT = 8
entry("plotting.contour_with_gradient", plotting.contour_with_gradient, _examples=PLOT,
      ax=Obj(_ax, NOT_AX, fresh=True), E=Callable_(_bowl), xs=Arr(GRID), ys=Arr(GRID),
      point=Arr(np.array([0.5, 0.0])), grad=Arr(np.array([1.0, 0.0])), levels=Int(5))
entry("plotting.plot_timings", plotting.plot_timings, _examples=PLOT, ax=Obj(_ax, NOT_AX, fresh=True),
      sizes=Obj([1, 2, 4], [("None", None), ("int", 5), ("zero", [0, 2, 4]), ("nan", [1, np.nan, 4]), ("str", "124")]),
      series=Obj({"a": [1e-3, 2e-3, 4e-3]}, [("None", None), ("list", [1.0, 2.0, 3.0]), ("short", {"a": [1.0]}),
                                             ("nan", {"a": [1.0, np.nan, 2.0]}), ("negative", {"a": [1.0, -1.0, 2.0]}),
                                             ("str", {"a": "abc"})]))
entry("plotting.plot_activation", plotting.plot_activation, _examples=PLOT, ax=Obj(_ax, NOT_AX, fresh=True),
      act=Obj("tanh", [("unknown", "tan"), ("int", 5), ("None", None), ("softmax", "softmax")]),
      lo=Num(-2.0, extreme=[("-huge", _const(-F64), EXTREME)]), hi=Num(2.0, extreme=[("huge", _const(F64), EXTREME)]),
      n=Int(11, minimum=2), derivative=Bool(True))
entry("plotting.heatmap", plotting.heatmap, _examples=PLOT, ax=Obj(_ax, NOT_AX, fresh=True), M=Arr(Z23),
      labels=Obj(None, [("short", ["a"]), ("int", 5)]), col_labels=Obj(None, [("short", ["a"]), ("int", 5)]),
      fmt=Obj("{:.3f}", [("bad spec", "{:d}"), ("int", 5), ("two fields", "{} {}"), ("bad field", "{x}")]),
      cmap=Obj("RdBu_r", [("unknown", "nocmap"), ("int", 5)]), colorbar=Bool(True))
entry("plotting.plot_loss_and_gradient", plotting.plot_loss_and_gradient, _examples=PLOT, ax=Obj(_ax, NOT_AX, fresh=True),
      xs=Arr(GRID), E=Callable_(lambda v: v * v), dE=Callable_(lambda v: 2 * v),
      point=Num(0.5, none_ok=True, extreme=[("outside", _const(3.0), INVALID)]))
entry("plotting.draw_shape_table", plotting.draw_shape_table, _examples=PLOT, ax=Obj(_ax, NOT_AX, fresh=True),
      rows=Obj(bp.shape_table([3, 2], 4), [("empty", []), ("None", None), ("int", 5), ("bad shape", [("X", "3x4", "forward")])]),
      unit=Num(0.25, low=0.0, low_open=True))
entry("diagram.node_positions", diagram.node_positions, sizes=Ints([2, 3, 1], min_len=2),
      layer_gap=Num(3.0, low=0.0, low_open=True), node_gap=Num(2.0, low=0.0, low_open=True))
entry("diagram.draw_graph", lambda ax, sizes, node_text, edge_values, label_at, node_radius, fontsize, max_width, cmap:
      diagram.draw_graph(ax, sizes, node_text=node_text, edge_values=edge_values, label_at=label_at, node_radius=node_radius,
                         fontsize=fontsize, max_width=max_width, cmap=cmap), _examples=PLOT,
      ax=Obj(_ax, NOT_AX, fresh=True), sizes=Ints([2, 1], min_len=2),
      node_text=Obj(None, [("int", 5), ("short", [["a", "b"]]), ("ints", [5, 6])]),
      edge_values=Obj(None, [("int", 5), ("wrong shape", [np.ones((2, 1))]), ("nan", [np.array([[np.nan, 1.0]])]),
                             ("str", ["ab"])]),
      label_at=Num(0.35, low=0.0, high=1.0), node_radius=Num(0.3, low=0.0, low_open=True),
      fontsize=Num(8, low=0.0, low_open=True), max_width=Num(4.0, low=0.0, low_open=True),
      cmap=Obj("coolwarm", [("unknown", "nocmap"), ("int", 5)]))
entry("diagram.draw_network", lambda ax, net, x, t, fmt: diagram.draw_network(ax, net, x, t, fmt), _examples=PLOT,
      ax=Obj(_ax, NOT_AX, fresh=True), net=Obj(lambda: bp.Network.from_sizes([2, 1], seed=0), NOT_NETS, fresh=True),
      x=Arr(np.array([0.5, -0.5])), t=Arr(np.array([0.3]), none=ANY), fmt=Obj(".3f", [("bad", "q"), ("int", 5), ("braces", "{}")]))
entry("conv_plots.conv_output_shape", cp.conv_output_shape, H=Int(4), W=Int(4), KH=Int(2), KW=Int(2), stride=Int(1),
      padding=Int(0, minimum=0))
entry("conv_plots.output_dependencies", cp.output_dependencies, H=Int(4), W=Int(4), KH=Int(2), KW=Int(2),
      i=Int(1, minimum=0), j=Int(2, minimum=0), stride=Int(1), padding=Int(0, minimum=0))
entry("conv_plots.weight_pairs", cp.weight_pairs, H=Int(4), W=Int(4), KH=Int(2), KW=Int(2),
      u=Int(1, minimum=0), v=Int(0, minimum=0), stride=Int(1), padding=Int(1, minimum=0))
XG = np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 1.0, 3.0, 1.0], [2.0, 1.0, 0.0, 2.0], [1.0, 0.0, 1.0, 1.0]])
WG = np.array([[1.0, -1.0], [0.5, 2.0]])
entry("conv_plots.draw_grid", lambda ax, M, padding, fmt: cp.draw_grid(ax, M, padding=padding, fmt=fmt), _examples=PLOT,
      ax=Obj(_ax, NOT_AX, fresh=True), M=Arr(XG, finite_only=False), padding=Int(1, minimum=0),
      fmt=Obj("{:g}", [("bad spec", "{:d}"), ("int", 5), ("two fields", "{} {}")]))
entry("conv_plots.draw_output_dependencies", cp.draw_output_dependencies, _examples=PLOT, axes=Obj(_axes, NOT_AX, fresh=True),
      x=Arr(XG), Wk=Arr(WG), i=Int(1, minimum=0), j=Int(0, minimum=0), stride=Int(1), padding=Int(0, minimum=0))
entry("conv_plots.draw_weight_pairs", cp.draw_weight_pairs, _examples=PLOT, axes=Obj(_axes, NOT_AX, fresh=True),
      x=Arr(XG), Wk=Arr(WG), dz=Arr(np.ones((3, 3))), u=Int(1, minimum=0), v=Int(1, minimum=0), stride=Int(1),
      padding=Int(0, minimum=0))
entry("conv_plots.draw_sliding_step", cp.draw_sliding_step, _examples=PLOT, axes=Obj(_axes, NOT_AX, fresh=True),
      x=Arr(XG), Wk=Arr(WG), step=Int(4, minimum=0), stride=Int(1), padding=Int(0, minimum=0))

# --------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------


def _structure(r):
    """The shape of a result: arrays by shape, containers entry by entry, other objects by type."""
    if isinstance(r, np.ndarray):
        return ("array", r.shape)
    if isinstance(r, (float, np.floating)):
        return "float"
    if isinstance(r, (bool, int, np.integer, str)):
        return type(r).__name__
    if isinstance(r, (list, tuple)):
        return [_structure(x) for x in r]
    if isinstance(r, dict):
        return {k: _structure(v) for k, v in r.items()}
    if dataclasses.is_dataclass(r) and not isinstance(r, type):
        return {f.name: _structure(getattr(r, f.name)) for f in dataclasses.fields(r)}
    return type(r).__name__


def _non_finite(r, path="result"):
    """The first non-finite number in a result, as a path, or None."""
    if isinstance(r, np.ndarray):
        if r.dtype.kind in "fc" and not np.all(np.isfinite(r)):
            return path
        return None
    if isinstance(r, (float, np.floating)):
        return None if np.isfinite(r) else path
    if isinstance(r, (list, tuple)):
        for i, x in enumerate(r):
            bad = _non_finite(x, f"{path}[{i}]")
            if bad:
                return bad
    if isinstance(r, dict):
        for k, x in r.items():
            bad = _non_finite(x, f"{path}[{k!r}]")
            if bad:
                return bad
    if dataclasses.is_dataclass(r) and not isinstance(r, type):
        return _non_finite(dataclasses.astuple(r), path)
    return None


def _pairs(result, expected):
    if isinstance(expected, (tuple, list)):
        for r, e in zip(result, expected):
            yield from _pairs(r, e)
    else:
        yield result, expected


def _dtype(kwargs, lowest=False):
    """The floating-point type of a call's result (float32 only if every float array argument is),
    or with lowest=True the least precise one among its arguments (what limits its accuracy)."""
    arrays = [v.dtype for v in kwargs.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    if not arrays:
        return np.dtype(np.float64)
    return min(arrays, key=lambda d: np.finfo(d).bits) if lowest else np.result_type(*arrays)


def _representable(expected, dtype, margin=1e-12) -> bool:
    """Every entry of the exact result fits in dtype (to within a relative margin: near the largest
    float, rounding decides whether the computed value is finite)."""
    top = LD(np.finfo(dtype).max) * LD(1 + margin)
    flat = expected if isinstance(expected, (tuple, list)) else [expected]
    return all(e is None or np.all(np.abs(np.asarray(e, dtype=LD)) <= top) for e in flat)


def _matches(result, expected, scale, dtype) -> str | None:
    """None if result equals the reference to rounding: |r - e| <= rtol * max(|e|, scale) + atol,
    where scale (default |e|) is the size of the terms that were added to make each entry."""
    scales = scale if isinstance(expected, (tuple, list)) else [scale]
    if scale is None:
        scales = [None] * (len(expected) if isinstance(expected, (tuple, list)) else 1)
    for (r, e), sc in zip(_pairs(result, expected), scales):
        r, e = np.asarray(r, dtype=LD), np.asarray(e, dtype=LD)
        if r.shape != e.shape:
            return f"shape {r.shape} but the reference has {e.shape}"
        rtol, atol = (1e-5, 1e-37) if dtype == np.float32 else (1e-12, 1e-300)
        size = np.abs(e) if sc is None else np.maximum(np.abs(e), np.asarray(sc, dtype=LD))
        with np.errstate(all="ignore"):
            err = np.abs(r - e) - (atol + rtol * size)
        if np.any(err > 0):
            i = np.unravel_index(np.argmax(err), err.shape) if err.ndim else ()
            return f"{float(r[i])!r} but the long-double reference is {float(e[i])!r} (at {i})"
    return None


def _names(msg: str, words) -> bool:
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", msg) for w in words)


def _raised_in_bpkit(err: BaseException) -> bool:
    tb = err.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return last is not None and f"{os.sep}bpkit{os.sep}" in last


_VALID_RESULTS: dict = {}


def _valid_result(e: Entry):
    if e.name not in _VALID_RESULTS:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            try:
                r = e.fn(**{k: p.value() for k, p in e.params.items()})
            except e.ok if e.ok else () as err:  # pragma: no cover - an ordinary outcome
                r = err
        _VALID_RESULTS[e.name] = _structure(r)
    return _VALID_RESULTS[e.name]


def _fuzzable(e: Entry):
    return [k for k in (e.fuzz or e.params) if e.params[k].bad]


def _show(v) -> str:
    text = repr(v)
    return text if len(text) < 300 else text[:300] + "..."


def check_call(e: Entry, param: str, label: str, value, kind: str):
    """Call e with `param` = value (the others valid) and apply the contract; AssertionError if broken."""
    kwargs = {k: p.value() for k, p in e.params.items()}
    kwargs[param] = value
    names = e.params[param].names or (param,)
    call = f"{e.name} with {param} = {_show(value)} ({label}, {kind})"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            result = e.fn(**kwargs)
        except (ValueError, TypeError) as err:
            msg = str(err)
            assert _raised_in_bpkit(err), f"{call}: a raw {type(err).__name__} from outside bpkit: {msg}"
            assert _names(msg, names), f"{call}: {type(err).__name__} does not name {param!r}: {msg}"
            if kind == EXTREME and e.ref is not None:
                # Refusing is right only where the exact result, or the terms summed to make it,
                # do not fit in the float type (then the message says the result overflows).
                expected = _reference(e, kwargs)
                scale = None if e.scale is None else _quiet(e.scale, kwargs)
                fits = expected is None or (_representable(expected, _dtype(kwargs), -1e-9)
                                            and (scale is None or _representable(scale, _dtype(kwargs), -1e-9)))
                assert not fits, f"{call}: raised {type(err).__name__} although the exact result fits: {msg}"
            return
        except e.ok if e.ok else () as err:
            assert kind != INVALID, f"{call}: {type(err).__name__} instead of a ValueError/TypeError: {err}"
            return
        except Exception as err:  # noqa: BLE001 - the point of the contract
            raise AssertionError(f"{call}: raised {type(err).__name__}: {err}") from err
    assert kind != INVALID, f"{call}: no error for an invalid value; returned {_show(result)}"
    bad = _non_finite(result)
    assert bad is None, f"{call}: {bad} is not finite: {_show(result)}"
    if kind == EXTREME:
        assert _structure(result) == _valid_result(e), (
            f"{call}: result structure {_structure(result)} differs from {_valid_result(e)}")
        if e.ref is not None:
            expected = _reference(e, kwargs)
            if expected is not None:
                fits = all(_representable(e, np.asarray(r).dtype) for r, e in _pairs(result, expected))
                assert fits, f"{call}: returned {_show(result)} for a result that overflows"
                scale = None if e.scale is None else _quiet(e.scale, kwargs)
                wrong = _matches(result, expected, scale, _dtype(kwargs, lowest=True))
                assert wrong is None, f"{call}: wrong result: {wrong}"


def _quiet(fn, kwargs):
    with np.errstate(all="ignore"):
        return fn(**kwargs)


def _reference(e: Entry, kwargs):
    return _quiet(e.ref, kwargs)


def _bad_values(e: Entry):
    params = _fuzzable(e)
    return st.sampled_from(params).flatmap(
        lambda k: st.tuples(st.just(k), st.sampled_from(e.params[k].bad), st.integers(0, 2**16)))


@pytest.mark.parametrize("e", ENTRIES, ids=[e.name for e in ENTRIES])
def test_bad_input_contract(e: Entry):
    _valid_result(e)  # the valid call itself must work, warning-free

    @settings(max_examples=e.examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(_bad_values(e))
    def run(drawn):
        param, (label, make, kind), seed = drawn
        value = make(e.params[param].value(), np.random.default_rng(seed))
        check_call(e, param, label, value, kind)

    run()


def test_every_public_function_is_covered():
    """Every name in bpkit.__all__ that takes arguments has an entry (a guard against forgetting one)."""
    covered = " ".join(e.name for e in ENTRIES)
    missing = [n for n in bp.__all__ if n not in ("Activation", "Loss", "Gradients", "GradCheckResult",
                                                    "GradientCheckError", "Identity", "Sigmoid", "Tanh", "ReLU",
                                                    "Square", "Softmax", "identity", "sigmoid", "tanh", "relu",
                                                    "square", "softmax", "Layer", "get_num_threads")
               and n not in covered]
    assert not missing, f"no contract entry for {missing}"


def sweep(e) -> None:
    """Call entry point ``e`` with each malformed value of its table once (seed 0); raises
    AssertionError at the first call that breaks the contract. The modules whose entries are
    listed in their own test files (errata, typeset, tensor_plots) sweep them with this."""
    _valid_result(e)
    for param in _fuzzable(e):
        for label, make, kind in e.params[param].bad:
            check_call(e, param, label, make(e.params[param].value(), np.random.default_rng(0)), kind)


@pytest.mark.skipif(not os.environ.get("BPKIT_CONTRACT_SWEEP"), reason="the full sweep takes ~20 s: BPKIT_CONTRACT_SWEEP=1")
def test_every_bad_value_once():
    """Every (entry point, argument, malformed value) of the table once (seed 0), not a random sample:
    about 5600 calls. Opt-in, because the property test above samples the same space in a third of the time."""
    broken = []
    for e in ENTRIES:
        try:
            sweep(e)
        except AssertionError as err:
            broken.append(str(err)[:300])
    assert not broken, f"{len(broken)} entry points break the contract:\n" + "\n".join(broken[:30])
