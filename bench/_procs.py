"""A small harness for benchmarks that time each library in its own process (bench/bench_conv.py).

Why processes: torch's OpenMP threads (libgomp) keep spinning for a while after each parallel
region, so a numpy call timed in the same process right after a torch call runs with a core taken
away (the old in-process interleaving measured bpkit.conv at about twice its time alone). Here no
process ever imports both: a child imports numpy and bpkit, or numpy and torch, and nothing else.

Parent side (run_rounds): a round starts one child per side, one after the other (the order rotates
from round to round: A B, B A, A B, ...), and every child times all the cells (case, dtype) it is
given. For each cell and each round the parent forms the ratio side / reference side of the two
children's medians; summarize() reports the median of those per-round ratios, their 25-75 % range,
min-max and count, and each side's median time (the median over rounds of the per-child medians).

Child side (child_main): parses

    python bench/worker.py --side SIDE --case NAME[,NAME...] --dtype float32[,float64] --reps R --threads T

sets the thread counts (the environment variables are set by the parent before the interpreter
starts, so that OpenBLAS and OpenMP read them at load time), builds each cell's data from a fixed
seed, warms up, times R calls one by one with the garbage collector off, and prints one JSON line
per cell, prefixed with RESULT_PREFIX (anything else a library prints is ignored).

The environment is the same for every child: the parent's, without OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE (they can slow numpy's OpenBLAS), with OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and
MKL_NUM_THREADS set to T.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

RESULT_PREFIX = "BENCH_RESULT "
UNSET_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------


def median(xs) -> float:
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return float("nan")
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def percentile(xs, q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default method)."""
    s = sorted(xs)
    if not s:
        return float("nan")
    pos = (len(s) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summarize(a: list[float], b: list[float]) -> dict:
    """Per-pair ratios a[k] / b[k] (pairs where either side is missing are dropped)."""
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    r = [x / y for x, y in pairs]
    return dict(
        ratio=median(r), q25=percentile(r, 25), q75=percentile(r, 75),
        lo=min(r) if r else float("nan"), hi=max(r) if r else float("nan"), n=len(r),
        a=median([x for x, _ in pairs]), b=median([y for _, y in pairs]),
    )


# --------------------------------------------------------------------------------------------
# Parent: start children, collect their JSON lines
# --------------------------------------------------------------------------------------------


def child_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in UNSET_VARS:
        env.pop(var, None)
    for var in THREAD_VARS:
        env[var] = str(threads)
    return env


class ChildError(RuntimeError):
    pass


def run_child(script: str, side: str, cells: list[tuple[str, str]], reps: int, threads: int,
              extra: list[str] | None = None, timeout: float = 600.0) -> list[dict]:
    """Run one child process for `side` over `cells` [(case, dtype), ...]; its result dicts.

    Cells are passed as --cell case:dtype (repeated), so that a child runs exactly these, in this order.
    """
    cmd = [sys.executable, script, "--side", side, "--reps", str(reps), "--threads", str(threads)]
    for case, dtype in cells:
        cmd += ["--cell", f"{case}:{dtype}"]
    cmd += extra or []
    proc = subprocess.run(cmd, env=child_env(threads), capture_output=True, text=True, timeout=timeout)
    results = []
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            results.append(json.loads(line[len(RESULT_PREFIX):]))
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise ChildError(f"child failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")
    return results


@dataclass
class Rounds:
    """times[side][(case, dtype)] = per-round medians (seconds; None where a child gave none)."""

    sides: list[str]
    cells: dict[str, list[tuple[str, str]]]
    times: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)  # side -> the first child's "meta" (versions, threads)
    extras: dict = field(default_factory=dict)  # (side, cell) -> list of per-round "extra" dicts
    wall: float = 0.0


