//go:build !race

package synthetic

// raceEnabled reports a -race build, where timings are not meaningful.
const raceEnabled = false
