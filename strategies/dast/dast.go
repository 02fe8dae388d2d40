// Package dast registers "strategy.dast", the paper's Algorithm 1 as a pipeline of runs: the DA
// stage (strategy.da with these options), then K self-training rounds, each starting from the
// previous stage's weights and training on class-balanced pseudo labels made by it
// (strategy.self_training). core/train.RunStages runs the stages, each resumable.
package dast

import (
	"fmt"

	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/registry"
	"github.com/dast-uda/dast/strategies/adversarial"
)

func init() { registry.Register(Config{}) }

// Config is the YAML block of strategy.dast: the DA options, then the rounds'.
type Config struct {
	adversarial.Options
	Rounds          int       `koanf:"rounds" doc:"self-training rounds K after the DA stage"`
	Q               []float64 `koanf:"q" doc:"portion q of each round's pseudo labels (one value: every round)"`
	Cap             float64   `koanf:"cap" doc:"upper bound of the per-class confidence thresholds"`
	Subsample       int       `koanf:"subsample" doc:"count every n-th pixel when collecting confidences (1 = exact)"`
	RoundIterations int       `koanf:"round_iterations" doc:"iterations of each round (0: train.iterations)"`
	RoundLR         float64   `koanf:"round_lr" doc:"segmentor learning rate of the rounds (release: 2e-4)"`
	RoundHeadLRMult float64   `koanf:"round_head_lr_mult" doc:"head learning-rate multiplier of the rounds (release: 1, no 10x group)"`
	// RoundPolyHorizon is the rounds' poly schedule length (the release: 100k for 20k-iteration
	// rounds); 0 decays over the round's own iterations.
	RoundPolyHorizon int `koanf:"round_poly_horizon" doc:"poly LR horizon of each round (0: the round's iterations; release: 100000)"`
}

// Module implements registry.Module.
func (Config) Module() registry.Info {
	return registry.Info{
		ID:          "strategy.dast",
		Description: "DAST: the DA stage, then K self-training rounds on class-balanced pseudo labels",
		New: func() registry.Module {
			return &Config{
				Options: adversarial.SelfTrainingDefaults(),
				Rounds:  3, Q: []float64{0.5}, Cap: 0.9, Subsample: 1, RoundLR: 2e-4, RoundHeadLRMult: 1,
			}
		},
	}
}

// Validate implements registry.Validator.
func (c *Config) Validate() error {
	if c.PseudoLabels != "" {
		return fmt.Errorf("pseudo_labels: strategy.dast makes its own pseudo labels; use strategy.self_training for one round on given labels")
	}
	if c.Rounds < 0 || c.Rounds > 20 {
		return fmt.Errorf("rounds: %d must be in [0, 20]", c.Rounds)
	}
	if len(c.Q) != 1 && len(c.Q) != c.Rounds {
		return fmt.Errorf("q: give one value or one per round (%d), got %d", c.Rounds, len(c.Q))
	}
	for i, q := range c.Q {
		if q < 0 || q > 1 {
			return fmt.Errorf("q[%d]: %v must be in [0, 1]", i, q)
		}
	}
	switch {
	case c.Cap <= 0 || c.Cap > 1:
		return fmt.Errorf("cap: %v must be in (0, 1]", c.Cap)
	case c.Subsample < 1:
		return fmt.Errorf("subsample: %d must be >= 1", c.Subsample)
	case c.RoundIterations < 0:
		return fmt.Errorf("round_iterations: %d must be >= 0", c.RoundIterations)
	case c.RoundPolyHorizon < 0:
		return fmt.Errorf("round_poly_horizon: %d must be >= 0", c.RoundPolyHorizon)
	case c.RoundLR <= 0 || c.RoundHeadLRMult <= 0:
		return fmt.Errorf("round_lr and round_head_lr_mult must be > 0")
	}
	return c.Options.Validate()
}

// pipelineKeys are strategy.dast's own options, removed from the stages' strategy blocks.
var pipelineKeys = []string{"rounds", "q", "cap", "subsample", "round_iterations", "round_lr", "round_head_lr_mult", "round_poly_horizon"}

// Stages implements train.Staged: "da", then "round1".."roundK".
func (c *Config) Stages(resolved map[string]any) ([]train.Stage, error) {
	stage := func(strategy string, edit func(cfg map[string]any)) map[string]any {
		cfg := deepCopy(resolved).(map[string]any)
		st, _ := cfg["strategy"].(map[string]any)
		for _, k := range pipelineKeys {
			delete(st, k)
		}
		st["name"] = strategy
		edit(cfg)
		return cfg
	}
	name, _ := resolved["name"].(string)
	stages := []train.Stage{{Name: "da", Config: stage("da", func(cfg map[string]any) {
		cfg["name"] = name + "-da"
	})}}
	for r := 1; r <= c.Rounds; r++ {
		q := c.Q[0]
		if len(c.Q) > 1 {
			q = c.Q[r-1]
		}
		stages = append(stages, train.Stage{
			Name:   fmt.Sprintf("round%d", r),
			Pseudo: &train.PseudoOptions{Q: q, Cap: c.Cap, Subsample: c.Subsample},
			Config: stage("self_training", func(cfg map[string]any) {
				cfg["name"] = fmt.Sprintf("%s-round%d", name, r)
				// Snapshot selection chooses where self-training starts (the DA stage's
				// snapshot); each round trains to its end.
				if data, ok := cfg["data"].(map[string]any); ok {
					delete(data, "select")
				}
				tr, _ := cfg["train"].(map[string]any)
				if tr == nil {
					tr = map[string]any{}
					cfg["train"] = tr
				}
				if c.RoundIterations > 0 {
					tr["iterations"] = c.RoundIterations
				}
				delete(tr, "poly_horizon")
				if c.RoundPolyHorizon > 0 {
					tr["poly_horizon"] = c.RoundPolyHorizon
				}
				tr["lr"] = c.RoundLR
				tr["head_lr_mult"] = c.RoundHeadLRMult
			}),
		})
	}
	return stages, nil
}

// NewStrategy refuses to build a single step: strategy.dast is a pipeline (train.Staged).
func (c *Config) NewStrategy(*train.Env) (train.Strategy, error) {
	return nil, fmt.Errorf("strategy.dast is a pipeline of stages; run it with dast train, which runs its stages")
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}
