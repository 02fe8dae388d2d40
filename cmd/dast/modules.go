package main

// The components linked into dast: package modules/standard imports each built-in component
// package, which registers its modules in init.
import _ "github.com/dast-uda/dast/modules/standard"
