"""Benchmark (not a test): the digits chapter's MLP and CNN trained by bpkit, by torch on the CPU
and (the MLP) by scikit-learn, each library in its own process, alternating; prints Markdown tables.

    make bench                                   # runs this after bench/bench_conv.py
    .venv/bin/python bench/bench_train.py [--seeds 5] [--epochs 40] [--threads T]

Round k (k = 0 .. seeds-1) trains every model once per side with seed k, the sides in a rotating
order (bpkit torch sklearn, torch sklearn bpkit, ...), each in a fresh child process
(bench/train_worker.py says what each side runs). A child reports the median time of one epoch
(training steps, shuffling and augmentation; no evaluation) and the test accuracy after all epochs,
on the chapter's split (bpkit.book.digits.load_split(seed=0), made once here and handed to every
child as a file). The tables give, per model: the median per-epoch time of each side over the
rounds, the median of the per-round ratios bpkit / other with their min-max, and the test accuracy
as mean, min and max over the seeds. torch is optional (pip install torch==2.13.0), as in
bench/bench_conv.py; without it only bpkit and scikit-learn are timed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

from _procs import ChildError, median, run_child, summarize  # noqa: E402

WORKER = os.path.join(HERE, "train_worker.py")
MODELS = {"mlp": ("bpkit", "torch", "sklearn"), "cnn": ("bpkit", "torch")}
LABEL = {"mlp": "MLP 64-128-10", "cnn": "CNN conv 1->16, pool, dense 256-64-10"}


def write_data(path: str) -> None:
    from bpkit.book import digits

    split = digits.load_split(seed=0)
    np.savez(path, x_train=split["train"].x, y_train=split["train"].labels,
             x_test=split["test"].x, y_test=split["test"].labels)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5, help="rounds, one seed each (default 5)")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--threads", type=int, default=None, help="default: OPENBLAS_NUM_THREADS, else the usable CPUs")
    p.add_argument("--no-torch", action="store_true")
    a = p.parse_args(argv)
    threads = a.threads or int(os.environ.get("OPENBLAS_NUM_THREADS") or len(os.sched_getaffinity(0)))
    have = {"bpkit": True, "sklearn": importlib.util.find_spec("sklearn") is not None,
            "torch": not a.no_torch and importlib.util.find_spec("torch") is not None}
    sides = [s for s in ("bpkit", "torch", "sklearn") if have[s]]
    if not have["torch"]:
        print("bench_train: torch is not installed, so it is not timed (pip install torch==2.13.0)", file=sys.stderr)
    times = {(s, m): [] for m, ss in MODELS.items() for s in ss}
    accs = {(s, m): [] for m, ss in MODELS.items() for s in ss}
    metas = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_train_") as tmp:
        data = os.path.join(tmp, "digits.npz")
        write_data(data)
        try:
            for k in range(a.seeds):
                for side in sides[k % len(sides):] + sides[:k % len(sides)]:
                    cells = [(m, "float32") for m, ss in MODELS.items() if side in ss]
                    extra = ["--data", data, "--seed", str(k), "--epochs", str(a.epochs)]
                    for d in run_child(WORKER, side, cells, 1, threads, extra, timeout=1800):
                        times[(side, d["case"])].append(d["median"])
                        accs[(side, d["case"])].append(d["extra"]["accuracy"])
                        metas.setdefault(side, d.get("meta", {}))
                print(f"  round {k + 1}/{a.seeds} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
        except ChildError as e:
            print(f"bench_train: {e}", file=sys.stderr)
            return 1

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {threads} threads per side; "
          + "; ".join(f"{s}: " + ", ".join(f"{k} {v}" for k, v in metas.get(s, {}).items()) for s in sides))
    print(f"{a.seeds} rounds (seeds 0..{a.seeds - 1}), {a.epochs} epochs of {1149} training images, batch 32, "
          "float32; each side in its own process, order rotating\n")
    print("| model | side | ms per epoch | bpkit / side: median of per-round ratios | min-max | "
          "test accuracy: mean | min-max |")
    print("| --- | --- | ---: | ---: | --- | ---: | --- |")
    for m, ss in MODELS.items():
        for s in ss:
            if not have[s] or not times[(s, m)]:
                continue
            if s == "bpkit":
                ratio, spread = "", ""
            else:
                r = summarize(times[("bpkit", m)], times[(s, m)])
                ratio, spread = f"**{r['ratio']:.3f}x**", f"{r['lo']:.3f}-{r['hi']:.3f}"
            acc = accs[(s, m)]
            print(f"| {LABEL[m]} | {s} | {1000 * median(times[(s, m)]):.1f} | {ratio} | {spread} | "
                  f"{np.mean(acc):.4f} | {min(acc):.4f}-{max(acc):.4f} |")
    print(f"\n(bpkit / side < 1: bpkit is faster. Total {time.perf_counter() - t0:.0f} s.)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
