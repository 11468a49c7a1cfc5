"""The digits chapter (chapter 7): data, models, training with a history, saliency and plots.

scikit-learn's bundled digits (1,797 images of 8x8 pixels, values 0..16, shipped inside the
package: nothing is downloaded) split once, stratified, into train / validation / test; pixels
scaled to [0, 1] by dividing by 16. The models are bpkit.Sequential models of the layer protocol,
trained by minibatch SGD with momentum. Needs scikit-learn and matplotlib (the notebook extra).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

import bpkit as bp

from .._checks import check_axes, check_int, check_number, check_rng

__all__ = ["Split", "load_split", "one_hot", "he_normal", "mlp", "cnn", "shift_one_pixel", "History", "train",
           "predict", "confusion_matrix", "class_score_gradient", "plot_curves", "plot_confusion",
           "plot_digits", "plot_saliency"]

CLASSES = 10


@dataclass
class Split:
    """Images (N, 1, 8, 8) in [0, 1] and labels (N,) of one part of the split."""

    x: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def load_split(seed: int = 0, test: float = 0.2, val: float = 0.2, dtype=np.float32) -> dict:
    """{'train', 'val', 'test'}: Split objects. test: the fraction of all 1,797 images held out;
    val: the fraction of the rest; both stratified by class, shuffled with `seed`."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    where = "digits.load_split"
    seed = check_int(seed, "seed", where, 0)
    test = check_number(test, "test", where, low=0.0, high=1.0, low_open=True, high_open=True)
    val = check_number(val, "val", where, low=0.0, high=1.0, low_open=True, high_open=True)
    d = load_digits()
    x = (d.images / 16.0).astype(dtype)[:, None]  # (1797, 1, 8, 8)
    y = d.target
    rest, te = train_test_split(np.arange(len(y)), test_size=test, stratify=y, random_state=seed)
    tr, va = train_test_split(rest, test_size=val, stratify=y[rest], random_state=seed)
    return {name: Split(x[i], y[i]) for name, i in (("train", tr), ("val", va), ("test", te))}


def one_hot(labels) -> np.ndarray:
    """Targets as columns, (10, N): column mu is the unit vector of class labels[mu]."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= CLASSES:
        raise ValueError(f"digits.one_hot: labels must be a 1-D array of integers 0..9, got {labels!r:.80}")
    return np.eye(CLASSES)[:, labels]


def he_normal(rng, shape, fan_in: int, gain: float = 2.0, dtype=np.float32) -> np.ndarray:
    """Weights drawn from N(0, gain / fan_in): He's rule (gain 2) for a layer whose inputs come from
    ReLUs, LeCun's (gain 1) for one whose inputs are the pixels or whose output is not a ReLU."""
    rng = check_rng(rng, "rng", "digits.he_normal")
    fan_in = check_int(fan_in, "fan_in", "digits.he_normal", 1)
    return rng.normal(0.0, math.sqrt(gain / fan_in), size=shape).astype(dtype)


def _loss():
    return bp.CategoricalCrossEntropy(reduction="mean")


def mlp(seed: int = 0, hidden: int = 128, dtype=np.float32) -> bp.Sequential:
    """Flatten - Dense(64, hidden, ReLU) - Dense(hidden, 10, softmax), mean cross entropy."""
    rng = np.random.default_rng(seed)
    return bp.Sequential([
        bp.Flatten(),
        bp.Dense(64, hidden, "relu", W=he_normal(rng, (hidden, 64), 64, 1.0, dtype), name="hidden"),
        bp.Dense(hidden, CLASSES, "softmax", W=he_normal(rng, (CLASSES, hidden), hidden, 2.0, dtype), name="output"),
    ], loss=_loss())


