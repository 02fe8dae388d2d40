package config

import (
	"testing"

	"github.com/dast-uda/dast/core/config/internal/value"
)

// FuzzLoad checks that no YAML file and --set string makes loading, decoding or marshalling
// panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("seed: 2\ntrain: {iterations: 10}\nsegmentor: {name: fake, widths: [1]}\n"), "train.lr=1e-4")
	f.Add([]byte("base: base.yaml\nsegmentor: null\n"), "segmentor.name=fake")
	f.Add([]byte("- 1\n"), "a.b")
	f.Add([]byte("a: &x [*x]\n"), "discriminators.c={name: fake, x: [1, {a: b}]}")
	f.Add([]byte("train: {iterations: 1e400}\n"), "name=")
	f.Add([]byte("? [a]\n: 1\n"), "data.source.name=x")
	f.Fuzz(func(t *testing.T, data []byte, set string) {
		files := map[string]string{
			"x.yaml":    string(data),
			"base.yaml": "seed: 3\nsegmentor: {name: fake}\n",
		}
		tree, err := load("x.yaml", []string{set}, memFS(files))
		if err != nil {
			return
		}
		_, _ = tree.Root()
		_ = tree.Validate()
		for _, p := range []string{"segmentor", "discriminators.c", "data.source", set} {
			_, _ = tree.Component(p, KindOf(p))
			_ = tree.Source(p)
		}
		if _, err := tree.YAML(); err != nil {
			t.Errorf("YAML: %v", err)
		}
	})
}

// FuzzDerive checks that no edit makes Derive panic, that it leaves its tree alone, and that a
// derived tree's YAML loads again.
func FuzzDerive(f *testing.F) {
	f.Add([]byte("seed: 2\ntrain: {iterations: 10}\nsegmentor: {name: fake, widths: [1]}\n"), "train.lr", "1e-4", false)
	f.Add([]byte("strategy: {name: fakestrat, objective: {name: fakeobj}}\n"), "strategy", "{name: fakestrat, lambda: 2}", false)
	f.Add([]byte("data: {select: {source: {name: x}}}\n"), "data.select", "", true)
	f.Add([]byte("seed: 2\n"), "seed.x", "[1, {a: b}]", false)
	f.Fuzz(func(t *testing.T, data []byte, key, text string, remove bool) {
		tree, err := load("x.yaml", nil, memFS(map[string]string{"x.yaml": string(data)}))
		if err != nil {
			return
		}
		before, err := tree.YAML()
		if err != nil {
			return
		}
		e := Unset(key)
		if !remove {
			v, err := value.Parse(text)
			if err != nil {
				return
			}
			e = Set(key, v)
		}
		d, err := tree.Derive("d.yaml", e)
		if after, _ := tree.YAML(); string(after) != string(before) {
			t.Fatalf("Derive(%v) changed its tree", e)
		}
		if err != nil {
			return
		}
		_, _ = d.Root()
		_ = d.Validate()
		y, err := d.YAML()
		if err != nil {
			t.Fatalf("YAML: %v", err)
		}
		if len(y) > 0 && string(y) != "{}\n" {
			if _, err := load("d.yaml", nil, memFS(map[string]string{"d.yaml": string(y)})); err != nil {
				t.Errorf("derived YAML does not load: %v\n%s", err, y)
			}
		}
	})
}
