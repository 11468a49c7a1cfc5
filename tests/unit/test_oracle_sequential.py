"""Sequential models that mix every layer type, against an independent autodiff and central differences.

The oracle writes the forward pass of convolution, max and average pooling, flatten, dense layers,
activations and losses with autograd.numpy (nothing from bpkit), and autograd's reverse mode gives
dE/dtheta for every parameter and dE/dx. bpkit's Sequential must agree to 1e-10 relative error
(float64, worst entry, floor 1e-8). Pooling uses windows whose stride differs from their size.
"""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

import bpkit as bp

from ._helpers import max_rel
from .test_oracle_autograd import ORACLE_ACT, ORACLE_LOSS

TOL = 1e-10


def anp_conv(x, W, b, s, p):
    N, C, H, Wd = x.shape
    F, _, KH, KW = W.shape
    if p:
        x = anp.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
    OH, OW = (H + 2 * p - KH) // s + 1, (Wd + 2 * p - KW) // s + 1
    out = b[None, :, None, None]
    for u in range(KH):
        for v in range(KW):
            patch = x[:, :, u : u + s * (OH - 1) + 1 : s, v : v + s * (OW - 1) + 1 : s]
            out = out + anp.einsum("fc,nchw->nfhw", W[:, :, u, v], patch)
    return out


def anp_pool(x, k, s, kind):
    OH, OW = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
    views = anp.stack([x[:, :, u : u + s * (OH - 1) + 1 : s, v : v + s * (OW - 1) + 1 : s]
                       for u in range(k) for v in range(k)])
    return anp.max(views, axis=0) if kind == "max" else anp.mean(views, axis=0)


# (description, layer specs, loss): a spec is ("conv", C_in, C_out, k, stride, padding),
# ("act", name), ("maxpool"|"avgpool", size, stride), ("flatten",) or ("dense", n_in, n_out, act).
MODELS = [
    ("conv-relu-maxpool(2,1)-flatten-dense softmax, fused CCE",
     [("conv", 2, 3, 3, 1, 1), ("act", "relu"), ("maxpool", 2, 1), ("flatten",), ("dense", 3 * 4 * 4, 4, "softmax")],
     "categorical_cross_entropy"),
    ("conv stride 2-tanh-avgpool(3,2)-flatten-dense tanh-dense identity, squared error",
     [("conv", 1, 2, 3, 2, 2), ("act", "tanh"), ("avgpool", 3, 2), ("flatten",), ("dense", 2 * 1 * 1, 3, "tanh"),
      ("dense", 3, 2, "identity")], "squared_error"),
    ("conv-sigmoid-maxpool(3,2)-conv-flatten-dense sigmoid, fused BCE",
     [("conv", 1, 2, 2, 1, 0), ("act", "sigmoid"), ("maxpool", 3, 2), ("conv", 2, 2, 1, 1, 0), ("flatten",),
      ("dense", 2 * 2 * 2, 3, "sigmoid")], "binary_cross_entropy"),
    ("conv-relu-avgpool(2,2)-flatten-dense identity-Softmax layer, fused CCE",
     [("conv", 2, 2, 3, 1, 0), ("act", "relu"), ("avgpool", 2, 2), ("flatten",), ("dense", 2 * 2 * 2, 3, "identity"),
      ("act", "softmax")], "categorical_cross_entropy"),
    ("conv-tanh-maxpool(2,2)-flatten-dense softmax, unfused (mean squared error)",
     [("conv", 1, 2, 3, 1, 1), ("act", "tanh"), ("maxpool", 2, 2), ("flatten",), ("dense", 2 * 3 * 3, 3, "softmax")],
     "mean_squared_error"),
]
SHAPES = {0: (3, 2, 5, 5), 1: (2, 1, 4, 4), 2: (3, 1, 7, 7), 3: (2, 2, 7, 7), 4: (4, 1, 6, 6)}


