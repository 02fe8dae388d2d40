#!/bin/bash
# The GPU check of dast in one command, for a machine with an NVIDIA GPU, python3 with PyTorch
# (CUDA) and JAX's PJRT CUDA plugin, and no Go: it unpacks the kit bench/gpu/build.sh made
# (gpukit/, carried with the working tree) and runs, each step under its own timeout,
#   unpack     the kit (checksum checked)
#   doctor     dast doctor: the GPU, the plugin, PJRT C API versions (plugin vs go-xla's header)
#   gpu        dast doctor --try xla:cuda: create a client and compute on the GPU  <- first GPU step
#   golden     the layer/loss golden tests on xla:cuda (same fixtures and tolerances as on the CPU)
#   da_xla     a 200-iteration synthetic DA run on xla:cuda ...
#   da_go      ... and on go from the same seed; curve: the loss curves' largest relative
#              difference and both mIoUs
#   r101       paperstep: the paper-scale DA step, DeepLab-v2 ResNet-101, Go/XLA vs PyTorch
#   vgg16      the same for VGG-16
# and prints a summary table even when a step fails. When the first GPU step fails (no GPU, a
# plugin that does not load), the remaining steps are listed as skipped with their commands.
# Everything goes to $OUT/gpu when OUT is set, else gpukit/out. Run from the repository root:
#   bench/gpu/run.sh
#   bench/gpu/run.sh --rehearse   # on a CPU: every step on backend go, 20 DA iterations and
#                                 # paperstep -smoke, to check the script itself (a few minutes)
# Budget: 8 minutes of wall time at most (DAST_GPU_BUDGET_S, default 470 s): each step has its
# own timeout, cut to what is left of the budget; a step that finds none left is a TIMEOUT row.
set -u
spec=xla:cuda     # the backend under test
iters=200         # iterations of the synthetic DA runs
paper=()          # extra paperstep flags
budget=${DAST_GPU_BUDGET_S:-470} # the whole run, seconds: every step's timeout is cut to what is left
case "${1:-}" in
"") ;;
--rehearse)
	spec=go iters=20 paper=(-smoke) budget=${DAST_GPU_BUDGET_S:-900}
	echo "run.sh: rehearsal on backend go (20 DA iterations, paperstep -smoke): checks the script, measures nothing"
	;;
*)
	echo "usage: bench/gpu/run.sh [--rehearse]" >&2
	exit 2
	;;
esac
root=$(pwd)
if [ ! -f "$root/bench/gpu/run.sh" ]; then
	echo "run.sh: run me from the repository root (bench/gpu/run.sh)" >&2
	exit 2
fi
res="${OUT:+$OUT/gpu}"
res="${res:-$root/gpukit/out}"
mkdir -p "$res"
work=$(mktemp -d)
kitbin="$work/bin"
tests="$work/tests"
summary=()
stop=""
began=$(date +%s)
deadline=$((began + budget))
export root res work kitbin tests spec iters

# row NAME STATUS SECONDS NOTE
row() { summary+=("$(printf '| %-7s | %-8s | %5s | %s |' "$1" "$2" "$3" "$4")"); }

print_summary() {
	{
		echo
		echo "## dast GPU check ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(( $(date +%s) - began )) s, logs in $res)"
		echo
		echo "| step    | status   |     s | result |"
		echo "|---------|----------|-------|--------|"
		printf '%s\n' "${summary[@]}"
		if [ -n "$stop" ]; then
			echo
			echo "STOPPED $stop"
		fi
	} | tee "$res/summary.md"
	rm -rf "$work"
}
trap print_summary EXIT

