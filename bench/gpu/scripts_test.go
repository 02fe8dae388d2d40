// Tests of build.sh and run.sh that need no Go toolchain on the GPU side and no GPU: their
// syntax, and run.sh's stop at the first GPU step against a stand-in kit.
package gpu_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestScriptsParse(t *testing.T) {
	for _, s := range []string{"build.sh", "run.sh"} {
		sh := "sh"
		if s == "run.sh" {
			sh = "bash"
		}
		if out, err := exec.Command(sh, "-n", s).CombinedOutput(); err != nil {
			t.Errorf("%s -n %s: %v\n%s", sh, s, err, out)
		}
	}
}

// TestRunStopsAtTheFirstGPUStep runs run.sh with a stand-in kit whose dast answers doctor and
// fails `doctor --try xla:cuda` the way the real one does without a GPU: the summary must show
// the failed gpu step, every later step skipped, the STOPPED line, and the exit status 1.
func TestRunStopsAtTheFirstGPUStep(t *testing.T) {
	for _, tool := range []string{"bash", "xz", "tar", "sha256sum", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	root := t.TempDir()
	script, err := os.ReadFile("run.sh")
	if err != nil {
		t.Fatal(err)
	}
	write := func(path, text string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("bench/gpu/run.sh", string(script), 0o755)
	const noGPU = `dast: backend "xla:cuda": no NVIDIA GPU on this machine (stand-in)`
	write("stage/bin/dast", "#!/bin/sh\necho 'gpu       no      stand-in'\n[ \"$2\" = --try ] && { echo '"+noGPU+"' >&2; exit 1; }\nexit 0\n", 0o755)
	write("stage/tests/core_nn.test", "#!/bin/sh\nexit 0\n", 0o755)
	tarxz := filepath.Join(root, "gpukit", "kit.tar.xz")
	if err := os.MkdirAll(filepath.Dir(tarxz), 0o755); err != nil {
		t.Fatal(err)
	}
	pack := exec.Command("sh", "-c", `tar -C stage -cf - bin tests | xz -1 > gpukit/kit.tar.xz`)
	pack.Dir = root
	if out, err := pack.CombinedOutput(); err != nil {
		t.Fatalf("pack: %v\n%s", err, out)
	}
	data, err := os.ReadFile(tarxz)
	if err != nil {
		t.Fatal(err)
	}
	write("gpukit/MANIFEST", fmt.Sprintf("# stand-in\nrevision test\nsha256 %x\n", sha256.Sum256(data)), 0o644)

	out := t.TempDir()
	cmd := exec.Command("bash", "bench/gpu/run.sh")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "OUT="+out)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err = cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("run.sh: %v, want exit status 1\n%s", err, buf.String())
	}
	summary, err := os.ReadFile(filepath.Join(out, "gpu", "summary.md"))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	s := string(summary)
	for _, want := range []string{"| unpack  | ok", "| doctor  | ok", "| gpu     | FAILED", noGPU,
		"| golden  | skipped", "| da_xla  | skipped", "| curve   | skipped", "| r101    | skipped", "| vgg16   | skipped",
		"STOPPED at the first GPU step: " + noGPU} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	// A corrupt kit stops at unpack.
	write("gpukit/MANIFEST", "sha256 0000\n", 0o644)
	cmd = exec.Command("bash", "bench/gpu/run.sh")
	cmd.Dir, cmd.Env = root, append(os.Environ(), "OUT="+out)
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "sha256") || !strings.Contains(string(b), "STOPPED at unpack") {
		t.Errorf("corrupt kit: %v\n%s", err, b)
	}
}
