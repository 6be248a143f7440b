"""load(): every part of a schema-1 trace becomes the documented Python object."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tracefactory
import trainsim_analysis as ta

SPEC = tracefactory.Spec()


def test_summary_is_the_parsed_json(run):
    assert run.summary["schema_version"] == 1
    assert run.summary["gpus"] == SPEC.gpus
    assert run.summary["cost"]["currency"] == "USD"
    assert run.summary["energy_j"]["total"] > 0


def test_root_attributes_are_plain_python_values(run):
    assert run.attrs["schema_version"] == 1 and isinstance(run.attrs["schema_version"], int)
    assert run.attrs["tensor_symmetry"] == SPEC.tensor
    assert isinstance(run.attrs["scenario_yaml"], str)
    assert run.tensor_symmetry == SPEC.tensor


def test_scenario_and_platform_yaml_are_parsed(run):
    assert run.scenario["name"] == SPEC.scenario
    assert run.scenario["parallel"] == {"data": 2, "tensor": 2, "pipeline": 4}
    assert run.platform["name"] == SPEC.platform


def test_name_defaults_to_the_scenario_and_can_be_overridden(trace_file):
    assert ta.load(trace_file).name == SPEC.scenario
    assert ta.load(trace_file, name="baseline").name == "baseline"
    assert ta.load(str(trace_file)).path == trace_file


def test_event_kinds_are_names_from_the_hdf5_enum(run):
    ev = run.events
    assert isinstance(ev["kind"].dtype, pd.CategoricalDtype)
    # categories in enum value order (docs/trace-format.md table)
    assert list(ev["kind"].cat.categories) == list(tracefactory.EVENT_KIND)
    assert set(ev["kind"].unique()) == {"forward", "backward", "tp_comm", "pp_send", "pp_wait",
                                        "dp_reduce", "optimizer"}


def test_events_have_every_column_and_a_duration(run):
    ev = run.events
    for c in ["rank", "node", "kind", "start", "end", "flops", "bytes", "stage", "microbatch",
              "chunk", "iteration", "duration"]:
        assert c in ev.columns
    np.testing.assert_allclose(ev["duration"], ev["end"] - ev["start"])
    fwd = ev[ev["kind"] == "forward"]
    np.testing.assert_allclose(fwd["duration"], SPEC.forward_s)
    # sorted by start, then rank, as the file is
    assert ev[["start", "rank"]].apply(tuple, axis=1).is_monotonic_increasing


def test_only_tensor_rank_0_is_recorded(run):
    assert (run.events["rank"] % SPEC.tensor == 0).all()


def test_power_is_tidy_time_node_watts(run):
    p = run.power
    assert list(p.columns) == ["time", "node", "watts"]
    assert p["node"].nunique() == SPEC.nodes
    assert len(p) == p["time"].nunique() * SPEC.nodes
    assert run.power_interval_s == SPEC.interval_s and run.pue == SPEC.pue
    assert run.gpu_power is None


def test_gpu_power_is_read_when_present(tmp_path):
    r = ta.load(tracefactory.write_trace(tmp_path / "g.h5", tracefactory.Spec(per_gpu_power=True)))
    assert list(r.gpu_power.columns) == ["time", "gpu", "watts"]
    assert r.gpu_power["gpu"].nunique() == SPEC.gpus
    # node power is its GPUs plus 1,500 W of non-GPU power in the synthetic trace
    t = r.power["time"].iloc[0]
    node0 = r.power[(r.power["time"] == t) & (r.power["node"] == 0)]["watts"].item()
    gpus0 = r.gpu_power[(r.gpu_power["time"] == t) & (r.gpu_power["gpu"] < SPEC.gpus_per_node)]
    assert node0 == pytest.approx(gpus0["watts"].sum() + 1500.0, rel=1e-6)


def test_links_are_tidy_time_class_utilization(run):
    ln = run.links
    assert list(ln.columns) == ["time", "link_class", "utilization"]
    assert list(ln["link_class"].cat.categories) == tracefactory.LINK_CLASSES
    assert ln["utilization"].between(0, 1).all()
    assert set(run.link_capacity) == set(tracefactory.LINK_CLASSES)


def test_iterations_and_iteration_events(run):
    assert run.iterations == [0, 1]
    last = ta.iteration_events(run)
    assert set(last["iteration"]) == {1}
    assert set(ta.iteration_events(run, 0)["iteration"]) == {0}
    assert set(ta.iteration_events(run, -2)["iteration"]) == {0}
    with pytest.raises(IndexError):
        ta.iteration_events(run, 5)
    with pytest.raises(IndexError):
        ta.iteration_events(run, -3)


def test_busy_time_adds_each_kind_per_rank(run):
    b = ta.busy_time(run)
    assert list(b.index) == sorted(run.events["rank"].unique())
    # 4 micro-batches of 1 s forward and 2 s backward on every rank
    np.testing.assert_allclose(b["forward"], 4 * SPEC.forward_s)
    np.testing.assert_allclose(b["backward"], 4 * SPEC.backward_s)
    assert (b.dtypes == "float64").all()


def test_summary_table_has_days_mwh_and_cost(run, tmp_path):
    free = ta.load(tracefactory.write_trace(tmp_path / "free.h5", tracefactory.Spec(currency=None)),
                   name="no-cost")
    t = ta.summary_table([run, free])
    assert list(t.index) == [SPEC.scenario, "no-cost"]
    s = run.summary
    assert t.loc[SPEC.scenario, "time_to_train_days"] == pytest.approx(s["time_to_train_s"] / 86400)
    assert t.loc[SPEC.scenario, "energy_MWh"] == pytest.approx(s["energy_j"]["total"] / 3.6e9)
    assert t.loc[SPEC.scenario, "cost"] == SPEC.cost_total
    assert np.isnan(t.loc["no-cost", "cost"]) and t.loc["no-cost", "currency"] is None
    # the synthetic traces describe no failures: no figures with them
    assert np.isnan(t.loc[SPEC.scenario, "with_failures_days"]) and np.isnan(t.loc[SPEC.scenario, "goodput_%"])
