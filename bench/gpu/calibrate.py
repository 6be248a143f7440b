#!/usr/bin/env python3
"""Measure the compute- and power-model inputs of one NVIDIA GPU (written for Hopper).

Run on a machine with the GPU, PyTorch, CuPy and nvidia-ml-py:

    python3 bench/gpu/calibrate.py OUT_DIR

It writes OUT_DIR/calibration.json (every figure, with the clocks and versions it was taken
under) and prints a readable log. What it measures, each the way the model uses it
(docs/compute-model.md, docs/energy-model.md):

- GEMM throughput with random data, BF16 and FP8, at cubes and at the GEMM shapes of training
  layers; a GEMM split into t chunks along its token dimension (Transformer Engine's
  userbuffers overlap runs its GEMMs that way);
- the same GEMMs while a communication-like kernel holds k SMs and copies through HBM (what an
  NCCL kernel overlapped with compute does: one CTA per channel, each holding its SM);
- fused attention (PyTorch's FlashAttention-2 and cuDNN backends), causal, forward and backward;
- memory-bound kernels' bandwidth;
- board power (NVML's energy counter) at rest, with a context, spinning like an NCCL wait,
  and under GEMMs, memory streams, attention and the communication-like kernel.

Each section is independent: a failure is logged in the JSON and the next one runs.
"""
import json
import math
import os
import platform
import sys
import time
import traceback

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
RESULTS = {"sections": {}, "errors": {}}


