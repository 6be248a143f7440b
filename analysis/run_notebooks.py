#!/usr/bin/python3
"""Executes the analysis notebooks against a directory of traces; fails if any cell fails.

    /usr/bin/python3 analysis/run_notebooks.py --traces build/traces --sweep build/sweep --out build/notebooks

Executed copies (with outputs) go to --out, never into the source tree, whose notebooks stay
stripped. The kernel is "python3": Debian's kernelspec (python3-ipykernel) runs /usr/bin/python3,
the interpreter that has h5py, pandas and matplotlib. Exit status: 0 all ran, 1 a cell failed or
a notebook could not run, 2 bad arguments.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE / "notebooks"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _environment(traces: Path, sweep: Path | None, scratch: Path) -> None:
    """What the kernel inherits: the traces and the sweep, the package on the path, inline
    figures, and Jupyter/IPython state in a scratch directory (CI homes may be read-only)."""
    os.environ["TRAINSIM_TRACE_DIR"] = str(traces.resolve())
    if sweep is not None:
        os.environ["TRAINSIM_SWEEP_DIR"] = str(sweep.resolve())
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p)
    os.environ.pop("MPLBACKEND", None)          # let ipykernel use its inline backend
    os.environ.setdefault("JUPYTER_RUNTIME_DIR", str(scratch / "runtime"))
    os.environ.setdefault("IPYTHONDIR", str(scratch / "ipython"))
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets ipykernel's debugger banner


def execute(notebook: Path, out_dir: Path, timeout: int) -> str | None:
    """Runs `notebook` with its own folder as working directory and writes the executed copy to
    out_dir; returns None on success, else the error to report."""
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout,
                            resources={"metadata": {"path": str(notebook.parent)}})
    error = None
    try:
        client.execute()
    except CellExecutionError as e:
        error = _ANSI.sub("", str(e))     # IPython colours tracebacks; logs want plain text
    except (CellTimeoutError, DeadKernelError, RuntimeError, OSError) as e:
        error = f"{type(e).__name__}: {e}"
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_dir / notebook.name)
    return error


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Execute the analysis notebooks (nbclient).")
    ap.add_argument("--traces", type=Path, required=True,
                    help="directory of traces, passed to the notebooks as TRAINSIM_TRACE_DIR")
    ap.add_argument("--sweep", type=Path,
                    help="directory a `trainsim sweep` wrote, passed as TRAINSIM_SWEEP_DIR")
    ap.add_argument("--out", type=Path, required=True, help="where executed copies are written")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    ap.add_argument("notebooks", nargs="*", type=Path,
                    help="notebooks to run (default: analysis/notebooks/*.ipynb)")
    args = ap.parse_args(argv)
    notebooks = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not notebooks:
        print(f"run_notebooks: no notebooks in {NOTEBOOKS}", file=sys.stderr)
        return 1
    if args.out.resolve() == NOTEBOOKS.resolve():
        print("run_notebooks: --out must not be the source folder (notebooks stay stripped)",
              file=sys.stderr)
        return 2

    failed = []
    with tempfile.TemporaryDirectory(prefix="trainsim-nb-") as scratch:
        _environment(args.traces, args.sweep, Path(scratch))
        for nb in notebooks:
            error = execute(nb.resolve(), args.out, args.timeout)
            status = "ok" if error is None else "FAILED"
            print(f"{status:6} {nb.name} -> {args.out / nb.name}")
            if error is not None:
                failed.append(nb.name)
                print(error, file=sys.stderr)
    if failed:
        print(f"run_notebooks: {len(failed)} of {len(notebooks)} failed: {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
