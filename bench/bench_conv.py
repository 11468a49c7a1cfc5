"""Benchmarks (not tests): bpkit's fast conv2d and a numpy dense training step against the loop
reference and, when it is installed, PyTorch on the CPU.

    make bench                      # or, by hand:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/bench_conv.py [--pairs 21]

1. conv2d forward + backward (input, weight and bias gradients): N=64, C=3 -> F=16 filters, 28x28,
   3x3 kernel, stride 1, padding 0, in float32 and float64: bpkit.conv against torch's conv2d +
   autograd, and against bpkit.conv_reference's loops (on an N=2 slice, scaled to N=64).
2. A dense training step, batch 256, layers 784-512-256-10, sigmoid hidden layers, softmax + cross
   entropy, plain SGD: numpy (preallocated buffers, in-place ops, fused softmax + CCE delta) against
   torch (nn.Linear, F.cross_entropy, torch.optim.SGD). Also its time as a multiple of its BLAS
   roofline: the step's matrix-multiply flops divided by the matmul rate measured in this run.

Noise: the machine is shared, so the two sides run interleaved (A B A B ...) after a warm-up, and
the script prints the median of the per-pair ratios A/B with its spread (the 25-75 % range and min-max).
Fairness: same work, same dtype, same data; torch.set_num_threads is set to numpy's BLAS thread count
(read with threadpoolctl when it is installed), and bpkit.conv's thread pool gets the same count.
torch is optional and is not a dependency of bpkit: pip install torch==2.13.0 into the venv for it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

import bpkit
from bpkit import conv as bconv

try:
    import torch
except ImportError:  # the numpy-only parts still run
    torch = None

try:
    from threadpoolctl import threadpool_info
except ImportError:
    threadpool_info = None


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


def interleaved(fa, fb, pairs: int, warmup: int = 3):
    """Time fa and fb alternately (A B A B ...), after `warmup` untimed pairs; seconds per call."""
    for _ in range(warmup):
        fa()
        fb()
    ta, tb = np.empty(pairs), np.empty(pairs)
    for k in range(pairs):
        t0 = time.perf_counter()
        fa()
        t1 = time.perf_counter()
        fb()
        t2 = time.perf_counter()
        ta[k], tb[k] = t1 - t0, t2 - t1
    return ta, tb


def ratio_line(label: str, ta, tb, name_a: str, name_b: str) -> str:
    r = ta / tb
    q25, q75 = np.percentile(r, [25, 75])
    return (
        f"{label}: {name_a} {np.median(ta) * 1e3:7.2f} ms, {name_b} {np.median(tb) * 1e3:7.2f} ms (medians); "
        f"ratio {name_a}/{name_b} median {np.median(r):.3f}x "
        f"(25-75 %: {q25:.3f}-{q75:.3f}, min-max: {r.min():.3f}-{r.max():.3f}, {len(r)} pairs)"
    )


def alone_line(label: str, fa, fb, runs: int, out: dict | None = None) -> str:
    """Context for the interleaved ratio: each side's median over a block of consecutive runs, so that
    neither runs while the other's idle threads still spin (torch's OpenMP threads spin after a call)."""
    a, b = median_time(fa, runs, warmup=3), median_time(fb, runs, warmup=3)
    if out is not None:
        out.update(numpy=a, torch=b)
    return (f"{label} each alone ({runs} consecutive runs): numpy {a * 1e3:.2f} ms, torch {b * 1e3:.2f} ms, "
            f"ratio of medians {a / b:.3f}x")


def median_time(f, runs: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        f()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------


def blas_threads() -> int:
    """numpy's BLAS thread count (threadpoolctl), else the CPUs this process may use."""
    if threadpool_info is not None:
        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                return int(lib["num_threads"])
    return len(os.sched_getaffinity(0))


