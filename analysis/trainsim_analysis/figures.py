"""Finding the bundled comparison traces, and saving figures (the README's PNGs).

The README and the notebooks show the same three runs; naming them here keeps the notebooks free
of logic and makes a missing trace fail with one clear message.
"""
from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure

from trainsim_analysis.compare import compare
from trainsim_analysis.plots import timeline
from trainsim_analysis.trace import Run, load

#: Environment variable naming the directory that holds the traces the notebooks read.
TRACE_DIR_ENV = "TRAINSIM_TRACE_DIR"
#: GPT-3 175B on 1,024 GPUs of each kind, as written by `trainsim run scenarios/<name>.yaml -o`.
COMPARISON_TRACES = ("gpt3-175b-a100-1024.h5", "gpt3-175b-a800-1024.h5", "gpt3-175b-h800-1024.h5")


def trace_dir(env: str = TRACE_DIR_ENV) -> Path:
    """The trace directory named by environment variable `env`; FileNotFoundError if unset or absent."""
    value = os.environ.get(env)
    if not value:
        raise FileNotFoundError(
            f"environment variable {env} is not set: point it at a directory of traces made by "
            f"`trainsim run scenarios/NAME.yaml -o DIR/NAME.h5` (ctest's make_traces writes "
            f"build/traces)")
    d = Path(value)
    if not d.is_dir():
        raise FileNotFoundError(f"{env}={value}: no such directory")
    return d


def trace_path(name: str, directory: str | os.PathLike[str] | None = None) -> Path:
    """DIR/name, where DIR defaults to trace_dir(); FileNotFoundError naming the file if absent."""
    p = (trace_dir() if directory is None else Path(directory)) / name
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such trace (make it with `trainsim run "
                                f"scenarios/{Path(name).stem}.yaml -o {p}`)")
    return p


def load_comparison(directory: str | os.PathLike[str] | None = None) -> list[Run]:
    """The A100, A800 and H800 runs of GPT-3 175B (COMPARISON_TRACES), loaded, in that order."""
    paths = [trace_path(n, directory) for n in COMPARISON_TRACES]   # check all before loading any
    return [load(p) for p in paths]


def new_figure(width: float = 10.0, height: float = 4.0) -> Figure:
    """A figure not registered with pyplot, so scripts and tests leak no open figures."""
    return Figure(figsize=(width, height), layout="constrained")


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Writes `fig` as PNG (or the format the suffix names), creating the directory."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=dpi)
    return p


def readme_figures(directory: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> list[Path]:
    """timeline.png (one iteration of the A100 run) and compare.png (A100 / A800 / H800)."""
    runs = load_comparison(directory)
    fig = new_figure(11, 4.5)
    timeline(runs[0], fig.add_subplot())
    written = [save_figure(fig, Path(out_dir) / "timeline.png")]
    fig = new_figure(12, 4)
    compare(runs, fig.subplots(1, 3))
    written.append(save_figure(fig, Path(out_dir) / "compare.png"))
    return written
