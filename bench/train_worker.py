"""One child process of bench/bench_train.py: trains one model with one library and one seed.

    python bench/train_worker.py --side bpkit|torch|sklearn --cell mlp:float32 [--cell cnn:float32]
                                 --reps 1 --threads T --data FILE.npz --seed K --epochs E

The bpkit side imports numpy and bpkit, the torch side numpy and torch, the sklearn side numpy and
scikit-learn: never two of them in one process (bench/_procs.py says why). The data (the digits
chapter's split, made by the parent) come in FILE.npz. Every side trains the chapter's models:

- mlp: Flatten - 64 -> 128 ReLU -> 10 softmax (scikit-learn: the images as rows (N, 64));
  cnn: Conv2D(1, 16, 3, padding 1) - ReLU - MaxPool2D(2) - Flatten - Dense(256, 64, ReLU) -
  Dense(64, 10, softmax); mean cross entropy, float32.
- bpkit and torch start from the same weights (He / LeCun normal draws, made here with numpy from
  the seed, in bpkit.book.digits' order) and run the same loop: minibatches of 32 in a seeded order,
  SGD with momentum 0.9, the cosine learning rate of eq. (7.2) from 0.1 (mlp) or 0.05 (cnn), and
  for the cnn the one-pixel shifts of every image each epoch (numpy, on both sides).
- sklearn (mlp only): MLPClassifier with solver='sgd', momentum 0.9 (not Nesterov), batch 32,
  learning_rate_init 0.1 (constant: it has no cosine schedule), alpha 0, no early stopping, and
  its own (Glorot) initialisation; one fit of E epochs, timed whole.

Per cell it reports the median time of one epoch (training steps and augmentation; no evaluation)
and, in "extra", the test accuracy after the E epochs.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from _procs import emit, limit_blas  # noqa: E402

LR = {"mlp": 0.1, "cnn": 0.05}
BATCH = 32


def initial_weights(case: str, seed: int) -> list:
    """The chapter's initial weights (bpkit.book.digits.mlp / cnn): [W, ...] in layer order, float32."""
    rng = np.random.default_rng(seed)

    def draw(shape, fan_in, gain):
        return rng.normal(0.0, math.sqrt(gain / fan_in), size=shape).astype(np.float32)

    if case == "mlp":
        return [draw((128, 64), 64, 1.0), draw((10, 128), 128, 2.0)]
    return [draw((16, 1, 3, 3), 9, 1.0), draw((64, 256), 256, 2.0), draw((10, 64), 64, 2.0)]


def shift_one_pixel(x, rng):
    """bpkit.book.digits.shift_one_pixel, repeated here so that no side imports bpkit.book."""
    N = x.shape[0]
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    du, dv = rng.integers(0, 3, N), rng.integers(0, 3, N)
    out = np.empty_like(x)
    for a in range(3):
        for b in range(3):
            m = (du == a) & (dv == b)
            out[m] = padded[m, :, a:a + 8, b:b + 8]
    return out


def cosine(case, e, epochs):
    return LR[case] * (1 + math.cos(math.pi * e / epochs)) / 2


def run_bpkit(case, data, seed, epochs, threads):
    import bpkit as bp
    from bpkit import conv as bconv

    bconv.set_num_threads(threads)
    Ws = initial_weights(case, seed)
    loss = bp.CategoricalCrossEntropy(reduction="mean")
    x = data["x_train"]
    if case == "mlp":
        layers = [bp.Flatten(), bp.Dense(64, 128, "relu", W=Ws[0]), bp.Dense(128, 10, "softmax", W=Ws[1])]
    else:
        layers = [bp.Conv2D(1, 16, 3, padding=1, W=Ws[0]), bp.ReLU(), bp.MaxPool2D(2), bp.Flatten(),
                  bp.Dense(256, 64, "relu", W=Ws[1]), bp.Dense(64, 10, "softmax", W=Ws[2])]
    model = bp.Sequential(layers, loss=loss)
    opt = bp.SGD(model, lr=LR[case], momentum=0.9)
    t = np.eye(10, dtype=np.float32)[:, data["y_train"]]
    rng = np.random.default_rng(seed)
    times = []
    for e in range(epochs):
        start = time.perf_counter()
        opt.lr = cosine(case, e, epochs)
        xe = shift_one_pixel(x, rng) if case == "cnn" else x
        for xb, tb in bp.minibatches(xe, t, BATCH, rng=rng):
            model.gradients(xb, tb)
            opt.step()
        times.append(time.perf_counter() - start)
    pred = model.forward(data["x_test"]).argmax(axis=0)
    return times, float(np.mean(pred == data["y_test"])), dict(bpkit=bp.__version__, numpy=np.__version__)


def run_torch(case, data, seed, epochs, threads):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    Ws = [torch.from_numpy(w) for w in initial_weights(case, seed)]
    if case == "mlp":
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        linears = [net[1], net[3]]
    else:
        net = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                  torch.nn.Flatten(), torch.nn.Linear(256, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
        linears = [net[0], net[4], net[6]]
    with torch.no_grad():
        for layer, W in zip(linears, Ws):
            layer.weight.copy_(W)
            layer.bias.zero_()
    opt = torch.optim.SGD(net.parameters(), lr=LR[case], momentum=0.9)
    x, y = data["x_train"], torch.from_numpy(data["y_train"].astype(np.int64))
    rng = np.random.default_rng(seed)
    times = []
    for e in range(epochs):
        start = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = cosine(case, e, epochs)
        xe = torch.from_numpy(shift_one_pixel(x, rng) if case == "cnn" else x)
        order = torch.from_numpy(rng.permutation(len(y)))
        for lo in range(0, len(y), BATCH):
            idx = order[lo:lo + BATCH]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(xe[idx]), y[idx]).backward()
            opt.step()
        times.append(time.perf_counter() - start)
    with torch.no_grad():
        pred = net(torch.from_numpy(data["x_test"])).argmax(dim=1).numpy()
    return times, float(np.mean(pred == data["y_test"])), dict(torch=torch.__version__, torch_threads=torch.get_num_threads())


def run_sklearn(case, data, seed, epochs, threads):
    import warnings

    import sklearn
    from sklearn.neural_network import MLPClassifier

    if case != "mlp":
        raise SystemExit("train_worker: scikit-learn trains the mlp only")
    clf = MLPClassifier(hidden_layer_sizes=(128,), solver="sgd", momentum=0.9, nesterovs_momentum=False,
                        learning_rate_init=LR[case], batch_size=BATCH, max_iter=epochs, alpha=0.0, tol=0.0,
                        n_iter_no_change=10**6, random_state=seed)
    x = data["x_train"].reshape(-1, 64)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "max_iter reached": intended
        clf.fit(x, data["y_train"])
    total = time.perf_counter() - start
    acc = float(clf.score(data["x_test"].reshape(-1, 64), data["y_test"]))
    return [total / epochs] * epochs, acc, dict(sklearn=sklearn.__version__)


RUN = {"bpkit": run_bpkit, "torch": run_torch, "sklearn": run_sklearn}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--side", required=True, choices=sorted(RUN))
    p.add_argument("--cell", action="append", default=[])
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=40)
    a = p.parse_args(argv)
    limit_blas(a.threads)
    with np.load(a.data) as f:
        data = {k: f[k] for k in f.files}
    for cell in a.cell:
        case, dtype = cell.split(":", 1)
        times, acc, meta = RUN[a.side](case, data, a.seed, a.epochs, a.threads)
        emit(case, dtype, a.side, times, extra=dict(accuracy=acc, seed=a.seed), meta=meta)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
