// Package dast registers "strategy.dast", the paper's Algorithm 1 as a pipeline of runs: the DA
// stage (strategy.da with these options), then K self-training rounds, each starting from the
// previous stage's weights and training on class-balanced pseudo labels made by it
// (strategy.self_training). core/train.RunStages runs the stages, each resumable.
package dast

import (
	"fmt"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/pseudo"
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

// Stages implements train.Staged: "da", then "round1".."roundK". Each stage's strategy block
// is this block's adversarial options under the stage's strategy (the pipeline's own options
// left out); a round also trains with the round schedule and without snapshot selection.
func (c *Config) Stages(tree *config.Tree) ([]train.Stage, error) {
	root, err := tree.Root()
	if err != nil {
		return nil, err
	}
	strategy := func(name string) config.Edit {
		return config.Set("strategy", config.BlockOf[adversarial.Options](root.Strategy, name))
	}
	stages := []train.Stage{{Name: "da", Edits: []config.Edit{
		config.Set("name", root.Name+"-da"),
		strategy("da"),
	}}}
	for r := 1; r <= c.Rounds; r++ {
		q := c.Q[0]
		if len(c.Q) > 1 {
			q = c.Q[r-1]
		}
		edits := []config.Edit{
			config.Set("name", fmt.Sprintf("%s-round%d", root.Name, r)),
			strategy("self_training"),
			// Snapshot selection chooses where self-training starts (the DA stage's
			// snapshot); each round trains to its end.
			config.Unset("data.select"),
		}
		if c.RoundIterations > 0 {
			edits = append(edits, config.Set("train.iterations", c.RoundIterations))
		}
		edits = append(edits, config.Unset("train.poly_horizon"))
		if c.RoundPolyHorizon > 0 {
			edits = append(edits, config.Set("train.poly_horizon", c.RoundPolyHorizon))
		}
		edits = append(edits, config.Set("train.lr", c.RoundLR), config.Set("train.head_lr_mult", c.RoundHeadLRMult))
		stages = append(stages, train.Stage{
			Name:   fmt.Sprintf("round%d", r),
			Pseudo: &pseudo.Options{Q: q, Cap: c.Cap, Subsample: c.Subsample},
			Edits:  edits,
		})
	}
	return stages, nil
}

// NewStrategy refuses to build a single step: strategy.dast is a pipeline (train.Staged).
func (c *Config) NewStrategy(*train.Env) (train.Strategy, error) {
	return nil, fmt.Errorf("strategy.dast is a pipeline of stages; run it with dast train, which runs its stages")
}