def describe_environment(threads: int) -> None:
    print(f"python {platform.python_version()}, numpy {np.__version__}, bpkit {bpkit.__version__}, "
          f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()})")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        print(f"  {var}={os.environ.get(var, '(unset)')}")
    if threadpool_info is None:
        print("  threadpoolctl not installed: the BLAS kernel is not shown (pip install threadpoolctl)")
    else:
        for lib in threadpool_info():
            print(f"  {lib.get('user_api')}: {lib.get('internal_api')} {lib.get('version')}, "
                  f"kernel {lib.get('architecture')}, {lib.get('num_threads')} threads ({os.path.basename(lib.get('filepath', ''))})")
    print(f"  threads: numpy BLAS {threads}, bpkit.conv pool {bconv.get_num_threads()}", end="")
    if torch is not None:
        print(f", torch {torch.get_num_threads()} (torch {torch.__version__})")
    else:
        print("; torch not installed: only numpy is timed (.venv/bin/pip install torch==2.13.0 for the comparison)")


# --------------------------------------------------------------------------------------------
# 1. conv2d forward + backward
# --------------------------------------------------------------------------------------------

CONV = dict(N=64, C=3, F=16, H=28, W=28, K=3, stride=1, padding=0)


def conv_data(dtype, N=CONV["N"]):
    r = np.random.default_rng(0)
    c = CONV
    x = r.normal(size=(N, c["C"], c["H"], c["W"])).astype(dtype)
    Wk = (r.normal(size=(c["F"], c["C"], c["K"], c["K"])) / 3).astype(dtype)
    b = r.normal(size=c["F"]).astype(dtype)
    OH = (c["H"] + 2 * c["padding"] - c["K"]) // c["stride"] + 1
    dout = r.normal(size=(N, c["F"], OH, OH)).astype(dtype)
    return x, Wk, b, dout


def bench_conv(pairs: int) -> None:
    c = CONV
    s, p = c["stride"], c["padding"]
    print(f"\n1. conv2d forward + backward: N={c['N']}, C={c['C']} -> F={c['F']}, {c['H']}x{c['W']}, "
          f"k={c['K']}, stride {s}, padding {p} (dx, dWk, db)")
    for dtype in (np.float32, np.float64):
        name = np.dtype(dtype).name
        x, Wk, b, dout = conv_data(dtype)

        def numpy_step():
            bpkit.conv2d_forward(x, Wk, b, s, p)
            return bpkit.conv2d_backward(dout, x, Wk, s, p)

        # The loops: an N=2 slice, fewer runs, scaled to N=64 (their time is linear in N).
        xs, douts = x[:2], dout[:2]

        def loop_step():
            bpkit.conv2d_forward_loop(xs, Wk, b, s, p)
            return bpkit.conv2d_backward_loop(douts, xs, Wk, s, p)

        t_loop = median_time(loop_step, runs=3) * (c["N"] / 2)
        t_fast = median_time(numpy_step, runs=pairs, warmup=3)
        print(f"  {name} loop reference: {t_loop * 1e3:.0f} ms (N=2 slice, median of 3 runs, scaled x{c['N'] // 2}); "
              f"bpkit.conv {t_fast * 1e3:.2f} ms: {t_loop / t_fast:.0f}x faster")
        if torch is None:
            continue
        tx = torch.tensor(x, requires_grad=True)
        tW = torch.tensor(Wk, requires_grad=True)
        tb = torch.tensor(b, requires_grad=True)
        td = torch.tensor(dout)

        def torch_step():
            tx.grad = tW.grad = tb.grad = None
            out = torch.nn.functional.conv2d(tx, tW, tb, stride=s, padding=p)
            out.backward(td)

        torch_step()
        for got, want in zip(numpy_step(), (tx.grad, tW.grad, tb.grad)):  # same numbers first
            np.testing.assert_allclose(got, want.numpy(), rtol=1e-3 if name == "float32" else 1e-9, atol=1e-3)
        ta, tb_ = interleaved(numpy_step, torch_step, pairs)
        print("  " + ratio_line(name, ta, tb_, "numpy", "torch"))
        print("  " + alone_line(name, numpy_step, torch_step, pairs))


# --------------------------------------------------------------------------------------------
# 2. Dense training step
# --------------------------------------------------------------------------------------------

SIZES = (784, 512, 256, 10)
BATCH = 256
LR = 0.1


