"""The layer protocol, Sequential, SGD and minibatches (bpkit.layer, bpkit.model, bpkit.optim)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import bpkit as bp

ISSUE_EXAMPLE = textwrap.dedent('''
    import numpy as np
    import bpkit as bp
    rng = np.random.default_rng(1)
    model = bp.Sequential([
        bp.Conv2D(1, 4, 3, padding=1), bp.ReLU(), bp.MaxPool2D(2),
        bp.Flatten(),                                 # (N, C, H, W) -> (C*H*W, N)
        bp.Dense(4 * 4 * 4, 10, activation="softmax"),
    ], loss="categorical_cross_entropy")
    x = rng.standard_normal((5, 1, 8, 8))             # five 8x8 images
    t = np.eye(10)[:, rng.integers(0, 10, 5)]         # one-hot targets as columns
    E = model.loss_value(x, t)
    grads = model.gradients(x, t)                     # same keys as model.params()
    opt = bp.SGD(model, lr=0.05, momentum=0.9)
    opt.step()
''')


def test_the_example_runs_as_written():
    scope = {}
    exec(compile(ISSUE_EXAMPLE, "example", "exec"), scope)
    model, grads, x, t, E = (scope[k] for k in ("model", "grads", "x", "t", "E"))
    assert list(grads) == list(model.params()) == ["0.W", "0.b", "4.W", "4.b"]
    assert model.params()["0.W"].shape == (4, 1, 3, 3) and model.params()["4.W"].shape == (10, 64)
    assert model.fused is bp.softmax_cce
    assert model.loss_value(x, t) < E  # one step downhill on the same batch


def test_every_layer_follows_the_protocol():
    r = np.random.default_rng(0)
    x4 = r.normal(size=(2, 3, 6, 6))
    cases = [(bp.Conv2D(3, 2, 3), x4, {"W", "b"}), (bp.MaxPool2D(2), x4, set()), (bp.AvgPool2D(3, 2), x4, set()),
             (bp.Flatten(), x4, set()), (bp.ReLU(), x4, set()), (bp.Tanh(), x4, set()),
             (bp.Dense(5, 3, "sigmoid"), r.normal(size=(5, 4)), {"W", "b"}), (bp.Softmax(), r.normal(size=(3, 4)), set())]
    for layer, x, keys in cases:
        assert isinstance(layer, bp.Layer)
        y = layer.forward(x)
        dy = r.normal(size=y.shape)
        dx = layer.backward(dy)
        assert dx.shape == x.shape, layer
        assert set(layer.params()) == set(layer.grads()) == keys, layer
        for k in keys:
            assert layer.grads()[k].shape == layer.params()[k].shape
        # backward is the vector-Jacobian product: <dy, J dx_dir> = <J^T dy, dx_dir>
        u, h = r.normal(size=x.shape), 1e-6
        jvp = (layer.forward(x + h * u) - layer.forward(x - h * u)) / (2 * h)
        layer.forward(x)
        assert np.sum(dy * jvp) == pytest.approx(np.sum(layer.backward(dy) * u), rel=1e-5, abs=1e-8), layer


def test_flatten_meets_the_column_layout():
    x = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    f = bp.Flatten()
    cols = f.forward(x)
    assert cols.shape == (12, 2)
    np.testing.assert_array_equal(cols[:, 1], x[1].ravel())  # column mu is image mu, read (c, h, w)
    np.testing.assert_array_equal(f.backward(cols), x)
    with pytest.raises(ValueError, match=r"Flatten backward: dy has shape \(2, 12\) but expected \(12, 2\)"):
        f.backward(cols.T)
    with pytest.raises(RuntimeError, match="call forward"):
        bp.Flatten().backward(cols)


def test_dense_params_are_the_arrays_sgd_updates():
    layer = bp.Dense(3, 2)
    assert layer.activation is bp.identity  # the affine map alone unless an activation is named
    assert layer.params()["W"] is layer.W and layer.grads() == {"W": None, "b": None}


def test_sequential_matches_network_on_dense_layers():
    """The same Dense layers give the same numbers through Network (chapters 2-4) and Sequential."""
    r = np.random.default_rng(4)
    x, t = r.normal(size=(3, 5)), np.eye(2)[:, r.integers(0, 2, 5)]
    net = bp.Network.from_sizes([3, 4, 2], ["tanh", "softmax"], "categorical_cross_entropy", seed=2)
    seq = bp.Sequential(bp.Network.from_sizes([3, 4, 2], ["tanh", "softmax"], seed=2).layers,
                        "categorical_cross_entropy")
    g_net, g_seq = net.gradients(x, t), seq.gradients(x, t)
    for l in range(2):
        np.testing.assert_array_equal(g_seq[f"{l}.W"], g_net.dW[l])
        np.testing.assert_array_equal(g_seq[f"{l}.b"], g_net.db[l])
    assert seq.loss_value(x, t) == net.loss_value(x, t)


def test_sgd_with_momentum_follows_its_equation():
    r = np.random.default_rng(5)
    model = bp.Sequential([bp.Dense(3, 2, "tanh")], "squared_error")
    x, t = r.normal(size=(3, 4)), r.normal(size=(2, 4))
    opt = bp.SGD(model, lr=0.1, momentum=0.5)
    W0 = model.params()["0.W"].copy()
    g1 = model.gradients(x, t)["0.W"].copy()
    opt.step()
    np.testing.assert_allclose(model.params()["0.W"], W0 - 0.1 * g1)
    W1 = model.params()["0.W"].copy()
    g2 = model.gradients(x, t)["0.W"].copy()
    opt.step()
    np.testing.assert_allclose(model.params()["0.W"], W1 - 0.1 * (0.5 * g1 + g2))
    losses = []
    for _ in range(30):
        losses.append(model.loss_value(x, t))
        model.gradients(x, t)
        opt.step()
    assert losses[-1] < 0.5 * losses[0]


def test_sgd_and_sequential_refuse_misuse():
    with pytest.raises(RuntimeError, match="call gradients"):
        bp.SGD(bp.Sequential([bp.Dense(2, 2)]), lr=0.1).step()
    with pytest.raises(ValueError, match=r"SGD: momentum must be .*\[0, 1\)"):
        bp.SGD(bp.Sequential([bp.Dense(2, 2)]), lr=0.1, momentum=1.0)
    with pytest.raises(TypeError, match=r"Sequential: layers\[1\] must be a bpkit layer"):
        bp.Sequential([bp.Dense(2, 2), np.tanh])
    relu = bp.ReLU()
    with pytest.raises(ValueError, match=r"layers\[2\] is the same object as layers\[0\]"):
        bp.Sequential([relu, bp.Dense(2, 2), relu])
    with pytest.raises(ValueError, match=r"Sequential: t has shape \(3, 2\) but the model's output"):
        bp.Sequential([bp.Dense(2, 2)]).loss_value(np.ones((2, 2)), np.ones((3, 2)))
    model = bp.Sequential([bp.Dense(2, 2, W=np.ones((2, 2)))])
    model.gradients(np.full((2, 1), 10.0), np.zeros((2, 1)))
    W = model.params()["0.W"].copy()
    with pytest.raises(ValueError, match="SGD.step: the new 0.W"):
        bp.SGD(model, lr=1e307).step()
    np.testing.assert_array_equal(model.params()["0.W"], W)  # nothing was written


def test_minibatches_cover_every_sample_once_in_a_seeded_order():
    x = np.arange(7 * 1 * 2 * 2, dtype=float).reshape(7, 1, 2, 2)
    t = np.eye(3)[:, np.arange(7) % 3]
    batches = list(bp.minibatches(x, t, 3, rng=0))
    assert [b[0].shape[0] for b in batches] == [3, 3, 1] and [b[1].shape[1] for b in batches] == [3, 3, 1]
    seen = np.concatenate([b[0][:, 0, 0, 0] for b in batches]) / 4
    assert sorted(seen.tolist()) == list(range(7)) and seen.tolist() != list(range(7))
    for xb, tb in batches:  # each image keeps its own target
        np.testing.assert_array_equal(tb, t[:, (xb[:, 0, 0, 0] / 4).astype(int)])
    again = [b[0] for b in bp.minibatches(x, t, 3, rng=0)]
    assert all(np.array_equal(a, b[0]) for a, b in zip(again, batches))
    gen = np.random.default_rng(0)
    first, second = (np.concatenate([b[0] for b in bp.minibatches(x, t, 7, rng=gen)]) for _ in range(2))
    assert not np.array_equal(first, second)  # one Generator: a new order each epoch
    ordered = [b[1] for b in bp.minibatches(t, t, 2, shuffle=False)]
    np.testing.assert_array_equal(np.concatenate(ordered, axis=1), t)
    with pytest.raises(ValueError, match="x holds 7 samples"):
        bp.minibatches(x, t[:, :5], 2)
    with pytest.raises(TypeError, match="batch_size"):
        bp.minibatches(x, t, 2.0)


def test_import_bpkit_loads_no_plotting_or_widget_library():
    code = ("import sys, bpkit; bad = [m for m in ('matplotlib', 'ipywidgets', 'IPython', 'PIL') "
            "if m in sys.modules]; print(bad); assert not bad")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_core_is_small_and_the_book_helpers_live_apart():
    from pathlib import Path
    import ast
    root = Path(bp.__file__).parent
    core = sorted(root.glob("*.py"))
    names = {p.stem for p in core}
    assert not names & {"widgets", "diagram", "plotting", "conv_plots", "errata", "trace", "timing", "typeset"}
    code_lines = 0
    for p in core:
        src = p.read_text(encoding="utf-8")
        doc = set()
        for node in ast.walk(ast.parse(src)):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                    and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                doc.update(range(body[0].lineno, body[0].end_lineno + 1))
        code_lines += sum(1 for i, line in enumerate(src.splitlines(), 1)
                          if i not in doc and line.strip() and not line.strip().startswith("#"))
    assert code_lines <= 2500, f"the core has {code_lines} lines of code (docstrings, comments and blanks aside)"
