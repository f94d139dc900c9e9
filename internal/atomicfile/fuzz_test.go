package atomicfile

import (
	"strings"
	"testing"
)

// FuzzTempNames checks the parsing of temporary file names: a name read as a partial file
// rebuilds from its parts, and a name this package makes is always recognised.
func FuzzTempNames(f *testing.F) {
	for _, s := range []string{".a.pdf.s100-m0011.azb0123456789abcdef.part", ".x.csv.azb0123456789abcdef.tmp", ".d.pdf.45.part", ".draft.docx.42.part", "..part", ".", ""} {
		f.Add(s, "s1")
	}
	f.Fuzz(func(t *testing.T, name, meta string) {
		if final, m, ok := parsePartial(name); ok {
			i := strings.LastIndexByte(name[:len(name)-len(partSuffix)], '.')
			if got := "." + final + "." + m + name[i:]; got != name {
				t.Fatalf("parsePartial(%q) = %q, %q: rebuilds as %q", name, final, m, got)
			}
		}
		_ = isTemp(name)
		_ = isLegacyTemp(name)
		// Names we make are ours; final names are single path elements with no dot in meta.
		if name == "" || strings.ContainsAny(name, "/\\\x00") || strings.ContainsAny(meta, "./\\\x00") || meta == "" {
			return
		}
		made := "." + name + "." + meta + "." + marker + "0123456789abcdef" + partSuffix
		if final, m, ok := parsePartial(made); !ok || final != name || m != meta {
			t.Fatalf("parsePartial(%q) = %q, %q, %v", made, final, m, ok)
		}
		if tmp := "." + shorten(name) + "." + marker + "0123456789abcdef" + tmpSuffix; !isTemp(tmp) {
			t.Fatalf("isTemp(%q) = false", tmp)
		}
	})
}
