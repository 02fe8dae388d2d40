package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/cpu"
)

// gemmShapes covers full and partial register tiles of every kernel (12x32, 12x16, 6x16),
// depths below, at and above one packed block (kc = 256), and the narrow/wide choice.
var gemmShapes = [][3]int{
	{1, 1, 1}, {4, 16, 1}, {5, 17, 3}, {12, 32, 5}, {12, 16, 7}, {13, 33, 9}, {24, 64, 256},
	{37, 50, 300}, {64, 64, 513}, {130, 9, 40}, {3, 100, 7}, {25, 48, 19}, {561, 19, 70}, {7, 1, 600}, {150, 20, 1100},
	{12, 300, 40}, {20, 700, 64}, // few row panels: column panels split among workers
	{40, 20, 9000}, {13, 35, 12290}, // great depth, small result: depth slices (with transA, !transB)
}

// reference is op(a)*op(b) in float64.
func reference(m, n, k int, a []float32, ta bool, b []float32, tb bool) []float64 {
	want := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				av := a[i*k+p]
				if ta {
					av = a[p*m+i]
				}
				bv := b[p*n+j]
				if tb {
					bv = b[j*k+p]
				}
				s += float64(av) * float64(bv)
			}
			want[i*n+j] = s
		}
	}
	return want
}

func randSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	return x
}

// TestSgemmPathsMatchDefinition runs every SGEMM path this CPU supports (AVX-512, AVX2/FMA,
// each with its narrow variant where it has one) on every transpose combination against the
// float64 definition. Paths the CPU lacks are skipped by name, so the log says what ran.
func TestSgemmPathsMatchDefinition(t *testing.T) {
	for _, kern := range kernels {
		variants := []*microKernel{kern}
		if kern.narrow != nil {
			variants = append(variants, kern.narrow)
		}
		for _, v := range variants {
			t.Run(fmt.Sprintf("%s_%dx%d", v.name, v.mr, v.nr), func(t *testing.T) {
				if !kern.supported {
					t.Skipf("this CPU cannot run %s (%s)", kern.name, kern.desc)
				}
				// Force the variant: a kernel without a narrow one is used as it is.
				forced := *v
				forced.narrow = nil
				checkSgemm(t, &forced)
			})
		}
	}
}

func checkSgemm(t *testing.T, kern *microKernel) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range gemmShapes {
		m, n, k := s[0], s[1], s[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a, b := randSlice(rng, m*k), randSlice(rng, k*n)
				c := filled(m*n, 99) // overwritten, not accumulated
				sgemmWith(kern, m, n, k, a, ta, b, tb, c)
				closeTo(t, fmt.Sprintf("m%d n%d k%d ta %v tb %v: c", m, n, k, ta, tb), c, reference(m, n, k, a, ta, b, tb), k)
			}
		}
	}
}

// TestSlicedSameOnAnyCPUCount checks that a depth-sliced product (depthSlices) gives the same
// bits whatever the number of CPUs: the slices depend on the shape only.
func TestSlicedSameOnAnyCPUCount(t *testing.T) {
	m, n, k := 40, 20, 3*sliceDepth+5
	if depthSlices(m, n, k) < 2 {
		t.Fatalf("depthSlices(%d, %d, %d) = %d, want a sliced product", m, n, k, depthSlices(m, n, k))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	a, b := randSlice(rng, k*m), randSlice(rng, k*n)
	var want []float32
	for _, procs := range []int{1, 2, 3} {
		prev := runtime.GOMAXPROCS(procs)
		c := make([]float32, m*n)
		Sgemm(m, n, k, a, true, b, false, c)
		runtime.GOMAXPROCS(prev)
		if want == nil {
			want = c
			continue
		}
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
				t.Fatalf("GOMAXPROCS=%d: c[%d] = %v, GOMAXPROCS=1 gave %v", procs, i, c[i], want[i])
			}
		}
	}
}

func TestChooseKernel(t *testing.T) {
	best := nameOf(kernels[0])
	for _, k := range kernels {
		if k.supported {
			best = k.name
			break
		}
	}
	if len(kernels) == 0 || !Supported(best) {
		best = "gonum"
	}
	tests := []struct {
		req, want string
		note      bool
	}{
		{"", best, false}, {"auto", best, false}, {"gonum", "gonum", false}, {"GONUM", "gonum", false},
		{"sse9", best, true},
	}
	for _, k := range kernels {
		if k.supported {
			tests = append(tests, struct {
				req, want string
				note      bool
			}{k.name, k.name, false})
		} else {
			tests = append(tests, struct {
				req, want string
				note      bool
			}{k.name, best, true})
		}
	}
	for _, tc := range tests {
		k, note := chooseKernel(tc.req)
		if nameOf(k) != tc.want || (note != "") != tc.note {
			t.Errorf("chooseKernel(%q) = %s, note %q; want %s, note %v", tc.req, nameOf(k), note, tc.want, tc.note)
		}
	}
}

