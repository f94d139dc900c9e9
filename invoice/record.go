package invoice

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/atomicfile"
)

// RecordFile is the name of the one bookkeeping file that DownloadFile and DownloadAll keep in
// a folder they download into: one JSON line per document written, with the file name, the
// invoice, document and kind it holds, its size and its SHA-256. DownloadAll skips a file only
// when its line proves that it is the document asked for, complete and unchanged; a file
// without a line (copied in by hand, or another invoice's document under this name) is
// downloaded again. BulkOptions.NoRecord turns the file off.
//
// Earlier versions kept one hidden ".NAME.pdf.azbilling" file per document; DownloadAll reads
// those once into RecordFile and removes them.
const RecordFile = ".azbilling-invoices.jsonl"

// record is one line of RecordFile.
type record struct {
	File     string `json:"file"`
	Invoice  string `json:"invoice"`
	Document string `json:"document,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
}

// legacySidecar is the per-file record of earlier versions, ".NAME.pdf.azbilling".
type legacySidecar struct {
	Version  int    `json:"version"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Invoice  string `json:"invoice"`
	Document string `json:"document,omitempty"`
	Kind     string `json:"kind,omitempty"`
}

const legacySidecarSuffix = ".azbilling"

// book is a folder's records in memory.
type book struct {
	dir string
	mu  sync.Mutex
	m   map[string]record
}

// parseRecords reads RecordFile's lines; the last line for a file wins, and a line that does
// not parse (torn by a crash mid-write) is ignored.
func parseRecords(b []byte) (map[string]record, int) {
	m := map[string]record{}
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		lines++
		var r record
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.File == "" {
			continue
		}
		m[r.File] = r
	}
	return m, lines
}

// openBook loads dir's records, folding in (and removing) the per-file records of earlier
// versions and rewriting the file when it has grown well past one line per file. A folder
// that cannot be read gives an empty book: every file is then downloaded again.
func openBook(dir string) *book {
	bk := &book{dir: dir, m: map[string]record{}}
	path := filepath.Join(dir, RecordFile)
	legacy := legacySidecars(dir)
	if _, err := os.Lstat(path); err != nil && len(legacy) == 0 {
		return bk // nothing recorded yet: do not create the file before anything is written
	}
	f, err := atomicfile.OpenLocked(path)
	if err != nil {
		// A folder we cannot write (read-only, full): what is recorded still proves what is
		// complete, so nothing is downloaded in vain.
		if b, rerr := os.ReadFile(path); rerr == nil {
			bk.m, _ = parseRecords(b)
		}
		return bk
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 64<<20))
	if err != nil {
		return bk
	}
	m, lines := parseRecords(b)
	migrated := false
	for _, p := range legacy {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "."), legacySidecarSuffix)
		if rb, err := os.ReadFile(p); err == nil {
			var sc legacySidecar
			if json.Unmarshal(rb, &sc) == nil && sc.Invoice != "" {
				if _, ok := m[name]; !ok {
					if size, sum, ok := fileDigest(filepath.Join(dir, name)); ok && size == sc.Size && strings.EqualFold(sum, sc.SHA256) {
						m[name] = record{File: name, Invoice: sc.Invoice, Document: sc.Document, Kind: sc.Kind, Size: sc.Size, SHA256: strings.ToLower(sc.SHA256)}
					}
				}
			}
		}
		migrated = true
	}
	bk.m = m
	if migrated || lines > 2*len(m)+64 {
		if atomicfile.ReplaceLocked(path, bk.encodeAll()) == nil {
			for _, p := range legacy {
				_ = os.Remove(p)
			}
		}
	}
	return bk
}

func (bk *book) encodeAll() []byte {
	names := make([]string, 0, len(bk.m))
	for n := range bk.m {
		names = append(names, n)
	}
	slices.Sort(names)
	var buf bytes.Buffer
	for _, n := range names {
		b, _ := json.Marshal(bk.m[n])
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// get returns the record of a file name.
func (bk *book) get(name string) (record, bool) {
	bk.mu.Lock()
	defer bk.mu.Unlock()
	r, ok := bk.m[name]
	return r, ok
}

// add appends a record (one write of one line, under the file's lock, so two processes
// downloading into one folder do not mix their lines).
func (bk *book) add(r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	path := filepath.Join(bk.dir, RecordFile)
	f, err := atomicfile.OpenLocked(path)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &billing.FileError{Op: "write", Path: path, Err: err}
	}
	bk.mu.Lock()
	bk.m[r.File] = r
	bk.mu.Unlock()
	return nil
}

// fileDigest returns the size and SHA-256 (hex) of a regular file.
func fileDigest(path string) (int64, string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0, "", false
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", false
	}
	return n, hex.EncodeToString(h.Sum(nil)), true
}

// matches reports whether a record describes target t.
func (r record) matches(t target) bool {
	return r.Invoice == t.invoice && r.Document == t.document && strings.EqualFold(r.Kind, string(t.kind))
}

// removeLegacySidecars removes the per-file records of earlier versions.
func removeLegacySidecars(dir string) {
	for _, p := range legacySidecars(dir) {
		_ = os.Remove(p)
	}
}

// legacySidecars lists the per-file records of earlier versions in dir (of PDFs and of EA
// transactions CSVs).
func legacySidecars(dir string) []string {
	pdfs, _ := filepath.Glob(filepath.Join(dir, ".*.pdf"+legacySidecarSuffix))
	csvs, _ := filepath.Glob(filepath.Join(dir, ".*.csv"+legacySidecarSuffix))
	return append(pdfs, csvs...)
}
