"""bpkit.check: every reference passes, every catalogued mistake is diagnosed as itself and as no
other one, small perturbations fail, correct implementations written differently pass, and a
learner's exceptions, wrong shapes and NaN give messages, not tracebacks."""

from __future__ import annotations

import numpy as np
import pytest

from bpkit import check
from bpkit.check._engine import NUMERIC_TOL, TOL, _as64, _error, call, outputs_of, same_outcome

NAMES = check.exercises()


def test_at_least_twelve_exercises_over_chapters_1_to_5():
    assert len(NAMES) >= 12
    assert {check.get(n).chapter for n in NAMES} == {1, 2, 3, 4, 5}
    for n in NAMES:
        assert len(check.get(n).mistakes) >= 2, n


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_passes_and_agrees_with_central_differences(name):
    ex = check.get(name)
    r = check.run(name, ex.reference)
    assert r.passed and r.mistake is None, r.message
    if ex.numeric is None:
        pytest.skip("no gradient")
    for case in ex.make_cases():
        if not case.smooth:
            continue
        args = _as64(case.args)
        for got, num in zip(outputs_of(ex.reference(*args), ex.outputs), ex.numeric(*args)):
            assert _error(got, num) <= NUMERIC_TOL, (name, case.label)


def _outcomes(ex, fn):
    return [outputs_of(call(fn, _as64(c.args)), ex.outputs) for c in ex.make_cases()]


@pytest.mark.parametrize("name", NAMES)
def test_the_confusion_matrix_of_the_catalogue_is_diagonal(name):
    ex = check.get(name)
    cases = ex.make_cases()
    tols = [TOL["float64"]] * len(cases)  # the mistakes run on float64 copies of every case
    outcomes = {m.key: _outcomes(ex, m.fn) for m in ex.mistakes}
    ref = _outcomes(ex, ex.reference)
    for m in ex.mistakes:
        r = check.run(name, m.fn)
        assert not r.passed and r.mistake == m.key, (m.key, r.message)
        assert m.name in r.message and m.fix in r.message
        # a real mistake: wrong on some case; and no other entry of the catalogue looks the same
        assert not all(same_outcome(a, b, t) for a, b, t in zip(outcomes[m.key], ref, tols)), m.key
        for other in ex.mistakes:
            if other.key != m.key:
                assert not all(same_outcome(a, b, t) for a, b, t in zip(outcomes[m.key], outcomes[other.key], tols)), \
                    (m.key, other.key)


def _perturbed(ex, scale):
    rng = np.random.default_rng(7)

    def fn(*args):
        out = ex.reference(*args)
        outs = out if len(ex.outputs) > 1 else (out,)
        noisy = tuple(np.asarray(o) * (1 + scale * rng.standard_normal(np.shape(o))) for o in outs)
        return noisy if len(ex.outputs) > 1 else noisy[0]

    return fn


@pytest.mark.parametrize("name", NAMES)
def test_a_random_relative_perturbation_of_1e_3_fails(name):
    ex = check.get(name)
    r = check.run(name, _perturbed(ex, 1e-3))
    assert not r.passed and r.mistake is None
    assert "worst entries" in r.message and "expected" in r.message and "got" in r.message


def _scaled(ex, factor):
    def fn(*args):
        out = ex.reference(*args)
        outs = tuple(factor(args) * np.asarray(o) for o in (out if len(ex.outputs) > 1 else (out,)))
        return outs if len(ex.outputs) > 1 else outs[0]

    return fn


@pytest.mark.parametrize("name", NAMES)
def test_a_sign_flip_and_a_factor_2_are_named_without_a_catalogue(name):
    ex = check.get(name)
    r = check.run(name, _scaled(ex, lambda a: -1.0))
    assert not r.passed and "the sign is flipped" in r.message, r.message
    r = check.run(name, _scaled(ex, lambda a: 2.0))
    assert not r.passed and ("2 times the right one" in r.message or r.mistake == "factor_2"), r.message


