package config

import "testing"

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
