// Package configs embeds dast's configuration files in the binary, so the built-in synthetic
// benchmark runs with no files around: `dast train` with no --config trains Default.
package configs

import "embed"

// FS holds every config under configs/, by their paths relative to it ("synthetic/da.yaml").
//
//go:embed synthetic/*.yaml
var FS embed.FS

// Default is the config `dast train` runs when given none: DAST's DA stage (discoverer,
// corrector, discriminator attention) on the built-in synthetic benchmark.
const Default = "synthetic/da.yaml"
