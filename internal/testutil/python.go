package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// PythonSDK returns the interpreter of the Python plugin SDK's examples (/usr/bin/python3,
// their #! line) after checking it imports grpc, google.protobuf and cryptography (Debian's
// python3-grpcio, python3-protobuf, python3-cryptography). Without them the test is skipped,
// unless DAST_REQUIRE_PYTHON_SDK=1 (set by .ci/run, which installs them) makes it fail.
func PythonSDK(t testing.TB) string {
	t.Helper()
	const python = "/usr/bin/python3"
	out, err := exec.Command(python, "-c", "import grpc, google.protobuf, cryptography").CombinedOutput()
	if err != nil {
		msg := "the Python plugin SDK needs " + python + " with python3-grpcio, python3-protobuf and python3-cryptography: " + err.Error() + ": " + string(out)
		if os.Getenv("DAST_REQUIRE_PYTHON_SDK") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return python
}
