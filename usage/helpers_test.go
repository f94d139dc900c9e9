package usage

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden files from the current output")

// sharedPath returns ../shared/samples/<sub> relative to the module root,
// where the real usage files taken from public repositories live (they are
// not committed into the project; see testdata/README.md), and whether it
// exists.
func sharedPath(sub string) (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "samples", sub)
	_, err = os.Stat(p)
	return p, err == nil
}

// sharedDir is sharedPath for a test, which it skips when the folder is absent.
func sharedDir(t testing.TB, sub string) string {
	t.Helper()
	p, ok := sharedPath(sub)
	if !ok {
		t.Skipf("%s not present: the real sample files are not part of the project", filepath.Join("..", "shared", "samples", sub))
	}
	return p
}

// sharedSample returns the path of a file in ../shared/samples/usage.
func sharedSample(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(sharedDir(t, "usage"), name)
}

// sharedReal returns the path of a file in ../shared/samples/usage-real.
func sharedReal(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(sharedDir(t, "usage-real"), name)
}

// sharedSampleFiles lists the real sample files of ../shared/samples/usage
// (see SOURCES.md there), or none when the folder is absent.
func sharedSampleFiles(t testing.TB) []string {
	t.Helper()
	dir, ok := sharedPath("usage")
	if !ok {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	require.NoError(t, err)
	return files
}

// fixtureFiles lists the synthetic fixtures built from documented headers.
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/fixtures/*.csv")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

func readSample(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

func iotestOneByte(r io.Reader) io.Reader { return iotest.OneByteReader(r) }

// readAll reads every record of data, failing the test on error.
func readAll(t testing.TB, data []byte, opts *ReaderOptions) (*Reader, []Record) {
	t.Helper()
	r := NewReader(bytes.NewReader(data), opts)
	var recs []Record
	for rec, err := range r.All() {
		require.NoError(t, err)
		recs = append(recs, rec)
	}
	return r, recs
}

// readFile reads every record of a testdata file.
func readFile(t testing.TB, path string) (*Reader, []Record) {
	t.Helper()
	return readAll(t, readSample(t, path), &ReaderOptions{File: filepath.Base(path)})
}

// dump renders records as text for golden files: every non-zero exported
// field, then all columns as Fields returns them, so any change shows.
func dump(layout Layout, recs []Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "layout: %s (localized: %v)\nrows: %d\n", layout, layout.Localized, len(recs))
	for _, rec := range recs {
		fmt.Fprintf(&b, "\n--- line %d\n", rec.Line)
		v := reflect.ValueOf(rec)
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Name == "Line" || f.Name == "Layout" || v.Field(i).IsZero() {
				continue
			}
			switch x := v.Field(i).Interface().(type) {
			case billing.Decimal:
				fmt.Fprintf(&b, "%s: %s\n", f.Name, x.String())
			case billing.Date:
				fmt.Fprintf(&b, "%s: %s\n", f.Name, x.String())
			case bool:
				fmt.Fprintf(&b, "%s: %v\n", f.Name, x)
			default:
				fmt.Fprintf(&b, "%s: %q\n", f.Name, fmt.Sprint(x))
			}
		}
		fmt.Fprintf(&b, "columns: %q\n", rec.Fields(nil))
	}
	return b.String()
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	require.Equal(t, string(want), got)
}
