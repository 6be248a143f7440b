"""Writes small synthetic trainsim traces, following docs/trace-format.md (schema 1) to the letter.

Why a writer of our own: the Python side must be testable without the C++ simulator, and a test
that only round-trips the loader's own constants would not catch a misreading of the contract.
So this module deliberately imports nothing from trainsim_analysis: every name, type and shape
below is copied from docs/trace-format.md and docs/summary-format.md.

The run it describes is a toy GPipe-like schedule (all forwards, then all backwards) of a
data x tensor x pipeline job; timings are round numbers, not a model of anything.

Also a script, to make inputs for the notebooks without the simulator:
    /usr/bin/python3 analysis/tests/tracefactory.py OUT_DIR     # the three gpt3-175b-*.h5 files
"""
from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

# docs/trace-format.md, "event_kind"
EVENT_KIND = {
    "forward": 0, "backward": 1, "tp_comm": 2, "pp_send": 3, "pp_wait": 4,
    "dp_reduce": 5, "dp_gather": 6, "optimizer": 7, "checkpoint": 8,
}
LINK_CLASSES = ["nvlink", "pcie", "access", "uplink"]


@dataclass
class Spec:
    """What to put in a synthetic trace; defaults make a 16-GPU, 2-iteration run."""

    scenario: str = "synthetic-gpt"
    platform: str = "synthetic-platform"
    gpu: str = "A100-SXM4-80GB"
    data: int = 2
    tensor: int = 2
    pipeline: int = 4
    microbatches: int = 4
    iterations: int = 2            # simulated in detail
    run_iterations: int = 1000     # of the whole run, for time_to_train_s
    gpus_per_node: int = 4
    forward_s: float = 1.0
    backward_s: float = 2.0
    tp_share: float = 0.2          # TP communication after each pass, as a fraction of it
    reduce_s: float = 0.5
    optimizer_s: float = 0.1
    interval_s: float = 0.25
    pue: float = 1.1
    per_gpu_power: bool = False
    currency: str | None = "USD"   # None: the platform has no costs section ("cost": null)
    cost_total: float = 2.5e6
    energy_scale: float = 1.0      # to make runs of a comparison differ
    seed: int = 1
    schema_version: int = 1
    extra_attrs: dict = field(default_factory=dict)

    @property
    def gpus(self) -> int:
        return self.data * self.tensor * self.pipeline

    @property
    def nodes(self) -> int:
        return math.ceil(self.gpus / self.gpus_per_node)


def rank_of(spec: Spec, stage: int, replica: int, tensor_rank: int = 0) -> int:
    """Megatron order, docs/trace-format.md: (stage x data + replica) x tensor + tensor_rank."""
    return (stage * spec.data + replica) * spec.tensor + tensor_rank


def _events(spec: Spec) -> tuple[list[tuple], float]:
    """Event rows (rank, node, kind, start, end, flops, bytes, stage, microbatch, chunk, iteration)
    for tensor rank 0 of every stage and replica, and the iteration length."""
    f, b = spec.forward_s, spec.backward_s
    tf, tb = f * spec.tp_share, b * spec.tp_share
    m, p = spec.microbatches, spec.pipeline
    fwd_end = (m + p - 1) * (f + tf)                    # the last stage's last forward ends
    length = fwd_end + (m + p - 1) * (b + tb) + spec.reduce_s + spec.optimizer_s
    rows: list[tuple] = []
    for it in range(spec.iterations):
        t0 = it * length
        for s in range(p):
            for r in range(spec.data):
                rank = rank_of(spec, s, r)
                node = rank // spec.gpus_per_node

                def add(kind: str, start: float, end: float, flops: float = 0.0, nbytes: float = 0.0,
                        mb: int = -1) -> None:
                    rows.append((rank, node, EVENT_KIND[kind], t0 + start, t0 + end, flops, nbytes,
                                 s, mb, 0, it))

                if s > 0:
                    add("pp_wait", 0.0, s * (f + tf))
                for i in range(m):
                    st = (i + s) * (f + tf)
                    add("forward", st, st + f, flops=1e15, mb=i)
                    add("tp_comm", st + f, st + f + tf, nbytes=1e8, mb=i)
                    if s + 1 < p:
                        add("pp_send", st + f + tf, st + f + tf + 0.05, nbytes=5e7, mb=i)
                last_fwd = (m - 1 + s) * (f + tf) + f + tf
                first_bwd = fwd_end + (p - 1 - s) * (b + tb)
                if first_bwd > last_fwd:
                    add("pp_wait", last_fwd, first_bwd)
                for i in range(m):
                    st = first_bwd + i * (b + tb)
                    add("backward", st, st + b, flops=2e15, mb=i)
                    add("tp_comm", st + b, st + b + tb, nbytes=1e8, mb=i)
                bwd_end = first_bwd + m * (b + tb)
                add("dp_reduce", bwd_end, bwd_end + spec.reduce_s, nbytes=1e9)
                opt_end = bwd_end + spec.reduce_s + spec.optimizer_s
                add("optimizer", bwd_end + spec.reduce_s, opt_end, flops=1e12)
                if opt_end < length - 1e-12:
                    add("pp_wait", opt_end, length)       # the end-of-iteration barrier
    return rows, length


