package sdk

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/dast-uda/dast/plugins/sdk/pluginpb"
)

// FuzzValueFromProto decodes arbitrary wire bytes as an option value of every type: no
// panic, and a value that decodes re-encodes to one that decodes the same.
// (testdata/fuzz holds a float list with a NaN it found.)
func FuzzValueFromProto(f *testing.F) {
	for _, v := range []any{3, 2.5, true, "x", []int{1, 2}, []float64{0.5}} {
		for _, typ := range []OptionType{Int, Float, Bool, String, IntList, FloatList} {
			if p, err := ValueToProto(typ, v); err == nil {
				b, _ := proto.Marshal(p)
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v pluginpb.Value
		if proto.Unmarshal(data, &v) != nil {
			return
		}
		for typ := range typeNames {
			got, err := ValueFromProto(typ, &v)
			if err != nil {
				continue
			}
			p, err := ValueToProto(typ, got)
			if err != nil {
				t.Fatalf("%v value %#v decodes but does not encode: %v", typ, got, err)
			}
			back, err := ValueFromProto(typ, p)
			// %#v compares NaNs as equal, which DeepEqual does not.
			if err != nil || fmt.Sprintf("%#v", back) != fmt.Sprintf("%#v", got) {
				t.Fatalf("%v value %#v re-decodes as %#v, %v", typ, got, back, err)
			}
		}
	})
}
