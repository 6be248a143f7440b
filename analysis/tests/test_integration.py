"""A trace written by the C++ simulator (`trainsim run SCENARIO -o FILE.h5`) meets the contract.

The path comes from TRAINSIM_TRACE (ctest sets it to build/traces/gpt3-175b-a100-1024.h5, made
by the make_traces fixture). Unset: skipped, so the unit tests run without the simulator. Set
but missing: a failure, because then the simulator did not write what it promised.

Everything checked here is stated in docs/trace-format.md or docs/summary-format.md; these
tests read the file with h5py directly as well as through load(), so a writer bug cannot hide
behind a lenient loader.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import h5py
import numpy as np
import pytest

import trainsim_analysis as ta

# docs/trace-format.md, "event_kind"
EVENT_KIND = {"forward": 0, "backward": 1, "tp_comm": 2, "pp_send": 3, "pp_wait": 4,
              "dp_reduce": 5, "dp_gather": 6, "optimizer": 7, "checkpoint": 8}
LINK_CLASSES = {"nvlink", "pcie", "access", "uplink"}
COMM_KINDS = ["tp_comm", "pp_send", "pp_wait", "dp_reduce", "dp_gather"]   # flops are 0
COMPUTE_KINDS = ["forward", "backward", "optimizer"]   # bytes are 0 (pp_wait: not stated)


@pytest.fixture(scope="module")
def path() -> Path:
    value = os.environ.get("TRAINSIM_TRACE")
    if value is None:
        pytest.skip("TRAINSIM_TRACE is not set (ctest sets it to a trace made by trainsim run)")
    p = Path(value)
    if not p.is_file():
        pytest.fail(f"TRAINSIM_TRACE={value}: no such file; `trainsim run SCENARIO -o {value}` "
                    f"should have written it")
    return p


@pytest.fixture(scope="module")
def h5(path):
    with h5py.File(path, "r") as f:
        yield f


@pytest.fixture(scope="module")
def run(path) -> ta.Run:
    return ta.load(path)


def test_root_attributes(run):
    a = run.attrs
    assert a["schema_version"] == 1
    assert isinstance(a["trainsim_version"], str) and a["trainsim_version"]
    datetime.fromisoformat(a["created"].replace("Z", "+00:00"))            # ISO 8601
    assert a["scenario_name"] == run.summary["scenario"] == run.scenario["name"]
    assert a["platform_name"] == run.summary["platform"]
    assert run.platform, "platform_yaml parses to a mapping"
    seed = run.scenario.get("training", {}).get("seed")
    if seed is not None:
        assert a["seed"] == seed
    tensor = run.scenario.get("parallel", {}).get("tensor")
    if tensor is not None:
        assert a["tensor_symmetry"] == tensor


def test_root_attribute_types(h5):
    for k in ("schema_version", "seed", "tensor_symmetry"):
        assert np.asarray(h5.attrs[k]).dtype == np.int64, k


def test_summary_attributes_copy_the_json(run, h5):
    s = h5["summary"].attrs
    for k in ("iteration_time_s", "tokens_per_s", "mfu", "time_to_train_s", "carbon_kg",
              "memory_per_gpu_bytes"):
        assert np.asarray(s[k]).dtype == np.float64, k
        assert float(s[k]) == pytest.approx(run.summary[k], rel=1e-12), k
    for k in ("gpus", "iterations"):
        assert np.asarray(s[k]).dtype == np.int64, k
        assert int(s[k]) == run.summary[k], k
    assert run.summary["schema_version"] == 1


def test_event_kind_enum_is_the_documented_one(h5):
    ds = h5["events"]
    assert ds.ndim == 1
    assert h5py.check_enum_dtype(ds.dtype.fields["kind"][0]) == EVENT_KIND
    assert ds.dtype.fields["kind"][0].itemsize == 1                       # uint8
    for c, t in [("rank", "<i4"), ("node", "<i4"), ("start", "<f8"), ("end", "<f8"),
                 ("flops", "<f8"), ("bytes", "<f8"), ("stage", "<i4"), ("microbatch", "<i4"),
                 ("chunk", "<i4"), ("iteration", "<i4")]:
        assert ds.dtype.fields[c][0] == np.dtype(t), c


def test_events_are_chunked_and_compressed(h5):
    ds = h5["events"]
    assert ds.chunks is not None and ds.chunks[0] <= 65536
    assert ds.compression == "gzip" and ds.shuffle


def test_events_are_sorted_and_well_formed(run):
    ev = run.events
    assert len(ev) > 0
    key = ev["start"].to_numpy(), ev["rank"].to_numpy()
    order = np.lexsort((key[1], key[0]))
    assert (order == np.arange(len(ev))).all(), "sorted by start, then rank"
    assert (ev["duration"] >= 0).all()
    assert (ev["start"] >= 0).all()
    assert ev["rank"].between(0, run.summary["gpus"] - 1).all()
    assert (ev["rank"] % run.tensor_symmetry == 0).all(), "tensor rank 0 only"
    assert (ev.groupby("rank")["node"].nunique() == 1).all(), "a GPU is on one node"
    assert (ev["microbatch"] >= -1).all() and (ev["chunk"] >= 0).all()


def test_flops_and_bytes_belong_to_their_kinds(run):
    ev = run.events
    assert (ev[ev["kind"].isin(COMM_KINDS)]["flops"] == 0).all()
    assert (ev[ev["kind"].isin(COMPUTE_KINDS)]["bytes"] == 0).all()
    assert (ev[ev["kind"].isin(["forward", "backward"])]["flops"] > 0).all()


def test_every_simulated_iteration_is_recorded(run):
    n = run.summary["simulated_iterations"]
    assert run.iterations == list(range(n))
    last = ta.iteration_events(run)
    recorded = set(run.events["rank"].unique())
    for kind in ("forward", "backward", "optimizer"):
        assert set(last[last["kind"] == kind]["rank"]) == recorded, kind
    # the reported iteration is the last one; its events fit in its length
    span = last["end"].max() - last["start"].min()
    assert span <= run.summary["iteration_time_s"] * (1 + 1e-9) + 1e-9


def test_power_series(run, h5):
    g = h5["power"]
    t = g["time"][()]
    assert g["node_watts"].dtype == np.float32
    assert g["node_watts"].shape[0] == len(t) > 0
    np.testing.assert_allclose(np.diff(t), g.attrs["interval_s"], rtol=1e-6)
    assert g.attrs["pue"] >= 1.0
    assert np.isfinite(run.power["watts"]).all() and (run.power["watts"] >= 0).all()
    if "gpu_watts" in g:
        assert g["gpu_watts"].dtype == np.float32 and g["gpu_watts"].shape[0] == len(t)


def test_link_series(run, h5):
    g = h5["links"]
    np.testing.assert_array_equal(g["time"][()], h5["power/time"][()])
    assert g["utilization"].dtype == np.float32
    assert set(run.link_capacity) <= LINK_CLASSES
    assert all(c > 0 for c in run.link_capacity.values())
    u = run.links["utilization"]
    assert np.isfinite(u).all() and u.between(0, 1 + 1e-6).all()


def test_every_plot_draws_the_real_trace(run, tmp_path):
    fig = ta.new_figure(12, 10)
    a, b, c = fig.subplots(3, 1)
    ta.timeline(run, a)
    ta.power(run, b, per_node=True, facility=True)
    ta.links(run, c)
    assert a.collections and b.get_lines() and c.get_lines()
    ta.save_figure(fig, tmp_path / "real.png")
    axes = ta.new_figure(12, 4).subplots(1, 3)
    ta.compare([run], axes)
    assert all(len(ax.patches) == 1 for ax in axes)


def test_summary_table_reads_the_failures_of_a_platform_that_describes_them(run):
    # dgx-a100-1024 has a reliability section (docs/reliability-model.md): the run with failures
    # is longer than without, and its goodput below 100%.
    t = ta.summary_table([run])
    row = t.iloc[0]
    assert row["with_failures_days"] > row["time_to_train_days"]
    assert 50 < row["goodput_%"] < 100
    assert row["goodput_%"] == pytest.approx(100 * row["time_to_train_days"] / row["with_failures_days"])
