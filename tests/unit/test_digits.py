"""bpkit.book.digits (chapter 7): the split, the initialisation, the shifts, training, the class-score
gradient against central differences, and the plots; and the gradient-only fused loss it relies on."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bpkit as bp  # noqa: E402
from bpkit.book import digits as dg  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return dg.load_split(seed=0)


def test_the_split_is_fixed_stratified_and_scaled(data):
    sizes = {k: len(v) for k, v in data.items()}
    assert sizes == {"train": 1149, "val": 288, "test": 360} and sum(sizes.values()) == 1797
    again = dg.load_split(seed=0)
    total = sum(np.bincount(data[k].labels, minlength=10) for k in data)
    for k in data:
        assert np.array_equal(data[k].x, again[k].x) and np.array_equal(data[k].labels, again[k].labels)
        assert data[k].x.shape == (sizes[k], 1, 8, 8) and data[k].x.dtype == np.float32
        assert data[k].x.min() >= 0 and data[k].x.max() <= 1
        counts = np.bincount(data[k].labels, minlength=10)
        assert np.all(np.abs(counts - total * sizes[k] / 1797) <= 1.5)  # stratified: the classes' proportions kept
    every = np.concatenate([data[k].x.reshape(-1, 64) for k in data])
    assert len(np.unique(every, axis=0)) > 1700  # the parts do not repeat images


def test_one_hot_and_its_errors():
    t = dg.one_hot(np.array([3, 0, 9]))
    assert t.shape == (10, 3) and np.array_equal(t.argmax(axis=0), [3, 0, 9]) and t.sum() == 3
    with pytest.raises(ValueError, match="integers 0..9"):
        dg.one_hot(np.array([10]))
    with pytest.raises(ValueError, match="integers 0..9"):
        dg.one_hot(np.array([0.5]))


def test_he_normal_has_the_stated_variance():
    w = dg.he_normal(np.random.default_rng(0), (400, 500), fan_in=50, gain=2.0, dtype=np.float64)
    assert abs(w.var() / (2.0 / 50) - 1) < 0.02 and abs(w.mean()) < 0.002


def test_shift_one_pixel_moves_each_image_by_at_most_one_pixel():
    rng = np.random.default_rng(0)
    x = rng.random((50, 1, 8, 8)).astype(np.float32)
    y = dg.shift_one_pixel(x, np.random.default_rng(1))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for n in range(50):
        windows = [padded[n, :, a:a + 8, b:b + 8] for a in range(3) for b in range(3)]
        assert any(np.array_equal(y[n], w) for w in windows)
    assert not np.array_equal(x, y)


def test_the_class_score_gradient_agrees_with_central_differences(data):
    model = dg.cnn(seed=3, channels=4, hidden=8, dtype=np.float64)
    rng = np.random.default_rng(0)
    for p in model.params().values():
        p += rng.normal(0, 0.05, p.shape)  # biases off ReLU's kink
    x = data["test"].x[:1].astype(np.float64) + rng.normal(0, 0.01, (1, 1, 8, 8))  # no max-pool ties
    for k in (0, 7):
        g, z = dg.class_score_gradient(model, x, k)

        def score(y, k=k):
            model.forward(y)
            return model.layers[-1].z[k, 0]

        num = bp.numerical_gradient(score, x)
        assert g.shape == x.shape and np.max(np.abs(g - num)) <= 1e-7 * np.max(np.abs(num))
        assert z.shape == (10,)


def test_training_lowers_the_loss_and_records_every_epoch(data):
    model = dg.mlp(seed=0, hidden=16)
    h = dg.train(model, data, epochs=3, lr=0.1, seed=0)
    assert len(h.train_loss) == len(h.val_accuracy) == len(h.lr) == len(h.seconds) == 3
    assert h.train_loss[-1] < h.train_loss[0] and h.val_accuracy[-1] > 0.5
    assert h.lr == pytest.approx([0.1 * (1 + np.cos(np.pi * e / 3)) / 2 for e in range(3)])
    pred, probs = dg.predict(model, data["test"].x)
    C = dg.confusion_matrix(data["test"].labels, pred)
    assert C.sum() == len(data["test"]) and np.trace(C) == np.sum(pred == data["test"].labels)
    assert np.allclose(probs.sum(axis=0), 1, atol=1e-5)
    with pytest.raises(TypeError):
        dg.train(model, data, epochs=1.5, lr=0.1)
    with pytest.raises(ValueError):
        dg.train(model, data, epochs=1, lr=0.0)


def test_the_plots_draw(data):
    model = dg.cnn(seed=0, channels=2, hidden=4)
    h = dg.train(model, data, epochs=1, lr=0.05, augment=True)
    fig, axes = plt.subplots(1, 3)
    dg.plot_curves(axes[:2], {"CNN": h})
    pred, probs = dg.predict(model, data["test"].x[:20])
    dg.plot_confusion(axes[2], dg.confusion_matrix(data["test"].labels[:20], pred), "CNN")
    plt.close(fig)
    fig, axes = plt.subplots(1, 3)
    g, z = dg.class_score_gradient(model, data["test"].x[:1], 2)
    dg.plot_saliency(axes, data["test"].x[0], g, 2, probs[:, 0])
    assert axes[1].get_title() == "d z_2 / d pixels"
    plt.close(fig)
    fig, axes = plt.subplots(2, 3)
    dg.plot_digits(axes, data["test"].x[:4], ["a", "b", "c", "d"])
    assert [ax.axison for ax in axes.ravel()] == [False] * 6
    plt.close(fig)
    with pytest.raises(TypeError, match="Axes"):
        dg.plot_confusion("not axes", np.zeros((10, 10), int))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_gradient_only_fused_loss_equals_the_full_one(dtype):
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((10, 7)) * 5).astype(dtype)
    z[:, 0] += 700  # large logits: the shift by the maximum keeps e^z finite
    t = np.eye(10)[:, rng.integers(0, 10, 7)].astype(dtype)
    for reduction in ("sum", "mean"):
        E, g = bp.softmax_cce(z, t, reduction)
        none, g2 = bp.softmax_cce(z, t, reduction, value=False)
        assert none is None and g2.dtype == g.dtype
        assert np.max(np.abs(g - g2)) <= 4 * np.finfo(dtype).eps
        E, g = bp.sigmoid_bce(z / 100, (t > 0).astype(dtype), reduction)
        none, g2 = bp.sigmoid_bce(z / 100, (t > 0).astype(dtype), reduction, value=False)
        assert none is None and np.array_equal(g, g2)
