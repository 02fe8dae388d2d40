#!/bin/sh
# Regenerates the PyTorch golden fixtures under core/*/testdata. Needs CPU PyTorch for
# /usr/bin/python3 (Debian python3-torch); installs it when missing.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
	apt-get update && apt-get install -y python3-torch python3-numpy
fi
exec /usr/bin/python3 "$root/bench/golden/golden.py" "$root"