def save(results=RESULTS, name="calibration.json"):
    """Writes the readings so far (atomically: a killed run leaves the last complete file)."""
    tmp = os.path.join(OUT, name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(results, f, indent=1)
    os.replace(tmp, os.path.join(OUT, name))


def log(*args):
    print(*args, flush=True)


# --------------------------------------------------------------------------------------------
# NVML: power, energy, clocks

try:
    import pynvml

    pynvml.nvmlInit()
    NVML = pynvml.nvmlDeviceGetHandleByIndex(0)
except Exception as exc:  # the timing sections still run
    NVML = None
    RESULTS["errors"]["nvml"] = repr(exc)


def energy_mj():
    return pynvml.nvmlDeviceGetTotalEnergyConsumption(NVML)


def clocks():
    if NVML is None:
        return {}
    return {
        "sm_mhz": pynvml.nvmlDeviceGetClockInfo(NVML, pynvml.NVML_CLOCK_SM),
        "mem_mhz": pynvml.nvmlDeviceGetClockInfo(NVML, pynvml.NVML_CLOCK_MEM),
        "power_w": pynvml.nvmlDeviceGetPowerUsage(NVML) / 1000.0,
        "temp_c": pynvml.nvmlDeviceGetTemperature(NVML, pynvml.NVML_TEMPERATURE_GPU),
    }


def device_info():
    p = torch.cuda.get_device_properties(0)
    info = {
        "name": p.name,
        "sms": p.multi_processor_count,
        "memory_bytes": p.total_memory,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "python": platform.python_version(),
    }
    if NVML is not None:
        info["driver"] = pynvml.nvmlSystemGetDriverVersion()
        info["power_limit_w"] = pynvml.nvmlDeviceGetPowerManagementLimit(NVML) / 1000.0
        info["power_default_limit_w"] = (
            pynvml.nvmlDeviceGetPowerManagementDefaultLimit(NVML) / 1000.0)
        info["max_sm_mhz"] = pynvml.nvmlDeviceGetMaxClockInfo(NVML, pynvml.NVML_CLOCK_SM)
        info["max_mem_mhz"] = pynvml.nvmlDeviceGetMaxClockInfo(NVML, pynvml.NVML_CLOCK_MEM)
    return info


# --------------------------------------------------------------------------------------------
# Timing

def time_cuda(fn, min_seconds=0.25, warmup=3, stream=None):
    """Mean seconds per call of fn, over enough calls to last min_seconds (CUDA events)."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record(stream)
    fn()
    end.record(stream)
    end.synchronize()
    once = max(start.elapsed_time(end) / 1e3, 1e-6)
    n = max(3, min(2000, int(min_seconds / once)))
    start.record(stream)
    for _ in range(n):
        fn()
    end.record(stream)
    end.synchronize()
    return start.elapsed_time(end) / 1e3 / n


def randn(*shape, dtype=torch.bfloat16):
    return torch.randn(*shape, device="cuda", dtype=torch.float32).to(dtype)


def gemm_bf16(m, n, k):
    a, b = randn(m, k), randn(k, n)
    c = torch.empty(m, n, device="cuda", dtype=torch.bfloat16)
    return lambda: torch.matmul(a, b, out=c)


def gemm_fp8(m, n, k, fast_accum=True):
    a = randn(m, k, dtype=torch.float32).to(torch.float8_e4m3fn)
    b = randn(n, k, dtype=torch.float32).to(torch.float8_e4m3fn).t()  # column-major k x n
    one = torch.ones((), device="cuda", dtype=torch.float32)
    return lambda: torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16,
                                    use_fast_accum=fast_accum)


# The GEMMs of training layers, (m tokens, n outputs, k inputs), forward; the backward's data
# gradient is (m, k, n) and the weight gradient (k, n, m) (docs/compute-model.md).
LAYERS = {
    # Transformer Engine's GEMM benchmark layer (hidden 4,096, MLP 16,384, 31 x 512 tokens)
    "te5b": {"qkv": (15872, 12288, 4096), "proj": (15872, 4096, 4096),
             "mlp_up": (15872, 16384, 4096), "mlp_down": (15872, 4096, 16384)},
    # GPT-3 175B on tensor 8, micro-batch 1, sequence 2,048
    "gpt3_tp8_mb1": {"qkv": (2048, 4608, 12288), "proj": (2048, 12288, 1536),
                     "mlp_up": (2048, 6144, 12288), "mlp_down": (2048, 12288, 6144)},
    # OPT-175B on tensor 8, 8 sequences of 2,048
    "opt175_tp8_b8": {"qkv": (16384, 4608, 12288), "proj": (16384, 12288, 1536),
                      "mlp_up": (16384, 6144, 12288), "mlp_down": (16384, 12288, 6144)},
    # Llama 2/3 70B on tensor 8, micro-batch 1, sequence 4,096 (GQA 8 KV heads, SwiGLU 28,672)
    "llama70_tp8_mb1": {"qkv": (4096, 1280, 8192), "proj": (4096, 8192, 1024),
                        "mlp_up": (4096, 7168, 8192), "mlp_down": (4096, 8192, 3584)},
    # GPT 1.7B (hidden 2,304) on tensor 1, micro-batch 4 of 2,048
    "gpt1.7b_mb4": {"qkv": (8192, 6912, 2304), "proj": (8192, 2304, 2304),
                    "mlp_up": (8192, 9216, 2304), "mlp_down": (8192, 2304, 9216)},
}


def passes(m, n, k):
    return {"fwd": (m, n, k), "dgrad": (m, k, n), "wgrad": (k, n, m)}


def section_gemm():
    out = {"bf16": [], "fp8": []}
    cubes = [1024, 2048, 4096, 8192, 16384]
    for s in cubes:
        t = time_cuda(gemm_bf16(s, s, s))
        out["bf16"].append({"layer": "cube", "gemm": "cube", "pass": "fwd",
                            "m": s, "n": s, "k": s, "seconds": t,
                            "tflops": 2 * s ** 3 / t / 1e12})
        log(f"bf16 cube {s}: {2 * s ** 3 / t / 1e12:.1f} TFLOP/s")
    for layer, gemms in LAYERS.items():
        for name, (m, n, k) in gemms.items():
            for pname, (pm, pn, pk) in passes(m, n, k).items():
                t = time_cuda(gemm_bf16(pm, pn, pk), min_seconds=0.15)
                out["bf16"].append({"layer": layer, "gemm": name, "pass": pname, "m": pm,
                                    "n": pn, "k": pk, "seconds": t,
                                    "tflops": 2 * pm * pn * pk / t / 1e12})
        log(f"bf16 {layer}: done")
    save()
    for s in cubes:
        for fast in (True, False):
            t = time_cuda(gemm_fp8(s, s, s, fast))
            out["fp8"].append({"layer": "cube", "gemm": "cube", "pass": "fwd",
                               "m": s, "n": s, "k": s, "fast_accum": fast, "seconds": t,
                               "tflops": 2 * s ** 3 / t / 1e12})
            log(f"fp8 cube {s} fast={fast}: {2 * s ** 3 / t / 1e12:.1f} TFLOP/s")
    for layer in ("te5b", "llama70_tp8_mb1"):
        for name, (m, n, k) in LAYERS[layer].items():
            for pname, (pm, pn, pk) in passes(m, n, k).items():
                t = time_cuda(gemm_fp8(pm, pn, pk), min_seconds=0.15)
                out["fp8"].append({"layer": layer, "gemm": name, "pass": pname, "m": pm,
                                   "n": pn, "k": pk, "fast_accum": True, "seconds": t,
                                   "tflops": 2 * pm * pn * pk / t / 1e12})
    return out


def section_chunks():
    """A GEMM run as t GEMMs of m/t rows each, back to back (userbuffers' ring exchange)."""
    out = []
    for layer in ("te5b", "gpt3_tp8_mb1", "opt175_tp8_b8", "llama70_tp8_mb1"):
        for name, (m, n, k) in LAYERS[layer].items():
            whole = time_cuda(gemm_bf16(m, n, k), min_seconds=0.1)
            row = {"layer": layer, "gemm": name, "m": m, "n": n, "k": k, "whole_s": whole}
            for t in (2, 4, 8):
                if m % t:
                    continue
                chunk = time_cuda(gemm_bf16(m // t, n, k), min_seconds=0.1)
                row[f"chunks{t}_s"] = t * chunk
            out.append(row)
        log(f"chunks {layer}: done")
    return out


# --------------------------------------------------------------------------------------------
# A communication-like kernel: k CTAs, one per SM (each asks for most of the SM's shared memory,
# so no GEMM CTA can sit beside it, as an NCCL CTA's register file use prevents), copying through
# HBM; and a spin kernel polling a flag like an NCCL kernel waiting for its peer.

CUDA_SRC = r"""
extern "C" __global__ void __launch_bounds__(512, 1)
sm_copy(const float4* __restrict__ src, float4* __restrict__ dst, long long per_block, int passes)
{
    extern __shared__ float4 hold[];
    const long long base = (long long)blockIdx.x * per_block;
    for (int p = 0; p < passes; ++p) {
        for (long long i = threadIdx.x; i < per_block; i += blockDim.x)
            dst[base + i] = src[base + i];
        __syncthreads();
    }
    if (threadIdx.x == 0 && per_block < 0) hold[0] = src[0];  // keeps the allocation
}

extern "C" __global__ void __launch_bounds__(512, 1)
spin(volatile int* flag, unsigned long long nanoseconds)
{
    unsigned long long t0, t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
    do {
        if (*flag) break;
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    } while (t - t0 < nanoseconds);
}
"""

SMEM_HOLD = 200 * 1024  # bytes of dynamic shared memory per copy CTA (Hopper SM: 228 KB)


class CommLike:
    def __init__(self):
        import cupy as cp

        self.cp = cp
        module = cp.RawModule(code=CUDA_SRC, options=("-std=c++17",))
        self.copy = module.get_function("sm_copy")
        self.copy.max_dynamic_shared_size_bytes = SMEM_HOLD
        self.spin_fn = module.get_function("spin")
        self.spin_fn.max_dynamic_shared_size_bytes = SMEM_HOLD
        self.per_block = (64 << 20) // 16  # 64 MiB per CTA, in float4
        self.src = cp.zeros(self.per_block * 4 * 64, dtype=cp.float32)
        self.dst = cp.zeros_like(self.src)
        self.flag = cp.zeros(1, dtype=cp.int32)

    def launch_copy(self, ctas, passes, torch_stream):
        stream = self.cp.cuda.ExternalStream(torch_stream.cuda_stream)
        with stream:
            self.copy((ctas,), (512,), (self.src, self.dst, self.cp.int64(self.per_block),
                                        self.cp.int32(passes)), shared_mem=SMEM_HOLD)

    def launch_spin(self, ctas, seconds, torch_stream):
        stream = self.cp.cuda.ExternalStream(torch_stream.cuda_stream)
        with stream:
            self.spin_fn((ctas,), (512,), (self.flag, self.cp.uint64(int(seconds * 1e9))),
                         shared_mem=SMEM_HOLD)

    def copy_rate(self, ctas, stream):
        """Seconds of one pass of `ctas` CTAs and the HBM bytes it moves (read + write)."""
        t = time_cuda(lambda: self.launch_copy(ctas, 1, stream), min_seconds=0.1, stream=stream)
        return t, 2 * 64 * (1 << 20) * ctas


def beside(fn, reps, launch_side, side):
    """Seconds per call of fn on the current stream while launch_side's kernel runs on side."""
    torch.cuda.synchronize()
    launch_side()
    time.sleep(0.002)  # let the side kernel's CTAs take their SMs first
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    end.synchronize()
    side.synchronize()
    return start.elapsed_time(end) / 1e3 / reps


def section_interference(comm):
    """GEMM time alone and while the copy kernel holds k SMs for the whole GEMM window."""
    out = {"copy": [], "gemm": []}
    side = torch.cuda.Stream()
    for ctas in (1, 4, 8, 16, 24, 32, 64):
        t, nbytes = comm.copy_rate(ctas, side)
        out["copy"].append({"ctas": ctas, "pass_s": t, "hbm_bytes_per_s": nbytes / t})
        log(f"copy kernel {ctas} CTAs: {nbytes / t / 1e9:.0f} GB/s of HBM traffic")
    shapes = [("te5b", "mlp_up"), ("te5b", "proj"), ("gpt3_tp8_mb1", "mlp_up"),
              ("opt175_tp8_b8", "mlp_up")]
    for layer, name in shapes:
        m, n, k = LAYERS[layer][name]
        fn = gemm_bf16(m, n, k)
        alone = time_cuda(fn, min_seconds=0.1)
        reps = max(5, int(0.1 / alone))
        row = {"layer": layer, "gemm": name, "m": m, "n": n, "k": k, "alone_s": alone,
               "with_copy": {}}
        pass_s = {c["ctas"]: c["pass_s"] for c in out["copy"]}
        window = reps * alone
        for ctas in (4, 8, 16, 24, 32):
            passes = int(math.ceil(3 * window / pass_s[ctas])) + 2
            row["with_copy"][str(ctas)] = beside(
                fn, reps, lambda c=ctas, p=passes: comm.launch_copy(c, p, side), side)
        row["with_spin"] = {}
        for ctas in (16, 32):  # SMs held, no memory traffic
            row["with_spin"][str(ctas)] = beside(
                fn, reps, lambda c=ctas: comm.launch_spin(c, 3 * window + 0.01, side), side)
        out["gemm"].append(row)
        log(f"interference {layer}.{name}: alone {alone * 1e3:.3f} ms, copying " +
            ", ".join(f"{c} SMs {v * 1e3:.3f}" for c, v in row["with_copy"].items()) +
            "; spinning " +
            ", ".join(f"{c} SMs {v * 1e3:.3f}" for c, v in row["with_spin"].items()))
    return out


# --------------------------------------------------------------------------------------------
# Attention and memory-bound kernels

def section_attention():
    from torch.nn.attention import SDPBackend, sdpa_kernel
    import torch.nn.functional as F

    out = []
    backends = {"flash2": SDPBackend.FLASH_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION}
    for batch, heads, seq, dim in ((2, 32, 8192, 128), (4, 32, 4096, 128), (8, 32, 2048, 128),
                                   (4, 64, 2048, 128), (8, 16, 2048, 64)):
        q, k, v = (randn(batch, heads, seq, dim).requires_grad_() for _ in range(3))
        grad = randn(batch, heads, seq, dim)
        flop_fwd = 4 * batch * heads * seq * seq * dim / 2  # causal: half the products
        for name, backend in backends.items():
            try:
                with sdpa_kernel([backend]):
                    fwd = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True)
                    t_fwd = time_cuda(fwd, min_seconds=0.15)

                    def fwd_bwd():
                        o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                        o.backward(grad)

                    t_both = time_cuda(fwd_bwd, min_seconds=0.2)
                t_bwd = t_both - t_fwd
                out.append({"backend": name, "batch": batch, "heads": heads, "seq": seq,
                            "head_dim": dim, "fwd_s": t_fwd, "bwd_s": t_bwd,
                            "fwd_tflops": flop_fwd / t_fwd / 1e12,
                            "bwd_tflops": 2.5 * flop_fwd / t_bwd / 1e12})
                log(f"attention {name} b{batch} a{heads} s{seq} d{dim}: "
                    f"fwd {flop_fwd / t_fwd / 1e12:.0f}, bwd {2.5 * flop_fwd / t_bwd / 1e12:.0f} TFLOP/s")
            except Exception as exc:
                out.append({"backend": name, "batch": batch, "heads": heads, "seq": seq,
                            "head_dim": dim, "error": repr(exc)})
        del q, k, v, grad
    return out


def section_memory():
    import torch.nn.functional as F

    out = []
    tokens, hidden = 16384, 8192  # 256 MiB of bf16 per tensor
    x = randn(tokens, hidden)
    y = torch.empty_like(x)
    w, b = randn(hidden), randn(hidden)

    def rec(name, fn, nbytes):
        t = time_cuda(fn, min_seconds=0.15)
        out.append({"kernel": name, "seconds": t, "bytes": nbytes, "bytes_per_s": nbytes / t})
        log(f"memory {name}: {nbytes / t / 1e9:.0f} GB/s")

    n = x.numel() * 2
    big = torch.empty(1 << 30, device="cuda", dtype=torch.uint8)  # 1 GiB streams
    big2 = torch.empty_like(big)
    rec("copy_1GiB", lambda: big2.copy_(big), 2 * big.numel())
    rec("copy", lambda: y.copy_(x), 2 * n)
    rec("add", lambda: torch.add(x, x, out=y), 3 * n)
    rec("gelu", lambda: F.gelu(x), 2 * n)
    rec("layer_norm_fwd", lambda: F.layer_norm(x, (hidden,), w, b), 2 * n)
    rec("dropout", lambda: F.dropout(x, 0.1, True), 2 * n + x.numel())
    scores = randn(16, 2048, 2048)
    rec("softmax", lambda: torch.softmax(scores, -1), 2 * scores.numel() * 2)
    xr = x.detach().requires_grad_()
    g = randn(tokens, hidden)

    def ln_fwd_bwd():
        o = F.layer_norm(xr, (hidden,), w, b)
        o.backward(g)

    t_fb = time_cuda(ln_fwd_bwd, min_seconds=0.15)
    t_f = next(r["seconds"] for r in out if r["kernel"] == "layer_norm_fwd")
    out.append({"kernel": "layer_norm_bwd", "seconds": t_fb - t_f, "bytes": 3 * n,
                "bytes_per_s": 3 * n / (t_fb - t_f)})
    return out


# --------------------------------------------------------------------------------------------
# Power

def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def measure_power(name, work, seconds=6.0, settle=2.0, extra=None):
    """Average board power over the last seconds - settle of a loop of `work` (NVML energy)."""
    t_start = time.time()
    e0 = t0 = None
    samples = []
    calls = 0
    while True:
        work()
        torch.cuda.synchronize()
        now = time.time()
        if e0 is None and now - t_start >= settle:
            e0, t0, calls = energy_mj(), now, 0
        elif e0 is not None:
            calls += 1
        samples.append(clocks())
        if now - t_start >= seconds:
            break
    e1, t1 = energy_mj(), time.time()
    late = samples[len(samples) // 2:]
    row = {"workload": name, "watts": (e1 - e0) / 1e3 / (t1 - t0), "window_s": t1 - t0,
           "calls": calls, "sm_mhz": median(s["sm_mhz"] for s in late),
           "mem_mhz": late[-1]["mem_mhz"], "temp_c": late[-1]["temp_c"],
           "nvml_power_w": median(s["power_w"] for s in late)}
    if extra:
        row.update(extra(row))
    log(f"power {name}: {row['watts']:.1f} W at {row['sm_mhz']} MHz")
    return row


def section_power(comm, rest_watts):
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    out = [{"workload": "rest_before_context", **rest_watts}]
    out.append(measure_power("context_idle", lambda: time.sleep(0.05)))
    side = torch.cuda.Stream()
    for ctas in (1, 16):
        out.append(measure_power(f"spin_{ctas}_ctas",
                                 lambda: comm.launch_spin(ctas, 0.05, side) or side.synchronize()))

    def gemm_work(m, n, k, reps):
        fn = gemm_bf16(m, n, k)
        state = {"fn": fn, "reps": reps}
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

        def work():
            start.record()
            for _ in range(state["reps"]):
                fn()
            end.record()
            end.synchronize()
            state.setdefault("times", []).append(start.elapsed_time(end) / 1e3 / state["reps"])
        return work, state

    for (m, n, k), reps in (((8192, 8192, 8192), 40), ((4096, 4096, 4096), 200),
                            ((2048, 2048, 2048), 1000), ((1024, 1024, 1024), 2000),
                            ((16384, 128, 16384), 200), ((15872, 16384, 4096), 30)):
        work, state = gemm_work(m, n, k, reps)
        flop = 2 * m * n * k
        out.append(measure_power(
            f"gemm_bf16_{m}x{n}x{k}", work,
            extra=lambda row, st=state, f=flop: {"tflops": f / median(st["times"]) / 1e12}))
    fp8 = gemm_fp8(8192, 8192, 8192)
    out.append(measure_power("gemm_fp8_8192", lambda: [fp8() for _ in range(60)]))

    big = torch.empty(1 << 31, device="cuda", dtype=torch.uint8)
    big2 = torch.empty_like(big)
    t_copy = time_cuda(lambda: big2.copy_(big), min_seconds=0.1)
    out.append(measure_power("hbm_copy_2GiB", lambda: [big2.copy_(big) for _ in range(40)],
                             extra=lambda row: {"bytes_per_s": 2 * big.numel() / t_copy}))
    for ctas in (8, 32):
        t_pass, nbytes = comm.copy_rate(ctas, side)
        passes = max(1, int(0.05 / t_pass))
        out.append(measure_power(
            f"copy_kernel_{ctas}_ctas",
            lambda c=ctas, p=passes: comm.launch_copy(c, p, side) or side.synchronize(),
            extra=lambda row, b=nbytes, t=t_pass: {"bytes_per_s": b / t}))
    del big, big2

    q, k, v = (randn(2, 32, 8192, 128).requires_grad_() for _ in range(3))
    grad = randn(2, 32, 8192, 128)
    for name, backend in (("flash2", SDPBackend.FLASH_ATTENTION),
                          ("cudnn", SDPBackend.CUDNN_ATTENTION)):
        def attn(bk=backend):
            with sdpa_kernel([bk]):
                for _ in range(3):
                    F.scaled_dot_product_attention(q, k, v, is_causal=True).backward(grad)
        try:
            out.append(measure_power(f"attention_{name}_fwd_bwd", attn))
        except Exception as exc:
            out.append({"workload": f"attention_{name}_fwd_bwd", "error": repr(exc)})
    out.append(measure_power("context_idle_after", lambda: time.sleep(0.05), seconds=8.0,
                             settle=4.0))
    return out


# --------------------------------------------------------------------------------------------

def warm_up(seconds=3.0):
    """Brings the board to its working temperature and clocks before anything is timed."""
    warm = gemm_bf16(8192, 8192, 8192)
    t_end = time.time() + seconds
    while time.time() < t_end:
        for _ in range(20):
            warm()
        torch.cuda.synchronize()


def begin(results):
    """Makes the output folder, notes the device and the start, and warms the board up."""
    os.makedirs(OUT, exist_ok=True)
    results["device"] = device_info()
    results["started"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    warm_up()


def run_section(name, fn, *args):
    t0 = time.time()
    try:
        RESULTS["sections"][name] = fn(*args)
    except Exception:
        RESULTS["errors"][name] = traceback.format_exc()
        log(f"section {name} failed:\n{RESULTS['errors'][name]}")
    log(f"section {name}: {time.time() - t0:.1f} s")
    save()


def rest_power(seconds=4.0):
    """Board power before this process makes a CUDA context (NVML needs none)."""
    if NVML is None:
        return {}
    e0, t0 = energy_mj(), time.time()
    time.sleep(seconds)
    e1, t1 = energy_mj(), time.time()
    return {"watts": (e1 - e0) / 1e3 / (t1 - t0), **clocks()}


def main():
    os.makedirs(OUT, exist_ok=True)
    rest = rest_power()
    log(f"rest before a context: {rest}")
    torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = True
    RESULTS["device"] = device_info()
    RESULTS["started"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    log(RESULTS["device"])
    warm_up()
    RESULTS["clocks_after_warmup"] = clocks()
    try:
        comm = CommLike()
    except Exception:
        comm = None
        RESULTS["errors"]["comm_kernel"] = traceback.format_exc()
        log(RESULTS["errors"]["comm_kernel"])
    run_section("gemm", section_gemm)
    run_section("chunks", section_chunks)
    if comm is not None:
        run_section("interference", section_interference, comm)
    run_section("attention", section_attention)
    run_section("memory", section_memory)
    if NVML is not None and comm is not None:
        run_section("power", section_power, comm, rest)
    RESULTS["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    save()


if __name__ == "__main__":
    main()
