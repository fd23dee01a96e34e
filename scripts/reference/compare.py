"""Runs each exported snippet unedited with the real framework and compares its network with the
page's (page.csv from examples/export_reference.rs): per layer, the std of the weights and of the
biases within sampling error, and consecutive layers' weights uncorrelated (a shared initializer
gives correlation 1). In training mode, one optimizer step on random data must run."""
import csv
import math
import os
import sys
import traceback

import numpy as np


def run(path):
    ns = {"__name__": "__main__"}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), ns)
    return ns


def torch_layers(ns):
    import torch
    out = []
    for m in ns["model"]:
        if isinstance(m, torch.nn.Linear):
            out.append((m.weight.detach().numpy().T, m.bias.detach().numpy()))
    return out


def keras_layers(ns):
    return [(l.kernel.numpy(), l.bias.numpy()) for l in ns["model"].layers if hasattr(l, "kernel")]


def jax_layers(ns):
    p = ns["params"]
    dense = sorted((k for k in p if k.startswith("Dense_")), key=lambda k: int(k.split("_")[1]))
    return [(np.asarray(p[k]["kernel"]), np.asarray(p[k]["bias"])) for k in dense]


def train_step(framework, ns, fan_in, classes, batch=16):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, fan_in)).astype("float32")
    t = rng.integers(0, classes, batch) if classes else rng.standard_normal((batch, 1)).astype("float32")
    if framework == "pytorch":
        import torch
        ns["opt"].zero_grad()
        y = ns["model"](torch.from_numpy(x))
        ns["loss_fn"](y, torch.from_numpy(t)).backward()
        ns["opt"].step()
    elif framework == "keras":
        ns["model"].train_on_batch(x, t)
    else:
        ns["step"](ns["params"], ns["opt_state"], x, t)


def close(measured, want, n):
    # std of n draws: relative standard error about 1/√(2n) (normal; less for uniform)
    return abs(measured - want) <= want * (6 / math.sqrt(2 * n) + 0.01) + 1e-12


def main(out):
    failures = 0
    for k in sorted(os.listdir(out), key=int):
        d = os.path.join(out, k)
        query = open(os.path.join(d, "query.txt")).read()
        page = list(csv.DictReader(open(os.path.join(d, "page.csv"))))
        for framework, get in (("pytorch", torch_layers), ("keras", keras_layers), ("jax", jax_layers)):
            what = "%s [%s]" % (query, framework)
            try:
                ns = run(os.path.join(d, framework + "_snippet.py"))
                layers = get(ns)
                problems = []
                if len(layers) != len(page):
                    problems.append("%d dense layers, page %d" % (len(layers), len(page)))
                worst_corr = 0.0
                for (w, b), row in zip(layers, page):
                    l = int(row["layer"])
                    if w.shape != (int(row["fan_in"]), int(row["fan_out"])):
                        problems.append("layer %d shape %s" % (l, w.shape))
                    if not close(float(w.std()), float(row["weight_std"]), w.size):
                        problems.append("layer %d weight std %.4g, page %.4g" % (l, w.std(), float(row["weight_std"])))
                    if b.size >= 64 and not close(float(b.std()), float(row["bias_std"]), b.size):
                        problems.append("layer %d bias std %.4g, page %.4g" % (l, b.std(), float(row["bias_std"])))
                for (w1, _), (w2, _) in zip(layers, layers[1:]):
                    if w1.shape == w2.shape and w1.std() > 0 and w2.std() > 0:
                        c = float(np.corrcoef(w1.ravel(), w2.ravel())[0, 1])
                        worst_corr = max(worst_corr, abs(c))
                        if abs(c) > 6 / math.sqrt(w1.size):
                            problems.append("consecutive layers correlate %.3f" % c)
                if "mode=train" in query:
                    classes = 10 if "digits" in query else (2 if "spiral" in query else 0)
                    train_step(framework, ns, layers[0][0].shape[0], classes)
                status = "ok" if not problems else "FAIL"
                failures += bool(problems)
                print("%-4s %s: %d layers, max |corr(W_l, W_l+1)| %.3f %s" % (status, what, len(layers), worst_corr, "; ".join(problems)))
            except Exception:
                failures += 1
                print("FAIL %s: the snippet raised\n%s" % (what, traceback.format_exc()))
    print("%d passed, %d failed" % (3 * len(os.listdir(out)) - failures, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv[1])
