#!/usr/bin/env python3
"""Third calibration pass: whole transformer layers and the LM head, kernel by kernel (Hopper).

    python3 bench/gpu/layer_check.py OUT_DIR [SECTION ...]

Writes OUT_DIR/layers.json. Uses bench/gpu/calibrate.py's timing helpers. The kernel-level
readings (calibrate.py, sweep_shapes.py) say what one GEMM or attention call takes; this pass
checks how they add up in a training step, which is what the compute model predicts
(docs/compute-model.md, "Measured on an H200"):

- GPT layers (pre-norm, biases, GeLU, causal attention through cuDNN's fused kernel, no dropout)
  written with PyTorch ops in the order Megatron-LM runs them, forward and backward, at the
  shapes of Megatron-Core's H100 weak-scaling models (1.7B; the 7.1B's tensor-2 shard) and of a
  GPT-3 175B tensor-8 shard (the tensor-parallel collectives left out: one GPU);
- the LM head: final norm, logits GEMM and Megatron-LM's fp32 vocabulary cross entropy (the same
  tensor operations its _VocabParallelCrossEntropy runs with one tensor rank);
- for each: GPU time per step (CUDA events), the kernels' busy time and the span they cover
  (profiler trace: idle gaps show CPU-side dispatch), and the time by kernel family;
- Transformer Engine's TransformerLayer at the same shapes, when it is installed;
- FP8 and BF16 GEMMs over the inner dimension k (the per-tile fixed cost, FP8 not yet measured);
- board power and SM clock while the layers run, against their GEMMs run back to back;
- fused causal attention over small grids (few heads x sequences), where the work spreads
  unevenly over the SMs;
- the host's dispatch cost per kernel of an eager PyTorch step (the layers at 64 tokens).
"""
import json
import math
import os
import sys
import tempfile
import time
import traceback

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import calibrate as cal  # noqa: E402

RESULTS = {"sections": {}, "errors": {}}

CONFIGS = [
    # Megatron-Core r0.8.0 weak scaling (Megatron-LM README 2024): 1.7B on 48 H100s, tensor 1.
    dict(name="mcore-1.7b", hidden=2048, heads=16, ffn=8192, seq=4096, batch=1, layers=24,
         vocab=131072, tensor=1),
    # Its 7.1B row at tensor 2: one rank's shard of each layer (8 of the 30 layers).
    dict(name="mcore-7.1b-tp2", hidden=4096, heads=32, ffn=16384, seq=4096, batch=1, layers=8,
         vocab=131072, tensor=2),
    # GPT-3 175B at tensor 8, micro-batch 1 (the calibration set's plan): 4 layers' shards.
    dict(name="gpt3-175b-tp8", hidden=12288, heads=96, ffn=49152, seq=2048, batch=1, layers=4,
         vocab=51200, tensor=8),
]


# --------------------------------------------------------------------------------------------
# The layer in PyTorch ops

def param(*shape, scale=0.02):
    return torch.nn.Parameter((torch.randn(*shape, device="cuda") * scale).to(torch.bfloat16))


