"""A recording stand-in for optax: records the rule and, at `init(params)`, which parameters the
weight decay reaches (`add_decayed_weights` adds λ·p to the gradient before the rule that follows)."""
import record


class Transform:
    def __init__(self, name, **fields):
        self.name, self.fields = name, fields

    def parts(self):
        return [self]

    def init(self, params):
        decay = {}
        rules = []
        for t in self.parts():
            if t.name == "add_decayed_weights":
                if rules:
                    raise ValueError("weight decay after the rule: decoupled, not PyTorch's weight_decay")
                mask = t.fields["mask"]
                chosen = mask(params) if callable(mask) else mask
                _leaves(params, chosen, t.fields["weight_decay"], decay)
            else:
                rules.append(t)
        for module, roles in params.items():
            for role in roles:
                wd = decay.get((module, role), 0.0)
                record.emit("decay", layer=_layer(module), role=_role(module, role), wd=repr(float(wd)))
        for r in rules:
            record.emit("optimizer", name=r.name, **{k: v for k, v in r.fields.items()})
        return ()


def _layer(module):
    kind, n = module.rsplit("_", 1)
    return int(n) + 1


def _role(module, role):
    if module.startswith("BatchNorm"):
        return {"scale": "bn_gamma", "bias": "bn_beta"}[role]
    return {"kernel": "weight", "bias": "bias"}[role]


def _leaves(params, chosen, wd, out):
    for module, roles in params.items():
        for role in roles:
            on = True if chosen is None else chosen[module][role]
            if on:
                out[(module, role)] = wd


class Chain(Transform):
    def __init__(self, *ts):
        super().__init__("chain")
        self.ts = ts

    def parts(self):
        return [p for t in self.ts for p in t.parts()]


def chain(*ts):
    return Chain(*ts)


def add_decayed_weights(weight_decay=0.0, mask=None):
    return Transform("add_decayed_weights", weight_decay=weight_decay, mask=mask)


def sgd(learning_rate, momentum=None, nesterov=False):
    return Transform("SGD", lr=learning_rate, momentum=0.0 if momentum is None else momentum)


def adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0):
    return Transform("Adam", lr=learning_rate, beta1=b1, beta2=b2, eps=eps)


def softmax_cross_entropy_with_integer_labels(logits, labels):
    raise NotImplementedError("the stand-in does not train")


def apply_updates(params, updates):
    raise NotImplementedError("the stand-in does not train")
