"""The layer protocol: every layer of bpkit works the same way (the API reference, "The layer protocol").

    y = layer.forward(x)      computes the layer's output and caches what backward needs
    dx = layer.backward(dy)   given dy = dE/dy, returns dx = dE/dx (shape of x) and stores the
                              parameter gradients dE/dtheta of this forward pass
    layer.backward(dy, need_dx=False)
                              only layers with skips_dx = True (Dense, Conv2D): the parameter
                              gradients without dx (returns None), for a model's first layer with
                              parameters, whose dx nothing below needs
    layer.params()            {name: array}, the parameters, live (an optimiser updates them in place)
    layer.grads()             {name: array}, the same keys, the gradients of the last backward

This is the pattern of Deep Learning from Scratch's common/layers.py: forward caches, backward uses
the cache. Dense and Conv2D name their parameters W and b; activations, pooling and Flatten have
none ({}). bpkit.Sequential chains layers into a model and bpkit.SGD updates their parameters.
"""

from __future__ import annotations

__all__ = ["Layer"]


class Layer:
    """Base class of every bpkit layer: forward(x), backward(dy), params(), grads() (see bpkit.layer).

    Subclasses override forward and backward; those with parameters override params and grads.
    A layer keeps the cache of one forward pass, so one layer object is one place in a model.
    """

    name = "layer"
    skips_dx = False  # True if backward takes need_dx=False (Dense, Conv2D)

    def forward(self, x):
        """y = layer(x); caches what backward needs."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, dy):
        """dx = dE/dx from dy = dE/dy (same shape as the last forward's output)."""
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    def params(self) -> dict:
        """The parameters, {name: array}; {} for a layer without parameters."""
        return {}

    def grads(self) -> dict:
        """The gradients of the last backward, with the keys of params(); {} without parameters."""
        return {}

    def __call__(self, x):
        return self.forward(x)

    def _forward_checked(self, x):
        """forward(x) for an x that a bpkit layer produced (a finite float array): Sequential calls
        it for every layer but the first; a layer may skip its input check there (Dense does)."""
        return self.forward(x)

    def _require_forward(self, attr: str = "_z") -> None:
        """RuntimeError unless forward ran: backward needs its cache."""
        if getattr(self, attr, None) is None:
            raise RuntimeError(f"{self!r} backward: call forward(x) first (backward uses its cache)")