def build(specs, r):
    layers = []
    for spec in specs:
        kind = spec[0]
        if kind == "conv":
            _, ci, co, k, s, p = spec
            layers.append(bp.Conv2D(ci, co, k, stride=s, padding=p, W=r.normal(size=(co, ci, k, k)),
                                    b=r.normal(size=co) * 0.1))
        elif kind == "act":
            layers.append(bp.get_activation(spec[1]).__class__())
        elif kind in ("maxpool", "avgpool"):
            layers.append((bp.MaxPool2D if kind == "maxpool" else bp.AvgPool2D)(spec[1], spec[2]))
        elif kind == "flatten":
            layers.append(bp.Flatten())
        else:
            _, ni, no, act = spec
            layers.append(bp.Dense(ni, no, act, W=r.normal(size=(no, ni)) / np.sqrt(ni), b=r.normal(size=no) * 0.1))
    return layers


def oracle_loss(params, x, t, specs, loss):
    a, i = x, 0
    for spec in specs:
        kind = spec[0]
        if kind == "conv":
            a = anp_conv(a, params[2 * i], params[2 * i + 1], spec[4], spec[5])
            i += 1
        elif kind == "act":
            a = ORACLE_ACT[spec[1]](a)
        elif kind in ("maxpool", "avgpool"):
            a = anp_pool(a, spec[1], spec[2], kind[:3])
        elif kind == "flatten":
            a = anp.transpose(anp.reshape(a, (a.shape[0], -1)))
        else:
            a = ORACLE_ACT[spec[3]](anp.dot(params[2 * i], a) + params[2 * i + 1][:, None])
            i += 1
    return ORACLE_LOSS[loss](a, t)


def target(loss, shape, r):
    if loss == "categorical_cross_entropy":
        return np.eye(shape[0])[:, r.integers(0, shape[0], shape[1])]
    if loss == "binary_cross_entropy":
        return r.uniform(0.05, 0.95, size=shape)
    return r.normal(size=shape)


def case(m, seed):
    _, specs, loss = MODELS[m]
    r = np.random.default_rng(seed)
    model = bp.Sequential(build(specs, r), loss=loss)
    x = r.normal(size=SHAPES[m])
    t = target(loss, model.forward(x).shape, r)
    return model, x, t, specs, loss


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("m", range(len(MODELS)), ids=[d for d, _, _ in MODELS])
def test_sequential_gradients_agree_with_autograd(m, seed):
    model, x, t, specs, loss = case(m, seed)
    params = [p for layer in model.layers for p in layer.params().values()]
    got = model.gradients(x, t, input_grad=True)
    assert list(got) == list(model.params())
    want = grad(oracle_loss)(params, x, t, specs, loss)
    for key, w in zip(got, want):
        assert max_rel(got[key], w) <= TOL, key
    assert max_rel(model.dx, grad(lambda x_: oracle_loss(params, x_, t, specs, loss))(x)) <= TOL
    assert model.loss_value(x, t) == pytest.approx(float(oracle_loss(params, x, t, specs, loss)), rel=1e-12)
    assert (model.fused is not None) == ("unfused" not in MODELS[m][0] and loss != "squared_error")


@pytest.mark.parametrize("m", range(len(MODELS)), ids=[d for d, _, _ in MODELS])
def test_sequential_gradients_agree_with_central_differences(m):
    model, x, t, _, _ = case(m, 7)
    result = model.check_gradients(x, t)
    assert result.ok, str(result)


def test_gradient_check_names_the_wrong_parameter():
    """A layer whose backward drops a factor 2 on W is caught, and the message names its key."""
    model, x, t, _, _ = case(0, 3)
    conv = model.layers[0]
    real = conv.backward

    def wrong(dy, **kw):
        dx = real(dy, **kw)
        conv.dW = conv.dW * 2
        return dx

    conv.backward = wrong
    result = model.check_gradients(x, t)
    assert not result.ok and result.parameter == "0.W"
    assert "of parameter '0.W'" in str(result) and result.max_rel_error > 0.3
    with pytest.raises(bp.GradientCheckError, match="0.W"):
        model.check_gradients(x, t, raise_on_fail=True)
