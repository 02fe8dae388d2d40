#!/usr/bin/env bash
# Measures GoMLX v0.28.2's Go backend on dast's product shapes, without and with
# GOEXPERIMENT=simd, and dast's own SGEMM paths on the same shapes, one after the other.
# Usage (from anywhere): bash bench/gomlx028/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
(cd "$here" && go run . -label "gomlx v0.28.2")
(cd "$here" && GOEXPERIMENT=simd go run . -label "gomlx v0.28.2 simd")
(cd "$root" && go test -run - -bench 'Sgemm/.*/(conv_fwd|large)' -benchtime 1s ./core/backend/fastgo/kernels |
	awk '/^BenchmarkSgemm/ { split($1, p, "/"); sub(/-[0-9]+$/, "", p[3]);
		for (i = 2; i <= NF; i++) if ($(i+1) == "GFLOP/s") g = $i; else if ($(i+1) == "ns/op") t = $i;
		printf "%-26s %-24s %8.3f ms %7.1f GFLOP/s\n", "dast " p[2], p[3], t/1e6, g }')