def cnn(seed: int = 0, channels: int = 16, hidden: int = 64, dtype=np.float32) -> bp.Sequential:
    """Conv2D(1, channels, 3, padding 1) - ReLU - MaxPool2D(2) - Flatten - Dense(16 channels, hidden,
    ReLU) - Dense(hidden, 10, softmax), mean cross entropy."""
    rng = np.random.default_rng(seed)
    n_flat = channels * 4 * 4
    return bp.Sequential([
        bp.Conv2D(1, channels, 3, padding=1, W=he_normal(rng, (channels, 1, 3, 3), 9, 1.0, dtype), name="conv"),
        bp.ReLU(), bp.MaxPool2D(2), bp.Flatten(),
        bp.Dense(n_flat, hidden, "relu", W=he_normal(rng, (hidden, n_flat), n_flat, 2.0, dtype), name="hidden"),
        bp.Dense(hidden, CLASSES, "softmax", W=he_normal(rng, (CLASSES, hidden), hidden, 2.0, dtype), name="output"),
    ], loss=_loss())


def shift_one_pixel(x: np.ndarray, rng) -> np.ndarray:
    """Each image moved by -1, 0 or +1 pixel along each axis (chosen at random per image), the
    uncovered row and column filled with 0 (the background): a digit drawn a pixel aside."""
    rng = check_rng(rng, "rng", "digits.shift_one_pixel")
    N = x.shape[0]
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    du, dv = rng.integers(0, 3, N), rng.integers(0, 3, N)
    out = np.empty_like(x)
    for a in range(3):
        for b in range(3):
            m = (du == a) & (dv == b)
            out[m] = padded[m, :, a:a + 8, b:b + 8]
    return out


def predict(model: bp.Sequential, x: np.ndarray, batch: int = 512) -> tuple:
    """(labels (N,), probabilities (10, N)) of the model for images x, in batches."""
    probs = np.concatenate([model.forward(x[i:i + batch]) for i in range(0, len(x), batch)], axis=1)
    return probs.argmax(axis=0), probs


@dataclass
class History:
    """Per epoch: mean loss and accuracy on the training and the validation set, the learning rate,
    and the seconds spent in the training steps."""

    train_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    seconds: list = field(default_factory=list)


def _evaluate(model, part: Split) -> tuple:
    pred, probs = predict(model, part.x)
    p = probs[part.labels, np.arange(len(part))]
    return float(-np.mean(np.log(np.maximum(p, np.finfo(p.dtype).tiny)))), float(np.mean(pred == part.labels))


def train(model: bp.Sequential, data: dict, epochs: int, lr: float, batch_size: int = 32, momentum: float = 0.9,
          seed: int = 0, augment: bool = False, cosine: bool = True) -> History:
    """Minibatch SGD with momentum on data['train'] for `epochs` epochs (a new seeded order each epoch).

    cosine: the learning rate of epoch e (from 0) is lr (1 + cos(pi e / epochs)) / 2, from lr down
    towards 0; else lr throughout. augment: each epoch trains on shift_one_pixel of the images.
    Returns the History, evaluated after every epoch on the whole training and validation sets.
    """
    where = "digits.train"
    epochs = check_int(epochs, "epochs", where, 1)
    batch_size = check_int(batch_size, "batch_size", where, 1)
    lr = check_number(lr, "lr", where, low=0.0, low_open=True)
    opt = bp.SGD(model, lr=lr, momentum=momentum)
    rng = np.random.default_rng(seed)
    train_part = data["train"]
    t = one_hot(train_part.labels).astype(train_part.x.dtype)
    h = History()
    for e in range(epochs):
        opt.lr = lr * (1 + math.cos(math.pi * e / epochs)) / 2 if cosine else lr
        x = shift_one_pixel(train_part.x, rng) if augment else train_part.x
        start = time.perf_counter()
        for xb, tb in bp.minibatches(x, t, batch_size, rng=rng):
            model.gradients(xb, tb)
            opt.step()
        h.seconds.append(time.perf_counter() - start)
        h.lr.append(opt.lr)
        for name, (loss, acc) in (("train", _evaluate(model, train_part)), ("val", _evaluate(model, data["val"]))):
            getattr(h, f"{name}_loss").append(loss)
            getattr(h, f"{name}_accuracy").append(acc)
    return h


def confusion_matrix(labels, pred) -> np.ndarray:
    """C (10, 10): C[i, j] = how many images of class i the model called j."""
    C = np.zeros((CLASSES, CLASSES), dtype=int)
    np.add.at(C, (np.asarray(labels), np.asarray(pred)), 1)
    return C