class GptLayer(torch.nn.Module):
    """One tensor rank's shard of a pre-norm GPT layer: column-parallel QKV and MLP up, row-
    parallel projection and MLP down (their all-reduces left out)."""

    def __init__(self, hidden, heads, ffn, tensor):
        super().__init__()
        self.h, self.heads, self.d = hidden, heads // tensor, hidden // heads
        self.ln1_w, self.ln1_b = param(hidden, scale=1.0), param(hidden)
        self.qkv_w, self.qkv_b = param(3 * hidden // tensor, hidden), param(3 * hidden // tensor)
        self.proj_w, self.proj_b = param(hidden, hidden // tensor), param(hidden)
        self.ln2_w, self.ln2_b = param(hidden, scale=1.0), param(hidden)
        self.up_w, self.up_b = param(ffn // tensor, hidden), param(ffn // tensor)
        self.down_w, self.down_b = param(hidden, ffn // tensor), param(hidden)
        self.attention_backend = None

    def forward(self, x):  # x: [batch, seq, hidden]
        from torch.nn.attention import sdpa_kernel

        b, s, _ = x.shape
        y = F.layer_norm(x, (self.h,), self.ln1_w, self.ln1_b)
        qkv = F.linear(y, self.qkv_w, self.qkv_b).view(b, s, 3, self.heads, self.d)
        q, k, v = (qkv[:, :, i].transpose(1, 2) for i in range(3))  # [b, heads, s, d], strided
        with sdpa_kernel([self.attention_backend]):
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        o = o.transpose(1, 2).reshape(b, s, self.heads * self.d)
        x = x + F.linear(o, self.proj_w, self.proj_b)
        y = F.layer_norm(x, (self.h,), self.ln2_w, self.ln2_b)
        y = F.gelu(F.linear(y, self.up_w, self.up_b), approximate="tanh")
        return x + F.linear(y, self.down_w, self.down_b)


class VocabCrossEntropy(torch.autograd.Function):
    """The fp32 cross entropy of Megatron-LM's vocabulary-parallel loss with one tensor rank:
    max, subtract, exp and sum in the forward, divide, correct and scale in the backward, each a
    pass over the fp32 logits (52 bytes per logit with the casts; docs/compute-model.md)."""

    @staticmethod
    def forward(ctx, logits, target):
        m = logits.max(dim=-1)[0]
        logits.sub_(m.unsqueeze(-1))
        predicted = logits.gather(-1, target.unsqueeze(-1)).squeeze(-1)
        torch.exp(logits, out=logits)
        total = logits.sum(dim=-1)
        loss = torch.log(total) - predicted
        ctx.save_for_backward(logits, total, target)
        return loss

    @staticmethod
    def backward(ctx, grad):
        softmax, total, target = ctx.saved_tensors
        softmax.div_(total.unsqueeze(-1))
        rows = torch.arange(target.numel(), device=target.device)
        flat = softmax.view(-1, softmax.shape[-1])
        flat[rows, target.view(-1)] -= 1.0
        softmax.mul_(grad.unsqueeze(-1))
        return softmax, None


class LmHead(torch.nn.Module):
    def __init__(self, hidden, vocab, tensor):
        super().__init__()
        self.h = hidden
        self.ln_w, self.ln_b = param(hidden, scale=1.0), param(hidden)
        self.out_w = param(vocab // tensor, hidden)

    def forward(self, x, target):
        y = F.layer_norm(x, (self.h,), self.ln_w, self.ln_b)
        logits = F.linear(y, self.out_w).float()
        return VocabCrossEntropy.apply(logits, target).mean()


# --------------------------------------------------------------------------------------------
# Kernel families from a profiler trace

FAMILIES = (
    ("attention", ("fmha", "flash", "cudnn", "sdpa", "attn")),
    ("gemm", ("gemm", "nvjet", "cutlass", "xmma", "sm90_", "sm80_", "cublas")),
    ("norm", ("layer_norm", "layernorm", "LayerNorm", "rmsnorm")),
    ("reduce", ("reduce_kernel", "Reduce")),
    ("copy", ("copy", "Copy", "CatArray", "transpose")),
    ("elementwise", ("elementwise", "vectorized", "Elementwise")),
)


def family(name):
    if name.startswith("Memset") or name.startswith("Memcpy"):
        return "memset/memcpy"
    low = name.lower()
    for fam, keys in FAMILIES:
        if any(k.lower() in low for k in keys):
            return fam
    return "other"


def kernel_profile(step):
    """Runs step() once under the profiler; the kernels' busy time, the span from the first
    kernel's start to the last one's end, time by family and the 25 longest kernel names."""
    from torch.profiler import ProfilerActivity, profile

    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA, ProfilerActivity.CPU]) as prof:
        step()
        torch.cuda.synchronize()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.json")
        prof.export_chrome_trace(path)
        with open(path) as f:
            events = json.load(f)["traceEvents"]
    kernels = [e for e in events if e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset") and "dur" in e]
    if not kernels:
        return {"error": "no kernel events in the trace"}
    kernels.sort(key=lambda e: e["ts"])
    busy, end = 0.0, -math.inf
    for e in kernels:  # union of the intervals (streams may overlap)
        s, t = e["ts"], e["ts"] + e["dur"]
        if t > end:
            busy += t - max(s, end)
            end = t
    span = end - kernels[0]["ts"]
    by_family, by_name = {}, {}
    for e in kernels:
        fam = family(e["name"])
        by_family[fam] = by_family.get(fam, 0.0) + e["dur"] * 1e-6
        row = by_name.setdefault(e["name"][:140], {"family": fam, "count": 0, "s": 0.0})
        row["count"] += 1
        row["s"] += e["dur"] * 1e-6
    top = sorted(by_name.items(), key=lambda kv: -kv[1]["s"])[:25]
    return {"kernels": len(kernels), "busy_s": busy * 1e-6, "span_s": span * 1e-6,
            "sum_s": sum(e["dur"] for e in kernels) * 1e-6, "by_family_s": by_family,
            "top": [{"name": n, **r} for n, r in top]}


def measure(step, min_seconds=1.0):
    """GPU seconds per step (CUDA events) and wall seconds per step (synchronised at the end)."""
    gpu = cal.time_cuda(step, min_seconds=min_seconds, warmup=3)
    n = max(3, int(min_seconds / max(gpu, 1e-6)))
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    torch.cuda.synchronize()
    return {"gpu_s": gpu, "wall_s": (time.perf_counter() - t0) / n, "steps": n}


def pick_attention_backend(cfg):
    """cuDNN's fused attention (what Transformer Engine runs on Hopper); FlashAttention-2 if
    PyTorch's cuDNN path refuses the layout."""
    from torch.nn.attention import SDPBackend

    layer = GptLayer(cfg["hidden"], cfg["heads"], cfg["ffn"], cfg["tensor"])
    x = cal.randn(cfg["batch"], cfg["seq"], cfg["hidden"]).requires_grad_()
    for name, backend in (("cudnn", SDPBackend.CUDNN_ATTENTION), ("flash2", SDPBackend.FLASH_ATTENTION)):
        try:
            layer.attention_backend = backend
            layer(x).sum().backward()
            torch.cuda.synchronize()
            return name, backend
        except Exception as exc:  # noqa: BLE001 - try the next backend
            cal.log(f"attention backend {name} refused: {exc!r}"[:300])
    raise RuntimeError("no fused attention backend accepted the layer")


def clear_grads(modules):
    for m in modules:
        for p in m.parameters():
            p.grad = None


def section_torch_layers():
    out = []
    for cfg in CONFIGS:
        row = dict(cfg)
        try:
            name, backend = pick_attention_backend(cfg)
            row["attention_backend"] = name
            layers = [GptLayer(cfg["hidden"], cfg["heads"], cfg["ffn"], cfg["tensor"]) for _ in range(cfg["layers"])]
            for layer in layers:
                layer.attention_backend = backend
            head = LmHead(cfg["hidden"], cfg["vocab"], cfg["tensor"])
            b, s, h = cfg["batch"], cfg["seq"], cfg["hidden"]
            x = cal.randn(b, s, h).requires_grad_()
            grad = cal.randn(b, s, h)
            target = torch.randint(0, cfg["vocab"] // cfg["tensor"], (b, s), device="cuda")

            def layers_step():
                y = x
                for layer in layers:
                    y = layer(y)
                y.backward(grad)
                clear_grads(layers)

            def head_step():
                head(x, target).backward()
                clear_grads([head])

            def whole_step():
                y = x
                for layer in layers:
                    y = layer(y)
                head(y, target).backward()
                clear_grads(layers + [head])

            for part, step in (("layers", layers_step), ("head", head_step), ("whole", whole_step)):
                row[part] = measure(step)
                row[part]["profile"] = kernel_profile(step)
                cal.log(f"{cfg['name']} {part}: {row[part]['gpu_s'] * 1e3:.2f} ms GPU, "
                        f"{row[part]['wall_s'] * 1e3:.2f} ms wall, "
                        f"busy {row[part]['profile'].get('busy_s', 0) * 1e3:.2f} of span "
                        f"{row[part]['profile'].get('span_s', 0) * 1e3:.2f} ms; "
                        + ", ".join(f"{k} {v * 1e3:.2f}" for k, v in
                                    sorted(row[part]["profile"].get("by_family_s", {}).items())))
            del layers, head, x, grad
        except Exception:
            row["error"] = traceback.format_exc()
            cal.log(f"{cfg['name']} failed:\n{row['error']}")
        out.append(row)
        torch.cuda.empty_cache()
        cal.save(RESULTS, "layers.json")
    return out


def section_te_layers():
    import transformer_engine
    import transformer_engine.pytorch as te

    out = {"version": getattr(transformer_engine, "__version__", "?"), "rows": []}
    for cfg in CONFIGS:
        row = dict(cfg)
        try:
            t = cfg["tensor"]
            # One rank's shard without its collectives: heads/t and ffn/t on one GPU.
            layers = [te.TransformerLayer(cfg["hidden"], cfg["ffn"] // t, cfg["heads"] // t,
                                          hidden_dropout=0.0, attention_dropout=0.0,
                                          self_attn_mask_type="causal", params_dtype=torch.bfloat16,
                                          kv_channels=cfg["hidden"] // cfg["heads"],
                                          fuse_qkv_params=True, device="cuda")
                      for _ in range(cfg["layers"])]
            b, s, h = cfg["batch"], cfg["seq"], cfg["hidden"]
            x = cal.randn(s, b, h).requires_grad_()
            grad = cal.randn(s, b, h)

            def step():
                y = x
                for layer in layers:
                    y = layer(y)
                y.backward(grad)
                clear_grads(layers)

            row["layers"] = measure(step)
            row["layers"]["profile"] = kernel_profile(step)
            cal.log(f"TE {cfg['name']} layers: {row['layers']['gpu_s'] * 1e3:.2f} ms GPU, "
                    + ", ".join(f"{k} {v * 1e3:.2f}" for k, v in
                                sorted(row["layers"]["profile"].get("by_family_s", {}).items())))
            del layers, x, grad
        except Exception:
            row["error"] = traceback.format_exc()
            cal.log(f"TE {cfg['name']} failed:\n{row['error']}")
        out["rows"].append(row)
        torch.cuda.empty_cache()
        cal.save(RESULTS, "layers.json")
    return out


def section_inner_dimension():
    out = []
    for m, n in ((8192, 8192), (4096, 4096), (16384, 4096)):
        for k in (256, 512, 1024, 2048, 4096, 8192, 16384):
            flop = 2.0 * m * n * k
            for kind in ("fp8_fast_accum", "fp8", "bf16"):
                if kind == "bf16" and (m, n) == (8192, 8192):
                    continue  # measured in sweep_shapes.py
                row = {"kind": kind, "m": m, "n": n, "k": k}
                try:
                    fn = (cal.gemm_bf16(m, n, k) if kind == "bf16"
                          else cal.gemm_fp8(m, n, k, fast_accum=(kind == "fp8_fast_accum")))
                    t = cal.time_cuda(fn, min_seconds=0.12)
                    row.update({"seconds": t, "tflops": flop / t / 1e12})
                    cal.log(f"{kind} {m}x{n}x{k}: {flop / t / 1e12:.0f} TFLOP/s")
                except Exception as exc:  # noqa: BLE001
                    row["error"] = repr(exc)
                out.append(row)
    return out


def layer_gemms(cfg):
    """The 12 GEMMs of one layer's shard (forward, data and weight gradient of QKV, projection,
    MLP up and down), as calibrate.passes orders them."""
    m, h, t = cfg["batch"] * cfg["seq"], cfg["hidden"], cfg["tensor"]
    shapes = {"qkv": (m, 3 * h // t, h), "proj": (m, h, h // t), "mlp_up": (m, cfg["ffn"] // t, h),
              "mlp_down": (m, h, cfg["ffn"] // t)}
    return [(name, pname, shape) for name, (a, b, c) in shapes.items()
            for pname, shape in cal.passes(a, b, c).items()]


def layer_stack_step(cfg, backend):
    """One forward and backward step of cfg's layers on random input, and the layers."""
    layers = [GptLayer(cfg["hidden"], cfg["heads"], cfg["ffn"], cfg["tensor"]) for _ in range(cfg["layers"])]
    for layer in layers:
        layer.attention_backend = backend
    x = cal.randn(cfg["batch"], cfg["seq"], cfg["hidden"]).requires_grad_()
    grad = cal.randn(cfg["batch"], cfg["seq"], cfg["hidden"])

    def step():
        y = x
        for layer in layers:
            y = layer(y)
        y.backward(grad)
        clear_grads(layers)

    return step, layers


def section_layer_power():
    """Board power and SM clock while the layers run, against the same layers' GEMMs run back to
    back: whether a pass's GEMMs run faster than the sustained GEMM rate when the kernels around
    them draw less than the power limit."""
    from torch.nn.attention import SDPBackend

    out = []
    for cfg in CONFIGS:
        row = {"name": cfg["name"]}
        try:
            layers_step, layers = layer_stack_step(cfg, SDPBackend.CUDNN_ATTENTION)
            p = cal.measure_power("layers " + cfg["name"], layers_step, seconds=5.0, settle=2.0)
            p["step_s"] = cal.time_cuda(layers_step, min_seconds=0.5)
            row["layers"] = p
            del layers, layers_step
            torch.cuda.empty_cache()
            gemms = [(name, pname, shape, cal.gemm_bf16(*shape)) for name, pname, shape in layer_gemms(cfg)]

            def gemm_step():
                for g in gemms:
                    g[3]()

            p = cal.measure_power("gemms " + cfg["name"], gemm_step, seconds=4.0, settle=2.0)
            p["step_s"] = cal.time_cuda(gemm_step, min_seconds=0.5)
            p["flop"] = sum(2.0 * a * b * c for _, _, (a, b, c), _ in gemms)
            p["each"] = [{"gemm": n, "pass": pn, "m": a, "n": b, "k": c,
                          "seconds": cal.time_cuda(fn, min_seconds=0.05)} for n, pn, (a, b, c), fn in gemms]
            row["gemms_back_to_back"] = p
            cal.log(f"{cfg['name']}: layers {row['layers']['watts']:.0f} W at {row['layers']['sm_mhz']} MHz; "
                    f"GEMMs alone {p['watts']:.0f} W at {p['sm_mhz']} MHz, "
                    f"{p['flop'] / p['step_s'] / 1e12:.0f} TFLOP/s")
            del gemms
        except Exception:
            row["error"] = traceback.format_exc()
            cal.log(f"{cfg['name']} failed:\n{row['error']}")
        out.append(row)
        torch.cuda.empty_cache()
        cal.save(RESULTS, "layers.json")
    return out


def section_attention_grid():
    """Fused causal attention over few (batch x heads) at sequences 2,048-8,192: how the work of
    a small grid spreads over the SMs (a causal row block's work grows with its position)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    out = []
    backends = {"flash2": SDPBackend.FLASH_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION}
    dim = 128
    for seq in (2048, 4096, 8192):
        for heads in (4, 8, 12, 16, 24, 32, 48, 64, 96, 128):
            if heads * seq > 128 * 4096:
                continue
            q, k, v = (cal.randn(1, heads, seq, dim).requires_grad_() for _ in range(3))
            grad = cal.randn(1, heads, seq, dim)
            for causal in (True, False):
                flop_fwd = 4 * heads * seq * seq * dim / (2 if causal else 1)
                for name, backend in backends.items():
                    row = {"backend": name, "batch": 1, "heads": heads, "seq": seq, "head_dim": dim,
                           "causal": causal}
                    try:
                        with sdpa_kernel([backend]):
                            fwd = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                            t_fwd = cal.time_cuda(fwd, min_seconds=0.04)

                            def fwd_bwd():
                                F.scaled_dot_product_attention(q, k, v, is_causal=causal).backward(grad)

                            t_both = cal.time_cuda(fwd_bwd, min_seconds=0.06)
                        row.update({"fwd_s": t_fwd, "bwd_s": t_both - t_fwd,
                                    "fwd_tflops": flop_fwd / t_fwd / 1e12,
                                    "bwd_tflops": 2.5 * flop_fwd / (t_both - t_fwd) / 1e12})
                    except Exception as exc:  # noqa: BLE001
                        row["error"] = repr(exc)[:300]
                    out.append(row)
            cal.log(f"attention grid s{seq} heads {heads}: " + ", ".join(
                f"{r['backend']}{'c' if r['causal'] else ''} {r.get('fwd_tflops', 0):.0f}/{r.get('bwd_tflops', 0):.0f}"
                for r in out[-4:]))
            del q, k, v, grad
    return out


def section_dispatch():
    """The CPU side of an eager PyTorch step: the 1.7B layers at 64 tokens, where the GPU's work
    is negligible, so the step's wall time is the host's dispatch (per kernel, from the trace)."""
    cfg = dict(CONFIGS[0], seq=64)
    from torch.nn.attention import SDPBackend

    step, _ = layer_stack_step(cfg, SDPBackend.CUDNN_ATTENTION)
    row = measure(step, min_seconds=1.0)
    row["profile"] = kernel_profile(step)
    row["us_per_kernel"] = row["wall_s"] / row["profile"]["kernels"] * 1e6
    try:
        with open("/proc/cpuinfo") as f:
            row["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except Exception as exc:  # noqa: BLE001
        row["cpu"] = repr(exc)
    cal.log(f"dispatch: {row['wall_s'] * 1e3:.2f} ms wall per step, {row['profile']['kernels']} kernels, "
            f"{row['us_per_kernel']:.1f} us per kernel, GPU busy {row['profile']['busy_s'] * 1e3:.2f} ms; {row['cpu']}")
    return row


def run_section(name, fn):
    t0 = time.time()
    try:
        RESULTS["sections"][name] = fn()
    except Exception:
        RESULTS["errors"][name] = traceback.format_exc()
        cal.log(f"section {name} failed:\n{RESULTS['errors'][name]}")
    cal.log(f"section {name}: {time.time() - t0:.1f} s")
    cal.save(RESULTS, "layers.json")


def main():
    torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = True
    cal.begin(RESULTS)
    cal.log(RESULTS["device"])
    RESULTS["clocks_after_warmup"] = cal.clocks()
    sections = {"torch_layers": section_torch_layers, "te_layers": section_te_layers,
                "inner_dimension": section_inner_dimension, "layer_power": section_layer_power,
                "attention_grid": section_attention_grid, "dispatch": section_dispatch}
    chosen = sys.argv[2:] or list(sections)
    for name in chosen:
        run_section(name, sections[name])
    RESULTS["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    cal.save(RESULTS, "layers.json")


if __name__ == "__main__":
    main()
