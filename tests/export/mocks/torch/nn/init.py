"""torch.nn.init with the documented std of each initializer, recorded per tensor."""
import math

import record


def calculate_gain(nonlinearity, param=None):
    """PyTorch's documented table: linear/sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1+a²)), selu 3/4."""
    if nonlinearity in ("linear", "sigmoid", "conv1d", "conv2d", "conv3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + a * a))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError("Unsupported nonlinearity " + nonlinearity)


def _fans(t):
    if t.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    return t.shape[1], t.shape[0]


def _put(t, fn, dist, std, **extra):
    fan_out = t.shape[0]
    fan_in = t.shape[1] if t.dim() > 1 else None
    record.emit("param", layer=t.layer, role=t.role, fan_in=fan_in, fan_out=fan_out, fn=fn, dist=dist,
                std=repr(float(std)), draw=record.new_draw(), **extra)
    return t


def zeros_(t):
    return _put(t, "zeros_", "constant", 0.0, value=0.0)


def constant_(t, val):
    return _put(t, "constant_", "constant", 0.0, value=float(val))


def normal_(t, mean=0.0, std=1.0):
    return _put(t, "normal_", "normal", std)


def uniform_(t, a=0.0, b=1.0):
    return _put(t, "uniform_", "uniform", (b - a) / math.sqrt(12), low=a, high=b)


def trunc_normal_(t, mean=0.0, std=1.0, a=-2.0, b=2.0):
    return _put(t, "trunc_normal_", "truncated", record.truncated_std(std, a, b), low=a, high=b)


def xavier_normal_(t, gain=1.0):
    fi, fo = _fans(t)
    return _put(t, "xavier_normal_", "normal", gain * math.sqrt(2.0 / (fi + fo)))


def xavier_uniform_(t, gain=1.0):
    fi, fo = _fans(t)
    bound = gain * math.sqrt(6.0 / (fi + fo))
    return _put(t, "xavier_uniform_", "uniform", bound / math.sqrt(3), low=-bound, high=bound)


def _kaiming_std(t, a, mode, nonlinearity):
    fi, fo = _fans(t)
    fan = {"fan_in": fi, "fan_out": fo}[mode]
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_normal_(t, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    return _put(t, "kaiming_normal_", "normal", _kaiming_std(t, a, mode, nonlinearity))


def kaiming_uniform_(t, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    std = _kaiming_std(t, a, mode, nonlinearity)
    bound = math.sqrt(3) * std
    return _put(t, "kaiming_uniform_", "uniform", std, low=-bound, high=bound)


def orthogonal_(t, gain=1.0):
    if t.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    return _put(t, "orthogonal_", "orthogonal", gain / math.sqrt(max(t.shape)))
