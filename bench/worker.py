"""One benchmark child process: one side (library), the cells (case, dtype) it is given.

    python bench/worker.py --side bpkit|numpy|torch|loops --cell conv:float32 [--cell ...] --reps R --threads T
    python bench/worker.py --side torch --case conv,cnn --dtype float32,float64 --reps R --threads T

bench/bench_conv.py starts these (bench/_procs.py is the harness); a child can also be run by hand.
The bpkit, numpy and loops sides never import torch, the torch side never imports bpkit.

Cases (the data come from fixed seeds and are the same numbers on every side):

- conv: conv2d forward + backward (dx, dWk, db): N=64, C=3 -> F=16, 28x28, 3x3, stride 1, padding 0.
  bpkit: conv2d_forward + conv2d_backward. torch: F.conv2d + autograd (x, weight, bias require grad).
  loops: bpkit.conv_reference's loops on an N=2 slice, scaled to N=64 (linear in N).
- cnn: a training step (forward, mean cross entropy, backward, SGD momentum 0.9, lr 0.05) of the
  digits capstone's CNN: input (64, 1, 8, 8), Conv2D(1,8,3,padding=1)-ReLU-MaxPool2D(2)-Flatten-
  Dense(128,10,softmax). bpkit: Sequential + SGD; torch: nn.Sequential + F.cross_entropy + optim.SGD.
- cnn_big: the same step for Conv2D(1,16,3,p=1)-ReLU-MaxPool2D(2)-Conv2D(16,32,3,p=1)-ReLU-
  MaxPool2D(2)-Flatten-Dense(128,10,softmax) (8x8 -> 4x4 -> 2x2, 32*2*2 = 128).
- dense: a training step of 784-512-256-10 (sigmoid hidden, softmax + mean cross entropy, plain SGD
  lr 0.1), batch 256. numpy: hand-written, preallocated, in place, row layout (the old bench's);
  bpkit: Sequential of Dense layers (column layout) + SGD; torch: nn.Linear + F.cross_entropy + SGD.
  With --roofline the numpy side also measures the matmul rate and the step's products alone.

--dump DIR: before timing, each cell builds a fresh instance, runs it (two steps for a training
step, so that momentum counts) and saves the arrays to compare in DIR/SIDE_CASE_DTYPE.npz (for a
training step the parameters and their change over the two steps, delta_*).
"""

from __future__ import annotations

import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from _procs import blas_info, child_args, emit, limit_blas, time_calls  # noqa: E402

SIDES = ("bpkit", "numpy", "torch", "loops")
CASES = {
    "conv": ("bpkit", "torch", "loops"),
    "cnn": ("bpkit", "torch"),
    "cnn_big": ("bpkit", "torch"),
    "dense": ("numpy", "bpkit", "torch"),
}
CHECK_STEPS = 2  # training steps before the arrays are dumped for the cross-check

# --------------------------------------------------------------------------------------------
# Data (numpy only, fixed seeds)
# --------------------------------------------------------------------------------------------

CONV = dict(N=64, C=3, F=16, H=28, W=28, K=3, stride=1, padding=0)


def conv_data(dtype):
    r = np.random.default_rng(0)
    c = CONV
    x = r.normal(size=(c["N"], c["C"], c["H"], c["W"])).astype(dtype)
    Wk = (r.normal(size=(c["F"], c["C"], c["K"], c["K"])) / 3).astype(dtype)
    b = r.normal(size=c["F"]).astype(dtype)
    OH = (c["H"] + 2 * c["padding"] - c["K"]) // c["stride"] + 1
    OW = (c["W"] + 2 * c["padding"] - c["K"]) // c["stride"] + 1
    dout = r.normal(size=(c["N"], c["F"], OH, OW)).astype(dtype)
    return x, Wk, b, dout


CNN_N, CNN_LR, CNN_MOMENTUM = 64, 0.05, 0.9
CNN_ARCH = {  # ("conv", C_in, C_out) 3x3 padding 1; ("pool", 2); ("dense", n_in, n_out) softmax
    "cnn": [("conv", 1, 8), ("relu",), ("pool", 2), ("flatten",), ("dense", 8 * 4 * 4, 10)],
    "cnn_big": [("conv", 1, 16), ("relu",), ("pool", 2), ("conv", 16, 32), ("relu",), ("pool", 2),
                ("flatten",), ("dense", 32 * 2 * 2, 10)],
}


