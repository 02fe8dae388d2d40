// Package core_test checks the layering docs/ARCHITECTURE.md describes: the framework under
// core/ knows interfaces only, never a concrete component or an application feature.
package core_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/dast-uda/dast/"

// forbidden are the trees no package under core/ may depend on, directly or not.
var forbidden = []string{"app", "backbones", "bench", "cmd", "datasets", "discriminators", "modules", "objectives", "plugins", "strategies"}

// TestCoreImportsNoComponent runs go list -deps over core/... and fails for every package of
// a forbidden tree in a core package's dependencies.
func TestCoreImportsNoComponent(t *testing.T) {
	deps := listDeps(t, module+"core/...")
	if len(deps) < 10 {
		t.Fatalf("go list found %d core packages, want the framework's packages", len(deps))
	}
	for pkg, ds := range deps {
		for _, d := range ds {
			rel, ok := strings.CutPrefix(d, module)
			if !ok {
				continue
			}
			top, _, _ := strings.Cut(rel, "/")
			for _, f := range forbidden {
				if top == f {
					t.Errorf("%s depends on %s (core/ may not import %s/)", pkg, d, f)
				}
			}
		}
	}
}

// TestComponentsImportNoApplication: the components (and the framework) never depend on the
// application layer (app/, cmd/) above them.
func TestComponentsImportNoApplication(t *testing.T) {
	for _, tree := range []string{"backbones", "datasets", "discriminators", "objectives", "plugins", "strategies", "registry", "classes", "modules"} {
		for pkg, ds := range listDeps(t, module+tree+"/...") {
			for _, d := range ds {
				if strings.HasPrefix(d, module+"app/") || strings.HasPrefix(d, module+"cmd/") {
					t.Errorf("%s depends on %s (application layer)", pkg, d)
				}
			}
		}
	}
}

// listDeps maps each package matching pattern to its transitive dependencies (non-test).
func listDeps(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", pattern).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %s: %v\n%s", pattern, err, ee.Stderr)
		}
		t.Fatalf("go list %s: %v", pattern, err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			deps[f[0]] = f[1:]
		}
	}
	return deps
}
