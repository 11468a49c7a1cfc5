"""Benchmarks (not tests): bpkit's conv2d, CNN and dense training steps against PyTorch on the CPU,
each library timed in its own process; prints Markdown tables.

    make bench                      # or, by hand:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/bench_conv.py [--pairs 11] [--quick]

Cases (bench/worker.py builds them; the data come from fixed seeds, the same numbers on every side):

1. conv: conv2d forward + backward (input, weight and bias gradients): N=64, C=3 -> F=16 filters,
   28x28, 3x3 kernel, stride 1, padding 0, float32 and float64: bpkit.conv2d_forward/backward
   against torch's F.conv2d + autograd; and against bpkit.conv_reference's loops (an N=2 slice,
   scaled to N=64).
2. cnn: a training step (forward, mean cross entropy, backward, SGD momentum 0.9) of the digits
   capstone's CNN, batch 64 of 8x8 images: Conv2D(1,8,3,padding=1)-ReLU-MaxPool2D(2)-Flatten-
   Dense(128,10,softmax); bpkit.Sequential + bpkit.SGD against nn.Sequential + F.cross_entropy +
   optim.SGD. cnn_big: Conv2D(1,16)-ReLU-MaxPool-Conv2D(16,32)-ReLU-MaxPool-Flatten-Dense(128,10).
3. dense: a training step, batch 256, 784-512-256-10, sigmoid hidden layers, softmax + mean cross
   entropy, plain SGD: hand-written numpy (preallocated buffers, in-place ops, fused softmax + CCE
   delta), bpkit.Sequential of Dense layers, and torch (nn.Linear, F.cross_entropy, optim.SGD);
   and the numpy step as a multiple of its BLAS roofline (the step's matrix-multiply flops divided
   by the 1024^3 matmul rate measured in the same process).

Method (bench/_procs.py): no process imports both torch and bpkit, because torch's OpenMP threads
keep spinning after each call and slow whatever runs next in the same process. A round starts one
child per side in turn (the order rotates every round: A B, B A, ...); each child builds its data,
warms up, times --reps calls one by one and reports the median. Per cell and round the ratio
side / torch of the two children's medians is formed; the tables give the median of these per-round
ratios with the 25-75 % range and min-max, and each side's median time over the rounds. The first
round also dumps each side's results, and the parent checks that all sides computed the same
numbers (last column: the largest difference relative to the largest entry, over all arrays).

Fairness: the same environment for every child: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset,
OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = T, torch.set_num_threads(T),
bpkit.conv.set_num_threads(T) (and threadpoolctl's limit when it is installed). T is --threads,
else OPENBLAS_NUM_THREADS or OMP_NUM_THREADS if set, else the CPUs this process may use.
torch is optional and is not a dependency of bpkit: pip install torch==2.13.0 into the venv for it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

from _procs import ChildError, median, run_rounds, summarize  # noqa: E402

WORKER = os.path.join(HERE, "worker.py")
ALL_CASES = ("conv", "cnn", "cnn_big", "dense")
DTYPES = ("float32", "float64")
LABEL = {
    "conv": "conv2d fwd+bwd (N=64, 3->16, 28x28, 3x3)",
    "cnn": "CNN step (64x1x8x8, conv 1->8, pool, dense 128->10)",
    "cnn_big": "CNN step, 2 convs (1->16->32, 2 pools, dense 128->10)",
    "dense": "dense step (256 x 784-512-256-10)",
}
SIDES_OF = {"conv": ("bpkit",), "cnn": ("bpkit",), "cnn_big": ("bpkit",), "dense": ("numpy", "bpkit")}
TOL = {"float32": 1e-3, "float64": 1e-9}  # largest |a - b| / max |b| over an array


def default_threads() -> int:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        v = os.environ.get(var, "")
        if v.isdigit() and int(v) > 0:
            return int(v)
    return len(os.sched_getaffinity(0))


def check_dumps(dump_dir: str, cases, ref_side: str) -> dict:
    """{(side, case, dtype): (worst relative difference, array name)} against ref_side's dump."""
    out = {}
    for case in cases:
        for dt in DTYPES:
            ref_path = os.path.join(dump_dir, f"{ref_side}_{case}_{dt}.npz")
            if not os.path.exists(ref_path):
                continue
            ref = np.load(ref_path)
            for side in SIDES_OF[case] + ("bpkit",):
                path = os.path.join(dump_dir, f"{side}_{case}_{dt}.npz")
                if side == ref_side or not os.path.exists(path):
                    continue
                got = np.load(path)
                worst = (0.0, "")
                for k in ref.files:
                    a, b = got[k].astype(np.float64), ref[k].astype(np.float64)
                    scale = float(np.max(np.abs(b))) or 1.0
                    err = float(np.max(np.abs(a - b))) / scale
                    if err > worst[0] or not worst[1]:
                        worst = (err, k)
                out[(side, case, dt)] = worst
    return out