def cnn_data(case, dtype):
    """x (N, 1, 8, 8), labels (N,), [(W, b)] per conv/dense layer in torch's shapes."""
    r = np.random.default_rng(3)
    x = r.normal(size=(CNN_N, 1, 8, 8)).astype(dtype)
    labels = r.integers(0, 10, size=CNN_N)
    params = []
    for spec in CNN_ARCH[case]:
        if spec[0] == "conv":
            _, ci, co = spec
            W = r.normal(0, np.sqrt(2.0 / (ci * 9)), size=(co, ci, 3, 3))
            b = r.normal(0, 0.1, size=co)
        elif spec[0] == "dense":
            _, ni, no = spec
            W = r.normal(0, np.sqrt(1.0 / ni), size=(no, ni))
            b = r.normal(0, 0.1, size=no)
        else:
            continue
        params.append((W.astype(dtype), b.astype(dtype)))
    return x, labels, params


SIZES, BATCH, DENSE_LR = (784, 512, 256, 10), 256, 0.1


def dense_data(dtype):
    """X (B, 784) rows, one-hot T (B, 10), labels, Ws [(n_in, n_out)] (row layout), bs."""
    r = np.random.default_rng(1)
    X = r.normal(size=(BATCH, SIZES[0])).astype(dtype)
    labels = r.integers(0, SIZES[-1], size=BATCH)
    T = np.zeros((BATCH, SIZES[-1]), dtype=dtype)
    T[np.arange(BATCH), labels] = 1
    Ws = [(r.normal(size=(n_in, n_out)) / np.sqrt(n_in)).astype(dtype) for n_in, n_out in zip(SIZES[:-1], SIZES[1:])]
    bs = [np.zeros(n_out, dtype=dtype) for n_out in SIZES[1:]]
    return X, T, labels, Ws, bs


