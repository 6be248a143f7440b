#!/usr/bin/env python3
"""Third calibration pass: GEMMs run as Transformer Engine's userbuffers overlap runs them.

    python3 bench/gpu/overlap_check.py OUT_DIR

Writes OUT_DIR/overlap.json. For the linears of three training layers it times the GEMM alone and
as each overlap method runs it (transformer_engine initialize_ub defaults): "ring_exchange" as
t chunk GEMMs of m/t rows beside a 1-SM copy kernel, "pipeline" as 4 chunk GEMMs beside a 16-SM
copy kernel, "bulk" whole beside a 16-SM copy kernel (the copy kernels of bench/gpu/calibrate.py,
each CTA holding its SM). This checks the model's KernelModel::time_beside_communication as a
whole, not its parts.
"""
import math
import os
import sys
import time
import traceback

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import calibrate as cal  # noqa: E402

RESULTS = {"sections": {}, "errors": {}}

# (layer, linear, m, n, k, tensor size): forward shapes; the data gradient is (m, k, n).
LINEARS = [
    ("gpt3_tp8_mb1", "qkv", 2048, 4608, 12288, 8), ("gpt3_tp8_mb1", "proj", 2048, 12288, 1536, 8),
    ("gpt3_tp8_mb1", "mlp_up", 2048, 6144, 12288, 8), ("gpt3_tp8_mb1", "mlp_down", 2048, 12288, 6144, 8),
    ("llama70_tp8_mb1", "qkv", 4096, 1280, 8192, 8), ("llama70_tp8_mb1", "proj", 4096, 8192, 1024, 8),
    ("llama70_tp8_mb1", "mlp_up", 4096, 7168, 8192, 8), ("llama70_tp8_mb1", "mlp_down", 4096, 8192, 3584, 8),
    ("te5b_tp4", "qkv", 15872, 3072, 4096, 4), ("te5b_tp4", "proj", 15872, 4096, 1024, 4),
    ("te5b_tp4", "mlp_up", 15872, 4096, 4096, 4), ("te5b_tp4", "mlp_down", 15872, 4096, 4096, 4),
]


def chunked(m, n, k, chunks):
    fns = [cal.gemm_bf16(m // chunks, n, k) for _ in range(chunks)]
    return lambda: [f() for f in fns]


def beside_copy(comm, fn, ctas, side, alone):
    reps = max(5, int(0.08 / alone))
    one_pass, _ = comm.copy_rate(ctas, side)
    passes = int(math.ceil(3 * reps * alone / one_pass)) + 2
    return cal.beside(fn, reps, lambda: comm.launch_copy(ctas, passes, side), side)


def section_overlap(comm):
    out = []
    side = torch.cuda.Stream()
    for layer, name, m, n, k, tensor in LINEARS:
        column = name in ("qkv", "mlp_up")
        # forward: column-parallel ring exchange, row-parallel pipeline; data gradient: the reverse
        # with bulk for the column-parallel ones.
        cases = [("fwd", (m, n, k), ("ring_exchange", tensor, 1) if column else ("pipeline", 4, 16)),
                 ("dgrad", (m, k, n), ("bulk", 1, 16) if column else ("ring_exchange", tensor, 1))]
        for pass_name, (gm, gn, gk), (method, chunks, sms) in cases:
            whole = cal.gemm_bf16(gm, gn, gk)
            alone = cal.time_cuda(whole, min_seconds=0.08)
            fn = chunked(gm, gn, gk, chunks) if chunks > 1 else whole
            beside = beside_copy(comm, fn, sms, side, alone)
            out.append({"layer": layer, "linear": name, "pass": pass_name, "m": gm, "n": gn, "k": gk,
                        "method": method, "chunks": chunks, "sms_held": sms, "alone_s": alone,
                        "beside_s": beside})
            cal.log(f"{layer} {name} {pass_name} ({method}): x{beside / alone:.3f}")
    return out


def main():
    cal.begin(RESULTS)
    try:
        RESULTS["sections"]["overlap"] = section_overlap(cal.CommLike())
    except Exception:
        RESULTS["errors"]["overlap"] = traceback.format_exc()
        cal.log(RESULTS["errors"]["overlap"])
    RESULTS["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    cal.save(RESULTS, "overlap.json")


if __name__ == "__main__":
    main()
