import jax

float32 = "float32"


def zeros(shape, dtype=None):
    return jax.Array(shape)


def mean(x, *a, **k):
    return x
