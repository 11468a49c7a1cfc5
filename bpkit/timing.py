"""Wall-clock comparisons used by the chapters to illustrate a cost argument.

These are demonstrations, not tests: the numbers depend on the machine. Speed targets are
checked by the scripts in ``bench/``.
"""
from __future__ import annotations

import timeit
from typing import Callable, Sequence

import numpy as np

from .activations import softmax
from .jacobian import chain_jacobian_forward, chain_vjp


def best_time(fn: Callable[[], object], repeat: int = 5, min_seconds: float = 0.02) -> float:
    """Best of ``repeat`` timings of ``fn()``, in seconds per call.

    Each timing calls ``fn`` ``number`` times, with ``number`` doubled from 1 until one timing
    lasts at least ``min_seconds``, so fast functions are not lost in the timer's resolution.
    """
    timer = timeit.Timer(fn)
    number = 1
    while timer.timeit(number) < min_seconds:
        number *= 2
    return min(timer.repeat(repeat=repeat, number=number)) / number


def time_chain_orders(sizes: Sequence[int], n_maps: int = 4, rng=None, repeat: int = 5):
    """Time the two orders of evaluating eq. (1.2) for ``n_maps`` dense m x m Jacobians.

    Backward order is ``chain_vjp(Js, grad_g)`` (n matrix-vector products); forward order is
    ``chain_jacobian_forward(Js).T @ grad_g`` (n - 1 matrix-matrix products, then one
    matrix-vector product). Returns two lists of seconds, one entry per size.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    backward, forward = [], []
    for m in sizes:
        Js = [rng.standard_normal((m, m)) / np.sqrt(m) for _ in range(n_maps)]
        grad_g = rng.standard_normal(m)
        backward.append(best_time(lambda: chain_vjp(Js, grad_g), repeat))
        forward.append(best_time(lambda: chain_jacobian_forward(Js).T @ grad_g, repeat))
    return backward, forward


def time_loop_vs_batched(net, batch_sizes: Sequence[int], rng=None, repeat: int = 3):
    """Time the gradient of a batch of N samples two ways, for each N in ``batch_sizes``.

    Loop: ``bpkit.batched.loop_gradients(net, X, T)``, one forward and backward pass per sample
    (column x_n of shape (n_0, 1)) and the sum of the N gradients. Batched: ``net.gradients(X, T)``,
    one pass with X of shape (n_0, N): the matrix products of eqs. (4.1)-(4.6) of chapter 4.
    X is standard normal and each column of T a softmax of standard normals (a probability
    vector, so every bpkit loss accepts it), seeded by ``rng`` (default ``np.random.default_rng(0)``).
    Returns two lists of seconds per call, one entry per batch size.
    """
    from .batched import loop_gradients

    rng = np.random.default_rng(0) if rng is None else rng
    n_in, n_out = net.layers[0].n_in, net.layers[-1].n_out
    loop, batched = [], []
    for N in batch_sizes:
        X = rng.standard_normal((n_in, N))
        T = softmax.value(rng.standard_normal((n_out, N)))
        loop.append(best_time(lambda: loop_gradients(net, X, T), repeat))
        batched.append(best_time(lambda: net.gradients(X, T), repeat))
    return loop, batched
