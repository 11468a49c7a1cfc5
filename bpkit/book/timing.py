"""Wall-clock comparisons used by the chapters to illustrate a cost argument.

These are demonstrations, not tests: the numbers depend on the machine. Speed targets are
checked by the scripts in ``bench/``.
"""
from __future__ import annotations

import timeit
from typing import Callable, Sequence

import numpy as np

from .._checks import check_callable, check_instance, check_int, check_int_list, check_number, check_rng
from ..activations import softmax
from ..jacobian import chain_jacobian_forward, chain_vjp

__all__ = ["best_time", "time_chain_orders", "time_loop_vs_batched"]

# best_time doubles the number of calls until one timing lasts min_seconds: a cap keeps a typo
# (min_seconds=1e9) from running for ever.
MAX_MIN_SECONDS = 60.0


def best_time(fn: Callable[[], object], repeat: int = 5, min_seconds: float = 0.02) -> float:
    """Best of ``repeat`` timings of ``fn()``, in seconds per call.

    Each timing calls ``fn`` ``number`` times, with ``number`` doubled from 1 until one timing
    lasts at least ``min_seconds``, so fast functions are not lost in the timer's resolution.
    fn: a callable (not a string of code); repeat: an integer >= 1; min_seconds: a number in [0, 60].
    """
    where = "best_time"
    check_callable(fn, "fn", where, "a function of no arguments")
    repeat = check_int(repeat, "repeat", where)
    min_seconds = check_number(min_seconds, "min_seconds", where, low=0.0, high=MAX_MIN_SECONDS)
    timer = timeit.Timer(fn)
    number = 1
    while timer.timeit(number) < min_seconds:
        number *= 2
    return min(timer.repeat(repeat=repeat, number=number)) / number


def time_chain_orders(sizes: Sequence[int], n_maps: int = 4, rng=None, repeat: int = 5):
    """Time the two orders of evaluating eq. (1.2) for ``n_maps`` (the book's m) dense
    p x p Jacobians, p taken from ``sizes``.

    Backward order is ``chain_vjp(Js, grad_g)`` (m matrix-vector products); forward order is
    ``chain_jacobian_forward(Js).T @ grad_g`` (m - 1 matrix-matrix products, then one
    matrix-vector product). Returns two lists of seconds, one entry per size.
    sizes: positive integers; n_maps, repeat: integers >= 1; rng: None, a seed or a Generator.
    """
    where = "time_chain_orders"
    sizes = check_int_list(sizes, "sizes", where, "a list of matrix sizes p")
    n_maps = check_int(n_maps, "n_maps", where)
    repeat = check_int(repeat, "repeat", where)
    rng = check_rng(rng, "rng", where)
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
    one pass with X of shape (n_0, N): the matrix products of eq. (4.1) to
    eq. (4.4).
    X is standard normal and each column of T a softmax of standard normals (a probability
    vector, so every bpkit loss accepts it), seeded by ``rng`` (default ``np.random.default_rng(0)``).
    Returns two lists of seconds per call, one entry per batch size.
    """
    from ..batched import loop_gradients
    from ..network import Network

    where = "time_loop_vs_batched"
    check_instance(net, Network, "net", where, "a bpkit Network")
    batch_sizes = check_int_list(batch_sizes, "batch_sizes", where, "a list of batch sizes N")
    repeat = check_int(repeat, "repeat", where)
    rng = check_rng(rng, "rng", where)
    n_in, n_out = net.layers[0].n_in, net.layers[-1].n_out
    loop, batched = [], []
    for N in batch_sizes:
        X = rng.standard_normal((n_in, N))
        T = softmax.value(rng.standard_normal((n_out, N)))
        loop.append(best_time(lambda: loop_gradients(net, X, T), repeat))
        batched.append(best_time(lambda: net.gradients(X, T), repeat))
    return loop, batched
