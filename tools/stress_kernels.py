"""Stress the notebook kernels: execute the widget chapters many times, two at a time, under load.

    python tools/stress_kernels.py [--runs 24] [--parallel 2] [--load 1] [--mode live|static]
                                   [--cell-timeout 120] [NOTEBOOK ...]

Not a test (``make test`` does not run it): a check that a kernel never stalls, for use after
changing the Jupyter stack (ipykernel, jupyter_client, pyzmq, nbclient). An ipykernel 7 defect
left a request unread for about 300 s when the machine was busy; this script reproduces those
conditions: `--runs` executions of the chapters that use ``bpkit.book.widgets`` (round robin), `--parallel`
at a time, each in a fresh kernel started the way the book build and nbval start it, while
`--load` other processes keep the CPU busy. ``--mode static`` runs them as the book build does
(every widget precomputes its frames into a temporary folder); ``live`` as nbval does.
``--without-fix`` turns tools/kernel_wakeup.py's fix off, to show the stalls it prevents: each
one lasts a whole cell timeout.

It prints every execution's time and, per notebook, the median and the slowest, and ends with
the slowest execution over its notebook's median. Exit status 1 if any execution failed or took
more than 3x its notebook's median (the issue's goal), else 0.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import kernel_wakeup  # noqa: E402  (tools/ is not a package)
from execute_notebooks import run_notebook  # noqa: E402

LIMIT = 3.0  # an execution over LIMIT x its notebook's median counts as a stall


def widget_chapters() -> list[Path]:
    return [p for p in sorted((ROOT / "chapters").glob("*.ipynb"))
            if "bpkit.book.widgets" in p.read_text(encoding="utf-8")]


def _load() -> None:  # a CPU hog, in its own process
    while True:
        sum(i * i for i in range(100_000))


def _one(path: str, mode: str, cell_timeout: float, fix: bool) -> tuple[str, float, str]:
    """Execute one notebook in a fresh kernel; (path, seconds, error or '')."""
    import nbformat

    if not fix:
        kernel_wakeup.uninstall()

    with tempfile.TemporaryDirectory() as frames:
        if mode == "static":
            os.environ.update(BPKIT_WIDGETS="static", BPKIT_WIDGET_FRAMES=frames,
                              BPKIT_BOOK_ROOT=str(ROOT))
        else:
            os.environ.pop("BPKIT_WIDGETS", None)
        notebook = nbformat.read(path, as_version=4)
        started = time.perf_counter()
        try:
            run_notebook(notebook, Path(path), cell_timeout)
            error = ""
        except Exception as exc:  # noqa: BLE001 - reported, and the exit status says so
            error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"
        return path, time.perf_counter() - started, error


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=24, help="executions in all (default 24)")
    parser.add_argument("--parallel", type=int, default=2, help="at a time (default 2)")
    parser.add_argument("--load", type=int, default=1, help="CPU-loading processes (default 1)")
    parser.add_argument("--mode", choices=["live", "static"], default="live")
    parser.add_argument("--cell-timeout", type=float, default=120.0,
                        help="seconds a cell may take before the execution fails (default 120)")
    parser.add_argument("--without-fix", action="store_true",
                        help="without tools/kernel_wakeup.py's fix, to see the stalls it prevents")
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or widget_chapters()
    if not notebooks:
        print("no notebook to execute", file=sys.stderr)
        return 2
    import ipykernel
    import jupyter_client
    import nbclient
    import zmq

    print(f"ipykernel {ipykernel.__version__}, jupyter_client {jupyter_client.__version__}, "
          f"pyzmq {zmq.__version__}, nbclient {nbclient.__version__}; {os.cpu_count()} cores; "
          f"{args.runs} runs, {args.parallel} at a time, {args.load} loading process(es), "
          f"mode {args.mode}, " + ("WITHOUT" if args.without_fix else "with")
          + " tools/kernel_wakeup.py's fix", flush=True)
    spawn = multiprocessing.get_context("spawn")
    hogs = [spawn.Process(target=_load, daemon=True) for _ in range(args.load)]
    for hog in hogs:
        hog.start()
    times: dict[str, list[float]] = {}
    failures: list[str] = []
    started = time.perf_counter()
    try:
        with ProcessPoolExecutor(args.parallel, mp_context=spawn) as pool:
            jobs = [pool.submit(_one, str(notebooks[i % len(notebooks)]), args.mode,
                                args.cell_timeout, not args.without_fix) for i in range(args.runs)]
            for done, job in enumerate(as_completed(jobs), 1):
                path, seconds, error = job.result()
                name = Path(path).name
                print(f"[{done:3d}/{args.runs}] {name:32s} {seconds:7.1f} s"
                      + (f"  FAILED {error}" if error else ""), flush=True)
                if error:
                    failures.append(f"{name}: {error}")
                else:
                    times.setdefault(name, []).append(seconds)
    finally:
        for hog in hogs:
            hog.terminate()
    print(f"\nwall time {time.perf_counter() - started:.0f} s")
    print(f"{'notebook':32s} {'runs':>4s} {'median s':>9s} {'slowest s':>9s} {'ratio':>6s}")
    worst = (0.0, "")
    for name, values in sorted(times.items()):
        median = statistics.median(values)
        ratio = max(values) / median
        worst = max(worst, (ratio, name))
        print(f"{name:32s} {len(values):4d} {median:9.1f} {max(values):9.1f} {ratio:6.2f}")
    print(f"slowest execution over its notebook's median: {worst[0]:.2f}x ({worst[1]}); "
          f"goal <= {LIMIT:.0f}x; failures: {len(failures)}")
    for failure in failures:
        print(f"  {failure}")
    return 1 if failures or worst[0] > LIMIT else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
