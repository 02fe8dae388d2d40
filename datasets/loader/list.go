// Package loader holds what the on-disk datasets (gta5, synthia, cityscapes) share: list files
// and directory scans, dataset roots from the environment, image and label resizing, a
// random-access dataset of image/label file pairs, and a bounded prefetching stream for
// sequential passes (evaluation, pseudo-labelling).
package loader

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// MaxListLine is the longest line ParseList accepts.
const MaxListLine = 4096

// ParseList reads a list file: one entry per line, the first whitespace-separated field of the
// line (lists that name an image and its label on one line keep the image). Blank lines and
// lines starting with '#' are skipped; a leading "./" is dropped (an entry that would then start
// with '#' is an error). Entries are slash-separated
// paths relative to a dataset directory: absolute paths, ".." elements and NUL bytes are errors
// naming the line.
func ParseList(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), MaxListLine)
	var out []string
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		entry := strings.Fields(line)[0]
		clean, err := cleanEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("line %d: %q: %w", n, entry, err)
		}
		out = append(out, clean)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	return out, nil
}

func cleanEntry(e string) (string, error) {
	e = strings.ReplaceAll(e, `\`, "/")
	switch {
	case strings.ContainsRune(e, 0):
		return "", fmt.Errorf("NUL byte in entry")
	case strings.HasPrefix(e, "/"):
		return "", fmt.Errorf("absolute path; list entries are relative to the dataset")
	}
	for _, el := range strings.Split(e, "/") {
		if el == ".." {
			return "", fmt.Errorf("\"..\" in entry")
		}
	}
	c := path.Clean(e)
	if c == "." || c == "" {
		return "", fmt.Errorf("empty path")
	}
	if strings.HasPrefix(c, "#") {
		return "", fmt.Errorf("entry starts with '#' (it would read as a comment)")
	}
	return c, nil
}

// ReadList reads and parses the list file at path; errors name the file.
func ReadList(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("list file: %w", err)
	}
	defer f.Close()
	out, err := ParseList(f)
	if err != nil {
		return nil, fmt.Errorf("list file %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("list file %s: no entries", path)
	}
	return out, nil
}

// ScanDir returns the slash-separated paths, relative to dir, of the regular files under dir
// (recursively when recursive is set) whose names end in suffix, sorted. dir itself may be a
// symbolic link, and so may the files (links to regular files count); links to directories
// below dir are not followed.
func ScanDir(dir, suffix string, recursive bool) ([]string, error) {
	var out []string
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", dir, err)
	}
	err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != real && !recursive {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), suffix) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(real, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", dir, err)
	}
	sort.Strings(out)
	return out, nil
}

// ResolveRoot returns root, or the value of the environment variable env when root is empty;
// it is an error if both are empty or the directory does not exist.
func ResolveRoot(root, env string) (string, error) {
	if root == "" {
		root = os.Getenv(env)
	}
	if root == "" {
		return "", fmt.Errorf("root is not set (set the option or the environment variable %s)", env)
	}
	st, err := os.Stat(root)
	if err != nil {
		return "", fmt.Errorf("root: %w", err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("root %s is not a directory", root)
	}
	return root, nil
}
