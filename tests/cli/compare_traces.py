#!/usr/bin/python3
"""Exits 0 when two trainsim traces hold identical datasets (root attributes other than the
creation time included): the check that the same scenario and seed give the same trace."""
import sys

import h5py
import numpy as np


def datasets(f: h5py.File) -> dict:
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def main(a: str, b: str) -> int:
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        da, db = datasets(fa), datasets(fb)
        if da.keys() != db.keys():
            print(f"different datasets: {sorted(da)} vs {sorted(db)}")
            return 1
        for name in da:
            if not np.array_equal(da[name], db[name]):
                print(f"dataset {name} differs")
                return 1
        for key in fa.attrs:
            if key != "created" and fa.attrs[key] != fb.attrs[key]:
                print(f"attribute {key} differs")
                return 1
    print(f"identical: {len(da)} datasets")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
