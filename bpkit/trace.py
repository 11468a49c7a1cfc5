"""One gradient-descent step of a dense network, one operation at a time (chapter 6).

Plain numpy, the book's equations (2.x, 4.x): z^l = W^l a^{l-1} + b^l (b^l added to
every column of a batch), a^l = f(z^l), delta^L = dE/da^L (.) f'(z^L),
delta^{l-1} = (W^l)^T delta^l (.) f'(z^{l-1}), dE/dW^l = delta^l (a^{l-1})^T,
dE/db^l = row sums of delta^l, W^l <- W^l - lr dE/dW^l. Column layout: a^l is
n_l x N. The names follow a source's own superscripts (note C numbers its
layers from 2, and problem 1 skips W^2), given as lists.
"""

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_finite_result, check_list, check_number, describe, quiet
from .activations import get_activation
from .losses import get_loss


@dataclass
class Step:
    """One operation: formula (LaTeX), operands [(name, array)], result (name, array)."""

    formula: str
    operands: list
    result: tuple


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


def trace_step(Ws, bs, activation, x, t, loss, lr=None,
               layer_names=None, weight_names=None, grad_names=None, x_name="a^0"):
    """(steps, values) of one forward pass, backward pass and (if lr) update.

    Ws[k]: (n_{k+1}, n_k); bs[k]: (n_{k+1}, 1); x: (n_0, N); t: (n_L, N).
    activation: a bpkit Activation (value, derivative); loss: a bpkit Loss
    (gradient(y, t) is dE/dy). layer_names[k] is the superscript of z, a, delta
    of layer k + 1 (default "1", "2", ...); weight_names[k] that of the given
    W and b; grad_names[k] that of dL/dW, dL/db and the updated W, b.
    values maps "z^2", "delta^3", "dL/dW^1", "W^1 updated", ... to arrays.
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
    if not isinstance(x_name, str):
        raise TypeError(f"{where}: x_name must be a str but is {describe(x_name)}")
    ln = _names(layer_names, L, "layer_names") or [str(k + 1) for k in range(L)]
    wn = _names(weight_names, L, "weight_names") or ln
    gn = _names(grad_names, L, "grad_names") or wn
    Ws = [_col(W, f"Ws[{k}] (W^{wn[k]})") for k, W in enumerate(Ws)]
    bs = [_col(b, f"bs[{k}] (b^{wn[k]})") for k, b in enumerate(bs)]
    with quiet():
        steps, values = _trace(Ws, bs, activation, x, t, loss, lr, ln, wn, gn, x_name)
    for name, arr in values.items():
        check_finite_result(arr, where, name, "Ws, bs, x, t and lr")
    return steps, values


def _trace(Ws, bs, activation, x, t, loss, lr, ln, wn, gn, x_name):
    """The body of trace_step, on checked arguments."""
    L = len(Ws)
    a = _col(x, "x")
    steps, values, zs, acts = [], {}, [], [a]
    names = [x_name]
    for k in range(L):
        W, b = _col(Ws[k], f"W^{wn[k]}"), _col(bs[k], f"b^{wn[k]}")
        if W.shape[1] != a.shape[0] or b.shape != (W.shape[0], 1):
            raise ValueError(f"trace_step: layer {k + 1} expects W (n_out, {a.shape[0]}) "
                             f"and b (n_out, 1), got {W.shape} and {b.shape}")
        z = W @ a + b
        zname = f"z^{ln[k]}"
        check_finite_result(z, "trace_step", zname, "Ws, bs and x")
        steps.append(Step(f"{zname} = W^{wn[k]} {names[-1]} + b^{wn[k]}",
                          [(f"W^{wn[k]}", W), (names[-1], a), (f"b^{wn[k]}", b)],
                          (zname, z)))
        a = activation.value(z)
        aname = f"a^{ln[k]}"
        steps.append(Step(f"{aname} = f({zname})", [(zname, z)], (aname, a)))
        values[zname], values[aname] = z, a
        zs.append(z)
        acts.append(a)
        names.append(aname)
    t = _col(t, "t")
    grad_a = loss.gradient(a, t)
    delta = grad_a * activation.derivative(zs[-1])
    dname = f"delta^{ln[-1]}"
    steps.append(Step(f"{dname} = dE/da (.) f'(z^{ln[-1]})",
                      [("dE/da", grad_a), (f"f'(z^{ln[-1]})", activation.derivative(zs[-1]))],
                      (dname, delta)))
    values[dname] = delta
    deltas = [None] * L
    deltas[-1] = delta
    for k in range(L - 1, 0, -1):
        back = Ws[k].T @ deltas[k]
        fp = activation.derivative(zs[k - 1])
        deltas[k - 1] = back * fp
        dname = f"delta^{ln[k - 1]}"
        steps.append(Step(f"{dname} = (W^{wn[k]})^T delta^{ln[k]} (.) f'(z^{ln[k - 1]})",
                          [(f"(W^{wn[k]})^T", np.asarray(Ws[k], float).T),
                           (f"delta^{ln[k]}", deltas[k]), (f"f'(z^{ln[k - 1]})", fp)],
                          (dname, deltas[k - 1])))
        values[dname] = deltas[k - 1]
    for k in range(L - 1, -1, -1):
        dW = deltas[k] @ acts[k].T
        db = deltas[k].sum(axis=1, keepdims=True)
        g = gn[k]
        steps.append(Step(f"dL/dW^{g} = delta^{ln[k]} ({names[k]})^T",
                          [(f"delta^{ln[k]}", deltas[k]), (f"({names[k]})^T", acts[k].T)],
                          (f"dL/dW^{g}", dW)))
        steps.append(Step(f"dL/db^{g} = row sums of delta^{ln[k]}",
                          [(f"delta^{ln[k]}", deltas[k])], (f"dL/db^{g}", db)))
        values[f"dL/dW^{g}"], values[f"dL/db^{g}"] = dW, db
        if lr is not None:
            W_new = np.asarray(Ws[k], float) - lr * dW
            b_new = np.asarray(bs[k], float) - lr * db
            steps.append(Step(f"W^{g} - {lr} dL/dW^{g}",
                              [(f"W^{wn[k]}", np.asarray(Ws[k], float)), (f"dL/dW^{g}", dW)],
                              (f"W^{g} updated", W_new)))
            steps.append(Step(f"b^{g} - {lr} dL/db^{g}",
                              [(f"b^{wn[k]}", np.asarray(bs[k], float)), (f"dL/db^{g}", db)],
                              (f"b^{g} updated", b_new)))
            values[f"W^{g} updated"], values[f"b^{g} updated"] = W_new, b_new
    return steps, values
