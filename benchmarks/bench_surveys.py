"""Survey statistics for 100,000 responses × 30 items, against 1,000 × 30 in the same run.

Run: .venv/bin/python benchmarks/bench_surveys.py [--repeat 5]
Times the statistics the round page shows (per-item figures and the reliability of the whole scale and of six
dimensions of five items), from an answer matrix; loading responses from the database is timed separately.
"""
from __future__ import annotations

import argparse
import statistics as pystats
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qms.surveys import statistics as stats  # noqa: E402


def matrix(rows: int, items: int = 30, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    level = rng.normal(4, 0.6, size=(rows, 1))
    answers = np.clip(np.rint(level + rng.normal(0, 0.5, size=(rows, items))), 1, 5)
    blanks = rng.random((rows, items)) < 0.002
    answers[blanks] = np.nan
    return answers


def round_statistics(answers: np.ndarray) -> None:
    for column in range(answers.shape[1]):
        stats.item_stats(answers[:, column], 5)
    stats.reliability(answers)
    for start in range(0, answers.shape[1], 5):
        stats.reliability(answers[:, start:start + 5])
    stats.margin_of_error(answers.shape[0])


def median_seconds(answers, repeat):
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        round_statistics(answers)
        samples.append(time.perf_counter() - begin)
    return pystats.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    round_statistics(matrix(100))  # import scipy.stats once, outside the timing
    small, large = matrix(1_000), matrix(100_000)
    small_s, large_s = median_seconds(small, args.repeat), median_seconds(large, args.repeat)
    print(f"statistics, 1,000 × 30:   median {small_s * 1000:8.1f} ms over {args.repeat}")
    print(f"statistics, 100,000 × 30: median {large_s * 1000:8.1f} ms over {args.repeat}")
    print(f"100,000 / 1,000 responses: {large_s / small_s:.1f}x")


if __name__ == "__main__":
    main()