def fmt_ms(s) -> str:
    return "-" if s is None or s != s else f"{s * 1e3:.2f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=11, help="rounds: child processes per side (default 11)")
    parser.add_argument("--reps", type=int, default=15, help="timed calls per child and cell (default 15)")
    parser.add_argument("--quick", action="store_true", help="3 rounds of 5 calls: a smoke run, not a measurement")
    parser.add_argument("--threads", type=int, help="threads for every side (default: see the docstring)")
    parser.add_argument("--cases", default=",".join(ALL_CASES), help=f"comma-separated subset of {','.join(ALL_CASES)}")
    parser.add_argument("--only", choices=ALL_CASES, help="one case only (the same as --cases NAME)")
    parser.add_argument("--no-torch", action="store_true", help="time numpy and bpkit only")
    parser.add_argument("--no-loops", action="store_true", help="skip the loop reference (about 10 s)")
    args = parser.parse_args(argv)
    cases = [args.only] if args.only else [c for c in args.cases.split(",") if c]
    for c in cases:
        if c not in ALL_CASES:
            parser.error(f"unknown case {c!r}; known: {', '.join(ALL_CASES)}")
    pairs, reps, warmup, loop_rounds = args.pairs, args.reps, 0.25, 2
    if args.quick:
        pairs, reps, warmup, loop_rounds = 3, 5, 0.1, 1
    pairs, reps = max(1, pairs), max(1, reps)
    threads = args.threads or default_threads()
    have_torch = importlib.util.find_spec("torch") is not None and not args.no_torch

    print("+ " + " ".join([os.path.basename(sys.executable)] + sys.argv))
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
          f"{len(os.sched_getaffinity(0))} usable; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not have_torch:
        why = "--no-torch" if args.no_torch else "torch not installed (.venv/bin/pip install torch==2.13.0 for the comparison)"
        print(f"torch: not timed ({why})")

    sides = ["bpkit"] + (["torch"] if have_torch else [])
    if "dense" in cases:
        sides.append("numpy")
    cells = {s: [] for s in sides}
    for case in cases:
        for dt in DTYPES:
            for s in SIDES_OF[case] + (("torch",) if have_torch else ()):
                if s in cells:
                    cells[s].append((case, dt))
    sides = [s for s in sides if cells[s]]
    dump_dir = tempfile.mkdtemp(prefix="bench_conv_")
    t_start = time.perf_counter()

    def progress(k, n, t):
        print(f"  round {k}/{n} done ({t:.0f} s)", file=sys.stderr, flush=True)

    extra = {"torch": [], "bpkit": [], "numpy": ["--roofline"]}
    for s in extra:
        extra[s] += ["--warmup", str(warmup)]
    try:
        print(f"running {pairs} rounds of {len(sides)} child processes ({', '.join(sides)}) ...", file=sys.stderr, flush=True)
        main_res = run_rounds(WORKER, sides, cells, pairs, reps, threads, extra=extra,
                              first_extra={s: ["--dump", dump_dir] for s in sides}, progress=progress)
        loop_res = None
        if "conv" in cases and not args.no_loops:
            print(f"running the loop reference, {loop_rounds} round(s) ...", file=sys.stderr, flush=True)
            lcells = {"loops": [("conv", d) for d in DTYPES], "bpkit": [("conv", d) for d in DTYPES]}
            loop_res = run_rounds(WORKER, ["loops", "bpkit"], lcells, loop_rounds, {"loops": 1, "bpkit": reps},
                                  threads, extra={"bpkit": ["--warmup", str(warmup)]})
        checks = check_dumps(dump_dir, cases, "torch" if have_torch else "numpy")
    except ChildError as e:
        print(f"bench_conv: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(dump_dir, ignore_errors=True)

    # ---- environment, as the children saw it -------------------------------------------------
    m = main_res.meta
    any_meta = next(iter(m.values()))
    b = (m.get("bpkit") or m.get("numpy") or {}).get("blas") or {}
    print(f"numpy {any_meta['numpy']} (BLAS {b.get('name')} {b.get('version')}"
          + (f", kernel {b['kernel']}" if b.get("kernel") else "") + f", {b.get('threads')} threads via {b.get('via')})"
          + (f", bpkit {m['bpkit']['bpkit']} (bpkit.conv pool {m['bpkit']['bpkit_threads']} threads)" if "bpkit" in m else "")
          + (f", torch {m['torch']['torch']} ({m['torch']['torch_threads']} threads, mkldnn {m['torch']['mkldnn']})"
             if "torch" in m else ""))
    env = any_meta["env"]
    print("child environment: " + ", ".join(f"{k}={v if v is not None else '(unset)'}" for k, v in env.items()))
    print(f"each side in its own process: {pairs} rounds, side order rotating; per child {reps} timed calls "
          f"per cell after {warmup} s of warm-up (at least 3 calls); times are medians")

    # ---- table 1: against torch ------------------------------------------------------------------
    print()
    if have_torch:
        print("| case | dtype | side | side ms | torch ms | side / torch: median of per-pair ratios | 25-75 % | min-max | pairs | same numbers as torch |")
        print("| --- | --- | --- | ---: | ---: | ---: | --- | --- | ---: | --- |")
    else:
        print("| case | dtype | side | ms (median over rounds) | min-max over rounds | rounds | same numbers as numpy |")
        print("| --- | --- | --- | ---: | --- | ---: | --- |")
    for case in cases:
        for dt in DTYPES:
            for side in SIDES_OF[case]:
                ts = main_res.times.get(side, {}).get((case, dt))
                if ts is None:
                    continue
                chk = checks.get((side, case, dt))
                if chk is None:
                    same = "-"
                else:
                    ok = "ok" if chk[0] <= TOL[dt] else "MISMATCH"
                    same = f"{ok}: {chk[0]:.1e} ({chk[1]})"
                if have_torch:
                    s = summarize(ts, main_res.times["torch"][(case, dt)])
                    print(f"| {LABEL[case]} | {dt} | {side} | {fmt_ms(s['a'])} | {fmt_ms(s['b'])} | **{s['ratio']:.3f}x** | "
                          f"{s['q25']:.3f}-{s['q75']:.3f} | {s['lo']:.3f}-{s['hi']:.3f} | {s['n']} | {same} |")
                else:
                    v = [t for t in ts if t is not None]
                    print(f"| {LABEL[case]} | {dt} | {side} | {fmt_ms(median(v))} | {fmt_ms(min(v))}-{fmt_ms(max(v))} | "
                          f"{len(v)} | {same} |")
    if have_torch:
        print("\n(side / torch < 1: the side is faster. 'same numbers': the largest |difference| / max |entry| over "
              f"the results, or over the parameters and their change after 2 steps; tolerance {TOL['float32']:g} in "
              f"float32, {TOL['float64']:g} in float64.)")

    # ---- table 2: context -----------------------------------------------------------------------
    rows = []
    if loop_res is not None:
        for dt in DTYPES:
            s = summarize(loop_res.times["loops"][("conv", dt)], loop_res.times["bpkit"][("conv", dt)])
            rows.append((f"conv loop reference ({dt}; N=2 slice, scaled x32)",
                         f"{s['a'] * 1e3:.0f} ms; bpkit.conv {s['b'] * 1e3:.2f} ms: {s['ratio']:.0f}x faster "
                         f"(min-max {s['lo']:.0f}-{s['hi']:.0f}x, {s['n']} rounds)"))
    for dt in DTYPES:
        ex = main_res.extras.get(("numpy", ("dense", dt)))
        if not ex:
            continue
        rate = median([e["matmul_rate"] for e in ex])
        roof = ex[0]["flops"] / rate
        t_np = median([t for t in main_res.times["numpy"][("dense", dt)] if t is not None])
        t_mm = median([e["matmuls_only"] for e in ex])
        parts = [f"matmul rate {rate / 1e9:.1f} Gflop/s (1024^3) -> roofline {roof * 1e3:.2f} ms "
                 f"({ex[0]['flops'] / 1e6:.0f} Mflop)", f"numpy step {t_np / roof:.2f}x",
                 f"its products alone {t_mm / roof:.2f}x"]
        for side in ("bpkit", "torch"):
            ts = main_res.times.get(side, {}).get(("dense", dt))
            if ts:
                parts.append(f"{side} step {median([t for t in ts if t is not None]) / roof:.2f}x")
        rows.append((f"dense step vs its roofline ({dt})", "; ".join(parts)))
    if rows:
        print("\n| context | |")
        print("| --- | --- |")
        for k, v in rows:
            print(f"| {k} | {v} |")
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
