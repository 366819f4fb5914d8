#!/usr/bin/env python3
"""The alignment metrics of DESIGN §5 in NumPy, for a side-by-side timing with
Benchmarks/AlignmentBenchmarks (run by hand: python3 Benchmarks/numpy_alignment.py)."""
import math
import time

import numpy as np


def metrics(alpha, gates, truth):
    T, N = alpha.shape
    i = alpha.argmax(1)  # ties go to the lowest index
    focus = alpha.max(1).mean()
    coverage = alpha.max(0).mean()
    w = max(2, math.ceil(0.15 * N))
    centre = np.arange(T)[:, None] * N / T
    band = np.abs(np.arange(N)[None, :] - centre) <= w
    diagonality = (alpha * band).sum(1).mean()
    steps = np.diff(i)
    back = (steps < 0).sum() / (T - 1) if T > 1 else 0.0
    skip = np.maximum(0, steps - 1).sum() / N
    missing = (alpha.sum(0) < 0.5).mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(alpha > 0, alpha * np.log(alpha), 0.0)
    entropy = (-plogp.sum(1)).mean() / math.log(N) if N > 1 else 0.0
    drift = np.abs((i / (N - 1) if N > 1 else 0) - (np.arange(T) / (T - 1) if T > 1 else 0)).mean()
    stop = np.argmax(gates > 0) if (gates > 0).any() else T
    stop_error = abs(stop - (T - 1)) / T
    accuracy = (np.abs(i - truth) <= 1).mean()
    return dict(focus_rate=focus, coverage=coverage, diagonality=diagonality, back_jump_rate=back, skip_rate=skip,
                missing_tokens=missing, entropy=entropy, drift=drift, stop_error=stop_error, accuracy=accuracy)


def main():
    T, N = 1000, 200
    rng = np.random.default_rng(3)
    distance = np.arange(N)[None, :] - np.arange(T)[:, None] * N / T
    alpha = np.exp(-distance ** 2 / 8) + rng.uniform(0, 0.01, size=(T, N))
    alpha = (alpha / alpha.sum(1, keepdims=True)).astype(np.float32)
    gates = np.arange(T, dtype=np.float32) - T + 3
    truth = np.arange(T) * N // T
    metrics(alpha, gates, truth)
    times = []
    for _ in range(200):
        start = time.perf_counter()
        metrics(alpha, gates, truth)
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"NumPy {np.__version__}: median {times[len(times) // 2] * 1e6:.0f} µs per 1000×200 matrix")


if __name__ == "__main__":
    main()
