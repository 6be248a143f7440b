"""Side-by-side bar charts of several runs: time-to-train, energy, cost.

Costs are never converted between currencies: exchange rates are an input of the simulator
(`costs.exchange_rates`, docs/energy-model.md), and a plot that silently picked one would hide
the assumption. When currencies differ the cost panel says so in its title.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.axes import Axes

from trainsim_analysis.metrics import summary_table
from trainsim_analysis.style import money_scale
from trainsim_analysis.trace import Run

_PALETTE = ["#4c9be8", "#d1495b", "#3c9d5d", "#f2a541", "#8e3b8f", "#1f5fa8", "#7f7f7f"]


def _number(v: float) -> str:
    """Three significant figures without scientific notation: 27.6, 1,234, 0.123."""
    if math.isnan(v):
        return "n/a"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _bars(ax: Axes, labels: list[str], values: list[float], texts: list[str], ylabel: str,
          title: str) -> None:
    heights = [0.0 if math.isnan(v) else v for v in values]
    bars = ax.bar(labels, heights, color=[_PALETTE[i % len(_PALETTE)] for i in range(len(labels))])
    ax.bar_label(bars, labels=texts, padding=2, fontsize="small")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.margins(y=0.15)
    ax.tick_params(axis="x", labelrotation=20)
    for t in ax.get_xticklabels():
        t.set_horizontalalignment("right")


def compare(runs: Sequence[Run], axes: Sequence[Axes]) -> Sequence[Axes]:
    """Time-to-train (days), energy (MWh) and cost of each run, one bar per run, on axes[0..2].

    A run whose summary lacks energy or cost gets an empty bar labelled "n/a".
    """
    if len(axes) < 3:
        raise ValueError(f"compare() draws three panels; got {len(axes)} axes")
    if not runs:
        raise ValueError("compare() needs at least one run")
    t = summary_table(runs)
    labels = list(t.index)

    days = t["time_to_train_days"].tolist()
    _bars(axes[0], labels, days, [_number(d) for d in days], "days", "time to train")

    mwh = t["energy_MWh"].tolist()
    _bars(axes[1], labels, mwh, [_number(e) for e in mwh],
          "MWh (facility)", "energy")

    costs = t["cost"].tolist()
    currencies = [c for c in t["currency"].tolist() if c]
    distinct = sorted(set(currencies))
    scale, prefix = money_scale(max((c for c in costs if not math.isnan(c)), default=0.0))
    texts = ["n/a" if math.isnan(c) else f"{_number(c / scale)} {prefix}{cur}"
             for c, cur in zip(costs, t["currency"].tolist())]
    if len(distinct) <= 1:
        unit = f"{prefix}{distinct[0]}" if distinct else "no cost reported"
        _bars(axes[2], labels, [c / scale for c in costs], texts, f"cost ({unit})".replace("( ", "("),
              "cost")
    else:
        _bars(axes[2], labels, [c / scale for c in costs], texts,
              f"cost ({prefix}each run's currency)",
              f"cost, not converted\ncurrencies differ: {', '.join(distinct)}")
    return axes