@pytest.mark.parametrize("name", [n for n in NAMES if all(c.N for c in check.get(n).make_cases())])
def test_a_factor_n_is_named(name):
    ex = check.get(name)
    sizes = iter(c.N for c in ex.make_cases())

    def times_N(*args):
        out = ex.reference(*args)
        N = next(sizes)
        return tuple(N * o for o in out) if len(ex.outputs) > 1 else N * out

    r = check.run(name, times_N)
    assert not r.passed
    assert "N times the right one" in r.message or r.mistake in ("sum_not_mean",), r.message


# correct implementations written differently: another formula, in place, einsum, explicit loops
def _sig(z):
    return 1 / (1 + np.exp(-z))


def _vjp_rows(jacobians, v):
    for J in jacobians[::-1]:
        v = v @ J
    return v


def _layer_loop(W, b, x):
    z = W @ x + b
    J = np.empty(W.shape, dtype=np.result_type(W, x, b, np.float32))
    for i in range(W.shape[0]):
        J[i] = W[i] / np.cosh(z[i]) ** 2
    return J


def _two_layer_inplace(W1, b1, W2, b2, x, t):
    a1 = _sig(W1 @ x + b1)
    a2 = _sig(W2 @ a1 + b2)
    d2 = a2 - t
    d2 *= a2
    d2 *= 1 - a2
    d1 = W2.T @ d2
    d1 *= a1 * (1 - a1)
    return d1[:, None] * x[None, :], d1, d2[:, None] * a1[None, :], d2


def _softmax_jac(s, v):
    return (np.diag(s) - np.outer(s, s)).T @ v


def _cce_logsumexp(z, t):
    m = z.max()
    return np.exp(z - m - np.log(np.exp(z - m).sum())) - t


def _dense_einsum(W, X, D):
    return np.einsum("in,jn->ij", D, X), np.einsum("in->i", D), np.einsum("ij,in->jn", W, D)


def _rows_via_columns(V, X_r, D_r):
    dW, db, dX = _dense_einsum(V.T, X_r.T, D_r.T)
    return dW.T, db, dX.T


def _bias_ones(D):
    return D @ np.ones(D.shape[1], dtype=D.dtype)


def _softmax_batch_loop(S, U):
    out = np.empty(S.shape, dtype=np.result_type(S, U))
    for mu in range(S.shape[1]):
        s, u = S[:, mu], U[:, mu]
        out[:, mu] = s * u - s * (s @ u)
    return out


def _mean_cce_inplace(Z, T):
    E = np.exp(Z - Z.max(axis=0))
    E /= E.sum(axis=0)
    E -= T
    E /= Z.shape[1]
    return E


def _wgrad_loops(X, D):
    N, OH, OW = D.shape
    KH, KW = X.shape[1] - OH + 1, X.shape[2] - OW + 1
    dW = np.zeros((KH, KW), dtype=np.result_type(X, D, np.float32))
    for n in range(N):
        for i in range(OH):
            for j in range(OW):
                dW += D[n, i, j] * X[n, i:i + KH, j:j + KW]
    return dW


def _igrad_full_conv(D, W, s, X_shape):
    # the full convolution of dil_s(D) with rot180(W), eq. (5.5), cropped or padded to X_shape
    OH, OW = D.shape
    KH, KW = W.shape
    dil = np.zeros((s * (OH - 1) + 1, s * (OW - 1) + 1))
    dil[::s, ::s] = D
    P = np.pad(dil, ((KH - 1, KH - 1), (KW - 1, KW - 1)))
    R = W[::-1, ::-1]
    full = np.zeros((P.shape[0] - KH + 1, P.shape[1] - KW + 1))
    for i in range(full.shape[0]):
        for j in range(full.shape[1]):
            full[i, j] = np.sum(P[i:i + KH, j:j + KW] * R)
    dX = np.zeros(X_shape)
    h, w = min(X_shape[0], full.shape[0]), min(X_shape[1], full.shape[1])
    dX[:h, :w] = full[:h, :w]
    return dX


