import record
import torch
from torch.nn import init  # noqa: F401

_linear = [0]


class Module:
    def params(self):
        return []

    def named(self):
        return []


class Linear(Module):
    def __init__(self, in_features, out_features, bias=True):
        _linear[0] += 1
        self.layer = _linear[0]
        self.weight = torch.Tensor((out_features, in_features), "weight", self.layer)
        self.bias = torch.Tensor((out_features,), "bias", self.layer)

    def params(self):
        return [self.weight, self.bias]


class BatchNorm1d(Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.weight = torch.Tensor((num_features,), "bn_gamma", _linear[0])
        self.bias = torch.Tensor((num_features,), "bn_beta", _linear[0])

    def params(self):
        return [self.weight, self.bias]


class Sequential(Module):
    def __init__(self, *modules):
        self.modules = list(modules)

    def __iter__(self):
        return iter(self.modules)

    def parameters(self):
        return iter([p for m in self.modules for p in m.params()])


class _Loss(Module):
    def __init__(self, **kw):
        record.emit("loss", name=type(self).__name__, reduction=kw.get("reduction", "mean"))


class MSELoss(_Loss):
    pass


class CrossEntropyLoss(_Loss):
    pass


def __getattr__(name):
    """Any activation module (nn.ReLU(), nn.LeakyReLU(0.2), ...): no parameters."""
    if name[:1].isupper():
        return type(name, (Module,), {"__init__": lambda self, *a, **k: None})
    raise AttributeError(name)
