"""One gradient-descent step of a dense network, one operation at a time (chapter 6).

Plain numpy, the book's equations (eq. (6.2), from chapters 2 and 4), in the book's
numbering: the input is a^0, layer l = 1..L has W^l (n_l x n_{l-1}) and b^l (n_l x 1),
z^l = W^l a^{l-1} + b^l (b^l added to every column of a batch), a^l = f(z^l),
delta^L = dE/da^L (.) f'(z^L), delta^{l-1} = (W^l)^T delta^l (.) f'(z^{l-1}),
dE/dW^l = delta^l (a^{l-1})^T, dE/db^l = row sums of delta^l, W^l <- W^l - eta dE/dW^l.
Column layout: a^l is n_l x N; with N > 1 the LaTeX writes the batch matrices Z^l, A^l,
Delta^l (chapter 4) and the bias gradient Delta^l 1.

Each Step carries its formula three ways: ``formula`` (plain text, for printing), ``lhs`` and
``rhs`` (LaTeX, the symbols) and ``numeric`` (the right-hand side with the operands' arrays
in place, as parts for bpkit.book.typeset; empty where it would only repeat the result).
``Step.rows()`` gives the lines, aligned at "=", for ``typeset.latex_aligned`` and
``typeset.draw_equation``.
"""

from dataclasses import dataclass, field

import numpy as np

from .._checks import as_float_array, check_finite_result, check_list, check_number, quiet
from ..activations import get_activation
from ..losses import get_loss

__all__ = ["Step", "trace_step"]


@dataclass
class Step:
    """One operation: ``formula`` (plain text), ``operands`` [(name, array)], ``result`` (name, array);
    ``lhs``, ``rhs`` (LaTeX of the result's symbol and of the operation; lhs is "" for an update,
    whose rhs names the result), ``numeric`` (the rhs as typeset parts: LaTeX strings and arrays)."""

    formula: str
    operands: list
    result: tuple
    lhs: str = ""
    rhs: str = ""
    numeric: list = field(default_factory=list)

    def rows(self) -> list:
        """The step as lines of typeset parts, aligned at "=": ``lhs = rhs`` and
        ``= numeric = result``; an update (no lhs) as ``rhs = numeric`` and ``= result``;
        a step without numeric parts as one line ``lhs = rhs = result``.

        For ``bpkit.book.typeset.latex_aligned`` (the page) and ``bpkit.book.typeset.draw_equation``
        (a widget's frame): every string is valid LaTeX and matplotlib mathtext."""
        result = self.result[1]
        if not self.lhs:
            return [[self.rhs, "&="] + list(self.numeric), ["&=", result]]
        if not self.numeric:
            return [[self.lhs, "&=", self.rhs, "=", result]]
        return [[self.lhs, "&=", self.rhs], ["&="] + list(self.numeric) + ["=", result]]


def _col(a, name):
    a = np.asarray(as_float_array(a, name, "trace_step"), dtype=float)
    if a.ndim != 2:
        raise ValueError(f"trace_step: {name} must be 2-D (rows x columns), got shape {a.shape}")
    return a


def _names(names, L: int, label: str):
    """None, or a list of L superscripts (str() of each)."""
    if names is None:
        return None
    names = check_list(names, label, "trace_step", f"a list of {L} layer names")
    if len(names) != L:
        raise ValueError(f"trace_step: {label} needs {L} entries (one per layer) but has {len(names)}")
    return [str(n) for n in names]


