#!/usr/bin/env bash
# Benchmark (not a test): wall time and peak memory of a simulated 1 GiB all-reduce at 1,024,
# 4,096 and 16,384 GPUs, through `trainsim nccl-tests`, one run per line, on one core.
# Target (docs/network-model.md, "Performance"): 16,384 GPUs in under 3 s and 1 GiB.
# usage: bench/collective_scaling.sh [BUILD_DIR] [extra nccl-tests options, e.g. --algo ring]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
trainsim=$build/trainsim
[ -x "$trainsim" ] || { echo "no trainsim binary in $build (build first: scripts/build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time, Debian package 'time')" >&2; exit 2; }

cases=("platforms/dgx-a100-1024.yaml 1024" "platforms/a100-10k.yaml 4096" "platforms/h100-16k.yaml 16384")
echo "| GPUs | platform | algorithm | fidelity | simulated time | busbw | wall time | of which platform build | peak RSS |"
echo "|---:|---|---|---|---:|---:|---:|---:|---:|"
for c in "${cases[@]}"; do
  set -- $c "$@"
  platform=$1 gpus=$2
  shift 2
  out=$(mktemp) timing=$(mktemp)
  taskset -c 0 /usr/bin/time -v -o "$timing" "$trainsim" nccl-tests --platform "$root/$platform" --op all_reduce \
    --gpus "$gpus" --min-bytes 1G --max-bytes 1G "$@" >"$out"
  row=$(grep -v '^#' "$out" | head -1)
  time_us=$(echo "$row" | awk '{print $6}')
  busbw=$(echo "$row" | awk '{print $NF}')
  algo=$(sed -n 's/^# algorithm: \([^ ]*\)  fidelity: \(.*\)$/\1/p' "$out")
  fidelity=$(sed -n 's/^# algorithm: \([^ ]*\)  fidelity: \(.*\)$/\2/p' "$out")
  build_s=$(sed -n 's/.*(platform build \([0-9.]*\) s).*/\1/p' "$out")
  wall=$(sed -n 's/.*Elapsed (wall clock) time.*: \(.*\)$/\1/p' "$timing")
  rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): \(.*\)$/\1/p' "$timing")
  printf "| %d | %s | %s | %s | %.2f ms | %s GB/s | %s | %s s | %d MiB |\n" "$gpus" "$(basename "$platform" .yaml)" \
    "$algo" "$fidelity" "$(echo "$time_us / 1000" | bc -l)" "$busbw" "$wall" "$build_s" $((rss_kb / 1024))
  rm -f "$out" "$timing"
done
