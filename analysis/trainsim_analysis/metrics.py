"""Numbers derived from runs: one iteration's events, time per kind, a comparison table.

These live in the package (not in notebooks) so that the plots, the notebooks and the tests all
use one definition of "the last iteration", "days" or "MWh".
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from trainsim_analysis.trace import Run

SECONDS_PER_DAY = 86400.0
JOULES_PER_MWH = 3.6e9


def resolve_iteration(run: Run, iteration: int = -1) -> int:
    """The iteration number meant by `iteration`: negative counts from the end, like a list index
    (-1 is the last simulated iteration, the one the summary reports)."""
    its = run.iterations
    if not its:
        raise ValueError(f"{run.path}: the trace has no events")
    if iteration < 0:
        if -iteration > len(its):
            raise IndexError(f"iteration {iteration}: the trace has {len(its)} iterations")
        return its[iteration]
    if iteration not in its:
        raise IndexError(f"iteration {iteration} is not in the trace (it has {its})")
    return iteration


def iteration_events(run: Run, iteration: int = -1) -> pd.DataFrame:
    """The events of one iteration (see resolve_iteration)."""
    it = resolve_iteration(run, iteration)
    return run.events[run.events["iteration"] == it]


def busy_time(run: Run, iteration: int = -1) -> pd.DataFrame:
    """Seconds each recorded rank spent in each event kind during one iteration (rank x kind).

    Overlapping events (a pp_send in flight during a forward, a dp_reduce overlapped with
    backward) each count fully, so a row can add up to more than the iteration.
    """
    ev = iteration_events(run, iteration)
    table = ev.pivot_table(index="rank", columns="kind", values="duration", aggfunc="sum",
                           fill_value=0.0, observed=False)
    return table.astype(float)   # pivot_table downcasts whole-second sums to int


def energy_j(run: Run) -> float:
    """Total facility energy of the run (summary energy_j.total), NaN if not reported."""
    e = run.summary.get("energy_j")
    if isinstance(e, dict):
        e = e.get("total")
    return float(e) if isinstance(e, (int, float)) else float("nan")


def cost(run: Run) -> tuple[float, str | None]:
    """(total, currency) of the run's cost; (NaN, None) when the platform has no costs section."""
    c = run.summary.get("cost")
    if isinstance(c, dict) and isinstance(c.get("total"), (int, float)):
        return float(c["total"]), c.get("currency")
    return float("nan"), None


def summary_table(runs: Sequence[Run]) -> pd.DataFrame:
    """One row per run (index: run name) with the figures people compare, in readable units."""
    rows = []
    for r in runs:
        s = r.summary
        total, currency = cost(r)
        failures = s.get("reliability") if isinstance(s.get("reliability"), dict) else {}
        rows.append({
            "run": r.name,
            "gpu": s.get("gpu"),
            "gpus": s.get("gpus"),
            "iteration_s": s.get("iteration_time_s", np.nan),
            "mfu_%": 100.0 * s.get("mfu", np.nan),
            "tokens_per_s": s.get("tokens_per_s", np.nan),
            "time_to_train_days": s.get("time_to_train_s", np.nan) / SECONDS_PER_DAY,
            # With interruptions, checkpoints and restarts, when the platform describes them.
            "with_failures_days": failures.get("expected_time_to_train_s", np.nan) / SECONDS_PER_DAY,
            "goodput_%": 100.0 * failures.get("goodput", np.nan),
            "energy_MWh": energy_j(r) / JOULES_PER_MWH,
            "cost": total,
            "currency": currency,
        })
    return pd.DataFrame(rows).set_index("run")