def dense_flops(B=BATCH, sizes=SIZES) -> int:
    """Matrix-multiply flops of one step: forward X W (all layers), dW = A^T D (all layers),
    dA = D W^T (all but the first layer); 2 flops per multiply-add. Elementwise work is not counted."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = sum(2 * B * n_in * n_out for n_in, n_out in pairs)
    back_input = sum(2 * B * n_in * n_out for n_in, n_out in pairs[1:])
    return 2 * forward + back_input


# --------------------------------------------------------------------------------------------
# Sides. Each builder returns (step, snapshot): step() is what is timed, snapshot() the arrays
# to cross-check after CHECK_STEPS steps (in torch's layouts: weight (out, in), NCHW).
# --------------------------------------------------------------------------------------------


def _conv_args():
    return CONV["stride"], CONV["padding"]


def bpkit_conv(dtype):
    import bpkit

    x, Wk, b, dout = conv_data(dtype)
    s, p = _conv_args()
    res = {}

    def step():
        out = bpkit.conv2d_forward(x, Wk, b, s, p)
        dx, dW, db = bpkit.conv2d_backward(dout, x, Wk, s, p)
        res.update(out=out, dx=dx, dW=dW, db=db)

    return step, lambda: dict(res)


def loops_conv(dtype):
    import bpkit

    x, Wk, b, dout = conv_data(dtype)
    s, p = _conv_args()
    xs, ds = x[:2], dout[:2]

    def step():
        bpkit.conv2d_forward_loop(xs, Wk, b, s, p)
        bpkit.conv2d_backward_loop(ds, xs, Wk, s, p)

    return step, None


def torch_conv(dtype):
    import torch

    F = torch.nn.functional
    x, Wk, b, dout = conv_data(dtype)
    s, p = _conv_args()
    tx = torch.from_numpy(x).requires_grad_()
    tW = torch.from_numpy(Wk).requires_grad_()
    tb = torch.from_numpy(b).requires_grad_()
    td = torch.from_numpy(dout)
    res = {}

    def step():
        tx.grad = tW.grad = tb.grad = None
        out = F.conv2d(tx, tW, tb, stride=s, padding=p)
        out.backward(td)
        res["out"] = out

    def snapshot():
        return dict(out=res["out"].detach().numpy(), dx=tx.grad.numpy(), dW=tW.grad.numpy(), db=tb.grad.numpy())

    return step, snapshot


def bpkit_cnn(case, dtype):
    import bpkit as bp

    x, labels, params = cnn_data(case, dtype)
    t = np.ascontiguousarray(np.eye(10, dtype=dtype)[:, labels])  # (10, N): one-hot columns
    it = iter(params)
    layers = []
    for spec in CNN_ARCH[case]:
        if spec[0] == "conv":
            W, b = next(it)
            layers.append(bp.Conv2D(spec[1], spec[2], 3, padding=1, W=W, b=b))
        elif spec[0] == "relu":
            layers.append(bp.ReLU())
        elif spec[0] == "pool":
            layers.append(bp.MaxPool2D(spec[1]))
        elif spec[0] == "flatten":
            layers.append(bp.Flatten())
        else:
            W, b = next(it)
            layers.append(bp.Dense(spec[1], spec[2], activation="softmax", W=W, b=b))
    model = bp.Sequential(layers, loss=bp.CategoricalCrossEntropy(reduction="mean"))
    opt = bp.SGD(model, lr=CNN_LR, momentum=CNN_MOMENTUM)
    loss0 = model.loss_value(x, t)

    def step():
        model.gradients(x, t)
        opt.step()

    def snapshot():
        out = {f"p{i}": np.array(v) for i, v in enumerate(model.params().values())}
        out["loss0"] = np.array(loss0)
        return out

    return step, snapshot


def torch_cnn(case, dtype):
    import torch

    nn, F = torch.nn, torch.nn.functional
    x, labels, params = cnn_data(case, dtype)
    tdt = torch.from_numpy(x).dtype
    layers = []
    for spec in CNN_ARCH[case]:
        if spec[0] == "conv":
            layers.append(nn.Conv2d(spec[1], spec[2], 3, padding=1, dtype=tdt))
        elif spec[0] == "relu":
            layers.append(nn.ReLU())
        elif spec[0] == "pool":
            layers.append(nn.MaxPool2d(spec[1]))
        elif spec[0] == "flatten":
            layers.append(nn.Flatten())
        else:
            layers.append(nn.Linear(spec[1], spec[2], dtype=tdt))
    model = nn.Sequential(*layers)
    with torch.no_grad():
        for m, (W, b) in zip([m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))], params):
            m.weight.copy_(torch.from_numpy(W))
            m.bias.copy_(torch.from_numpy(b))
    opt = torch.optim.SGD(model.parameters(), lr=CNN_LR, momentum=CNN_MOMENTUM)
    tx, tl = torch.from_numpy(x), torch.from_numpy(labels)
    with torch.no_grad():
        loss0 = F.cross_entropy(model(tx), tl).item()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(tx), tl)
        loss.backward()
        opt.step()

    def snapshot():
        out = {f"p{i}": p.detach().numpy().copy() for i, p in enumerate(model.parameters())}
        out["loss0"] = np.array(loss0)
        return out

    return step, snapshot


class NumpyDenseStep:
    """One SGD step of the 784-512-256-10 network in the row layout (a batch is (B, n), one sample per
    row, W^l is (n_{l-1}, n_l)), with every buffer allocated once and every op in place:

        Z^l = A^{l-1} W^l + b^l,  A^l = sigmoid(Z^l) (hidden),  P = softmax(Z^L)
        D^L = (P - T) / B                       (softmax + mean cross entropy, fused; no Jacobian)
        D^l = (D^{l+1} W^{l+1 T}) * A^l (1 - A^l)
        W^l -= A^{l-1 T} (lr D^l),  b^l -= column sums of lr D^l
    """

    def __init__(self, X, T, Ws, bs, lr=DENSE_LR):
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


def _dense_snapshot(Ws_out_in, bs):
    out = {f"W{i}": np.array(W) for i, W in enumerate(Ws_out_in)}
    out.update({f"b{i}": np.array(b) for i, b in enumerate(bs)})
    return out


def numpy_dense(dtype):
    X, T, labels, Ws, bs = dense_data(dtype)
    st = NumpyDenseStep(X, T, Ws, bs)
    return st, lambda: _dense_snapshot([W.T for W in st.Ws], st.bs)


def bpkit_dense(dtype):
    import bpkit as bp

    X, T, labels, Ws, bs = dense_data(dtype)
    x, t = np.ascontiguousarray(X.T), np.ascontiguousarray(T.T)  # column layout (n, B)
    acts = ["sigmoid"] * (len(Ws) - 1) + ["softmax"]
    layers = [bp.Dense(W.shape[0], W.shape[1], activation=a, W=W.T, b=b) for W, b, a in zip(Ws, bs, acts)]
    model = bp.Sequential(layers, loss=bp.CategoricalCrossEntropy(reduction="mean"))
    opt = bp.SGD(model, lr=DENSE_LR)

    def step():
        model.gradients(x, t)
        opt.step()

    return step, lambda: _dense_snapshot([l.W for l in layers], [l.b for l in layers])


def torch_dense(dtype):
    import torch

    X, T, labels, Ws, bs = dense_data(dtype)
    layers = []
    for W, b in zip(Ws, bs):
        lin = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.from_numpy(W).dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
    model = torch.nn.Sequential(layers[0], torch.nn.Sigmoid(), layers[1], torch.nn.Sigmoid(), layers[2])
    opt = torch.optim.SGD(model.parameters(), lr=DENSE_LR)
    tX, tl = torch.from_numpy(X), torch.from_numpy(labels)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(tX), tl)
        loss.backward()
        opt.step()

    return step, lambda: _dense_snapshot([l.weight.detach().numpy() for l in layers],
                                         [l.bias.detach().numpy() for l in layers])


BUILDERS = {
    ("bpkit", "conv"): bpkit_conv,
    ("loops", "conv"): loops_conv,
    ("torch", "conv"): torch_conv,
    ("bpkit", "cnn"): lambda d: bpkit_cnn("cnn", d),
    ("torch", "cnn"): lambda d: torch_cnn("cnn", d),
    ("bpkit", "cnn_big"): lambda d: bpkit_cnn("cnn_big", d),
    ("torch", "cnn_big"): lambda d: torch_cnn("cnn_big", d),
    ("numpy", "dense"): numpy_dense,
    ("bpkit", "dense"): bpkit_dense,
    ("torch", "dense"): torch_dense,
}


# --------------------------------------------------------------------------------------------
# Roofline (numpy side of dense)
# --------------------------------------------------------------------------------------------


def matmul_rate(dtype, n=1024, runs=5) -> float:
    """flop/s of numpy's n x n @ n x n product (BLAS, this process's thread count), median of runs."""
    r = np.random.default_rng(2)
    a, b = r.normal(size=(n, n)).astype(dtype), r.normal(size=(n, n)).astype(dtype)
    out = np.empty((n, n), dtype)
    ts = time_calls(lambda: np.matmul(a, b, out=out), runs, warmup_s=0.0, min_warmup=2)
    return 2 * n**3 / sorted(ts)[len(ts) // 2]


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def setup_threads(side: str, threads: int) -> dict:
    limit_blas(threads)
    meta = dict(python=platform.python_version(), numpy=np.__version__, pid=os.getpid(),
                env={v: os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                    "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_WAIT_POLICY")})
    if side == "torch":
        import torch

        torch.set_num_threads(threads)
        meta.update(torch=torch.__version__, torch_threads=torch.get_num_threads(),
                    mkldnn=bool(torch.backends.mkldnn.is_available()))
    else:
        meta["blas"] = blas_info()
        if side in ("bpkit", "loops"):
            import bpkit
            from bpkit import conv as bconv

            bconv.set_num_threads(threads)
            meta.update(bpkit=bpkit.__version__, bpkit_threads=bconv.get_num_threads())
    return meta


def main(argv=None) -> int:
    a = child_args(argv, SIDES)
    meta = setup_threads(a.side, a.threads)
    for case, dtype_name in a.cells:
        if (a.side, case) not in BUILDERS:
            raise SystemExit(f"worker: side {a.side!r} has no case {case!r} (cases: {CASES})")
        dtype = np.dtype(dtype_name).type
        build = BUILDERS[(a.side, case)]
        if a.dump:
            step, snapshot = build(dtype)
            if snapshot is not None:
                training = case != "conv"
                before = {k: v.copy() for k, v in snapshot().items()} if training else {}
                for _ in range(CHECK_STEPS if training else 1):
                    step()
                after = snapshot()
                # a training step: also the change of every parameter (a stricter test than the values)
                after.update({f"delta_{k}": after[k] - v for k, v in before.items() if not k.startswith("loss")})
                np.savez(os.path.join(a.dump, f"{a.side}_{case}_{dtype_name}.npz"), **after)
        step, _ = build(dtype)
        extra = {}
        if a.side == "loops":
            times = time_calls(step, a.reps, warmup_s=0.0, min_warmup=1)
            scale = CONV["N"] / 2
        else:
            times = time_calls(step, a.reps, warmup_s=a.warmup)
            scale = 1.0
        if a.side == "numpy" and case == "dense" and a.roofline:
            rate = max(matmul_rate(dtype), matmul_rate(dtype))
            t_mm = time_calls(step.matmuls_only, a.reps, warmup_s=0.05)
            extra = dict(flops=dense_flops(), matmul_rate=rate, matmuls_only=sorted(t_mm)[len(t_mm) // 2])
        emit(case, dtype_name, a.side, times, scale=scale, meta=meta, extra=extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
