package small

import _ "embed"

// EncoderFile is the embedded encoder's path in the source tree; its provenance (config, git
// revision, seed, sha256) is EncoderProvenanceFile beside it.
const (
	EncoderFile           = "backbones/small/pretrained/encoder.safetensors"
	EncoderProvenanceFile = "backbones/small/pretrained/encoder.json"
)

//go:embed pretrained/encoder.safetensors
var encoder []byte

//go:embed pretrained/encoder.json
var encoderProvenance []byte

// Encoder returns the embedded pretrained encoder (a safetensors file) and its provenance JSON.
func Encoder() (weights, provenance []byte) {
	return append([]byte(nil), encoder...), append([]byte(nil), encoderProvenance...)
}
