package kernels

import "github.com/gomlx/gomlx/backends"

// VecHead computes the first len(row) rounded down to 16 values of row = a op b with the
// vector kernels and returns how many it did (0 when there is no kernel for op here). The
// kernels round exactly as Go's float32 arithmetic does (IEEE single precision, one rounding
// per op), so results are the same bit for bit.
func VecHead(row, a, b []float32, op backends.OpType) int {
	n := len(row) &^ 15
	if !haveVec || n == 0 {
		return 0
	}
	switch op {
	case backends.OpTypeAdd:
		vecAddVV(&row[0], &a[0], &b[0], n)
	case backends.OpTypeSub:
		vecSubVV(&row[0], &a[0], &b[0], n)
	case backends.OpTypeMul:
		vecMulVV(&row[0], &a[0], &b[0], n)
	case backends.OpTypeDiv:
		vecDivVV(&row[0], &a[0], &b[0], n)
	default:
		return 0
	}
	return n
}

// VecHeadScalar is VecHead for row = a op c, or c op a with scalarFirst.
func VecHeadScalar(row, a []float32, c float32, scalarFirst bool, op backends.OpType) int {
	n := len(row) &^ 15
	if !haveVec || n == 0 {
		return 0
	}
	switch {
	case op == backends.OpTypeAdd:
		vecAddVS(&row[0], &a[0], c, n)
	case op == backends.OpTypeMul:
		vecMulVS(&row[0], &a[0], c, n)
	case op == backends.OpTypeSub && !scalarFirst:
		vecSubVS(&row[0], &a[0], c, n)
	case op == backends.OpTypeSub:
		vecSubSV(&row[0], &a[0], c, n)
	case op == backends.OpTypeDiv && !scalarFirst:
		vecDivVS(&row[0], &a[0], c, n)
	case op == backends.OpTypeDiv:
		vecDivSV(&row[0], &a[0], c, n)
	default:
		return 0
	}
	return n
}

// spreadPanels copies n runs of mr floats, run i from src[i*mr:] to dst[i*stride:]: a row of
// values laid out as the k-major panels the micro-kernels read (one depth of every panel). With
// the vector kernels, runs of 12 and 6 (the micro-kernels' heights) take two moves each.
func spreadPanels(dst, src []float32, n, mr, stride int) {
	if n <= 0 {
		return
	}
	_, _ = src[n*mr-1], dst[(n-1)*stride+mr-1] // the kernels read and write no further
	switch {
	case haveVec && mr == 12:
		spread12(&dst[0], &src[0], n, stride)
	case haveVec && mr == 6:
		spread6(&dst[0], &src[0], n, stride)
	default:
		for i := range n {
			copy(dst[i*stride:i*stride+mr], src[i*mr:(i+1)*mr])
		}
	}
}
