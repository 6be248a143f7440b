"""Plot helpers draw into the given ax, return it, label it, and never open a window."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h5py
import matplotlib.pyplot as plt
import numpy as np
import pytest

import tracefactory
import trainsim_analysis as ta

SPEC = tracefactory.Spec()


@pytest.fixture
def ax():
    fig = ta.new_figure()
    return fig.add_subplot()


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """The package must not create pyplot figures (they leak in scripts and notebooks)."""
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


def _labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_timeline_draws_one_pipeline_by_default(run, ax):
    assert ta.timeline(run, ax) is ax
    assert len(ax.get_yticks()) == SPEC.pipeline                 # replica 0 of each stage
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "0 (stage 0)"
    assert ax.get_xlabel() == "time since the start of iteration 1 (s)"
    assert ax.get_ylabel() and "iteration 1" in ax.get_title()
    assert set(_labels(ax)) == {"forward", "backward", "tp_comm", "pp_wait", "dp_reduce", "optimizer"}
    forward = next(c for c in ax.collections if c.get_label() == "forward")
    assert len(forward.get_paths()) == SPEC.pipeline * SPEC.microbatches
    # time is relative to the iteration: the axis spans one iteration, not the whole run
    assert ax.get_xlim()[1] == pytest.approx(run.summary["iteration_time_s"])


def test_timeline_of_every_rank_or_chosen_ranks(run, ax):
    ta.timeline(run, ax, iteration=0, ranks="all")
    assert len(ax.get_yticks()) == SPEC.pipeline * SPEC.data
    ax.clear()
    ta.timeline(run, ax, ranks=[2, 6], legend=False)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2 (stage 0)", "6 (stage 1)"]
    assert ax.get_legend() is None


def test_timeline_refuses_ranks_that_are_not_recorded(run, ax):
    with pytest.raises(ValueError, match=r"ranks \[1\] have no events"):
        ta.timeline(run, ax, ranks=[0, 1])           # rank 1 is tensor rank 1
    with pytest.raises(ValueError, match="'some'"):
        ta.timeline(run, ax, ranks="some")


def test_timeline_draws_overlapped_reductions_thin(tmp_path, ax):
    """A dp_reduce that overlaps backward is drawn in the lower part of the lane, so the
    backward pass under it stays visible; a non-overlapped one fills the lane."""
    p = tracefactory.write_trace(tmp_path / "overlap.h5")
    with h5py.File(p, "a") as f:
        ev = f["events"][()]
        dp = ev["kind"] == tracefactory.EVENT_KIND["dp_reduce"]
        ev["start"][dp] -= 1.5                       # now overlaps the last backward's tail
        f["events"][...] = ev
    run = ta.load(p)
    ta.timeline(run, ax)
    dp_coll = next(c for c in ax.collections if c.get_label() == "dp_reduce")
    heights = [np.ptp(path.vertices[:, 1]) for path in dp_coll.get_paths()]
    assert heights == pytest.approx([0.35 * 0.8] * SPEC.pipeline)


def test_power_draws_total_it_power(run, ax):
    assert ta.power(run, ax) is ax
    (line,) = ax.get_lines()
    total = run.power.groupby("time")["watts"].sum()
    np.testing.assert_allclose(line.get_ydata() * 1e3, total.to_numpy(), rtol=1e-6)  # kW
    assert ax.get_ylabel() == "power (kW)"
    assert ax.get_xlabel() == "simulated time (s)"


def test_power_per_node_and_facility(run, ax):
    ta.power(run, ax, per_node=True, facility=True)
    assert len(ax.get_lines()) == SPEC.nodes + 2
    assert set(_labels(ax)) == {"per node", "IT total", f"facility (PUE {SPEC.pue:g})"}


def test_links_draws_one_line_per_class_in_percent(run, ax):
    assert ta.links(run, ax) is ax
    assert _labels(ax) == tracefactory.LINK_CLASSES
    assert ax.get_ylabel() == "utilisation (% of capacity)"
    assert max(line.get_ydata().max() for line in ax.get_lines()) <= 100.0
    ax.clear()
    ta.links(run, ax, classes=["nvlink"])
    assert len(ax.get_lines()) == 1
    with pytest.raises(ValueError, match="no link class 'infiniband'"):
        ta.links(run, ax, classes=["infiniband"])


def test_compare_draws_three_bar_panels(comparison_dir):
    runs = ta.load_comparison(comparison_dir)
    axes = ta.new_figure(12, 4).subplots(1, 3)
    assert ta.compare(runs, axes) is axes
    for a in axes:
        assert len(a.patches) == 3
        assert [t.get_text() for t in a.get_xticklabels()] == [r.name for r in runs]
    days, mwh, _ = axes
    assert days.get_ylabel() == "days" and mwh.get_ylabel() == "MWh (facility)"
    assert days.patches[0].get_height() == pytest.approx(runs[0].summary["time_to_train_s"] / 86400)
    assert mwh.patches[2].get_height() == pytest.approx(runs[2].summary["energy_j"]["total"] / 3.6e9)


def test_compare_says_when_currencies_differ(comparison_dir):
    runs = ta.load_comparison(comparison_dir)               # USD, CNY, CNY
    axes = ta.new_figure(12, 4).subplots(1, 3)
    ta.compare(runs, axes)
    assert "currencies differ: CNY, USD" in axes[2].get_title()
    assert "not converted" in axes[2].get_title()
    texts = [t.get_text() for t in axes[2].texts]
    assert texts[0].endswith("M USD") and texts[1].endswith("M CNY")


def test_compare_in_one_currency_labels_the_axis(comparison_dir, tmp_path):
    runs = ta.load_comparison(comparison_dir)[1:]           # both CNY
    free = ta.load(tracefactory.write_trace(tmp_path / "f.h5", tracefactory.Spec(currency=None)))
    axes = ta.new_figure(12, 4).subplots(1, 3)
    ta.compare([*runs, free], axes)
    assert axes[2].get_ylabel() == "cost (M CNY)"
    assert axes[2].get_title() == "cost"
    assert [t.get_text() for t in axes[2].texts][-1] == "n/a"


def test_compare_needs_three_axes_and_a_run(run):
    with pytest.raises(ValueError, match="three panels"):
        ta.compare([run], [ta.new_figure().add_subplot()])
    with pytest.raises(ValueError, match="at least one run"):
        ta.compare([], ta.new_figure().subplots(1, 3))


def test_save_figure_writes_a_png(run, tmp_path):
    fig = ta.new_figure()
    ta.timeline(run, fig.add_subplot())
    out = ta.save_figure(fig, tmp_path / "sub" / "t.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_make_readme_figures_script(comparison_dir, tmp_path):
    script = Path(__file__).resolve().parents[1] / "make_readme_figures.py"
    out = tmp_path / "figs"
    done = subprocess.run([sys.executable, str(script), str(comparison_dir), str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    for name in ("timeline.png", "compare.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    bad = subprocess.run([sys.executable, str(script), str(tmp_path / "none"), str(out)],
                         capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "no such trace" in bad.stderr
