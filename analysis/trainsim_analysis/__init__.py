"""trainsim_analysis: read trainsim's HDF5 traces (docs/trace-format.md) and plot them.

    import trainsim_analysis as ta
    run = ta.load("run.h5")
    ta.timeline(run, ax)          # every plot takes an ax and returns it

Modules: trace (load, Run), frames (HDF5 -> pandas), metrics (derived numbers), plots (one run),
compare (several runs), figures (trace locations, PNG output), style (colours, units), sweep (the
table of `trainsim sweep`).
"""
from trainsim_analysis.compare import compare
from trainsim_analysis.figures import (COMPARISON_TRACES, load_comparison, new_figure, readme_figures,
                                       save_figure, trace_dir, trace_path)
from trainsim_analysis.metrics import busy_time, cost, energy_j, iteration_events, summary_table
from trainsim_analysis.plots import links, power, timeline
from trainsim_analysis.sweep import load_sweep, sweep_dir, sweep_plot
from trainsim_analysis.trace import KNOWN_SCHEMA_VERSIONS, Run, load

__all__ = [
    "COMPARISON_TRACES", "KNOWN_SCHEMA_VERSIONS", "Run", "busy_time", "compare", "cost", "energy_j",
    "iteration_events", "links", "load", "load_comparison", "load_sweep", "sweep_dir", "sweep_plot", "new_figure", "power", "readme_figures",
    "save_figure", "summary_table", "timeline", "trace_dir", "trace_path",
]
