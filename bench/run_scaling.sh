#!/usr/bin/env bash
# Benchmark (not a test): wall time and peak memory of `trainsim run` on the bundled GPT-3
# scenarios, one core. Targets (issue "training replay"): 1,024 GPUs under 5 s, 10,240 GPUs under
# 60 s, each under 4 GiB; the 102,400-GPU run (no target yet) takes about a minute.
# usage: bench/run_scaling.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
trainsim=${1:-$root/build}/trainsim
[ -x "$trainsim" ] || { echo "no trainsim binary (build first: scripts/build)" >&2; exit 2; }
echo "| scenario | GPUs | simulated iteration | wall time | peak RSS |"
echo "|---|---:|---:|---:|---:|"
# "scenario[:GPUs]": with GPUs, the same job resized by --set cluster.gpus (the 100,000-GPU class).
for entry in gpt3-175b-a100-1024 gpt3-175b-a800-1024 gpt3-175b-a100-10k gpt3-175b-a100-10k:102400; do
  s=${entry%%:*} resize=()
  [ "$entry" != "$s" ] && resize=(--set "cluster.gpus=${entry#*:}")
  out=$(mktemp) timing=$(mktemp)
  taskset -c 0 /usr/bin/time -f "%e %M" -o "$timing" "$trainsim" run "$root/scenarios/$s.yaml" "${resize[@]}" >"$out"
  read -r wall rss_kb <"$timing"
  gpus=$(sed -n 's/.*(\([0-9]*\) x .*/\1/p' "$out" | head -1)
  iteration=$(sed -n 's/^iteration *\([0-9.]* [a-z]*\).*/\1/p' "$out")
  printf "| %s | %s | %s | %s s | %d MiB |\n" "$s" "$gpus" "$iteration" "$wall" $((rss_kb / 1024))
  rm -f "$out" "$timing"
done
