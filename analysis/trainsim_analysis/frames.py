"""HDF5 objects of a trace -> tidy pandas frames (docs/trace-format.md, schema 1).

Kept apart from trace.py so that the layout checks (what is a trace) and the conversions (how a
dataset becomes a frame) can change independently. Errors here are KeyError/ValueError with a
message naming the dataset; trace.load() adds the file name.
"""
from __future__ import annotations

from typing import Any

import h5py
import numpy as np
import pandas as pd

EVENT_COLUMNS = ["rank", "node", "kind", "start", "end", "flops", "bytes", "stage", "microbatch",
                 "chunk", "iteration"]


def attr_value(value: Any) -> Any:
    """An HDF5 attribute as a plain Python value: str for strings (variable or fixed length),
    int/float for scalars, so that users never see numpy bytes or 0-d arrays."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _strings(ds: h5py.Dataset) -> list[str]:
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in ds[()]]


def kind_names(ds: h5py.Dataset) -> dict[int, str]:
    """value -> name of the `kind` enum, read from the file's own HDF5 enum type (so a writer
    that adds a kind is read correctly without changing this package)."""
    if ds.dtype.names is None or "kind" not in ds.dtype.names:
        raise ValueError("/events has no 'kind' column")
    mapping = h5py.check_enum_dtype(ds.dtype.fields["kind"][0])
    if mapping is None:
        raise ValueError("/events column 'kind' is not an HDF5 enum (expected enum event_kind)")
    return {int(v): str(k) for k, v in mapping.items()}


def read_events(ds: h5py.Dataset) -> pd.DataFrame:
    """The events table with `kind` as an ordered categorical of enum names (ordered by value)
    and a `duration` column (end - start, seconds)."""
    names = kind_names(ds)
    missing = [c for c in EVENT_COLUMNS if c not in ds.dtype.names]
    if missing:
        raise ValueError(f"/events has no column(s) {', '.join(missing)}")
    raw = ds[()]
    df = pd.DataFrame({c: raw[c] for c in EVENT_COLUMNS if c != "kind"})
    codes = np.asarray(raw["kind"]).astype(np.int64)
    unknown = sorted(set(np.unique(codes).tolist()) - set(names))
    if unknown:
        raise ValueError(f"/events kind values {unknown} are not in the file's enum")
    values = sorted(names)
    # enum value -> position among the categories (ordered by value), then one vectorised lookup
    position = np.searchsorted(np.asarray(values, dtype=np.int64), codes)
    df.insert(2, "kind", pd.Categorical.from_codes(position, categories=[names[v] for v in values]))
    df["duration"] = df["end"] - df["start"]
    return df


def _tidy(time: np.ndarray, values: np.ndarray, column: str, labels: list[Any],
          value_name: str) -> pd.DataFrame:
    """(T, K) matrix -> long frame (time, column, value), time-major."""
    t, k = values.shape
    return pd.DataFrame({
        "time": np.repeat(time, k),
        column: np.tile(np.asarray(labels), t),
        value_name: values.reshape(-1).astype(np.float64),
    })


def _matrix(group: h5py.Group, name: str, time: np.ndarray) -> np.ndarray:
    ds = group[name]
    values = ds[()]
    if values.ndim != 2 or values.shape[0] != len(time):
        raise ValueError(f"{ds.name} has shape {values.shape}, expected (T={len(time)}, ...)")
    return values


def read_power(group: h5py.Group) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(time, node, watts) from node_watts, and (time, gpu, watts) from gpu_watts if present.
    Column j of node_watts is taken to be node j (the contract lists no node ids)."""
    time = group["time"][()]
    node = _matrix(group, "node_watts", time)
    power = _tidy(time, node, "node", list(range(node.shape[1])), "watts")
    gpu = None
    if "gpu_watts" in group:
        g = _matrix(group, "gpu_watts", time)
        gpu = _tidy(time, g, "gpu", list(range(g.shape[1])), "watts")
    return power, gpu


def read_links(group: h5py.Group) -> tuple[pd.DataFrame, dict[str, float]]:
    """(time, link_class, utilization), and each class's capacity in bytes/s (both directions)."""
    time = group["time"][()]
    classes = _strings(group["classes"])
    util = _matrix(group, "utilization", time)
    if util.shape[1] != len(classes):
        raise ValueError(f"/links/utilization has {util.shape[1]} columns for {len(classes)} classes")
    links = _tidy(time, util, "link_class", classes, "utilization")
    links["link_class"] = pd.Categorical(links["link_class"], categories=classes)
    capacity: dict[str, float] = {}
    if "capacity_bytes_per_s" in group:
        capacity = dict(zip(classes, (float(c) for c in group["capacity_bytes_per_s"][()])))
    return links, capacity
