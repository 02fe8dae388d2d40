#!/usr/bin/env bash
# Regenerates the committed protocol code from pluginpb/discriminator.proto: the Go package
# pluginpb and the Python module dast_plugin/discriminator_pb2.py. Needs protoc 3.21 (Debian's
# protobuf-compiler), protoc-gen-go v1.36.10 and protoc-gen-go-grpc v1.3.0 on PATH:
#
#	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.10
#	go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.3.0
#
# Builds never run it: the generated files are in the repository.
set -euo pipefail
cd "$(dirname "$0")"
protoc --go_out=. --go_opt=module=github.com/dast-uda/dast/plugins/sdk \
	--go-grpc_out=. --go-grpc_opt=module=github.com/dast-uda/dast/plugins/sdk \
	pluginpb/discriminator.proto
protoc --proto_path=pluginpb --python_out=python/dast_plugin discriminator.proto
