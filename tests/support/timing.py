"""Time code in a fresh Python, to show it runs in linear time (and to stop it if it does not).

Each measurement runs in its own subprocess: `setup` builds the input once (it sees
`SIZE`), then `statement` runs `runs` times and the fastest run counts, which is the
least disturbed by a busy machine. Runs are timed in the child's CPU time, not wall
time: on a shared machine a run of a few milliseconds fits in one time slice while
a longer one waits for others, which would inflate the ratio by the machine's load.
The child is killed after `timeout` seconds of wall time and the test fails: a
parse that slow is exactly the defect being tested for.

`assert_linear` compares a small and a large input: linear code takes about
large/small times longer (16× from 64 KB to 1 MB), quadratic code the square
(256×). The default bound, 40×, sits between with room for a loaded machine.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
KB = 1024
SMALL, LARGE = 64 * KB, 1024 * KB
MAX_RATIO = 40.0
RUNS = 5
TIMEOUT_SECONDS = 10.0
# Below this a run is timer noise, not work: the ratio uses at least this for the small run.
RESOLUTION_SECONDS = 0.0005

_CHILD = """
import sys, time
SIZE = int(sys.argv[1])
exec(sys.argv[2])
timed = compile(sys.argv[3], "<timed>", "exec")
best = float("inf")
for _ in range(int(sys.argv[4])):
    started = time.process_time()
    exec(timed)
    best = min(best, time.process_time() - started)
print(best)
"""


def best_of(
    setup: str,
    statement: str,
    size: int,
    *,
    runs: int = RUNS,
    timeout: float = TIMEOUT_SECONDS,
) -> float:
    """Return the fastest of `runs` runs of `statement` in seconds, or fail after `timeout`."""
    command = [sys.executable, "-c", _CHILD, str(size), setup, statement, str(runs)]
    try:
        done = subprocess.run(
            command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"{statement!r} on an input of size {size:,} did not finish {runs} runs within "
            f"{timeout:g} s (killed)"
        )
    if done.returncode != 0:
        pytest.fail(f"{statement!r} on size {size:,} failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.split()[-1])


@dataclass(frozen=True)
class Scaling:
    """Two timings and how much longer the large input took."""

    small_seconds: float
    large_seconds: float

    @property
    def ratio(self) -> float:
        return self.large_seconds / max(self.small_seconds, RESOLUTION_SECONDS)

    def __str__(self) -> str:
        return (
            f"{self.small_seconds * 1000:.1f} ms → {self.large_seconds * 1000:.1f} ms "
            f"({self.ratio:.1f}×)"
        )


def assert_linear(
    setup: str,
    statement: str,
    *,
    small: int = SMALL,
    large: int = LARGE,
    max_ratio: float = MAX_RATIO,
) -> Scaling:
    """Time `statement` on a small and a large input; fail if the large is over `max_ratio`×."""
    scaling = Scaling(best_of(setup, statement, small), best_of(setup, statement, large))
    assert scaling.ratio <= max_ratio, (
        f"{statement!r}: size {small:,} → {large:,} took {scaling}; linear code stays "
        f"within {max_ratio:g}×"
    )
    return scaling
