package train

import (
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// restored is a checkpoint's weights ready for inference: the snapshot attached to a fresh
// unchecked context on the configured backend. Every variable the graph reads must come from
// the snapshot (Snapshot.Attach).
type restored struct {
	snap *checkpoint.Snapshot
	b    backends.Backend
	ctx  *context.Context
}

// restore opens checkpoint ckpt and builds the backend setup configures, with a context
// holding the checkpoint's variables. Close releases the backend.
func restore(setup *Setup, ckpt string) (*restored, error) {
	snap, err := checkpoint.Open(ckpt)
	if err != nil {
		return nil, err
	}
	b, err := backend.New(setup.Root.Backend)
	if err != nil {
		return nil, err
	}
	ctx := context.New().Checked(false)
	snap.Attach(ctx)
	return &restored{snap: snap, b: b, ctx: ctx}, nil
}

// Close releases the backend.
func (r *restored) Close() { r.b.Finalize() }
