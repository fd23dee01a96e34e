"""A recording stand-in for the parts of Keras 3 the exported snippets use.

Keras 3 fixes an unseeded initializer's seed when the initializer is created
(`RandomInitializer.__init__`: `seed = random.make_default_seed()`), and every call then draws
with that seed: one object passed to several layers gives them the same values. The stand-in's
draw is therefore the initializer object's seed, not a new one per call.
"""
import math
from types import SimpleNamespace

import record

_seed = [0]


def _set_random_seed(seed):
    record.emit("seed", value=seed)


def _fans(shape):
    """keras.src.initializers.random_initializers.compute_fans."""
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]


class Initializer:
    random = True

    def __init__(self, seed=None):
        if seed is None:
            _seed[0] += 1
            seed = "s%d" % _seed[0]
        self.seed = seed

    def __call__(self, shape, dtype=None):
        """The values drawn (a record of them, which a custom initializer may rescale)."""
        dist, std, extra = self.describe(shape)
        return _Value(type(self).__name__, dist, std, self.seed if self.random else "none", extra)

    def put(self, layer, role, shape):
        _put(self(shape), layer, role, shape)


class _Value:
    def __init__(self, fn, dist, std, draw, extra):
        self.fn, self.dist, self.std, self.draw, self.extra = fn, dist, std, draw, extra

    def __truediv__(self, k):
        return _Value(self.fn, self.dist, self.std / k, self.draw, self.extra)

    def __mul__(self, k):
        return _Value(self.fn, self.dist, self.std * k, self.draw, self.extra)


def _put(v, layer, role, shape):
    fan_in = shape[0] if len(shape) > 1 else None
    record.emit("param", layer=layer, role=role, fan_in=fan_in, fan_out=shape[-1] if shape else 1, fn=v.fn, dist=v.dist,
                std=repr(float(v.std)), draw=v.draw, **v.extra)


def _init(init, layer, role, shape):
    """An initializer by name or object, or a callable (shape, dtype) -> values."""
    init = _get(init)
    if isinstance(init, Initializer):
        init.put(layer, role, shape)
    else:
        _put(init(shape, None), layer, role, shape)


class Constant(Initializer):
    random = False

    def __init__(self, value=0.0):
        super().__init__(seed="none")
        self.value = value

    def describe(self, shape):
        return "constant", 0.0, {"value": float(self.value)}


class Zeros(Constant):
    def __init__(self):
        super().__init__(0.0)


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.stddev = stddev

    def describe(self, shape):
        return "normal", self.stddev, {}


class TruncatedNormal(Initializer):
    """Values more than two standard deviations from the mean are discarded and re-drawn."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.stddev = stddev

    def describe(self, shape):
        s = self.stddev
        return "truncated", record.truncated_std(s, -2 * s, 2 * s), {"low": -2 * s, "high": 2 * s}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.lo, self.hi = minval, maxval

    def describe(self, shape):
        return "uniform", (self.hi - self.lo) / math.sqrt(12), {"low": self.lo, "high": self.hi}


class VarianceScaling(Initializer):
    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def describe(self, shape):
        fi, fo = _fans(shape)
        n = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2}[self.mode]
        if self.distribution == "truncated_normal":
            parent = math.sqrt(self.scale / n) / 0.87962566103423978
            return "truncated", record.truncated_std(parent, -2 * parent, 2 * parent), {}
        if self.distribution == "untruncated_normal":
            return "normal", math.sqrt(self.scale / n), {}
        limit = math.sqrt(3 * self.scale / n)
        return "uniform", limit / math.sqrt(3), {"low": -limit, "high": limit}


class Orthogonal(Initializer):
    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def describe(self, shape):
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional")
        return "orthogonal", self.gain / math.sqrt(max(shape)), {}


def _get(init):
    if isinstance(init, str):
        return {"zeros": Zeros(), "ones": Constant(1.0)}[init]
    return init


class L2:
    def __init__(self, l2=0.01):
        self.l2 = l2


_built = []


class Layer:
    """A layer called on a symbolic input (the functional API) builds for its width. A subclass of
    the snippet's own (ReZero's `Scale`) builds with the input's shape, as Keras 3 calls `build`."""

    params = ()

    def __call__(self, x):
        if isinstance(x, list):
            x = x[0]
        dim = self._build_for(x.shape[-1])
        _built.append(self)
        return _Input((dim,))

    def _build_for(self, fan_in):
        self.layer = _dense[0]
        self.build((fan_in,))
        return fan_in

    def build(self, input_shape):
        pass

    def add_weight(self, shape=(), initializer="zeros", name=None, **kw):
        _init(initializer, _dense[0], name, tuple(shape))

    def regularizers(self):
        return []


