"""torch.optim.SGD and Adam: the weight decay each parameter gets, from its group or the default."""
import record


def _groups(params, weight_decay):
    params = list(params)
    if params and isinstance(params[0], dict):
        return [(list(g["params"]), g.get("weight_decay", weight_decay)) for g in params]
    return [(params, weight_decay)]


class _Optimizer:
    def __init__(self, name, params, weight_decay, **hyper):
        seen = []
        for ps, wd in _groups(params, weight_decay):
            for p in ps:
                if any(p is q for q in seen):
                    raise ValueError("some parameters appear in more than one parameter group")
                seen.append(p)
                record.emit("decay", layer=p.layer, role=p.role, wd=repr(float(wd)))
        record.emit("optimizer", name=name, params=len(seen), **hyper)


class SGD(_Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        super().__init__("SGD", params, weight_decay, lr=lr, momentum=momentum)


class Adam(_Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        super().__init__("Adam", params, weight_decay, lr=lr, beta1=betas[0], beta2=betas[1], eps=eps)
