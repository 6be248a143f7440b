"""Bad inputs fail with the file's name and the problem, not a KeyError from deep inside."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

import tracefactory
import trainsim_analysis as ta


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.h5"):
        ta.load(tmp_path / "nope.h5")


def test_a_file_that_is_not_hdf5_is_not_a_trace(tmp_path):
    p = tmp_path / "notes.h5"
    p.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.h5: not a trainsim trace \(not an HDF5 file"):
        ta.load(p)


def test_an_hdf5_file_without_schema_version_is_not_a_trace(tmp_path):
    p = tmp_path / "other.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("x", data=np.arange(3))
    with pytest.raises(ValueError, match=r"other\.h5: not a trainsim trace \(no root attribute 'schema_version'"):
        ta.load(p)


def test_an_unknown_schema_version_is_refused(tmp_path):
    p = tracefactory.write_trace(tmp_path / "future.h5", tracefactory.Spec(schema_version=2))
    with pytest.raises(ValueError, match=r"future\.h5: trace schema_version 2 is not supported.*reads 1"):
        ta.load(p)


@pytest.mark.parametrize("missing, message", [
    ("events", "no dataset '/events'"),
    ("power", "no group '/power'"),
    ("links", "no group '/links'"),
    ("summary", "no group '/summary'"),
])
def test_a_trace_missing_a_part_names_it(tmp_path, missing, message):
    p = tracefactory.write_trace(tmp_path / "cut.h5")
    with h5py.File(p, "a") as f:
        del f[missing]
    with pytest.raises(ValueError, match=rf"cut\.h5: not a complete trainsim trace: {message}"):
        ta.load(p)


def test_summary_json_must_be_json(tmp_path):
    p = tracefactory.write_trace(tmp_path / "bad-json.h5")
    with h5py.File(p, "a") as f:
        f["summary"].attrs["json"] = "{not json"
    with pytest.raises(ValueError, match=r"bad-json\.h5: /summary attribute 'json' is not JSON"):
        ta.load(p)


def test_kind_must_be_an_hdf5_enum(tmp_path):
    p = tracefactory.write_trace(tmp_path / "plain-kind.h5")
    with h5py.File(p, "a") as f:
        ev = f["events"][()]
        plain = np.dtype([(n, "u1" if n == "kind" else ev.dtype[n]) for n in ev.dtype.names])
        del f["events"]
        f.create_dataset("events", data=ev.astype(plain))
    with pytest.raises(ValueError, match=r"plain-kind\.h5: .*'kind' is not an HDF5 enum"):
        ta.load(p)


def test_mismatched_power_shape_is_reported(tmp_path):
    p = tracefactory.write_trace(tmp_path / "short.h5")
    with h5py.File(p, "a") as f:
        w = f["power/node_watts"][()]
        del f["power/node_watts"]
        f["power"].create_dataset("node_watts", data=w[:-1])
    with pytest.raises(ValueError, match=r"short\.h5: .*node_watts has shape"):
        ta.load(p)


def test_trace_dir_needs_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("TRAINSIM_TRACE_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="TRAINSIM_TRACE_DIR is not set"):
        ta.trace_dir()
    monkeypatch.setenv("TRAINSIM_TRACE_DIR", str(tmp_path / "absent"))
    with pytest.raises(FileNotFoundError, match="absent: no such directory"):
        ta.trace_dir()
    monkeypatch.setenv("TRAINSIM_TRACE_DIR", str(tmp_path))
    assert ta.trace_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match="gpt3-175b-a100-1024.h5: no such trace"):
        ta.load_comparison()
