"""Reading a trainsim HDF5 trace (docs/trace-format.md) into a `Run`.

Why eager pandas frames: a 1,024-GPU run records tensor rank 0 only (a few hundred thousand
events, a few thousand power samples), which loads in well under a second; frames let every
plot and notebook be a one-liner. The HDF5 layout is checked here, once, so that a wrong or newer
file fails with the file's name and the problem instead of a KeyError deep in a plot.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd
import yaml

from trainsim_analysis import frames

#: Trace schema versions this package understands (root attribute `schema_version`).
KNOWN_SCHEMA_VERSIONS = frozenset({1})

_REQUIRED = {
    "summary": ("group", ["json"]),
    "events": ("dataset", []),
    "power": ("group", ["interval_s"]),
    "links": ("group", []),
}


@dataclass
class Run:
    """One simulated run, as recorded in its trace.

    events: one row per activity (tensor rank 0 of every stage and replica, see
    `tensor_symmetry`), `kind` a categorical of the file's enum names, plus `duration` (s).
    power: tidy (time, node, watts) of node IT power; gpu_power: (time, gpu, watts) when the run
    was made with --power-per-gpu, else None. links: tidy (time, link_class, utilization).
    """

    path: Path
    name: str
    attrs: dict[str, Any]
    summary: dict[str, Any]
    scenario: dict[str, Any]
    platform: dict[str, Any]
    events: pd.DataFrame
    power: pd.DataFrame
    links: pd.DataFrame
    gpu_power: pd.DataFrame | None = None
    power_interval_s: float = 0.0
    pue: float = 1.0
    link_capacity: dict[str, float] = field(default_factory=dict)

    @property
    def tensor_symmetry(self) -> int:
        """Tensor-parallel degree t: each recorded rank stands for t GPUs doing the same work."""
        return int(self.attrs.get("tensor_symmetry", 1))

    @property
    def iterations(self) -> list[int]:
        """The simulated iterations present in the events, in order."""
        return sorted(int(i) for i in self.events["iteration"].unique())

    def __repr__(self) -> str:
        return (f"Run({self.name!r}, {self.summary.get('gpus', '?')} GPUs, {len(self.events)} events, "
                f"{self.power['time'].nunique()} power samples, path={str(self.path)!r})")


def _fail(path: Path, problem: str) -> ValueError:
    return ValueError(f"{path}: {problem}")


def _check_layout(path: Path, f: h5py.File) -> int:
    """Raises ValueError naming `path` unless `f` is a trace of a known schema; returns the version."""
    if "schema_version" not in f.attrs:
        raise _fail(path, "not a trainsim trace (no root attribute 'schema_version'; "
                          "see docs/trace-format.md)")
    try:
        version = int(np.asarray(f.attrs["schema_version"]).item())
    except (TypeError, ValueError):
        raise _fail(path, f"schema_version is {f.attrs['schema_version']!r}, expected an integer") from None
    if version not in KNOWN_SCHEMA_VERSIONS:
        known = ", ".join(str(v) for v in sorted(KNOWN_SCHEMA_VERSIONS))
        raise _fail(path, f"trace schema_version {version} is not supported by this trainsim_analysis "
                          f"(it reads {known}); update analysis/ to match the simulator")
    for name, (what, attrs) in _REQUIRED.items():
        obj = f.get(name)
        cls = h5py.Group if what == "group" else h5py.Dataset
        if not isinstance(obj, cls):
            raise _fail(path, f"not a complete trainsim trace: no {what} '/{name}'")
        for a in attrs:
            if a not in obj.attrs:
                raise _fail(path, f"not a complete trainsim trace: '/{name}' has no attribute '{a}'")
    return version


def _parse_yaml(path: Path, attrs: dict[str, Any], key: str) -> dict[str, Any]:
    text = attrs.get(key)
    if text is None:
        return {}
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise _fail(path, f"root attribute '{key}' is not valid YAML: {e}") from None
    return value if isinstance(value, dict) else {}


def load(path: str | os.PathLike[str], name: str | None = None) -> Run:
    """Reads the trace at `path`. `name` labels the run in plots (default: the scenario name).

    Raises FileNotFoundError if there is no such file, and ValueError (naming the file) if it is
    not a trainsim trace or has a schema version this package does not know.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such trace file")
    try:
        f = h5py.File(p, "r")
    except OSError as e:
        raise _fail(p, f"not a trainsim trace (not an HDF5 file: {e})") from None
    with f:
        _check_layout(p, f)
        attrs = {k: frames.attr_value(v) for k, v in f.attrs.items()}
        try:
            summary = json.loads(frames.attr_value(f["summary"].attrs["json"]))
        except (json.JSONDecodeError, TypeError) as e:
            raise _fail(p, f"/summary attribute 'json' is not JSON: {e}") from None
        try:
            events = frames.read_events(f["events"])
            power, gpu_power = frames.read_power(f["power"])
            links, capacity = frames.read_links(f["links"])
        except (KeyError, ValueError) as e:
            raise _fail(p, f"not a valid trainsim trace: {e}") from None
        return Run(
            path=p,
            name=name or str(attrs.get("scenario_name") or summary.get("scenario") or p.stem),
            attrs=attrs,
            summary=summary,
            scenario=_parse_yaml(p, attrs, "scenario_yaml"),
            platform=_parse_yaml(p, attrs, "platform_yaml"),
            events=events,
            power=power,
            links=links,
            gpu_power=gpu_power,
            power_interval_s=float(f["power"].attrs["interval_s"]),
            pue=float(f["power"].attrs.get("pue", 1.0)),
            link_capacity=capacity,
        )
