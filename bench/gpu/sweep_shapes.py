#!/usr/bin/env python3
"""Second calibration pass: how fused attention and GEMMs depend on shape (written for Hopper).

    python3 bench/gpu/sweep_shapes.py OUT_DIR

Writes OUT_DIR/shapes.json. Uses bench/gpu/calibrate.py's timing and power helpers. Measures:
- fused attention (FlashAttention-2 and cuDNN through PyTorch), causal and not, forward and
  backward, over sequences 1,024-16,384 at head dimensions 64 and 128, with 32,768 tokens and
  2,048 channels (heads x head dim) per call;
- GEMMs of many waves over inner dimensions k = 256-16,384 (the per-tile fixed cost);
- GEMMs with fewer output tiles than SMs: their time and board power (whether the library splits
  the inner dimension to fill the GPU).
"""
import os
import sys
import time
import traceback

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import calibrate as cal  # noqa: E402

RESULTS = {"sections": {}, "errors": {}}


def section_attention():
    from torch.nn.attention import SDPBackend, sdpa_kernel
    import torch.nn.functional as F

    out = []
    backends = {"flash2": SDPBackend.FLASH_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION}
    tokens, width = 32768, 2048
    for dim in (128, 64):
        heads = width // dim
        for seq in (1024, 2048, 4096, 8192, 16384):
            batch = tokens // seq
            q, k, v = (cal.randn(batch, heads, seq, dim).requires_grad_() for _ in range(3))
            grad = cal.randn(batch, heads, seq, dim)
            for causal in (True, False):
                if not causal and seq not in (2048, 8192):
                    continue
                flop_fwd = 4 * batch * heads * seq * seq * dim / (2 if causal else 1)
                for name, backend in backends.items():
                    row = {"backend": name, "batch": batch, "heads": heads, "seq": seq, "head_dim": dim,
                           "causal": causal}
                    try:
                        with sdpa_kernel([backend]):
                            fwd = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                            t_fwd = cal.time_cuda(fwd, min_seconds=0.12)

                            def fwd_bwd():
                                F.scaled_dot_product_attention(q, k, v, is_causal=causal).backward(grad)

                            t_both = cal.time_cuda(fwd_bwd, min_seconds=0.15)
                        row.update({"fwd_s": t_fwd, "bwd_s": t_both - t_fwd,
                                    "fwd_tflops": flop_fwd / t_fwd / 1e12,
                                    "bwd_tflops": 2.5 * flop_fwd / (t_both - t_fwd) / 1e12})
                        cal.log(f"attention {name} d{dim} s{seq} causal={causal}: "
                                f"{row['fwd_tflops']:.0f} / {row['bwd_tflops']:.0f} TFLOP/s")
                    except Exception as exc:
                        row["error"] = repr(exc)
                    out.append(row)
            del q, k, v, grad
    return out


def section_inner_dimension():
    out = []
    for mn in (8192, 4096):
        for k in (256, 512, 768, 1024, 1536, 2048, 3072, 4096, 8192, 16384):
            t = cal.time_cuda(cal.gemm_bf16(mn, mn, k), min_seconds=0.12)
            out.append({"m": mn, "n": mn, "k": k, "seconds": t, "tflops": 2 * mn * mn * k / t / 1e12})
        cal.log(f"inner dimension sweep {mn}: done")
    return out


def section_few_tiles():
    out = []
    for m, n, k, reps in ((1024, 1024, 65536, 40), (2048, 1024, 32768, 40), (1024, 512, 131072, 40),
                          (4096, 2048, 16384, 40)):
        fn = cal.gemm_bf16(m, n, k)
        t = cal.time_cuda(fn, min_seconds=0.15)
        row = cal.measure_power(f"gemm_bf16_{m}x{n}x{k}", lambda: [fn() for _ in range(reps)], seconds=5.0,
                                settle=1.5)
        row.update({"m": m, "n": n, "k": k, "seconds": t, "tflops": 2 * m * n * k / t / 1e12})
        out.append(row)
    return out


def main():
    cal.begin(RESULTS)
    for name, fn in (("attention", section_attention), ("inner_dimension", section_inner_dimension),
                     ("few_tiles", section_few_tiles)):
        t0 = time.time()
        try:
            RESULTS["sections"][name] = fn()
        except Exception:
            RESULTS["errors"][name] = traceback.format_exc()
            cal.log(RESULTS["errors"][name])
        cal.log(f"section {name}: {time.time() - t0:.1f} s")
        cal.save(RESULTS, "shapes.json")
    RESULTS["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    cal.save(RESULTS, "shapes.json")


if __name__ == "__main__":
    main()
