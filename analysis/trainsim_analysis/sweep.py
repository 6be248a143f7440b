"""The table `trainsim sweep SCENARIO.yaml -o DIR` writes (docs/summary-format.md, "Sweep table")."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

# Columns every sweep table has after its axis columns, in order.
FIGURES = ["status", "gpus", "iteration_time_s", "tokens_per_s", "mfu", "time_to_train_days",
           "time_to_train_with_failures_days", "goodput", "energy_mwh", "energy_with_failures_mwh",
           "average_it_power_kw", "cost_total", "cost_with_failures_total", "cost_currency", "carbon_t",
           "memory_per_gpu_gib", "summary", "error"]


def load_sweep(directory: str | Path) -> pd.DataFrame:
    """One row per point, indexed by `point`; `axes` in `df.attrs` names the axis columns.

    Points that could not run keep their row (status "error", the reason in `error`, NaN figures).
    """
    path = Path(directory) / "sweep.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no sweep table (run `trainsim sweep SCENARIO.yaml -o {directory}`)")
    # Axis values stay text ("400 GB/s"); the figures are numbers.
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(table.columns[:1]) != ["point"] or list(table.columns[-len(FIGURES):]) != FIGURES:
        raise ValueError(f"{path}: not a trainsim sweep table (expected point, the axes, then {', '.join(FIGURES)})")
    axes = list(table.columns[1:-len(FIGURES)])
    numeric = [c for c in FIGURES if c not in ("status", "cost_currency", "summary", "error")]
    for column in ["point", *numeric]:
        table[column] = pd.to_numeric(table[column].replace("", None), errors="raise")
    table = table.set_index("point")
    table.attrs["axes"] = axes
    return table


def sweep_dir() -> Path:
    """The sweep the notebooks read: $TRAINSIM_SWEEP_DIR (run_notebooks.py --sweep sets it)."""
    import os

    value = os.environ.get("TRAINSIM_SWEEP_DIR")
    if not value:
        raise FileNotFoundError("TRAINSIM_SWEEP_DIR is not set (the directory `trainsim sweep ... -o DIR` wrote)")
    return Path(value)


def sweep_plot(table: pd.DataFrame, ax, x: str, y: str, by: str | None = None, label: str | None = None):
    """`y` against `x` for the points that ran, one line per value of the axis `by`; returns ax.

    `x` and `by` are axis columns (their values as written; `x` must read as numbers), `y` a
    figure column such as "time_to_train_days".
    """
    ok = table[table["status"] == "ok"]
    if ok.empty:
        raise ValueError("sweep_plot: no point of the sweep ran (every row has status 'error')")
    for column in [x, y] + ([by] if by else []):
        if column not in table.columns:
            raise KeyError(f"sweep_plot: no column {column!r} (columns: {', '.join(table.columns)})")
    groups = ok.groupby(by, sort=False) if by else [(None, ok)]
    for value, rows in groups:
        rows = rows.assign(_x=pd.to_numeric(rows[x], errors="raise")).sort_values("_x")
        name = label or y
        ax.plot(rows["_x"], rows[y], marker="o", label=f"{name} ({by} = {value})" if by else name)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend()
    return ax