def _events_array(spec: Spec, rows: list[tuple]) -> np.ndarray:
    kind = h5py.enum_dtype(EVENT_KIND, basetype=np.uint8)
    dtype = np.dtype([
        ("rank", "<i4"), ("node", "<i4"), ("kind", kind), ("start", "<f8"), ("end", "<f8"),
        ("flops", "<f8"), ("bytes", "<f8"), ("stage", "<i4"), ("microbatch", "<i4"),
        ("chunk", "<i4"), ("iteration", "<i4"),
    ])
    arr = np.array(rows, dtype=dtype) if rows else np.zeros(0, dtype=dtype)
    order = np.lexsort((arr["rank"], arr["start"]))   # sorted by start, then rank
    return arr[order]


def _busy(arr: np.ndarray, kinds: list[str], time: np.ndarray, interval: float, columns: int,
          column_of_rank) -> np.ndarray:
    """Fraction of each interval (ending at `time`) each column spends in `kinds`."""
    out = np.zeros((len(time), columns))
    codes = [EVENT_KIND[k] for k in kinds]
    for e in arr[np.isin(arr["kind"], codes)]:
        lo = time - interval
        overlap = np.clip(np.minimum(time, e["end"]) - np.maximum(lo, e["start"]), 0, None)
        out[:, column_of_rank(int(e["rank"]))] += overlap / interval
    return np.clip(out, 0, 1)


