"""Shared fixtures: the package from the source tree, the Agg backend, synthetic traces."""
from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: tests never open windows

ANALYSIS = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
for p in (ANALYSIS, TESTS):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import pytest  # noqa: E402

import tracefactory  # noqa: E402
import trainsim_analysis as ta  # noqa: E402


@pytest.fixture
def trace_file(tmp_path: Path) -> Path:
    """A default synthetic trace (16 GPUs: data 2 x tensor 2 x pipeline 4, 2 iterations)."""
    return tracefactory.write_trace(tmp_path / "run.h5")


@pytest.fixture
def run(trace_file: Path) -> ta.Run:
    return ta.load(trace_file)


@pytest.fixture
def comparison_dir(tmp_path: Path) -> Path:
    """The three gpt3-175b-{a100,a800,h800}-1024.h5 traces the notebooks and README use."""
    tracefactory.write_comparison(tmp_path / "traces")
    return tmp_path / "traces"
