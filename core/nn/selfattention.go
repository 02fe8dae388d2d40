package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// SelfAttention is the self-attention block of SAGAN (Zhang et al. 2019) given its
// projections: for every position i of x [N,H,W,C],
//
//	y_i = gamma * sum_j softmax_j(q_i . k_j) v_j + x_i
//
// with the queries and keys q, k [N,H,W,C'] and the values v [N,H,W,C] (in SAGAN, 1x1 convs
// of x) and gamma a scalar (SAGAN starts it at 0, so the block starts as the identity). The
// attention matrix is [N, H*W, H*W].
func SelfAttention(x, q, k, v, gamma *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	if x.Rank() != 4 || q.Rank() != 4 || k.Rank() != 4 || !q.Shape().Equal(k.Shape()) || !v.Shape().Equal(x.Shape()) ||
		q.Shape().Dimensions[1] != d[1] || q.Shape().Dimensions[2] != d[2] || gamma.Shape().Size() != 1 {
		panic(fmt.Sprintf("nn.SelfAttention: want x, v [N,H,W,C], q, k [N,H,W,C'] and a scalar gamma, got x %s, q %s, k %s, v %s, gamma %s",
			x.Shape(), q.Shape(), k.Shape(), v.Shape(), gamma.Shape()))
	}
	n, p, c := d[0], d[1]*d[2], d[3]
	kc := q.Shape().Dimensions[3]
	qf, kf, vf := graph.Reshape(q, n, p, kc), graph.Reshape(k, n, p, kc), graph.Reshape(v, n, p, c)
	energy := graph.DotGeneral(qf, []int{2}, []int{0}, kf, []int{2}, []int{0}) // [N, P, P]: q_i . k_j
	attn := graph.Softmax(energy, -1)
	out := graph.DotGeneral(attn, []int{2}, []int{0}, vf, []int{1}, []int{0}) // [N, P, C]
	return graph.Add(graph.Mul(graph.Reshape(gamma), graph.Reshape(out, d...)), x)
}
