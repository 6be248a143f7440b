#!/usr/bin/python3
"""Writes the README's figures from the three GPT-3 175B traces (A100, A800, H800):

    /usr/bin/python3 analysis/make_readme_figures.py TRACE_DIR OUT_DIR

TRACE_DIR holds gpt3-175b-{a100,a800,h800}-1024.h5; OUT_DIR gets timeline.png and compare.png.
All drawing is trainsim_analysis.readme_figures(); this file only parses arguments.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import trainsim_analysis as ta  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace_dir", type=Path, help="directory of the gpt3-175b-*-1024.h5 traces")
    ap.add_argument("out_dir", type=Path, help="where to write timeline.png and compare.png")
    args = ap.parse_args(argv)
    try:
        written = ta.readme_figures(args.trace_dir, args.out_dir)
    except (FileNotFoundError, ValueError) as e:
        print(f"make_readme_figures: {e}", file=sys.stderr)
        return 1
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