def _pool_loops(X, dOut, k):
    dX = np.zeros(X.shape)
    for i in range(dOut.shape[0]):
        for j in range(dOut.shape[1]):
            win = X[i * k:(i + 1) * k, j * k:(j + 1) * k]
            u, v = np.unravel_index(np.argmax(win), win.shape)
            dX[i * k + u, j * k + v] = dOut[i, j]
    return dX


ALTERNATIVES = {
    "vjp_chain": [_vjp_rows],
    "layer_jacobian": [_layer_loop, lambda W, b, x: np.diag(1 - np.tanh(W @ x + b) ** 2) @ W],
    "output_delta": [lambda z, t: (_sig(z) - t) * np.exp(-z) / (1 + np.exp(-z)) ** 2],
    "two_layer_gradients": [_two_layer_inplace],
    "sigmoid_backward": [lambda z, v: v * np.exp(-z) / (1 + np.exp(-z)) ** 2,
                         lambda z, v: v * (0.25 - 0.25 * np.tanh(z / 2) ** 2)],
    "tanh_backward": [lambda z, v: v / np.cosh(z) ** 2],
    "softmax_backward": [_softmax_jac, lambda s, v: s * v - s * np.dot(s, v)],
    "softmax_cce_delta": [_cce_logsumexp],
    "dense_backward_columns": [_dense_einsum],
    "dense_backward_rows": [_rows_via_columns],
    "bias_gradient": [_bias_ones, lambda D: np.add.reduce(D, axis=1)],
    "softmax_backward_batch": [_softmax_batch_loop],
    "mean_cce_delta": [_mean_cce_inplace],
    "conv_weight_gradient": [_wgrad_loops],
    "conv_input_gradient": [_igrad_full_conv],
    "maxpool_backward": [_pool_loops],
}


def test_every_exercise_has_an_alternative_implementation():
    assert set(ALTERNATIVES) == set(NAMES)


@pytest.mark.parametrize("name,k", [(n, k) for n, fns in ALTERNATIVES.items() for k in range(len(fns))])
def test_correct_implementations_written_differently_pass(name, k):
    r = check.run(name, ALTERNATIVES[name][k])
    assert r.passed, r.message


def _one_output(ex, value):
    return value if len(ex.outputs) == 1 else tuple(value for _ in ex.outputs)


@pytest.mark.parametrize("name", NAMES)
def test_the_learners_code_never_crashes_the_check(name):
    ex = check.get(name)

    def raises(*args):
        return 1 / 0

    r = check.run(name, raises)
    assert not r.passed and "ZeroDivisionError" in r.message and "return 1 / 0" in r.message

    r = check.run(name, lambda *a: _one_output(ex, np.zeros((7, 9))))
    assert not r.passed and "has shape (7, 9) but expected" in r.message

    def nan(*args):
        out = ex.reference(*_as64(args))
        outs = out if len(ex.outputs) > 1 else (out,)
        outs = tuple(np.full(np.shape(o), np.nan) for o in outs)
        return outs if len(ex.outputs) > 1 else outs[0]

    r = check.run(name, nan)
    assert not r.passed and "nan" in r.message and "finite" in r.message

    r = check.run(name, lambda *a: None)
    assert not r.passed and "None" in r.message
    r = check.run(name, lambda *a: "text")
    assert not r.passed and "not an array of numbers" in r.message or "expected a tuple" in r.message
    r = check.run(name, lambda: 0)  # the wrong number of parameters
    assert not r.passed and "TypeError" in r.message


