package invoice

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// maxFileNameLen bounds generated file names well below every file system's limit (255 bytes).
const maxFileNameLen = 120

// SafeFileName turns text (an invoice or document number, a kind) into a file name that is safe
// on Linux, macOS and Windows: only ASCII letters, digits, '-', '_' and '.'; no leading dot or
// dash, no "..", no trailing dot, no reserved Windows device name (CON, NUL, COM1, ...), at most
// 120 bytes, never empty. Everything else becomes '_'. Names never come from server text without
// passing through it.
func SafeFileName(s string) string {
	b := make([]byte, 0, min(len(s), maxFileNameLen+8))
	for _, r := range s {
		if len(b) >= maxFileNameLen {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b = append(b, byte(r))
		case r == '.':
			if len(b) > 0 && b[len(b)-1] == '.' {
				continue // ".." would read as a parent directory
			}
			b = append(b, '.')
		default:
			if len(b) > 0 && b[len(b)-1] == '_' {
				continue
			}
			b = append(b, '_')
		}
	}
	out := strings.TrimLeft(string(b), "._-")
	out = strings.TrimRight(out, ".") // Windows drops trailing dots
	if out == "" {
		return "document"
	}
	if isReservedName(out) {
		// The device name is what is before the first dot, whatever the extension.
		stem, ext, _ := strings.Cut(out, ".")
		out = stem + "_"
		if ext != "" {
			out += "." + ext
		}
		if len(out) > maxFileNameLen {
			out = strings.TrimRight(out[:maxFileNameLen], ".")
		}
	}
	return out
}

func isReservedName(name string) bool {
	stem, _, _ := strings.Cut(name, ".")
	stem = strings.ToUpper(stem)
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) && stem[3] >= '0' && stem[3] <= '9' {
		return true
	}
	return false
}

// FileName is the file name DownloadFile and DownloadAll give a document of an invoice:
// "{invoice}-{kind}.pdf" such as G123456789-invoice.pdf or G123456789-credit-note.pdf
// ("{invoice}-transactions.csv" for an EA invoice's Transactions, which are a CSV file), with the
// document number appended for the second and later documents of one kind. It depends only on
// the invoice and document names and kind, sanitized with SafeFileName.
func FileName(inv Invoice, doc Document) string {
	base := inv.Name + "-" + doc.Kind.slug()
	seen := 0
	for _, d := range inv.Documents {
		if d.Kind != doc.Kind {
			continue
		}
		if d.Name == doc.Name {
			break
		}
		seen++
	}
	if seen > 0 && doc.Name != "" {
		base += "-" + doc.Name
	}
	if csvDocument(inv.Agreement, doc.Kind) {
		return SafeFileName(base) + ".csv"
	}
	return SafeFileName(base) + ".pdf"
}

// DownloadFile downloads the invoice's first document of the given kind into folder dir (created
// if missing) and returns the file's path, named by FileName. The document is written to a
// temporary file in dir, synced and renamed into place, so the path never holds a partial
// document: after a failure (a page that is not a PDF, a broken connection, a cancelled context)
// no file is left. An existing file of that name is replaced.
func (c *Client) DownloadFile(ctx context.Context, inv Invoice, kind DocumentKind, dir string) (string, error) {
	t, doc, err := c.resolve(inv, kind)
	if err != nil {
		return "", err
	}
	f, err := c.downloadTo(ctx, t, dir, FileName(inv, doc), false)
	if err != nil {
		return "", err
	}
	return f.Path, nil
}

// downloadTo fetches t into dir/name atomically and records its sidecar.
// inBatch is set by DownloadAll, which sweeps stale temporary files and syncs the folder once
// for the whole batch (see writeAtomically).
func (c *Client) downloadTo(ctx context.Context, t target, dir, name string, inBatch bool) (File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return File{}, err
	}
	f := File{Invoice: t.invoice, Document: t.document, Kind: t.kind, Path: filepath.Join(dir, name)}
	n, sum, err := writeAtomically(dir, name, func(w io.Writer) (int64, error) { return c.fetch(ctx, t, w) }, nil, inBatch)
	if err != nil {
		return f, err
	}
	f.Bytes = n
	// The sidecar only strengthens the completeness check of later runs; without it the file is
	// still accepted by its PDF header and trailer, so a failure here is not an error.
	_ = writeSidecar(dir, name, sidecar{Version: 1, Size: n, SHA256: hex.EncodeToString(sum), Invoice: t.invoice, Document: t.document, Kind: string(t.kind)})
	return f, nil
}

const partSuffix = ".part"

