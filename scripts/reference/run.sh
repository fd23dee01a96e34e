#!/usr/bin/env bash
# Runs the page's "Copy as code" snippets with the real PyTorch, Keras 3 (JAX backend) and Flax,
# and compares every layer's weight and bias std, and the independence of consecutive layers, with
# the network the page builds natively (examples/export_reference.rs). Not part of the test
# command (the frameworks are several GB); tests/export_snippets.rs runs the snippets against
# recording stand-ins there.
#
#   bash scripts/reference/run.sh            # venv in scripts/reference/.venv, installed from PyPI
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  # PyPI's torch wheel for Linux brings the CUDA libraries (about 5 GB with jax, keras, flax).
  "$venv/bin/pip" install -q torch keras jax flax optax numpy
fi
out="$here/out"
rm -rf "$out"
(cd "$root" && cargo run -q --release --example export_reference -- "$out" \
  "depth=20&width=256&init=he_normal&act=relu" \
  "init=xavier_uniform&bias=same&input=digits&width=256&depth=3" \
  "init=xavier_normal&act=tanh&bias=same&depth=4&width=256&trunc=1" \
  "init=he_uniform&act=relu&bias=same&depth=4&width=256&fan=fan_out" \
  "init=lecun_normal&act=selu&trunc=1&bias=same&depth=4&width=256&input=spiral" \
  "init=lecun_uniform&act=selu&bias=same&depth=3&width=256" \
  "init=orthogonal&act=tanh&gain=auto&bias=same&depth=4&width=256" \
  "init=normal&scale=0.05&trunc=1&bias=same&depth=3&width=256" \
  "init=uniform&scale=0.1&bias=same&depth=3&width=256" \
  "init=he_normal&gain=3&bias=same&depth=3&width=256&fan=fan_avg&input=digits" \
  "init=he_normal&act=relu&bn=1&depth=3&width=128&mode=train&opt=adam&l2=0.001&input=spiral&bias=same" \
  "init=xavier_normal&act=tanh&depth=3&width=128&mode=train&opt=momentum&lr=0.05&l2=0.01" \
  "init=xavier_uniform&act=tanh&depth=2&width=64&mode=train&opt=sgd&lr=0.1&l2=0.1&input=digits")
KERAS_BACKEND=jax "$venv/bin/python" "$here/compare.py" "$out"