def trace_step(Ws, bs, activation, x, t, loss, lr=None, layer_names=None):
    """(steps, values) of one forward pass, backward pass and (if lr) update (eq. (6.2)).

    Ws[k]: (n_{k+1}, n_k); bs[k]: (n_{k+1}, 1); x: (n_0, N); t: (n_L, N).
    activation: a bpkit Activation (value, derivative); loss: a bpkit Loss
    (gradient(y, t) is dE/dy). layer_names[k] is the superscript of W, b, z, a, delta
    of layer k + 1 (default "1", "2", ..., the book's numbering); the input is a^0.
    values maps "z^1", "a^1", "delta^2", "dE/dW^1", "dE/db^1", "W^1 updated",
    "b^1 updated", ... to arrays (n_l x N, or the shape of W^l and b^l).
    activation must be elementwise (not softmax); lr None or a finite number > 0. A value too
    large for a float anywhere in the trace raises ValueError naming the inputs.
    """
    where = "trace_step"
    Ws = check_list(Ws, "Ws", where, "a non-empty list of weight matrices", min_len=1)
    bs = check_list(bs, "bs", where, "a list of bias columns, one per weight matrix")
    L = len(Ws)
    if len(bs) != L:
        raise ValueError(f"trace_step: Ws has {L} weight matrices but bs has {len(bs)} biases; give one bias per layer")
    activation = get_activation(activation, where)
    if not activation.elementwise:
        raise ValueError(
            f"{where}: activation '{activation.name}' is not elementwise; the trace multiplies by f'(z) "
            "entry by entry (use an elementwise activation)"
        )
    loss = get_loss(loss, where)
    if lr is not None:  # checked, but kept as given: the formulas print it as written
        check_number(lr, "lr", where, low=0.0, low_open=True)
    ln = _names(layer_names, L, "layer_names") or [str(k + 1) for k in range(L)]
    Ws = [_col(W, f"Ws[{k}] (W^{ln[k]})") for k, W in enumerate(Ws)]
    bs = [_col(b, f"bs[{k}] (b^{ln[k]})") for k, b in enumerate(bs)]
    with quiet():
        steps, values = _trace(Ws, bs, activation, x, t, loss, lr, ln)
    for name, arr in values.items():
        check_finite_result(arr, where, name, "Ws, bs, x, t and lr")
    return steps, values


class _Tex:
    """LaTeX of the book's symbols (valid mathtext too); capitals for a batch (N > 1)."""

    def __init__(self, batch: bool):
        self.batch = batch

    def z(self, s):
        return f"Z^{{{s}}}" if self.batch else f"\\mathbf{{z}}^{{{s}}}"

    def a(self, s):
        return f"A^{{{s}}}" if self.batch else f"\\mathbf{{a}}^{{{s}}}"

    def delta(self, s):
        return f"\\Delta^{{{s}}}" if self.batch else f"\\boldsymbol{{\\delta}}^{{{s}}}"

    @staticmethod
    def W(s):
        return f"W^{{{s}}}"

    @staticmethod
    def b(s):
        return f"\\mathbf{{b}}^{{{s}}}"

    @staticmethod
    def dW(s):
        return f"\\dfrac{{\\partial E}}{{\\partial W^{{{s}}}}}"

    @staticmethod
    def db(s):
        return f"\\dfrac{{\\partial E}}{{\\partial \\mathbf{{b}}^{{{s}}}}}"


def _lr_tex(lr) -> str:
    """The learning rate as given (0.01, 0.5, 1e-05 as 1 \\times 10^{-5})."""
    text = f"{float(lr):.12g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text