# step NAME TIMEOUT_S CMD...: runs CMD (a command or one of the functions below) with its
# output in $res/NAME.log and on the terminal, under min(TIMEOUT_S, what is left of the whole
# run's budget); sets $status, $rc and $secs.
step() {
	local name=$1 limit=$2
	shift 2
	local left=$((deadline - $(date +%s)))
	if [ $left -lt 10 ]; then
		echo "=== $name: not started, the run's ${budget}s budget is spent" | tee "$res/$name.log"
		status="TIMEOUT" rc=124 secs=0
		return
	fi
	[ $limit -gt $left ] && limit=$left
	echo "=== $name (timeout ${limit}s): $*"
	local t0=$(date +%s)
	timeout --kill-after=10 "$limit" bash -c '"$@"' _ "$@" 2>&1 | tee "$res/$name.log"
	rc=${PIPESTATUS[0]}
	secs=$(( $(date +%s) - t0 ))
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		status="TIMEOUT"
	elif [ $rc -eq 0 ]; then
		status="ok"
	else
		status="FAILED"
	fi
}

# skip NAME CMD...: a step not run because the GPU step failed.
skip() {
	local name=$1
	shift
	row "$name" "skipped" "-" "not run (no usable GPU): $*"
}

# --- unpack (CPU) -------------------------------------------------------------------------
unpack() {
	[ -f "$root/gpukit/kit.tar.xz" ] || { echo "no gpukit/kit.tar.xz: run bench/gpu/build.sh on a machine with Go first"; return 1; }
	want=$(sed -n 's/^sha256 //p' "$root/gpukit/MANIFEST")
	got=$(sha256sum "$root/gpukit/kit.tar.xz" | cut -d' ' -f1)
	[ "$want" = "$got" ] || { echo "kit.tar.xz sha256 $got, MANIFEST says $want: rebuild the kit"; return 1; }
	if command -v xz >/dev/null; then
		xz -dc "$root/gpukit/kit.tar.xz" | tar -C "$work" -xf - || return 1
	else # no xz-utils: Python's lzma reads the same stream
		python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' \
			"$root/gpukit/kit.tar.xz" | tar -C "$work" -xf - || return 1
	fi
	head -3 "$root/gpukit/MANIFEST"
	echo "kit revision $(sed -n 's/^revision //p' "$root/gpukit/MANIFEST"), tree $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '(no git)')"
}
export -f unpack
step unpack 40 unpack
row unpack "$status" "$secs" "$(grep -m1 '^kit revision' "$res/unpack.log" || tail -1 "$res/unpack.log")"
if [ "$status" != ok ]; then
	stop="at unpack: the kit could not be unpacked (see $res/unpack.log)"
	exit 1
fi
dast="$kitbin/dast"
export dast

# --- doctor (CPU) -------------------------------------------------------------------------
step doctor 30 "$dast" doctor
row doctor "$status" "$secs" "$(awk '$1 == "gpu" || $1 == "xla:cuda" { k = $1; u = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "%s%s %s: %s", sep, k, (u == "yes" ? "usable" : "NOT usable"), substr($0, 1, 200); sep = "; " }' "$res/doctor.log")"

# --- gpu: the first GPU step --------------------------------------------------------------
step gpu 60 "$dast" doctor --try "$spec"
if [ "$status" = ok ]; then
	row gpu ok "$secs" "$(grep -m1 'constructed and ran' "$res/gpu.log" | cut -c1-300)"
else
	why=$(grep -m1 '^dast:' "$res/gpu.log" || tail -1 "$res/gpu.log")
	row gpu "$status" "$secs" "$why"
	stop="at the first GPU step: $why"
	skip golden "DAST_TEST_BACKEND=xla:cuda <pkg>.test: -test.run Golden in core/nn, core/losses, core/optim; all tests of strategies/adversarial/attention, objectives, discriminators/corrector, discriminators/discoverer, core/backend"
	skip da_xla "dast --log-format json train --config configs/synthetic/da.yaml --set backend=xla:cuda --set train.iterations=200 --set train.log_every=1"
	skip da_go "the same with --set backend=go"
	skip curve "curvediff -a da_xla.jsonl -b da_go.jsonl"
	skip r101 "paperstep -model resnet101 (1280x720 + 1024x512, xla:cuda vs PyTorch cuda, median of 10 after 3 warm-up)"
	skip vgg16 "paperstep -model vgg16"
	exit 1