_dense = [0]


class Dense(Layer):
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, **kw):
        self.units = units
        self.kernel_init, self.bias_init = kernel_initializer, bias_initializer
        self.kernel_reg, self.bias_reg = kernel_regularizer, bias_regularizer

    def build(self, fan_in):
        _dense[0] += 1
        self.layer = _dense[0]
        _init(self.kernel_init, self.layer, "weight", (fan_in, self.units))
        _init(self.bias_init, self.layer, "bias", (self.units,))
        return self.units

    def _build_for(self, fan_in):
        return self.build(fan_in)

    def regularizers(self):
        return [("weight", self.kernel_reg), ("bias", self.bias_reg)]


class BatchNormalization(Layer):
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, beta_regularizer=None, gamma_regularizer=None, **kw):
        self.epsilon = epsilon
        self.regs = [("bn_gamma", gamma_regularizer), ("bn_beta", beta_regularizer)]

    def build(self, fan_in):
        self.layer = _dense[0]
        record.emit("batchnorm", layer=self.layer, epsilon=self.epsilon)
        return fan_in

    def _build_for(self, fan_in):
        return self.build(fan_in)

    def regularizers(self):
        return self.regs


class _Passive(Layer):
    def __init__(self, *a, **k):
        pass

    def build(self, fan_in):
        self.layer = _dense[0]
        return fan_in

    def _build_for(self, fan_in):
        return self.build(fan_in)

    def regularizers(self):
        return []


class _Input:
    def __init__(self, shape):
        self.shape = shape


class Sequential:
    def __init__(self, layers=()):
        self.dim = None
        self.layers = []
        for l in layers:
            self.add(l)

    def add(self, layer):
        if isinstance(layer, _Input):
            self.dim = layer.shape[-1]
            return
        self.dim = layer.build(self.dim)
        self.layers.append(layer)

    def compile(self, optimizer=None, loss=None, **kw):
        _compile(self.layers, optimizer, loss)


class Model:
    """The functional API's model: every layer called since the script began."""

    def __init__(self, inputs, outputs, **kw):
        self.layers = list(_built)

    def compile(self, optimizer=None, loss=None, **kw):
        _compile(self.layers, optimizer, loss)


def _compile(layers, optimizer, loss):
    for l in layers:
        for role, reg in l.regularizers():
            # L2(λ')·Σw² adds 2λ'·w to the gradient.
            wd = 2 * reg.l2 if isinstance(reg, L2) else 0.0
            record.emit("decay", layer=l.layer, role=role, wd=repr(float(wd)))
    if optimizer is not None:
        optimizer.emit()
    if loss is not None:
        record.emit("loss", **loss.fields)


class _Optimizer:
    def __init__(self, name, weight_decay=None, **hyper):
        self.name, self.hyper, self.weight_decay = name, hyper, weight_decay

    def emit(self):
        record.emit("optimizer", name=self.name, decoupled_weight_decay=self.weight_decay, **self.hyper)


def SGD(learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, **kw):
    return _Optimizer("SGD", weight_decay, lr=learning_rate, momentum=momentum)


def Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None, **kw):
    return _Optimizer("Adam", weight_decay, lr=learning_rate, beta1=beta_1, beta2=beta_2, eps=epsilon)


class _Loss:
    def __init__(self, name, **fields):
        self.fields = dict(name=name, **fields)


initializers = SimpleNamespace(Constant=Constant, Zeros=Zeros, RandomNormal=RandomNormal, TruncatedNormal=TruncatedNormal,
                               RandomUniform=RandomUniform, VarianceScaling=VarianceScaling, Orthogonal=Orthogonal)
layers = SimpleNamespace(Dense=Dense, BatchNormalization=BatchNormalization, Activation=_Passive, LeakyReLU=_Passive, Add=_Passive, Rescaling=_Passive,
                         LayerNormalization=_Passive, RMSNormalization=_Passive, Layer=Layer)
regularizers = SimpleNamespace(L2=L2)
optimizers = SimpleNamespace(SGD=SGD, Adam=Adam)
losses = SimpleNamespace(
    MeanSquaredError=lambda **k: _Loss("MeanSquaredError", reduction=k.get("reduction", "mean")),
    SparseCategoricalCrossentropy=lambda from_logits=False, **k: _Loss("SparseCategoricalCrossentropy", from_logits=from_logits),
)
utils = SimpleNamespace(set_random_seed=_set_random_seed)
Input = _Input