def _trace(Ws, bs, activation, x, t, loss, lr, ln):
    """The body of trace_step, on checked arguments."""
    L = len(Ws)
    a = _col(x, "x")
    tex = _Tex(a.shape[1] > 1)
    ones_row = "\\mathbf{1}^{\\top}" if tex.batch else ""
    steps, values, zs, acts = [], {}, [], [a]
    names, texs = ["a^0"], [tex.a("0")]
    for k in range(L):
        W, b = Ws[k], bs[k]
        if W.shape[1] != a.shape[0] or b.shape != (W.shape[0], 1):
            raise ValueError(f"trace_step: layer {k + 1} expects W (n_out, {a.shape[0]}) "
                             f"and b (n_out, 1), got {W.shape} and {b.shape}")
        s = ln[k]
        z = W @ a + b
        zname = f"z^{s}"
        check_finite_result(z, "trace_step", zname, "Ws, bs and x")
        steps.append(Step(f"{zname} = W^{s} {names[-1]} + b^{s}",
                          [(f"W^{s}", W), (names[-1], a), (f"b^{s}", b)], (zname, z),
                          tex.z(s), f"{tex.W(s)}{texs[-1]} + {tex.b(s)}{ones_row}",
                          [W, a, "+", b] + ([ones_row] if ones_row else [])))
        a = activation.value(z)
        aname = f"a^{s}"
        steps.append(Step(f"{aname} = f({zname})", [(zname, z)], (aname, a),
                          tex.a(s), f"f({tex.z(s)})", ["f", z]))
        values[zname], values[aname] = z, a
        zs.append(z)
        acts.append(a)
        names.append(aname)
        texs.append(tex.a(s))
    t = _col(t, "t")
    grad_a = loss.gradient(a, t)
    fp = activation.derivative(zs[-1])
    delta = grad_a * fp
    s = ln[-1]
    dname = f"delta^{s}"
    steps.append(Step(f"{dname} = dE/da^{s} (.) f'(z^{s})",
                      [(f"dE/da^{s}", grad_a), (f"f'(z^{s})", fp)], (dname, delta),
                      tex.delta(s), f"\\nabla_{{{tex.a(s)}}} E \\odot f'({tex.z(s)})",
                      [grad_a, "\\odot", fp]))
    values[dname] = delta
    deltas = [None] * L
    deltas[-1] = delta
    for k in range(L - 1, 0, -1):
        back = Ws[k].T @ deltas[k]
        fp = activation.derivative(zs[k - 1])
        deltas[k - 1] = back * fp
        s, up = ln[k - 1], ln[k]
        dname = f"delta^{s}"
        steps.append(Step(f"{dname} = (W^{up})^T delta^{up} (.) f'(z^{s})",
                          [(f"(W^{up})^T", Ws[k].T), (f"delta^{up}", deltas[k]), (f"f'(z^{s})", fp)],
                          (dname, deltas[k - 1]),
                          tex.delta(s), f"({tex.W(up)})^{{\\top}}{tex.delta(up)} \\odot f'({tex.z(s)})",
                          [Ws[k].T, deltas[k], "\\odot", fp]))
        values[dname] = deltas[k - 1]
    for k in range(L - 1, -1, -1):
        s = ln[k]
        dW = deltas[k] @ acts[k].T
        db = deltas[k].sum(axis=1, keepdims=True)
        steps.append(Step(f"dE/dW^{s} = delta^{s} ({names[k]})^T",
                          [(f"delta^{s}", deltas[k]), (f"({names[k]})^T", acts[k].T)], (f"dE/dW^{s}", dW),
                          tex.dW(s), f"{tex.delta(s)}({texs[k]})^{{\\top}}", [deltas[k], acts[k].T]))
        if tex.batch:
            steps.append(Step(f"dE/db^{s} = row sums of delta^{s}", [(f"delta^{s}", deltas[k])],
                              (f"dE/db^{s}", db), tex.db(s), f"{tex.delta(s)}\\mathbf{{1}}",
                              [deltas[k], "\\mathbf{1}"]))
        else:
            steps.append(Step(f"dE/db^{s} = delta^{s}", [(f"delta^{s}", deltas[k])],
                              (f"dE/db^{s}", db), tex.db(s), tex.delta(s), []))
        values[f"dE/dW^{s}"], values[f"dE/db^{s}"] = dW, db
        if lr is not None:
            W_new = Ws[k] - lr * dW
            b_new = bs[k] - lr * db
            eta = _lr_tex(lr)
            steps.append(Step(f"W^{s} - {lr} dE/dW^{s}",
                              [(f"W^{s}", Ws[k]), (f"dE/dW^{s}", dW)], (f"W^{s} updated", W_new),
                              "", f"{tex.W(s)} - \\eta\\,{tex.dW(s)}", [Ws[k], "-", eta, dW]))
            steps.append(Step(f"b^{s} - {lr} dE/db^{s}",
                              [(f"b^{s}", bs[k]), (f"dE/db^{s}", db)], (f"b^{s} updated", b_new),
                              "", f"{tex.b(s)} - \\eta\\,{tex.db(s)}", [bs[k], "-", eta, db]))
            values[f"W^{s} updated"], values[f"b^{s} updated"] = W_new, b_new
    return steps, values
