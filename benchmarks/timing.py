"""The benchmarks' one way to time a call: median of repeats, best of fresh runs.

Every ``bench_*.py`` imports these (``sys.path`` holds this folder when a script runs),
so all figures are taken the same way.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")


def median_time(
    func: Callable[[], T], repeat: int, *, clock: Callable[[], float] = time.perf_counter,
    warm_up: bool = False,
) -> tuple[float, T | None]:
    """Median seconds of ``repeat`` calls of ``func`` by ``clock`` (wall time unless
    ``time.process_time``), and the last call's result; ``warm_up``: one untimed call first.

    >>> seconds, result = median_time(lambda: 6 * 7, 3)
    >>> result, seconds < 1
    (42, True)
    """
    if warm_up:
        func()
    times, result = [], None
    for _ in range(repeat):
        start = clock()
        result = func()
        times.append(clock() - start)
    return statistics.median(times), result


def median_ms(
    func: Callable[[], object], repeat: int, *, clock: Callable[[], float] = time.perf_counter,
    warm_up: bool = False,
) -> float:
    """``median_time`` in milliseconds, without the result."""
    return median_time(func, repeat, clock=clock, warm_up=warm_up)[0] * 1000


def best_of(runs: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The fastest of several fresh runs, figure by figure (this machine is shared: the
    minimum is the least disturbed).

    >>> best_of([{"cpu": 0.3, "wall": 0.5}, {"cpu": 0.2, "wall": 0.6}])
    {'cpu': 0.2, 'wall': 0.5}
    """
    return {key: min(run[key] for run in runs) for key in runs[0]}