fi

# --- golden tests on xla:cuda -------------------------------------------------------------
golden() {
	local fail=0 p bin pat out
	for p in core/nn core/losses core/optim strategies/adversarial/attention objectives discriminators/corrector discriminators/discoverer core/backend; do
		bin="$tests/$(echo "$p" | tr / _).test"
		case $p in
		core/nn | core/losses | core/optim) pat=Golden ;;
		*) pat=. ;;
		esac
		out=$(cd "$root/$p" && DAST_TEST_BACKEND=$spec "$bin" -test.v -test.run "$pat" -test.timeout 150s 2>&1)
		local prc=$?
		echo "$out" >"$res/golden_$(echo "$p" | tr / _).log"
		local pass=$(grep -c -- '^--- PASS' <<<"$out") failn=$(grep -c -- '--- FAIL' <<<"$out")
		local where="$spec"
		if [ "$p" = core/backend ]; then
			where="the specs each test names (TestCUDAComputes: $(grep -q -- '--- PASS: TestCUDAComputes' <<<"$out" && echo "xla:cuda computed" || echo "not passed"))"
		elif ! grep -q "testutil: backend $spec" <<<"$out"; then
			where="go (this package's tests do not read DAST_TEST_BACKEND)"
		fi
		echo "golden $p: rc $prc, $pass passed, $failn failed, ran on $where"
		grep -E -- '--- FAIL|relative error .* >' <<<"$out" | head -20
		[ $prc -eq 0 ] || fail=1
	done
	return $fail
}
export -f golden
step golden 120 golden
row golden "$status" "$secs" "$(grep '^golden ' "$res/golden.log" | sed 's/^golden //' | paste -sd ';' - | sed 's/;/; /g')"

# --- 200-iteration synthetic DA run, xla:cuda and go, same seed -----------------------------
da() {
	local be=$1 name=$2
	rm -rf "${res:?}/$name"
	"$dast" --log-format json train --config configs/synthetic/da.yaml --out "$res/$name" \
		--set backend="$be" --set train.iterations="$iters" --set train.log_every=1 --set train.checkpoint_every=0 \
		2>"$res/$name.jsonl"
}
export -f da
step da_xla 90 da "$spec" da_xla
row da_xla "$status" "$secs" "$(grep -m1 -o 'mIoU *[0-9.]*' "$res/da_xla.log" | tr -s ' ' || tail -1 "$res/da_xla.jsonl" | cut -c1-200)"
step da_go 90 da go da_go
row da_go "$status" "$secs" "$(grep -m1 -o 'mIoU *[0-9.]*' "$res/da_go.log" | tr -s ' ' || tail -1 "$res/da_go.jsonl" | cut -c1-200)"
step curve 15 "$kitbin/curvediff" -a "$res/da_xla.jsonl" -a-run "$res/da_xla" -b "$res/da_go.jsonl" -b-run "$res/da_go"
row curve "$status" "$secs" "$(grep -m1 '^summary' "$res/curve.log" | sed 's/^summary //; s/miou_a/miou_xla/; s/miou_b/miou_go/' || tail -1 "$res/curve.log")"

# --- paper-scale step, Go/XLA vs PyTorch on the same GPU ------------------------------------
for m in resnet101 vgg16; do
	name=$m
	[ $m = resnet101 ] && name=r101
	limit=180
	[ $m = vgg16 ] && limit=130
	step "$name" $limit "$kitbin/paperstep" -model $m -backend "$spec" "${paper[@]}" -out "$res/paperstep_$m"
	row "$name" "$status" "$secs" "$(grep -E "^row |^ratio_" "$res/$name.log" | sed 's/^row //' | paste -sd ';' - | sed 's/;/; /g' | cut -c1-400)"
done
