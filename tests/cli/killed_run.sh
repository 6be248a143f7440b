#!/usr/bin/env bash
# A run killed before it finishes leaves no file under the trace's name (only, at most, a
# temporary file that says so): usage killed_run.sh TRAINSIM SCENARIO OUT.h5
set -u
trainsim=$1 scenario=$2 out=$3
rm -f "$out" "$out".tmp.*
"$trainsim" run "$scenario" -o "$out" >/dev/null &
pid=$!
sleep 0.3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -e "$out" ]; then echo "$out exists after the run was killed"; exit 1; fi
rm -f "$out".tmp.*
echo "no $out after kill -9"