// BenchmarkSgemm times every SGEMM path on the product shapes that dominate dast's training
// steps (im2col convolutions: pixels x Cout x 9*Cin, and their gradients) and reports GFLOP/s
// and, where the CPU's peak is known, the fraction of it:
//
//	go test -run - -bench Sgemm ./core/backend/fastgo/kernels
//
// Peak = cores x GHz x FMA units x lanes x 2: the clock is read from /proc/cpuinfo (the
// nominal MHz the kernel reports, not the turbo clock) and two FMA units per core are assumed
// (Intel's server cores since Skylake-SP and AVX2 desktop cores); set DAST_PEAK_GFLOPS to
// override it.
func BenchmarkSgemm(b *testing.B) {
	shapes := []struct {
		name    string
		m, n, k int
		ta, tb  bool
	}{
		{"conv_fwd_8192x16x304", 8192, 16, 304, false, false},
		{"conv_fwd_561x64x576", 561, 64, 576, false, false},
		{"conv_fwd_561x19x576", 561, 19, 576, false, false},
		{"dgrad_561x576x64", 561, 576, 64, false, true},
		{"wgrad_576x64x561", 576, 64, 561, true, false},
		{"wgrad_576x19x561", 576, 19, 561, true, false},
		{"wgrad_304x16x8192", 304, 16, 8192, true, false},
		{"dgrad_8192x304x16", 8192, 304, 16, false, true},
		{"large_2048x256x2304", 2048, 256, 2304, false, false},
		// bench/cmd/convbench's 64->64 3x3 layers (batch 2, 128x128)
		{"conv_fwd_32768x64x576", 32768, 64, 576, false, false},
		{"dgrad_32768x576x64", 32768, 576, 64, false, true},
		{"wgrad_576x64x32768", 576, 64, 32768, true, false},
	}
	paths := append([]string(nil), Names()...)
	for _, path := range paths {
		kern, ok := kernelByName(path)
		for _, s := range shapes {
			b.Run(path+"/"+s.name, func(b *testing.B) {
				if !ok {
					b.Skipf("this CPU cannot run %s", path)
				}
				rng := rand.New(rand.NewPCG(1, 2))
				x, y := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n)
				c := make([]float32, s.m*s.n)
				flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
				b.ResetTimer()
				cpu0 := processCPU()
				for i := 0; i < b.N; i++ {
					if kern == nil {
						gonumSgemm(s.m, s.n, s.k, x, s.ta, y, s.tb, c)
					} else {
						sgemmWith(kern, s.m, s.n, s.k, x, s.ta, y, s.tb, c)
					}
				}
				gf := flops * float64(b.N) / b.Elapsed().Seconds() / 1e9
				b.ReportMetric(gf, "GFLOP/s")
				// Per CPU-second of this process: less sensitive to other processes on a
				// shared machine than the wall-clock rate.
				if cs := (processCPU() - cpu0).Seconds(); cs > 0 {
					b.ReportMetric(flops*float64(b.N)/cs/1e9, "GFLOP/cpu-s")
				}
				if peak := peakGFLOPS(path); peak > 0 {
					b.ReportMetric(100*gf/peak, "%peak")
				}
			})
		}
	}
}

// processCPU is the CPU time this process has used (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakGFLOPS is the machine's nominal float32 FMA peak for a path's vector width (see
// BenchmarkSgemm), 0 when unknown.
func peakGFLOPS(path string) float64 {
	if v, err := strconv.ParseFloat(os.Getenv("DAST_PEAK_GFLOPS"), 64); err == nil && v > 0 {
		return v * map[string]float64{"avx512": 1, "avx2": 0.5, "gonum": 0.5}[path]
	}
	lanes := map[string]float64{"avx512": 16, "avx2": 8, "gonum": 8}[path]
	ghz := cpuGHz()
	if lanes == 0 || ghz == 0 || !cpu.X86.HasFMA {
		return 0
	}
	return float64(runtime.GOMAXPROCS(0)) * ghz * 2 * lanes * 2
}

// cpuGHz is the nominal clock: the first "cpu MHz" of /proc/cpuinfo.
func cpuGHz() float64 {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if name, val, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "cpu MHz" {
			mhz, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err == nil {
				return mhz / 1000
			}
		}
	}
	return 0
}

// TestEnvironmentForcesPath: with DAST_SGEMM naming a path this CPU runs (as .ci/run sets it
// to cover every path), that path is the one in use.
func TestEnvironmentForcesPath(t *testing.T) {
	req := strings.ToLower(os.Getenv("DAST_SGEMM"))
	if req == "" || req == "auto" {
		t.Skip("DAST_SGEMM not set: the fastest path is in use (" + Name() + ")")
	}
	if req == "go" {
		req = "gonum"
	}
	if !Supported(req) {
		t.Skipf("this CPU cannot run %s (%s)", req, kernelNote)
	}
	if Name() != req {
		t.Fatalf("DAST_SGEMM=%s but the path in use is %s", req, Name())
	}
}

// BenchmarkSgemmColdA times weight-gradient products (a^T b, a the im2col patches) with a read
// from memory rather than cache, as in a training step, where the patches were written in the
// forward pass: the benchmark cycles through 40 copies of a (about 50 MiB at 576x561). Next to
// BenchmarkSgemm's cache-resident figures it shows how much of a product's time is the patches'
// memory traffic.
//
//	go test -run - -bench SgemmColdA ./core/backend/fastgo/kernels
func BenchmarkSgemmColdA(b *testing.B) {
	for _, s := range []struct{ m, n, k int }{{576, 19, 561}, {576, 64, 561}, {304, 16, 8192}} {
		for _, copies := range []int{1, 40} {
			b.Run(fmt.Sprintf("%dx%dx%d/copies=%d", s.m, s.n, s.k, copies), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				as := make([][]float32, copies)
				for i := range as {
					as[i] = randSlice(rng, s.m*s.k)
				}
				y, c := randSlice(rng, s.k*s.n), make([]float32, s.m*s.n)
				b.ResetTimer()
				cpu0 := processCPU()
				for i := 0; i < b.N; i++ {
					Sgemm(s.m, s.n, s.k, as[i%copies], true, y, false, c)
				}
				if cs := (processCPU() - cpu0).Seconds(); cs > 0 {
					b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/cs/1e9, "GFLOP/cpu-s")
				}
			})
		}
	}
}
