package data

import (
	"hash/fnv"
	"math/rand/v2"
)

// Sampler yields a dataset's indices in a fresh random order every epoch. The order is a pure
// function of (seed, stream, position), so the data-order state of a run is just how many
// samples it has drawn: resuming at iteration i with batch b continues at position i*b, exactly
// where an uninterrupted run would be.
type Sampler struct {
	n      int
	seed   uint64
	stream uint64

	epoch int
	perm  []int
}

// NewSampler returns the sampler of n indices for the run seed and the stream's name
// ("source", "target"): each stream has an order of its own.
func NewSampler(n int, seed int64, stream string) *Sampler {
	h := fnv.New64a()
	h.Write([]byte(stream))
	return &Sampler{n: n, seed: uint64(seed), stream: h.Sum64(), epoch: -1}
}

// At returns the dataset index drawn at position pos (0-based, counting across epochs).
func (s *Sampler) At(pos int) int {
	epoch, i := pos/s.n, pos%s.n
	if epoch != s.epoch {
		r := rand.New(rand.NewPCG(s.seed, s.stream^uint64(epoch)*0x9E3779B97F4A7C15))
		s.perm = r.Perm(s.n)
		s.epoch = epoch
	}
	return s.perm[i]
}
