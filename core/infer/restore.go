package infer

import (
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Restored is a checkpoint's weights ready for inference: the snapshot attached to a fresh
// unchecked context on the configured backend. Every variable the graph reads must come from
// the snapshot (Snapshot.Attach).
type Restored struct {
	Snap *checkpoint.Snapshot
	B    backends.Backend
	Ctx  *context.Context
}

// Restore opens checkpoint ckpt and builds the backend of spec backendSpec, with a context
// holding the checkpoint's variables. Close releases the backend.
func Restore(backendSpec, ckpt string) (*Restored, error) {
	snap, err := checkpoint.Open(ckpt)
	if err != nil {
		return nil, err
	}
	b, err := backend.New(backendSpec)
	if err != nil {
		return nil, err
	}
	ctx := context.New().Checked(false)
	snap.Attach(ctx)
	return &Restored{Snap: snap, B: b, Ctx: ctx}, nil
}

// Close releases the backend.
func (r *Restored) Close() { r.B.Finalize() }
