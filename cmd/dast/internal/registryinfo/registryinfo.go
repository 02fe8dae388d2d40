// Package registryinfo renders what dast registry shows of the registered components: every
// module as a table grouped by kind, and one module's options with their types and defaults.
package registryinfo

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/dast-uda/dast/registry"
)

// WriteList prints every module as a KIND/NAME/DESCRIPTION table grouped by kind.
func WriteList(w io.Writer) error {
	kinds := registry.Kinds()
	if len(kinds) == 0 {
		_, err := fmt.Fprintln(w, "no components are registered")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tDESCRIPTION")
	for _, kind := range kinds {
		for _, info := range registry.List(kind) {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", kind, info.Name(), info.Description)
		}
	}
	return tw.Flush()
}

// WriteModule prints the description and options of module id.
func WriteModule(w io.Writer, id string) error {
	info, err := registry.Lookup(id)
	if err != nil {
		return err
	}
	opts, err := registry.Options(id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %s\n", info.ID, info.Description)
	fmt.Fprintf(w, "config block: {name: %s, ...options}\n\n", info.Name())
	if len(opts) == 0 {
		_, err := fmt.Fprintln(w, "no options")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OPTION\tTYPE\tDEFAULT\tDESCRIPTION")
	for _, o := range opts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Key, o.Type, o.DefaultText(), o.Doc)
	}
	return tw.Flush()
}