def dense_flops(B=BATCH, sizes=SIZES) -> int:
    """Matrix-multiply flops of one step: forward X W (all layers), dW = A^T D (all layers),
    dA = D W^T (all but the first layer); 2 flops per multiply-add. Elementwise work is not counted."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = sum(2 * B * n_in * n_out for n_in, n_out in pairs)
    back_input = sum(2 * B * n_in * n_out for n_in, n_out in pairs[1:])
    return 2 * forward + back_input


def dense_data(dtype):
    r = np.random.default_rng(1)
    X = r.normal(size=(BATCH, SIZES[0])).astype(dtype)
    labels = r.integers(0, SIZES[-1], size=BATCH)
    T = np.zeros((BATCH, SIZES[-1]), dtype=dtype)
    T[np.arange(BATCH), labels] = 1
    Ws = [(r.normal(size=(n_in, n_out)) / np.sqrt(n_in)).astype(dtype) for n_in, n_out in zip(SIZES[:-1], SIZES[1:])]
    bs = [np.zeros(n_out, dtype=dtype) for n_out in SIZES[1:]]
    return X, T, labels, Ws, bs


class NumpyDenseStep:
    """One SGD step of the 784-512-256-10 network in the row layout (a batch is (B, n), one sample per
    row, W^l is (n_{l-1}, n_l)), with every buffer allocated once and every op in place:

        Z^l = A^{l-1} W^l + b^l,  A^l = sigmoid(Z^l) (hidden),  P = softmax(Z^L)
        D^L = (P - T) / B                       (softmax + mean cross entropy, fused; no Jacobian)
        D^l = (D^{l+1} W^{l+1 T}) * A^l (1 - A^l)
        W^l -= A^{l-1 T} (lr D^l),  b^l -= column sums of lr D^l
    """

    def __init__(self, X, T, Ws, bs, lr=LR):
        self.X, self.T, self.Ws, self.bs, self.lr = X, T, Ws, bs, lr
        dt, B = X.dtype, X.shape[0]
        self.A = [X] + [np.empty((B, W.shape[1]), dt) for W in Ws]  # A[0] = X, A[L] = P
        self.D = [np.empty((B, W.shape[1]), dt) for W in Ws]
        self.tmp = [np.empty((B, W.shape[1]), dt) for W in Ws]
        self.dW = [np.empty_like(W) for W in Ws]
        self.db = [np.empty_like(b) for b in bs]
        self.rowvec = np.empty((B, 1), dt)

    @staticmethod
    def _sigmoid(z, out):
        """out = 1 / (1 + exp(-z)); exp overflows to inf for very negative z, and 1/inf = 0 is the limit."""
        np.negative(z, out=out)
        with np.errstate(over="ignore"):
            np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)

    def __call__(self):
        A, D, L = self.A, self.D, len(self.Ws)
        for l in range(L):  # forward: Z is written into A[l + 1] and activated in place
            np.matmul(A[l], self.Ws[l], out=A[l + 1])
            A[l + 1] += self.bs[l]
            if l < L - 1:
                self._sigmoid(A[l + 1], A[l + 1])
        P, m = A[L], self.rowvec  # softmax in place, row by row
        np.max(P, axis=1, keepdims=True, out=m)
        P -= m
        np.exp(P, out=P)
        np.sum(P, axis=1, keepdims=True, out=m)
        P /= m
        # fused softmax + CCE delta, already scaled by the learning rate: lr (P - T) / B
        np.subtract(P, self.T, out=D[L - 1])
        D[L - 1] *= self.lr / P.shape[0]
        for l in range(L - 1, -1, -1):
            if l > 0:  # D[l-1] = (D[l] W^T) * A (1 - A), before W[l] is updated
                np.matmul(D[l], self.Ws[l].T, out=D[l - 1])
                t = self.tmp[l - 1]
                np.subtract(1, A[l], out=t)
                t *= A[l]
                D[l - 1] *= t
            np.matmul(A[l].T, D[l], out=self.dW[l])
            self.Ws[l] -= self.dW[l]
            np.sum(D[l], axis=0, out=self.db[l])
            self.bs[l] -= self.db[l]
        return P


    def matmuls_only(self):
        """The step's matrix products alone, on the same buffers (values are not meaningful): a
        lower bound on the step's time with this BLAS, to compare with the roofline."""
        A, D, L = self.A, self.D, len(self.Ws)
        for l in range(L):
            np.matmul(A[l], self.Ws[l], out=A[l + 1])
        for l in range(L - 1, -1, -1):
            if l > 0:
                np.matmul(D[l], self.Ws[l].T, out=D[l - 1])
            np.matmul(A[l].T, D[l], out=self.dW[l])


