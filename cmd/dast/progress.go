package main

import (
	"go.uber.org/zap"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/core/train"
)

// progress adapts runlog's progress reporter to the trainer's.
type progress struct{ p *runlog.Progress }

func (p progress) Add(n int) { p.p.Add(n) }
func (p progress) Close()    { p.p.Close() }

func progressFor(log *zap.Logger) func(total int, what string) train.Progress {
	return func(total int, what string) train.Progress {
		return progress{runlog.NewProgress(total, what, log)}
	}
}
