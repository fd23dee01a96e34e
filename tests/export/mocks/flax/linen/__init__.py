"""A recording stand-in for flax.linen: `Module.init` runs `__call__` once, names each submodule
as Flax does (`Dense_0`, `Dense_1`, `BatchNorm_0`, … in creation order) and hands each parameter's
initializer a key of its own, folded from the module's path."""
import math
from types import SimpleNamespace

import jax
import record

_scope = []


def _flat(key):
    return [y for x in key for y in (_flat(x) if isinstance(x, tuple) else [x])]


def compact(f):
    return f


class Module:
    def init(self, key, *args, **kwargs):
        _scope.append({"key": key, "params": {}, "counts": {}, "last_dense": {}})
        self.__call__(*args, **kwargs)
        scope = _scope.pop()
        for module, roles in scope["params"].items():
            kind, n = module.rsplit("_", 1)
            for role, d in roles.items():
                name = {("Dense", "kernel"): "weight", ("Dense", "bias"): "bias", ("Param", "alpha"): "alpha",
                        ("BatchNorm", "scale"): "bn_gamma", ("BatchNorm", "bias"): "bn_beta"}[(kind, role)]
                layer = scope["last_dense"][module] if kind == "Param" else int(n) + 1
                record.emit("param", layer=layer, role=name, fan_in=d.shape[0] if len(d.shape) > 1 else None,
                            fan_out=d.shape[-1] if d.shape else 1, fn=kind, dist=d.dist, std=repr(float(d.std)),
                            draw="none" if d.key is None else "-".join(map(str, _flat(d.key))), **d.extra)
        return {"params": scope["params"]}

    def apply(self, variables, *a, **k):
        raise NotImplementedError("the stand-in only initializes")

    def param(self, name, init, shape):
        """A parameter of the snippet's own module (ReZero's α), recorded after the Dense made last."""
        module = _name("Param")
        _scope[-1]["last_dense"].setdefault(module, _scope[-1]["counts"].get("Dense", 0))
        return _put(module, name, init, shape)


class _Passive:
    def __init__(self, *a, **k):
        pass

    def __call__(self, x, *a, **k):
        return x


LayerNorm = _Passive
RMSNorm = _Passive


def _name(kind):
    counts = _scope[-1]["counts"]
    n = counts.get(kind, 0)
    counts[kind] = n + 1
    return "%s_%d" % (kind, n)


def _put(module, role, init, shape):
    key = (_scope[-1]["key"], module, role)
    value = init(key, shape, jax.numpy.float32)
    _scope[-1]["params"].setdefault(module, {})[role] = value
    return value


class Dense:
    def __init__(self, features, use_bias=True, kernel_init=None, bias_init=None):
        self.features, self.kernel_init, self.bias_init = features, kernel_init, bias_init

    def __call__(self, x):
        name = _name("Dense")
        _put(name, "kernel", self.kernel_init, (x.shape[-1], self.features))
        _put(name, "bias", self.bias_init, (self.features,))
        return jax.Array(x.shape[:-1] + (self.features,))


class BatchNorm:
    def __init__(self, use_running_average=None, momentum=0.99, epsilon=1e-5, **kw):
        self.epsilon = epsilon

    def __call__(self, x):
        name = _name("BatchNorm")
        _put(name, "scale", initializers.ones, (x.shape[-1],))
        _put(name, "bias", initializers.zeros, (x.shape[-1],))
        return x


def _fans(shape):
    """jax.nn.initializers._compute_fans (in_axis=-2, out_axis=-1)."""
    if len(shape) < 2:
        raise IndexError("tuple index out of range: variance_scaling needs a 2-D shape")
    return shape[-2], shape[-1]


def _variance_scaling(scale, mode, distribution):
    def init(key, shape, dtype=None):
        fi, fo = _fans(shape)
        n = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2}[mode]
        if distribution == "truncated_normal":
            parent = math.sqrt(scale / n) / 0.87962566103423978
            return jax.Drawn(shape, "truncated", record.truncated_std(parent, -2 * parent, 2 * parent), key)
        if distribution == "normal":
            return jax.Drawn(shape, "normal", math.sqrt(scale / n), key)
        limit = math.sqrt(3 * scale / n)
        return jax.Drawn(shape, "uniform", limit / math.sqrt(3), key, low=-limit, high=limit)
    return init


def _normal(stddev=1e-2):
    return lambda key, shape, dtype=None: jax.Drawn(shape, "normal", stddev, key)


def _truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0):
    """jax.nn.initializers.truncated_normal: stddev of the untruncated parent, cut at lower, upper (in stddevs)."""
    return lambda key, shape, dtype=None: jax.Drawn(shape, "truncated", record.truncated_std(stddev, lower * stddev, upper * stddev),
                                                    key, low=lower * stddev, high=upper * stddev)


def _orthogonal(scale=1.0):
    def init(key, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        return jax.Drawn(shape, "orthogonal", scale / math.sqrt(max(shape)), key)
    return init


def _constant(value):
    return lambda key, shape, dtype=None: jax.Drawn(shape, "constant", 0.0, None, value=float(value))


initializers = SimpleNamespace(
    zeros=_constant(0.0), ones=_constant(1.0), constant=_constant, normal=_normal, truncated_normal=_truncated_normal,
    variance_scaling=_variance_scaling, orthogonal=_orthogonal,
)
