package matrix

import (
	"fmt"
	"regexp"
	"strings"
)

// SlurmResources is a `slurm:` block: what each job of a matrix (or of one row) asks Slurm for.
// Empty fields are left to the cluster's defaults.
type SlurmResources struct {
	Partition string `yaml:"partition"` // --partition
	Account   string `yaml:"account"`   // --account
	GPUs      int    `yaml:"gpus"`      // --gpus (0: none asked)
	CPUs      int    `yaml:"cpus"`      // --cpus-per-task
	Mem       string `yaml:"mem"`       // --mem, e.g. 16G
	Time      string `yaml:"time"`      // --time, e.g. 2-00:00:00
	// Extra are further sbatch options, written verbatim as #SBATCH lines (e.g. --qos=long,
	// --constraint=a100).
	Extra []string `yaml:"extra"`
}

var (
	slurmNameRE = regexp.MustCompile(`^[A-Za-z0-9_.,+-]+$`)
	slurmMemRE  = regexp.MustCompile(`^[0-9]+[KMGTkmgt]?$`)
	slurmTimeRE = regexp.MustCompile(`^(([0-9]+-)?[0-9]+(:[0-9]+){0,2}|[Ii]nfinite|UNLIMITED|unlimited)$`)
)

// validate checks a slurm block; errors start with the field's key (the caller prefixes where
// the block is).
func (s *SlurmResources) validate() error {
	if s == nil {
		return nil
	}
	for key, v := range map[string]string{"partition": s.Partition, "account": s.Account} {
		if v != "" && !slurmNameRE.MatchString(v) {
			return fmt.Errorf("%s: %q: use letters, digits and '_.,+-'", key, v)
		}
	}
	if s.GPUs < 0 {
		return fmt.Errorf("gpus: %d must be >= 0", s.GPUs)
	}
	if s.CPUs < 0 {
		return fmt.Errorf("cpus: %d must be >= 0", s.CPUs)
	}
	if s.Mem != "" && !slurmMemRE.MatchString(s.Mem) {
		return fmt.Errorf("mem: %q: want a size such as 16G or 16000 (MB)", s.Mem)
	}
	if s.Time != "" && !slurmTimeRE.MatchString(s.Time) {
		return fmt.Errorf("time: %q: want a Slurm time limit such as 90, 12:00:00 or 2-00:00:00", s.Time)
	}
	for i, e := range s.Extra {
		if !strings.HasPrefix(e, "-") || strings.ContainsAny(e, "\n\r") {
			return fmt.Errorf("extra[%d]: %q: want one sbatch option such as --qos=long", i, e)
		}
	}
	return nil
}

// merge returns s with the fields o sets replaced (o's extra options added after s's).
func (s SlurmResources) merge(o *SlurmResources) SlurmResources {
	if o == nil {
		return s
	}
	if o.Partition != "" {
		s.Partition = o.Partition
	}
	if o.Account != "" {
		s.Account = o.Account
	}
	if o.GPUs != 0 {
		s.GPUs = o.GPUs
	}
	if o.CPUs != 0 {
		s.CPUs = o.CPUs
	}
	if o.Mem != "" {
		s.Mem = o.Mem
	}
	if o.Time != "" {
		s.Time = o.Time
	}
	s.Extra = append(append([]string(nil), s.Extra...), o.Extra...)
	return s
}

// SlurmFor is the resources of row r's jobs: the matrix's slurm block with the row's on top.
func (m *Matrix) SlurmFor(r Row) SlurmResources {
	var s SlurmResources
	if m.Slurm != nil {
		s = s.merge(m.Slurm)
	}
	return s.merge(r.Slurm)
}

// Options renders the resources as sbatch options.
func (s SlurmResources) Options() []string {
	var out []string
	if s.Partition != "" {
		out = append(out, "--partition="+s.Partition)
	}
	if s.Account != "" {
		out = append(out, "--account="+s.Account)
	}
	if s.GPUs > 0 {
		out = append(out, fmt.Sprintf("--gpus=%d", s.GPUs))
	}
	if s.CPUs > 0 {
		out = append(out, fmt.Sprintf("--cpus-per-task=%d", s.CPUs))
	}
	if s.Mem != "" {
		out = append(out, "--mem="+s.Mem)
	}
	if s.Time != "" {
		out = append(out, "--time="+s.Time)
	}
	return append(out, s.Extra...)
}

// Executors are the values of matrix.executor and --executor.
var Executors = []string{"local", "slurm"}

// CheckExecutor reports an executor name that is not one of Executors ("" is local).
func CheckExecutor(name string) error {
	if name == "" {
		return nil
	}
	for _, e := range Executors {
		if name == e {
			return nil
		}
	}
	return fmt.Errorf("%q is not an executor (known: %s)", name, strings.Join(Executors, ", "))
}