def class_score_gradient(model: bp.Sequential, image: np.ndarray, k: int) -> tuple:
    """(dz_k/dx (1, 1, 8, 8), z (10,)): the gradient of class k's score, the logit z_k of the output
    layer, with respect to the pixels of one image (1, 1, 8, 8).

    The backward pass of the layer protocol, started at the logits with delta = e_k (instead of
    a - t) and carried through every layer down to the input; the Conv2D layer's input gradient is
    chapter 5's eq. (5.5).
    """
    k = check_int(k, "k", "digits.class_score_gradient", 0)
    model.forward(image)
    out = model.layers[-1]
    delta = np.zeros((CLASSES, 1), dtype=image.dtype)
    delta[k] = 1.0
    dy = out.backward(delta=delta)
    for layer in reversed(model.layers[:-1]):
        dy = layer.backward(dy)
    return dy, out.z[:, 0].copy()


# --------------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------------


def plot_curves(axes, histories: dict) -> None:
    """Loss (axes[0]) and accuracy (axes[1]) per epoch, training (solid) and validation (dashed),
    for each named History."""
    for ax in axes:
        check_axes(ax, "axes", "digits.plot_curves")
    for (name, h), colour in zip(histories.items(), ("C0", "C1", "C2", "C3")):
        epochs = np.arange(1, len(h.train_loss) + 1)
        for ax, kind in zip(axes, ("loss", "accuracy")):
            ax.plot(epochs, getattr(h, f"train_{kind}"), color=colour, label=f"{name}, training")
            ax.plot(epochs, getattr(h, f"val_{kind}"), color=colour, ls="--", label=f"{name}, validation")
    axes[0].set(xlabel="epoch", ylabel="mean cross entropy", yscale="log")
    axes[1].set(xlabel="epoch", ylabel="accuracy", ylim=(0.9, 1.0))
    axes[1].legend(fontsize=8, loc="lower right")


def plot_confusion(ax, C: np.ndarray, title: str = "") -> None:
    """The confusion matrix as a table of counts, the diagonal (right answers) shaded."""
    check_axes(ax, "ax", "digits.plot_confusion")
    ax.imshow(np.where(np.eye(CLASSES, dtype=bool), 1.0, np.minimum(C, 3) / 6.0), cmap="Blues", vmin=0, vmax=1)
    for i in range(CLASSES):
        for j in range(CLASSES):
            if C[i, j]:
                ax.text(j, i, str(C[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if i == j else "black")
    ax.set(xticks=range(CLASSES), yticks=range(CLASSES), xlabel="predicted", ylabel="true", title=title)


def plot_digits(axes, images, titles) -> None:
    """One image per Axes (grey, ink dark), with its title; spare Axes are switched off."""
    axes = list(np.ravel(axes))
    for ax in axes:
        ax.axis("off")
    for ax, img, title in zip(axes, images, titles):
        ax.imshow(np.asarray(img).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(title, fontsize=8)


def plot_saliency(axes, image: np.ndarray, grad: np.ndarray, k: int, probs: np.ndarray) -> None:
    """axes[0]: the image; axes[1]: dz_k/dx, red where brighter pixels raise class k's score and blue
    where they lower it, on a symmetric scale; axes[2]: the model's probabilities, class k marked."""
    g = np.asarray(grad).reshape(8, 8)
    lim = float(np.max(np.abs(g))) or 1.0
    axes[0].imshow(np.asarray(image).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    axes[0].set_title("the image", fontsize=9)
    axes[1].imshow(g, cmap="RdBu_r", vmin=-lim, vmax=lim)
    axes[1].set_title(f"d z_{k} / d pixels", fontsize=9)
    for ax in axes[:2]:
        ax.set(xticks=[], yticks=[])
    axes[2].bar(range(CLASSES), probs, color=["C3" if c == k else "C0" for c in range(CLASSES)])
    axes[2].set(xticks=range(CLASSES), ylim=(0, 1), title="probabilities", xlabel="class")
    axes[2].title.set_fontsize(9)
