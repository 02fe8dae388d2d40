// Package figures renders the pictures that `dast reproduce` writes: line charts of
// metrics over training (with min..max bands over seeds), heat maps of attention
// values, and labelled image grids in the layout of the paper's Figure 3.
//
// Everything is drawn on the CPU with gonum.org/v1/plot (line charts) and the standard
// image packages plus the fixed-size bitmap font of golang.org/x/image/font/basicfont
// (panels), so no font files or network access are needed at run time. Every writer
// creates missing parent directories and replaces its target atomically (temporary file
// in the same directory, then rename).
package figures