// writeAtomically writes fill's output to dir/name through a temporary file in the same folder:
// write, fsync, verify (when verify is not nil), rename, fsync the folder. On any error the
// temporary file is removed and nothing appears at dir/name. inBatch leaves two steps to the
// caller, who does them once for a whole batch: sweeping the folder for stale temporary files
// (a folder read per file is quadratic in a folder of thousands) and syncing the folder (ext4
// serializes folder syncs: one per file was half of a bulk download's time on a local disk).
func writeAtomically(dir, name string, fill func(io.Writer) (int64, error), verify func(f *os.File, size int64) error, inBatch bool) (int64, []byte, error) {
	if !inBatch {
		removeStaleParts(dir, "."+name+".*"+partSuffix)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*"+partSuffix)
	if err != nil {
		return 0, nil, err
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	h := sha256.New()
	n, err := fill(io.MultiWriter(tmp, h))
	if err != nil {
		return n, nil, err
	}
	if err := tmp.Sync(); err != nil {
		return n, nil, err
	}
	if verify != nil {
		if err := verify(tmp, n); err != nil {
			return n, nil, err
		}
	}
	if err := tmp.Chmod(0o644); err != nil {
		return n, nil, err
	}
	if err := tmp.Close(); err != nil {
		return n, nil, err
	}
	if err := os.Rename(tmpName, filepath.Join(dir, name)); err != nil {
		return n, nil, err
	}
	ok = true
	if !inBatch {
		syncDir(dir)
	}
	return n, h.Sum(nil), nil
}

// removeStaleParts deletes temporary files matching pattern (a filepath.Match pattern within
// dir) that an interrupted earlier run left. Recent ones are kept: another process may be
// writing them right now.
func removeStaleParts(dir, pattern string) {
	matches, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, m := range matches {
		if st, err := os.Lstat(m); err == nil && st.Mode().IsRegular() && time.Since(st.ModTime()) > 15*time.Minute {
			_ = os.Remove(m)
		}
	}
}

// syncDir makes a rename durable; Windows cannot open folders for syncing and does not need it.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// sidecar records what a completed download wrote, next to it as ".{name}.azbilling".
type sidecar struct {
	Version  int    `json:"version"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Invoice  string `json:"invoice"`
	Document string `json:"document,omitempty"`
	Kind     string `json:"kind,omitempty"`
}

func sidecarName(name string) string { return "." + name + ".azbilling" }

// writeSidecar writes the sidecar through a temporary file and a rename, so it is whole or
// absent, but without fsync: it is advisory, and a lost one only means a weaker check.
func writeSidecar(dir, name string, sc sidecar) error {
	b, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, sidecarName(name)+".*"+partSuffix)
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, sidecarName(name)))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

// complete reports whether dir/name holds a finished download, and its size. Files only appear
// at their final name once complete (see writeAtomically), so this guards against files changed
// or truncated by something else: a PDF must start with "%PDF-" and end with "%%EOF", a CSV
// (.csv, EA transactions) must not be empty, and either must match its sidecar's size and SHA-256
// when there is one.
func complete(dir, name string) (int64, bool) {
	path := filepath.Join(dir, name)
	isCSV := strings.EqualFold(filepath.Ext(name), ".csv")
	minSize := int64(len(pdfMagic) + len(pdfEOF))
	if isCSV {
		minSize = 1
	}
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() < minSize {
		return 0, false
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if !isCSV {
		head := make([]byte, len(pdfMagic))
		if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, pdfMagic) {
			return 0, false
		}
		tailLen := min(st.Size(), pdfTailLen)
		tail := make([]byte, tailLen)
		if _, err := f.ReadAt(tail, st.Size()-tailLen); err != nil && !errors.Is(err, io.EOF) {
			return 0, false
		}
		if !bytes.Contains(tail, pdfEOF) {
			return 0, false
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, sidecarName(name)))
	if errors.Is(err, os.ErrNotExist) {
		return st.Size(), true // e.g. a file saved by hand, or a crash between rename and sidecar
	}
	var sc sidecar
	if err != nil || json.Unmarshal(b, &sc) != nil || sc.Size != st.Size() {
		return 0, false
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, false
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil || !strings.EqualFold(hex.EncodeToString(h.Sum(nil)), sc.SHA256) {
		return 0, false
	}
	return st.Size(), true
}

var pdfEOF = []byte("%%EOF")

// File is a document on disk.
type File struct {
	Invoice  string       // invoice name
	Document string       // document name ("" for the service's default or an EA summary)
	Kind     DocumentKind // Invoice, CreditNote, ...
	Path     string       // where it is
	Bytes    int64        // its size
}

// String describes the file: path, invoice, kind and size.
func (f File) String() string {
	return fmt.Sprintf("%s (%s %s, %d bytes)", f.Path, f.Invoice, f.Kind, f.Bytes)
}