def torch_dense_step_factory(X, labels, Ws, bs):
    """nn.Linear layers with the same initial weights, F.cross_entropy (mean), optim.SGD."""
    layers = []
    for W, b in zip(Ws, bs):
        lin = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.from_numpy(W).dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
    model = torch.nn.Sequential(layers[0], torch.nn.Sigmoid(), layers[1], torch.nn.Sigmoid(), layers[2])
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    tX, tl = torch.from_numpy(X), torch.from_numpy(labels)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(tX), tl)
        loss.backward()
        opt.step()

    return step, model


def matmul_rate(dtype, n=1024, runs=7) -> float:
    """flop/s of numpy's n x n @ n x n product (BLAS, the run's thread count), median of `runs`."""
    r = np.random.default_rng(2)
    a, b = r.normal(size=(n, n)).astype(dtype), r.normal(size=(n, n)).astype(dtype)
    out = np.empty((n, n), dtype)
    return 2 * n**3 / median_time(lambda: np.matmul(a, b, out=out), runs=runs, warmup=2)


def bench_dense(pairs: int) -> None:
    flops = dense_flops()
    print(f"\n2. dense training step: batch {BATCH}, layers {'-'.join(map(str, SIZES))}, sigmoid hidden, "
          f"softmax + CCE, SGD; {flops / 1e6:.0f} Mflop of matrix products per step")
    for dtype in (np.float32, np.float64):
        name = np.dtype(dtype).name
        X, T, labels, Ws, bs = dense_data(dtype)
        np_step = NumpyDenseStep(X, T, [W.copy() for W in Ws], [b.copy() for b in bs])
        if torch is not None:
            t_step, model = torch_dense_step_factory(X, labels, Ws, bs)
            np_step()  # same first update on both sides
            t_step()
            np.testing.assert_allclose(np_step.Ws[0], model[0].weight.detach().numpy().T,
                                       rtol=1e-4 if name == "float32" else 1e-10, atol=1e-5)
            rate_before = matmul_rate(dtype)
            ta, tb = interleaved(np_step, t_step, pairs)
            rate = max(rate_before, matmul_rate(dtype))
        else:
            rate_before = matmul_rate(dtype)
            ta = np.array([median_time(np_step, runs=pairs, warmup=3)])
            tb = None
            rate = max(rate_before, matmul_rate(dtype))
        roof = flops / rate
        t_np = float(np.median(ta))
        print(f"  {name} matmul rate {rate / 1e9:.1f} Gflop/s (1024^3 product, best of the medians before "
              f"and after) -> roofline {roof * 1e3:.2f} ms per step")
        t_mm = median_time(np_step.matmuls_only, runs=pairs, warmup=3)
        print(f"  {name} the step's matrix products alone (same shapes, no elementwise work): "
              f"{t_mm * 1e3:.2f} ms = {t_mm / roof:.3f}x the roofline")
        if tb is not None:
            print("  " + ratio_line(name, ta, tb, "numpy", "torch"))
            alone = {}
            print("  " + alone_line(name, np_step, t_step, pairs, alone))
            print(f"  {name} roofline multiple, interleaved: numpy {t_np / roof:.3f}x (25-75 %: "
                  f"{np.percentile(ta, 25) / roof:.3f}-{np.percentile(ta, 75) / roof:.3f}), "
                  f"torch {np.median(tb) / roof:.3f}x; each alone: numpy {alone['numpy'] / roof:.3f}x, "
                  f"torch {alone['torch'] / roof:.3f}x")
        else:
            print(f"  {name} numpy {t_np * 1e3:.2f} ms, {t_np / roof:.3f}x its roofline")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=21, help="timed A/B pairs per comparison (at least 7)")
    parser.add_argument("--only", choices=["conv", "dense"], help="run one part only")
    args = parser.parse_args(argv)
    pairs = max(7, args.pairs)
    threads = blas_threads()
    bconv.set_num_threads(threads)
    if torch is not None:
        torch.set_num_threads(threads)
    print("+ " + " ".join([os.path.basename(sys.executable)] + sys.argv))
    describe_environment(threads)
    if args.only in (None, "conv"):
        bench_conv(pairs)
    if args.only in (None, "dense"):
        bench_dense(pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
