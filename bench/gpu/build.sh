#!/bin/sh
# Builds the GPU kit on a CPU machine with Go and a C compiler: the dast binary, paperstep (the
# paper-scale DA step against PyTorch), curvediff and the test binaries of the packages whose
# behaviour depends on the backend (go test -c), all with XLA (cgo; they link only libc at build
# time and dlopen the PJRT plugin at run time), stripped, in one xz-compressed tar under
# gpukit/ (git-ignored) with a manifest. The kit must stay under 64 MiB: it travels with the
# working tree to a GPU machine that has no Go. Run from anywhere; prints the device command.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
kit="$root/gpukit"
limit=$((64 * 1024 * 1024))
# The test binaries bench/gpu/run.sh runs (package directories, relative to the root).
tests="core/backend core/nn core/losses core/optim strategies/adversarial/attention objectives discriminators/corrector discriminators/discoverer"

command -v go >/dev/null || { echo "build.sh: go not found" >&2; exit 1; }
command -v xz >/dev/null || { echo "build.sh: xz not found (apt-get install xz-utils)" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/tests"
export CGO_ENABLED=1
cd "$root"
started=$(date +%s)
echo "build.sh: building in $root (GOOS/GOARCH $(go env GOOS)/$(go env GOARCH), $(go version | cut -d' ' -f3))"
go build -trimpath -ldflags='-s -w' -o "$stage/bin/dast" ./cmd/dast
go build -trimpath -ldflags='-s -w' -o "$stage/bin/paperstep" ./bench/gpu/cmd/paperstep
go build -trimpath -ldflags='-s -w' -o "$stage/bin/curvediff" ./bench/gpu/cmd/curvediff
for p in $tests; do
	go test -c -trimpath -ldflags='-s -w' -o "$stage/tests/$(echo "$p" | tr / _).test" "./$p"
done
# The binaries must not need more than libc and the dynamic loader at run time.
for f in "$stage"/bin/* "$stage"/tests/*; do
	if command -v ldd >/dev/null; then
		bad=$(ldd "$f" 2>/dev/null | grep -v -E 'linux-vdso|libc\.so|libm\.so|libdl\.so|libpthread\.so|libresolv\.so|ld-linux|statically' || true)
		if [ -n "$bad" ]; then
			echo "build.sh: $f needs more than libc:" >&2
			echo "$bad" >&2
			exit 1
		fi
	fi
done
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | grep -q . && echo "+dirty" || true)
mkdir -p "$kit"
rm -f "$kit/kit.tar.xz" "$kit/MANIFEST"
# One solid xz stream over similar binaries (the Go runtime, GoMLX and go-xla repeat in every
# one): -9 has a 64 MiB window, so each binary compresses against the ones before it.
tar -C "$stage" -cf - bin tests | xz -9 -T1 >"$kit/kit.tar.xz"
{
	echo "# dast GPU kit, built by bench/gpu/build.sh; unpacked by bench/gpu/run.sh"
	echo "revision $rev$dirty"
	echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m), $(go version | cut -d' ' -f3)"
	echo "sha256 $(sha256sum "$kit/kit.tar.xz" | cut -d' ' -f1)"
	(cd "$stage" && find bin tests -type f | sort | while read -r f; do echo "file $f $(wc -c <"$f")"; done)
} >"$kit/MANIFEST"
raw=$(du -sb "$stage" | cut -f1)
size=$(wc -c <"$kit/kit.tar.xz")
total=$(du -sb "$kit" | cut -f1)
echo "build.sh: $(ls "$stage/bin" "$stage/tests" | grep -c -v -e '^$' -e ':$') files, $((raw / 1048576)) MiB raw -> kit.tar.xz $((size / 1048576)).$(((size % 1048576) * 10 / 1048576)) MiB; gpukit/ holds $total bytes (limit $limit) in $(($(date +%s) - started)) s"
sed -n 's/^file /  /p' "$kit/MANIFEST"
if [ "$total" -gt "$limit" ]; then
	echo "build.sh: gpukit/ is over the 64 MiB limit" >&2
	exit 1
fi
echo "build.sh: on the GPU machine, from the repository root (with gpukit/ carried along):"
echo "  bench/gpu/run.sh          # results under \$OUT/gpu when OUT is set, else gpukit/out"