def test_the_learner_may_change_its_arguments_in_place():
    def sigmoid_backward(z, v):
        v *= 1  # in place on the caller's arrays would corrupt the next call if they were not copies
        z *= -1
        e = np.exp(z)
        return v * e / (1 + e) ** 2

    assert check.run("sigmoid_backward", sigmoid_backward).passed

    def float_in_place(z, v):  # v *= 0.5 fails on the integer case: numpy will not cast in place
        v *= 0.5
        return 2 * v * _sig(z) * (1 - _sig(z))

    r = check.run("sigmoid_backward", float_in_place)
    assert not r.passed and "UFuncTypeError" in r.message and "line" in r.message and "integer z and v" in r.message


def test_a_two_output_mistake_not_in_the_catalogue_is_reported_output_by_output():
    def fn(W, X, D):
        return -(D @ X.T), D.sum(axis=1), W.T @ D + 1

    r = check.run("dense_backward_columns", fn)
    assert not r.passed and r.mistake is None
    assert "dW: the sign is flipped" in r.message and "db: right on this case" in r.message
    assert "dX: largest error" in r.message


def test_the_transpose_is_named():
    ref = check.reference("layer_jacobian")
    r = check.run("layer_jacobian", lambda W, b, x: ref(W, b, x).T)
    assert not r.passed and "transpose of the right J" in r.message


def test_result_shows_as_html_and_text():
    r = check.run("bias_gradient", lambda D: D.sum(axis=0))
    assert str(r).startswith("bias_gradient: not correct yet") and repr(r) == str(r)
    h = r._repr_html_()
    assert "<div" in h and "not correct yet" in h and "&lt;" not in r.message or "<" not in r.message
    ok = check.run("bias_gradient", check.reference("bias_gradient"))
    assert "correct" in ok._repr_html_() and str(ok).startswith("bias_gradient: correct")


def test_bad_names_and_registrations_are_refused():
    with pytest.raises(ValueError, match="no exercise 'nope'; the exercises are: vjp_chain"):
        check.run("nope", lambda: 0)
    with pytest.raises(TypeError, match="must be a str"):
        check.reference(3)
    with pytest.raises(ValueError, match="exists already"):
        check.register(check.get("vjp_chain"))
    with pytest.raises(TypeError, match="Exercise"):
        check.register("vjp_chain")
    with pytest.raises(TypeError, match="chapter must be an int"):
        check.exercises("1")
    assert check.exercises(5) == ["conv_weight_gradient", "conv_input_gradient", "maxpool_backward"]
    r = check.run("vjp_chain", "not a function")
    assert not r.passed and "needs a function" in r.message


def test_every_exercise_has_its_your_turn_section_in_its_chapter():
    """Each chapter's 'Your turn' section runs the check twice per exercise: on the starter, whose
    stored output names a catalogued mistake, and in the folded solution, whose output says correct."""
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = {1: "01_jacobian_chain", 2: "02_feedforward", 3: "03_activations_losses", 4: "04_batched", 5: "05_cnn"}
    for n, stem in files.items():
        cells = json.loads((root / "chapters" / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
        text = ["".join(c["source"]) for c in cells]
        assert any(f"(sec-ch{n}-your-turn)=" in t for t in text), stem
        for name in check.exercises(n):
            runs = [c for c in cells if c["cell_type"] == "code" and f'bp.check.run("{name}", {name})' in "".join(c["source"])]
            assert len(runs) == 2, (stem, name)
            shown = ["".join(o["data"]["text/plain"]) for c in runs for o in c["outputs"] if "data" in o]
            assert len(shown) == 2, (stem, name)
            assert shown[0].startswith(f"{name}: not correct yet\nRecognised mistake:"), shown[0]
            assert shown[1].startswith(f"{name}: correct\n"), shown[1]


def test_every_subpackage_of_bpkit_is_packaged():
    """pyproject.toml lists the packages by hand: a subpackage missing there is absent from a pip
    install (Colab, Binder) while an editable install still finds it."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "bpkit").rglob("__init__.py")}
    assert found == listed
