"""Note C, problem 1, recomputed in plain numpy (no bpkit) and pinned.

Linear activation, E = 1/2 ||a^3 - t||^2, one gradient step with lr = 0.01. The
source's layer labels: input a^0, W^1 and b^1 make layer 2, W^3 and b^3 layer 3.
Pinned values were worked by hand; the source prints W^3[2, 2] = -0.94,
b^3 = (1.99, 1.01) and a two-entry b^1, which these values contradict.
"""

import numpy as np

a0 = np.array([[1.0], [1.0]])
t = np.array([[2.0], [3.0]])
W1 = np.array([[1.0, -2.0], [2.0, 4.0], [-3.0, 1.0]])
b1 = np.array([[1.0], [2.0], [3.0]])
W3 = np.array([[1.0, 2.0, -3.0], [2.0, -1.0, 3.0]])
b3 = np.array([[2.0], [1.0]])
lr = 0.01


def step():
    z2 = W1 @ a0 + b1
    a2 = z2
    z3 = W3 @ a2 + b3
    a3 = z3
    d3 = a3 - t
    d2 = W3.T @ d3
    gW3, gb3 = d3 @ a2.T, d3
    gW1, gb1 = d2 @ a0.T, d2
    return dict(z2=z2, z3=z3, d3=d3, d2=d2, gW3=gW3, gW1=gW1,
                W3=W3 - lr * gW3, b3=b3 - lr * gb3, W1=W1 - lr * gW1, b1=b1 - lr * gb1)


def test_problem1_pinned():
    v = step()
    np.testing.assert_array_equal(v["z2"].ravel(), [0, 8, 1])
    np.testing.assert_array_equal(v["z3"].ravel(), [15, -4])
    np.testing.assert_array_equal(v["d3"].ravel(), [13, -7])
    np.testing.assert_array_equal(v["d2"].ravel(), [-1, 33, -60])
    np.testing.assert_array_equal(v["gW3"], [[0, 104, 13], [0, -56, -7]])
    np.testing.assert_array_equal(v["gW1"], [[-1, -1], [33, 33], [-60, -60]])
    np.testing.assert_allclose(v["W3"], [[1, 0.96, -3.13], [2, -0.44, 3.07]], atol=1e-12)
    np.testing.assert_allclose(v["b3"].ravel(), [1.87, 1.07], atol=1e-12)
    np.testing.assert_allclose(v["W1"], [[1.01, -1.99], [1.67, 3.67], [-2.4, 1.6]],
                               atol=1e-12)
    np.testing.assert_allclose(v["b1"].ravel(), [1.01, 1.67, 3.6], atol=1e-12)


def test_problem1_gradient_by_finite_differences():
    def loss(W1_, W3_):
        return 0.5 * np.sum((W3_ @ (W1_ @ a0 + b1) + b3 - t) ** 2)

    h, g = 1e-6, np.zeros_like(W3)
    for i, j in np.ndindex(*W3.shape):
        E = np.zeros_like(W3)
        E[i, j] = h
        g[i, j] = (loss(W1, W3 + E) - loss(W1, W3 - E)) / (2 * h)
    np.testing.assert_allclose(g, step()["gW3"], atol=1e-5)
