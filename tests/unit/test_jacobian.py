"""vjp / jvp and the chain of maps (chapter 1, note E eqs. 1.1-1.4)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpkit import (
    Map,
    chain_jacobian_forward,
    chain_vjp,
    count_flops_backward,
    count_flops_forward,
    forward_chain,
    jacobians_at,
    jvp,
    numerical_gradient,
    numerical_jacobian,
    sigmoid,
    vjp,
)

from ._helpers import FAST, central_diff

rng = np.random.default_rng(0)
J = rng.normal(size=(3, 4))


def test_vjp_and_jvp_keep_the_vector_layout():
    v, u = rng.normal(size=3), rng.normal(size=4)
    np.testing.assert_allclose(vjp(J, v), J.T @ v)
    assert vjp(J, v[:, None]).shape == (4, 1)
    np.testing.assert_allclose(jvp(J, u), J @ u)
    assert jvp(J, u[:, None]).shape == (3, 1)
    np.testing.assert_array_equal(vjp(np.array([[1, 2]]), np.array([3])), [3.0, 6.0])  # ints converted


@pytest.mark.parametrize(
    "func, vec, expected",
    [
        (vjp, np.ones(4), r"vjp: v has shape \(4,\) but expected \(3,\) or \(3, 1\) to fit J of shape \(3, 4\)"),
        (vjp, np.ones((3, 2)), r"vjp: v has shape \(3, 2\) but expected one sample"),
        (jvp, np.ones(3), r"jvp: u has shape \(3,\) but expected \(4,\) or \(4, 1\) to fit J of shape \(3, 4\)"),
        (jvp, np.ones((1, 4)), r"jvp: u has shape \(1, 4\) but expected one sample"),
    ],
)
def test_vjp_jvp_never_broadcast(func, vec, expected):
    with pytest.raises(ValueError, match=expected):
        func(J, vec)


def test_vjp_refuses_a_non_matrix_and_nan():
    with pytest.raises(ValueError, match=r"vjp: J has shape \(3,\) but expected a matrix"):
        vjp(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="vjp: v contains 1 non-finite"):
        vjp(J, np.array([1.0, np.inf, 0.0]))


def linear_map(W):
    return Map(f"W {W.shape}", lambda x: W @ x, lambda x: W)


sig_map = Map("sigmoid", sigmoid.value, sigmoid.jacobian)


def random_chain(dims, seed):
    r = np.random.default_rng(seed)
    maps = []
    for p, q in zip(dims[:-1], dims[1:]):
        maps += [linear_map(r.normal(size=(q, p))), sig_map]
    return maps, r.normal(size=dims[0])


@FAST
@given(st.lists(st.integers(1, 5), min_size=2, max_size=4), st.integers(0, 2**16))
def test_chain_vjp_is_the_gradient_of_the_composition(dims, seed):
    maps, x0 = random_chain(dims, seed)
    g = lambda x: 0.5 * np.sum(x**2)  # noqa: E731  grad g(x) = x

    def composition(x):
        for F in maps:
            x = F.f(x)
        return g(x)

    xs = forward_chain(maps, x0)
    assert len(xs) == len(maps) + 1
    Js = jacobians_at(maps, xs)
    vs = chain_vjp(Js, xs[-1])
    assert len(vs) == len(maps) + 1 and vs[-1] is not None
    # finite differences are only accurate to ~1e-10 absolute, hence atol
    np.testing.assert_allclose(vs[0], numerical_gradient(composition, x0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(vs[0], central_diff(composition, x0), rtol=1e-6, atol=1e-9)
    # each v^k is the gradient of g o F_n o ... o F_{k+1} at x^k
    k = len(maps) // 2
    tail = lambda x: g(forward_chain(maps[k:], x)[-1])  # noqa: E731
    np.testing.assert_allclose(vs[k], numerical_gradient(tail, xs[k]), rtol=1e-6, atol=1e-9)
    # forward accumulation builds the same full Jacobian
    full = chain_jacobian_forward(Js)
    assert full.shape == (dims[-1], dims[0])
    np.testing.assert_allclose(full.T @ xs[-1], vs[0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(full, numerical_jacobian(lambda x: forward_chain(maps, x)[-1], x0), atol=1e-8)


def test_chain_checks_consecutive_shapes():
    with pytest.raises(ValueError, match=r"chain_vjp: J_2 has shape \(2, 5\) but J_1 has shape \(4, 3\): J_2 needs 4 columns"):
        chain_vjp([np.ones((4, 3)), np.ones((2, 5))], np.ones(2))
    with pytest.raises(ValueError, match="chain_jacobian_forward: J_2"):
        chain_jacobian_forward([np.ones((4, 3)), np.ones((2, 5))])
    with pytest.raises(ValueError, match=r"chain_vjp: grad_g has shape \(3,\) but expected \(2,\)"):
        chain_vjp([np.ones((4, 3)), np.ones((2, 4))], np.ones(3))


def test_jacobians_at_checks_the_maps_jacobian_shapes():
    bad = Map("bad", lambda x: x[:2], lambda x: np.eye(3))
    xs = forward_chain([bad], np.ones(3))
    with pytest.raises(ValueError, match=r"map 1 \('bad'\) has a Jacobian of shape \(3, 3\) but expected \(2, 3\)"):
        jacobians_at([bad], xs)
    with pytest.raises(ValueError, match="1 maps need 2 points"):
        jacobians_at([bad], [])
    with pytest.raises(ValueError, match=r"forward_chain: x\^0 has shape \(3, 1\)"):
        forward_chain([bad], np.ones((3, 1)))


def test_flop_counts_follow_their_formulas():
    dims = [100, 50, 20, 1]
    assert count_flops_backward(dims) == 100 * 50 + 50 * 20 + 20 * 1
    assert count_flops_forward(dims) == 100 * 50 * 20 + 100 * 20 * 1 + 100 * 1
    assert count_flops_forward([3, 2]) == count_flops_backward([3, 2]) == 6
    with pytest.raises(ValueError, match="dims must be"):
        count_flops_backward([3])
    with pytest.raises(ValueError, match="dims must be"):
        count_flops_forward([3, 0])
