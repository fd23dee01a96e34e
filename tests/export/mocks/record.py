"""What the recording stand-ins saw, printed at exit as one line per record:
`kind key=value key=value ...` (values have no spaces), for tests/export_snippets.rs.

The stand-ins compute each draw's std from the frameworks' documented formulas (PyTorch
`torch.nn.init`, Keras 3 `keras.initializers`, JAX `jax.nn.initializers`), never from initviz.
"""
import atexit
import math
import sys

LINES = []
_next_draw = [0]


def new_draw():
    """A fresh, independent random draw (one more call on a global generator)."""
    _next_draw[0] += 1
    return "g%d" % _next_draw[0]


def emit(kind, **fields):
    parts = [kind] + ["%s=%s" % (k, str(v).replace(" ", "")) for k, v in fields.items()]
    LINES.append(" ".join(parts))


def truncated_std(parent, a, b):
    """Std of N(0, parent²) cut to [a, b] (a, b absolute): the truncated-normal variance."""
    al, be = a / parent, b / parent
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))
    z = cdf(be) - cdf(al)
    mean = (pdf(al) - pdf(be)) / z
    var = 1 + (al * pdf(al) - be * pdf(be)) / z - mean * mean
    return parent * math.sqrt(var)


@atexit.register
def _dump():
    sys.stdout.write("\n".join(LINES) + "\n")
    sys.stdout.flush()
