"""A recording stand-in for the parts of JAX the exported Flax snippets use.

Arrays are `Array(shape)` placeholders; a parameter's value is a `Drawn` record of what was drawn,
with the key it was drawn with (Flax folds each module's path into the key it hands an initializer).
"""
import math
from types import SimpleNamespace

import record


class Array:
    def __init__(self, shape):
        self.shape = tuple(shape)

    def __add__(self, other):
        return self

    def __rmul__(self, other):
        return self


class Drawn:
    def __init__(self, shape, dist, std, key, **extra):
        self.shape, self.dist, self.std, self.key, self.extra = tuple(shape), dist, std, key, extra

    def __truediv__(self, k):
        """A rescaled draw (a custom initializer's `init(...) / k`)."""
        return Drawn(self.shape, self.dist, self.std / k, self.key, **self.extra)

    def __mul__(self, x):
        """A rescaled draw (`init(...) * f`), or a parameter times an array (ReZero's `alpha * h`)."""
        if isinstance(x, (int, float)):
            return Drawn(self.shape, self.dist, self.std * x, self.key, **self.extra)
        return x


def _uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0):
    return Drawn(shape, "uniform", (maxval - minval) / math.sqrt(12), key, low=minval, high=maxval)


def _normal(key, shape=(), dtype=None):
    return Drawn(shape, "normal", 1.0, key)


random = SimpleNamespace(PRNGKey=lambda seed: ("root", seed), key=lambda seed: ("root", seed), uniform=_uniform, normal=_normal)


def _act(*a, **k):
    return a[0]


nn = SimpleNamespace(relu=_act, tanh=_act, sigmoid=_act, elu=_act, selu=_act, gelu=_act, silu=_act, softplus=_act,
                     leaky_relu=_act, swish=_act)


class DictKey:
    def __init__(self, key):
        self.key = key


def _map_with_path(f, tree, path=()):
    if isinstance(tree, dict):
        return {k: _map_with_path(f, v, path + (DictKey(k),)) for k, v in tree.items()}
    return f(path, tree)


tree_util = SimpleNamespace(tree_map_with_path=lambda f, tree: _map_with_path(f, tree))


def jit(f):
    return f


def value_and_grad(f):
    return f


from jax import numpy  # noqa: E402