def run_rounds(script: str, sides: list[str], cells: dict[str, list[tuple[str, str]]], rounds: int,
               reps: int | dict, threads: int, extra: dict | None = None, first_extra: dict | None = None,
               progress=None) -> Rounds:
    """`rounds` rounds; in round k the sides run in the order sides rotated by k (A B, B A for two).

    cells[side]: the cells that side times. reps: an int or {side: int}. extra / first_extra:
    {side: [args]} passed to every child / to the first round's children only (e.g. --dump).
    """
    res = Rounds(sides=list(sides), cells=cells)
    res.times = {s: {c: [] for c in cells[s]} for s in sides}
    t0 = time.perf_counter()
    for k in range(rounds):
        order = sides[k % len(sides):] + sides[: k % len(sides)]
        for side in order:
            args = list((extra or {}).get(side, []))
            if k == 0:
                args += (first_extra or {}).get(side, [])
            r = reps[side] if isinstance(reps, dict) else reps
            got = {(d["case"], d["dtype"]): d for d in run_child(script, side, cells[side], r, threads, args)}
            for c in cells[side]:
                d = got.get(c)
                res.times[side][c].append(None if d is None else d["median"])
                if d is not None:
                    if "meta" in d and side not in res.meta:
                        res.meta[side] = d["meta"]
                    if d.get("extra"):
                        res.extras.setdefault((side, c), []).append(d["extra"])
        if progress:
            progress(k + 1, rounds, time.perf_counter() - t0)
    res.wall = time.perf_counter() - t0
    return res


# --------------------------------------------------------------------------------------------
# Child: arguments, thread counts, timing, output
# --------------------------------------------------------------------------------------------


def child_args(argv=None, sides=None):
    p = argparse.ArgumentParser(description="one benchmark child process (see bench/_procs.py)")
    p.add_argument("--side", required=True, choices=sides)
    p.add_argument("--cell", action="append", default=[], help="case:dtype, repeated")
    p.add_argument("--case", help="comma-separated cases (with --dtype), instead of --cell")
    p.add_argument("--dtype", default="float32,float64", help="comma-separated dtypes for --case")
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--warmup", type=float, default=0.25, help="seconds of untimed calls (at least 3 calls)")
    p.add_argument("--dump", help="directory: save each cell's check arrays there (npz) before timing")
    p.add_argument("--roofline", action="store_true", help="numpy side of dense: also the matmul roofline")
    a = p.parse_args(argv)
    cells = [tuple(c.split(":", 1)) for c in a.cell]
    if a.case:
        cells += [(c, d) for c in a.case.split(",") for d in a.dtype.split(",")]
    if not cells:
        p.error("give --cell case:dtype or --case")
    a.cells = cells
    if a.threads is None:
        a.threads = len(os.sched_getaffinity(0))
    return a


def blas_info() -> dict:
    """numpy's BLAS: threadpoolctl's view if installed (kernel, threads), else numpy's build config."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                return dict(name=lib.get("internal_api"), version=lib.get("version"),
                            kernel=lib.get("architecture"), threads=lib.get("num_threads"), via="threadpoolctl")
    import numpy as np

    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return dict(name=cfg.get("name"), version=cfg.get("version"), kernel=None,
                    threads=os.environ.get("OPENBLAS_NUM_THREADS"), via="numpy config + OPENBLAS_NUM_THREADS")
    except Exception:  # noqa: BLE001 - informational only
        return dict(name=None, version=None, kernel=None, threads=None, via="unknown")


def limit_blas(threads: int) -> None:
    """Belt and braces beside OPENBLAS_NUM_THREADS: threadpoolctl's limit, if it is installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(threads)


def time_calls(f, reps: int, warmup_s: float = 0.25, min_warmup: int = 3) -> list[float]:
    """Untimed calls for warmup_s seconds (at least min_warmup), then reps timed calls (gc off)."""
    t_end = time.perf_counter() + warmup_s
    n = 0
    while n < min_warmup or time.perf_counter() < t_end:
        f()
        n += 1
    gc.collect()
    gc.disable()
    try:
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return ts


def emit(case: str, dtype: str, side: str, times: list[float], scale: float = 1.0, **more) -> None:
    """One JSON line for the parent: median (seconds per call, times scale), spread within the child."""
    t = [x * scale for x in times]
    d = dict(case=case, dtype=dtype, side=side, median=median(t), q25=percentile(t, 25),
             q75=percentile(t, 75), min=min(t), reps=len(t))
    d.update(more)
    print(RESULT_PREFIX + json.dumps(d), flush=True)
