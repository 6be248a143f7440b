"""Random what-ifs over the bundled scenarios: every one either runs or is refused with an error
that says where (file:line:column or the --set that caused it). A crash, an abort, a timeout, an
error without a location or a summary with NaN/inf fails the test.

usage: what_if_fuzz.py TRAINSIM [RUNS] [SEED]   (run from the repository root)
The seed is fixed so that a failure reproduces; the failing command line is printed.
"""
import random
import re
import subprocess
import sys

SCENARIOS = [
    "scenarios/gpt3-175b-a100-1024.yaml",
    "scenarios/gpt3-175b-h800-1024.yaml",
    "scenarios/validation/opt-175b-992.yaml",
    "scenarios/validation/korthikanti-22b-full.yaml",
    "scenarios/crosscheck/megatron-core-h100-1.7b.yaml",
]
MODELS = ["gpt3-175b", "gpt3-13b", "llama-7b", "llama2-70b", "llama3-8b", "megatron-1t", "mixtral-8x7b"]
CHOICES = {
    "parallel.tensor": [1, 2, 3, 4, 8, 16],
    "parallel.pipeline": [1, 2, 4, 8, 16],
    "parallel.micro_batch": [1, 2, 3, 4],
    "parallel.global_batch": [64, 512, 1536, 1537],
    "parallel.zero_stage": [0, 1, 2, 3],
    "parallel.recompute": ["none", "selective", "full"],
    "parallel.schedule": ["1f1b", "interleaved", "gpipe"],
    "parallel.virtual_stages": [1, 2, 3],
    "parallel.first_stage_layers": [0, 3],
    "parallel.last_stage_layers": [0, 3],
    "parallel.sequence_parallel": ["true", "false"],
    "parallel.precision": ["bf16", "fp16", "fp8", "fp32"],
    "parallel.overlap_gradient_reduction": ["true", "false"],
    "parallel.overlap_parameter_gather": ["true", "false"],
    "parallel.expert": [1, 2, 8],
    "cluster.gpus": [8, 64, 512, 1000, 2048],
    "implementation.flash_attention": ["true", "false"],
    "implementation.attention_kernel": ["flash2", "flash3", "cudnn"],
    "implementation.fp8_scaling": ["delayed", "current"],
    "implementation.kernels": ["megatron", "metaseq"],
    "implementation.gradient_accumulation": ["fused", "into_grad", "into_buffer", "convert_then_add"],
    "implementation.gradient_bytes": [2, 4, 3],
    "platform.gpu.nvlink_bandwidth": ["400 GB/s", "0 GB/s", "1 TB/s", "fast"],
    "platform.network.oversubscription": [1, 2, 4],
}
# Where an error may point: a file position, a file, or the override that caused it.
LOCATED = re.compile(r"^(\S+\.yaml(:\d+:\d+)?|--set \S+): error: ")
NOT_A_NUMBER = re.compile(r"\b(nan|-?inf)\b", re.IGNORECASE)


def one_what_if(rng):
    args = ["run", rng.choice(SCENARIOS)]
    if rng.random() < 0.4:
        args += ["--set", "model=" + rng.choice(MODELS)]
    for key in rng.sample(sorted(CHOICES), rng.randint(1, 3)):
        args += ["--set", "%s=%s" % (key, rng.choice(CHOICES[key]))]
    return args + ["--set", "training.iterations=1"]


def main():
    trainsim = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 2026)
    ran = refused = 0
    failures = []
    for _ in range(runs):
        args = one_what_if(rng)
        command = " ".join([trainsim] + ["'%s'" % a if " " in a else a for a in args])
        try:
            r = subprocess.run([trainsim] + args, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            failures.append("timeout: " + command)
            continue
        errors = [line for line in r.stderr.splitlines() if ": error: " in line]
        if r.returncode == 0:
            ran += 1
            if "iteration" not in r.stdout or NOT_A_NUMBER.search(r.stdout):
                failures.append("a run without a sane summary: %s\n%s" % (command, r.stdout[-800:]))
        elif r.returncode == 1 and errors and all(LOCATED.match(line) for line in errors):
            refused += 1
        else:
            failures.append("exit %d: %s\n%s" % (r.returncode, command, r.stderr[-800:]))
    print("%d what-ifs: %d ran, %d refused with a located error, %d failed" % (runs, ran, refused, len(failures)))
    for f in failures:
        print("FAILED", f)
    return 1 if failures or ran == 0 or refused == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
