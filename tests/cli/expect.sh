#!/usr/bin/env bash
# Runs a command and checks its exit code and that its combined output matches a regex.
# usage: expect.sh EXIT_CODE REGEX [--no-stdout] [--absent PATH] -- COMMAND...
# --no-stdout also requires that nothing was written to stdout (errors go to stderr only);
# --absent requires that PATH does not exist afterwards (no output file written on error).
set -u
expected_rc=$1 regex=$2
shift 2
no_stdout=0 absent=""
if [ "$1" = "--no-stdout" ]; then no_stdout=1; shift; fi
if [ "$1" = "--absent" ]; then absent=$2; rm -f "$absent"; shift 2; fi
[ "$1" = "--" ] && shift
out=$(mktemp) err=$(mktemp)
"$@" >"$out" 2>"$err"
rc=$?
status=0
if [ "$rc" -ne "$expected_rc" ]; then echo "exit code $rc, expected $expected_rc"; status=1; fi
if ! cat "$out" "$err" | grep -Eq -- "$regex"; then echo "output does not match /$regex/"; status=1; fi
if [ "$no_stdout" -eq 1 ] && [ -s "$out" ]; then echo "unexpected stdout"; status=1; fi
if [ -n "$absent" ] && [ -e "$absent" ]; then echo "$absent was written"; status=1; fi
[ $status -ne 0 ] && { echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"; }
rm -f "$out" "$err"
exit $status
