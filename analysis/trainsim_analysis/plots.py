"""Plots of one run: per-rank timeline of an iteration, power over time, link utilisation.

Matplotlib habit: every function draws into the `ax` it is given and returns it; none creates a
figure or calls plt.show(), so they compose into subplots, notebooks and scripts alike.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from trainsim_analysis.metrics import iteration_events, resolve_iteration
from trainsim_analysis.style import kind_color, power_scale
from trainsim_analysis.trace import Run

#: Kinds the timeline draws by default. pp_send is left out: a message in flight does not occupy
#: the GPU (its sender computes meanwhile), and drawing it would hide the forward passes.
TIMELINE_KINDS = ("forward", "backward", "tp_comm", "pp_wait", "dp_reduce", "dp_gather",
                  "optimizer", "checkpoint")
# Collectives may overlap backward (overlap_gradient_reduction), messages overlap compute: where
# they do, draw them as thin bars on top, in the lower / upper part of the lane, so both stay
# visible; where they do not (the usual non-overlapped reduction), at full height.
_LANE = {"dp_reduce": (0.0, 0.35), "dp_gather": (0.0, 0.35), "pp_send": (0.65, 1.0)}
_LANE_HEIGHT = 0.8
_COMPUTE = ("forward", "backward", "tp_comm", "optimizer")


def default_ranks(run: Run, events: pd.DataFrame | None = None) -> list[int]:
    """Replica 0 of every pipeline stage (the lowest recorded rank of each stage in Megatron
    order): one pipeline, the view that shows the schedule. Pass ranks="all" for every rank."""
    ev = run.events if events is None else events
    return sorted(int(r) for r in ev.groupby("stage", observed=True)["rank"].min())


def _overlaps_compute(sel: pd.DataFrame, ev: pd.DataFrame) -> np.ndarray:
    """For each event of `sel`, whether it overlaps a compute event of its own rank in `ev`."""
    comp = ev[ev["kind"].isin(_COMPUTE)]
    by_rank = {r: (g["start"].to_numpy(), g["end"].to_numpy()) for r, g in comp.groupby("rank")}
    out = np.zeros(len(sel), dtype=bool)
    for i, (r, a, b) in enumerate(zip(sel["rank"], sel["start"], sel["end"])):
        s, e = by_rank.get(r, (np.empty(0), np.empty(0)))
        out[i] = bool(np.any((s < b) & (e > a)))
    return out


def _rectangles(ev: pd.DataFrame, lane: dict[int, int], t0: float, lo: np.ndarray,
                hi: np.ndarray) -> list:
    y = ev["rank"].map(lane).to_numpy(dtype=float)
    x0 = ev["start"].to_numpy() - t0
    x1 = ev["end"].to_numpy() - t0
    b = y - _LANE_HEIGHT / 2 + lo * _LANE_HEIGHT
    t = y - _LANE_HEIGHT / 2 + hi * _LANE_HEIGHT
    return [np.array([[a, bb], [c, bb], [c, tt], [a, tt]]) for a, c, bb, tt in zip(x0, x1, b, t)]


def timeline(run: Run, ax: Axes, iteration: int = -1, ranks: Sequence[int] | str | None = None,
             kinds: Iterable[str] = TIMELINE_KINDS, legend: bool = True) -> Axes:
    """Gantt chart of one iteration: one lane per rank, one coloured bar per event.

    iteration: as a list index (-1: the last simulated one, which the summary reports).
    ranks: GPU indices to show (recorded ranks are tensor rank 0 only); None: one pipeline
    (default_ranks); "all": every recorded rank. Time is relative to the iteration's start.
    """
    it = resolve_iteration(run, iteration)
    ev = iteration_events(run, it)
    if ranks is None:
        shown = default_ranks(run, ev)
    elif isinstance(ranks, str):
        if ranks != "all":
            raise ValueError(f"ranks must be a list of ranks, None or 'all', not {ranks!r}")
        shown = sorted(int(r) for r in ev["rank"].unique())
    else:
        shown = [int(r) for r in ranks]
        absent = sorted(set(shown) - set(ev["rank"].unique().tolist()))
        if absent:
            raise ValueError(f"ranks {absent} have no events in iteration {it} of {run.name} "
                             f"(only tensor rank 0 of each stage and replica is recorded)")
    lane = {r: i for i, r in enumerate(shown)}
    ev = ev[ev["rank"].isin(shown)]
    t0 = float(ev["start"].min()) if len(ev) else 0.0
    t1 = float(ev["end"].max()) if len(ev) else 1.0

    for z, kind in enumerate(kinds):
        sel = ev[ev["kind"] == kind]
        if sel.empty:
            continue
        lo, hi = np.zeros(len(sel)), np.ones(len(sel))
        if kind in _LANE:
            thin = _overlaps_compute(sel, ev)
            lo[thin], hi[thin] = _LANE[kind]
        coll = PolyCollection(_rectangles(sel, lane, t0, lo, hi), facecolors=kind_color(kind),
                              edgecolors="none", label=kind, zorder=2 + (z if kind in _LANE else 0))
        ax.add_collection(coll)

    stage_of = ev.groupby("rank")["stage"].first().to_dict()
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels([f"{r} (stage {stage_of.get(r, '?')})" for r in shown])
    ax.set_ylim(len(shown) - 0.5, -0.5)      # first rank on top, like a schedule diagram
    ax.set_xlim(0.0, max(t1 - t0, 1e-12))
    ax.set_xlabel(f"time since the start of iteration {it} (s)")
    ax.set_ylabel("rank (tensor rank 0)")
    ax.set_title(f"{run.name}: iteration {it}")
    if legend and ax.collections:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax


def power(run: Run, ax: Axes, per_node: bool = False, facility: bool = False) -> Axes:
    """Total IT power over simulated time (the sum of /power/node_watts).

    per_node: also draw each node thinly. facility: also draw IT x PUE (the facility's draw).
    """
    total = run.power.groupby("time", sort=True)["watts"].sum()
    scale, unit = power_scale(float(total.max() * (run.pue if facility else 1.0)) if len(total) else 0.0)
    if per_node:
        for node, g in run.power.groupby("node", sort=True):
            ax.plot(g["time"], g["watts"] / scale, lw=0.5, alpha=0.4, color="grey",
                    label="per node" if node == run.power["node"].iloc[0] else None)
    ax.plot(total.index, total.to_numpy() / scale, lw=1.5, color="#d1495b", label="IT total")
    if facility:
        ax.plot(total.index, total.to_numpy() * run.pue / scale, lw=1.0, ls="--", color="#1f5fa8",
                label=f"facility (PUE {run.pue:g})")
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel(f"power ({unit})")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{run.name}: IT power, {run.power_interval_s:g} s samples")
    ax.legend(fontsize="small", loc="lower right")
    return ax


def links(run: Run, ax: Axes, classes: Sequence[str] | None = None) -> Axes:
    """Mean utilisation of each link class over simulated time, in percent of its capacity."""
    shown = list(run.links["link_class"].cat.categories) if classes is None else list(classes)
    for cls in shown:
        g = run.links[run.links["link_class"] == cls]
        if g.empty:
            raise ValueError(f"{run.name} has no link class {cls!r} "
                             f"(it has {list(run.links['link_class'].cat.categories)})")
        ax.plot(g["time"], 100.0 * g["utilization"], lw=1.2, label=cls)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("utilisation (% of capacity)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{run.name}: link utilisation by class")
    if shown:
        ax.legend(fontsize="small", loc="upper right")
    return ax