def write_trace(path: str | Path, spec: Spec | None = None) -> Path:
    """Writes a complete schema-1 trace for `spec` to `path` and returns the path."""
    spec = spec or Spec()
    path = Path(path)
    rows, length = _events(spec)
    arr = _events_array(spec, rows)
    total = spec.iterations * length
    n_samples = max(1, math.ceil(total / spec.interval_s))
    time = spec.interval_s * np.arange(1, n_samples + 1)

    compute = _busy(arr, ["forward", "backward", "optimizer"], time, spec.interval_s, spec.gpus,
                    lambda r: r)
    # Tensor ranks other than 0 do the same work (tensor_symmetry): copy rank 0's activity.
    for r0 in range(0, spec.gpus, spec.tensor):
        compute[:, r0 + 1:r0 + spec.tensor] = compute[:, [r0]]
    gpu_watts = (60.0 + 340.0 * compute) * spec.energy_scale
    node_watts = np.zeros((len(time), spec.nodes))
    for g in range(spec.gpus):
        node_watts[:, g // spec.gpus_per_node] += gpu_watts[:, g]
    node_watts += 1500.0

    tp = _busy(arr, ["tp_comm"], time, spec.interval_s, 1, lambda r: 0) / max(1, spec.data * spec.pipeline)
    dp = _busy(arr, ["dp_reduce"], time, spec.interval_s, 1, lambda r: 0) / max(1, spec.data * spec.pipeline)
    pp = _busy(arr, ["pp_send"], time, spec.interval_s, 1, lambda r: 0) / max(1, spec.data * spec.pipeline)
    util = np.hstack([tp * 0.8, tp * 0.05, dp * 0.9 + pp * 0.1, dp * 0.6])

    it_energy = float(node_watts.sum() * spec.interval_s) * spec.run_iterations / spec.iterations
    energy = {"gpu": it_energy * 0.7, "node": it_energy * 0.3, "network": None,
              "facility": it_energy * (spec.pue - 1), "total": it_energy * spec.pue}
    summary = {
        "schema_version": 1, "scenario": spec.scenario, "platform": spec.platform, "gpu": spec.gpu,
        "gpus": spec.gpus, "iteration_time_s": length,
        "iteration_breakdown_s": {"compute": length * 0.7, "tp_comm": length * 0.15,
                                  "pipeline_wait": length * 0.1, "dp_exposed": length * 0.04,
                                  "optimizer": length * 0.01},
        "tokens_per_s": 2048 * 64 / length, "model_flops_per_gpu": 1.3e14,
        "hardware_flops_per_gpu": 1.7e14, "mfu": 0.42, "iterations": spec.run_iterations,
        "simulated_iterations": spec.iterations, "time_to_train_s": spec.run_iterations * length,
        "memory_per_gpu_bytes": 5.5e10,
        "memory_breakdown_bytes": {"weights": 1e10, "gradients": 1e10, "optimizer": 3e10,
                                   "activations": 3e9, "reserved": 2e9},
        "energy_j": energy, "average_it_power_w": float(node_watts.sum(axis=1).mean()),
        "peak_it_power_w": float(node_watts.sum(axis=1).max()),
        "cost": None if spec.currency is None else {
            "currency": spec.currency, "mode": "ownership", "gpus": spec.cost_total * 0.5,
            "servers": spec.cost_total * 0.2, "network": spec.cost_total * 0.1, "building": spec.cost_total * 0.1,
            "electricity": spec.cost_total * 0.1, "cloud_rental": 0.0, "total": spec.cost_total},
        "carbon_kg": energy["total"] * 4e-7, "simulation_wall_time_s": 0.01,
        "assumptions": ["synthetic trace for tests"],
    }
    scenario_yaml = (f"name: {spec.scenario}\nplatform:\n  file: ../platforms/{spec.platform}.yaml\n"
                     f"model: gpt3-175b\nparallel:\n  data: {spec.data}\n  tensor: {spec.tensor}\n"
                     f"  pipeline: {spec.pipeline}\ntraining:\n  iterations: {spec.run_iterations}\n"
                     f"  seed: {spec.seed}\n")
    platform_yaml = (f"name: {spec.platform}\ngpu: {spec.gpu}\nnodes: {spec.nodes}\n"
                     f"node:\n  gpus: {spec.gpus_per_node}\n")

    with h5py.File(path, "w") as f:
        a = f.attrs
        a["schema_version"] = np.int64(spec.schema_version)
        a["trainsim_version"] = "0.1.0"
        a["created"] = "2024-01-01T00:00:00Z"
        a["seed"] = np.int64(spec.seed)
        a["scenario_name"] = spec.scenario
        a["platform_name"] = spec.platform
        a["scenario_yaml"] = scenario_yaml
        a["platform_yaml"] = platform_yaml
        a["tensor_symmetry"] = np.int64(spec.tensor)
        for k, v in spec.extra_attrs.items():
            a[k] = v

        s = f.create_group("summary")
        s.attrs["json"] = json.dumps(summary, indent=2)
        for k in ("iteration_time_s", "tokens_per_s", "mfu", "time_to_train_s", "carbon_kg",
                  "memory_per_gpu_bytes"):
            s.attrs[k] = np.float64(summary[k])
        s.attrs["gpus"] = np.int64(spec.gpus)
        s.attrs["iterations"] = np.int64(spec.run_iterations)

        f.create_dataset("events", data=arr, maxshape=(None,), chunks=(65536,),
                         shuffle=True, compression="gzip", compression_opts=4)

        pw = f.create_group("power")
        pw.attrs["interval_s"] = np.float64(spec.interval_s)
        pw.attrs["pue"] = np.float64(spec.pue)
        pw.create_dataset("time", data=time.astype("<f8"))
        pw.create_dataset("node_watts", data=node_watts.astype("<f4"))
        if spec.per_gpu_power:
            pw.create_dataset("gpu_watts", data=gpu_watts.astype("<f4"))

        ln = f.create_group("links")
        ln.create_dataset("time", data=time.astype("<f8"))
        ln.create_dataset("utilization", data=util.astype("<f4"))
        ln.create_dataset("classes", data=LINK_CLASSES, dtype=h5py.string_dtype("utf-8"))
        gbps = np.array([600e9, 64e9, 25e9, 25e9]) * spec.gpus
        ln.create_dataset("capacity_bytes_per_s", data=gbps.astype("<f8"))
    return path


# The three runs the notebooks compare; figures are invented, only their shape matters.
COMPARISON = {
    "gpt3-175b-a100-1024.h5": Spec(scenario="gpt3-175b-a100-1024", platform="dgx-a100-1024",
                                   gpu="A100-SXM4-80GB", currency="USD", cost_total=2.6e6),
    "gpt3-175b-a800-1024.h5": Spec(scenario="gpt3-175b-a800-1024", platform="dgx-a800-1024",
                                   gpu="A800-SXM4-80GB", currency="CNY", cost_total=1.9e7,
                                   tp_share=0.3, energy_scale=1.03),
    "gpt3-175b-h800-1024.h5": Spec(scenario="gpt3-175b-h800-1024", platform="h800-1024",
                                   gpu="H800-SXM5-80GB", currency="CNY", cost_total=2.4e7,
                                   forward_s=0.4, backward_s=0.8, energy_scale=1.6),
}


def write_comparison(directory: str | Path) -> list[Path]:
    """Writes the three traces the notebooks expect into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [write_trace(directory / name, spec) for name, spec in COMPARISON.items()]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: tracefactory.py OUT_DIR")
    for p in write_comparison(sys.argv[1]):
        print(p)
