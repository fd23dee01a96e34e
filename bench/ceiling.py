"""The ceiling: single-thread sgemm of a tuned BLAS (numpy's OpenBLAS) on the same shapes,
in the same run, and its QR (np.linalg.qr) for orthogonal initialization. Prints JSON lines like
benches/native.rs."""
import json
import os
import time

import numpy as np

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # threadpoolctl is optional; OPENBLAS_NUM_THREADS=1 is set by bench/run.sh
    threadpool_limits = None


def times_ms(f, reps):
    """Each call's time, sorted: [0] is the best of N, [N // 2] the median."""
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return times


def main():
    rng = np.random.default_rng(0)
    ctx = threadpool_limits(limits=1) if threadpool_limits else None
    if threadpool_limits:
        for lib in threadpool_info():
            print(json.dumps({"kind": "blas", "internal_api": lib.get("internal_api"), "version": lib.get("version"),
                              "threads": lib.get("num_threads"), "arch": lib.get("architecture")}))
    for m, k, n in [(512, 512, 512), (256, 256, 256), (1000, 500, 500), (1000, 1000, 1000)]:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        # The best the tuned library does: a preallocated output (no allocation in the timed call),
        # reported as the best of N (the ceiling) and the median of N, the statistics ours uses too.
        c = np.empty((m, n), dtype=np.float32)
        np.matmul(a, b, out=c)  # warm up
        reps = 10 if m * k * n > 3e8 else 20
        t = times_ms(lambda: np.matmul(a, b, out=c), reps)
        best, median = t[0], t[len(t) // 2]
        print(json.dumps({"kind": "ceiling", "m": m, "k": k, "n": n, "ms": best, "gflops": 2 * m * k * n / best / 1e6,
                          "median_ms": median, "median_gflops": 2 * m * k * n / median / 1e6,
                          "coretype": os.environ.get("OPENBLAS_CORETYPE")}))
    # The peer of orthogonal initialization: the Householder QR of a 1024 × 1024 Gaussian matrix
    # (LAPACK dgeqrf + dorgqr, in f64, as ours), best and median of 5.
    n = 1024
    a = rng.standard_normal((n, n))
    np.linalg.qr(a)  # warm up
    t = times_ms(lambda: np.linalg.qr(a), 5)
    print(json.dumps({"kind": "qr", "n": n, "ms": t[0], "median_ms": t[len(t) // 2]}))
    if ctx:
        ctx.unregister()


main()
