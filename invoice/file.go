package invoice

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/atomicfile"
	"github.com/azbilling/azbilling/internal/blob"
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
// no file is left. An existing file of that name is replaced, and the document is noted in the
// folder's RecordFile. Local file trouble is a *billing.FileError naming the path.
func (c *Client) DownloadFile(ctx context.Context, inv Invoice, kind DocumentKind, dir string) (string, error) {
	t, doc, err := c.resolve(inv, kind)
	if err != nil {
		return "", err
	}
	if err := atomicfile.MkdirAll(dir); err != nil {
		return "", err
	}
	f, err := c.downloadTo(ctx, t, dir, FileName(inv, doc), &book{dir: dir, m: map[string]record{}}, false)
	if err != nil {
		return "", err
	}
	return f.Path, nil
}

// maxRefetches bounds how often a document whose answer failed an integrity check (MD5, length,
// range, trailer) is fetched again from scratch, with a fresh link.
const maxRefetches = 2

// downloadTo fetches t into dir/name atomically and notes it in bk (unless bk is nil). A
// partial file of the same name that a killed process left is continued with a Range request.
// inBatch leaves the folder sync and the sweep to DownloadAll, which does them once (ext4
// serializes folder syncs: one per file was half of a bulk download's time on a local disk).
func (c *Client) downloadTo(ctx context.Context, t target, dir, name string, bk *book, inBatch bool) (File, error) {
	path := filepath.Join(dir, name)
	f := File{Invoice: t.invoice, Document: t.document, Kind: t.kind, Path: path}
	pf, from := adoptPartial(path)
	for attempt := 0; ; {
		sink := func(r *blob.Reader) (io.Writer, error) {
			if pf == nil {
				af, err := atomicfile.CreatePartial(path, partialMeta(r.Size(), r.MD5()))
				if err != nil {
					return nil, err
				}
				pf = af
			}
			return pf, nil
		}
		n, err := c.fetchTo(ctx, t, sink, from)
		if err == nil {
			err = finish(pf, t, name, n, bk, !inBatch)
			pf = nil
			if err != nil {
				return f, err
			}
			f.Bytes = n
			if !inBatch {
				atomicfile.Sweep(dir, nil) // what dead writers left here, our name's leftovers included
			}
			return f, nil
		}
		if pf != nil {
			pf.Abort()
			pf = nil
		}
		if ctx.Err() != nil {
			return f, err
		}
		switch {
		case from != nil:
			from = nil // the partial could not be continued (the document changed, say): start over
		case refetchable(err) && attempt < maxRefetches:
			attempt++
		default:
			return f, err
		}
	}
}

// finish checks and hashes the written document, records it, and renames it into place.
func finish(pf *atomicfile.File, t target, name string, n int64, bk *book, syncDir bool) error {
	st, err := pf.OS().Stat()
	if err != nil {
		pf.Abort()
		return &billing.FileError{Op: "write", Path: pf.Path(), Err: err}
	}
	if st.Size() != n {
		pf.Abort()
		return &billing.FileError{Op: "write", Path: pf.Path(), Err: fmt.Errorf("the file holds %d bytes, %d were written", st.Size(), n)}
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(pf.OS(), 0, n)); err != nil {
		pf.Abort()
		return &billing.FileError{Op: "read", Path: pf.Path(), Err: err}
	}
	if bk != nil {
		// Noted before the rename: a crash between the two leaves a line that no file matches,
		// which only means a download next time.
		r := record{File: name, Invoice: t.invoice, Document: t.document, Kind: string(t.kind), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
		if err := bk.add(r); err != nil {
			pf.Abort()
			return err
		}
	}
	return pf.Commit(syncDir)
}

// refetchable reports whether an answer failed an integrity check, which fetching it again
// may get past (a byte flipped in transit, a wrong Content-Length from a proxy).
func refetchable(err error) bool {
	var be *blob.Error
	return errors.As(err, &be) && be.Kind == blob.KindIntegrity
}

// partialMeta names a partial file by what the host announced: the document's size and MD5, so
// a later run knows what it is continuing.
func partialMeta(size int64, sum []byte) string {
	m := "s" + strconv.FormatInt(size, 10)
	if len(sum) > 0 {
		m += "-m" + hex.EncodeToString(sum)[:16]
	}
	return m
}

func parsePartialMeta(meta string) (size int64, ok bool) {
	s, _, _ := strings.Cut(meta, "-")
	v, ok := strings.CutPrefix(s, "s")
	if !ok {
		return 0, false
	}
	size, err := strconv.ParseInt(v, 10, 64)
	return size, err == nil && size > 0
}

// adoptPartial takes over a partial file of path that a killed process left, if there is one
// that is worth continuing: it starts like a PDF and is shorter than the announced size.
func adoptPartial(path string) (*atomicfile.File, *resumeFrom) {
	for _, p := range atomicfile.Partials(path) {
		total, ok := parsePartialMeta(p.Meta)
		if !ok || p.Size < int64(len(pdfMagic)) || p.Size >= total {
			continue // Sweep removes it
		}
		af, ok := atomicfile.Adopt(path, p)
		if !ok {
			continue
		}
		osf := af.OS()
		head := make([]byte, min(p.Size, 512))
		tail := make([]byte, min(p.Size, pdfTailLen))
		if _, err := osf.ReadAt(head, 0); err != nil || !(bytes.HasPrefix(head, pdfMagic) || isCSVName(path) && looksLikeCSV(head)) {
			af.Abort()
			continue
		}
		if _, err := osf.ReadAt(tail, p.Size-int64(len(tail))); err != nil {
			af.Abort()
			continue
		}
		return af, &resumeFrom{size: p.Size, total: total, head: head, tail: tail, prefix: io.NewSectionReader(osf, 0, p.Size)}
	}
	return nil, nil
}

// complete reports whether dir/name holds the finished document t, and its size: it must be a
// regular file — a PDF that starts with "%PDF-" and ends with "%%EOF", or a CSV (.csv, EA
// transactions) that ends with a line break — and, unless noRecord, match its line in the folder's
// RecordFile: same invoice, document and kind, same size and SHA-256.
func complete(dir, name string, t target, bk *book, noRecord bool) (int64, bool) {
	path := filepath.Join(dir, name)
	isCSV := isCSVName(name)
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
	if isCSV {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err != nil || last[0] != '\n' {
			return 0, false // cut short mid-line
		}
	} else {
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
	if noRecord {
		return st.Size(), true
	}
	r, ok := bk.get(name)
	if !ok || !r.matches(t) || r.Size != st.Size() {
		return 0, false
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, false
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil || !strings.EqualFold(hex.EncodeToString(h.Sum(nil)), r.SHA256) {
		return 0, false
	}
	return st.Size(), true
}

var pdfEOF = []byte("%%EOF")

// isCSVName reports whether a document's file is a CSV (EA transactions).
func isCSVName(name string) bool { return strings.EqualFold(filepath.Ext(name), ".csv") }

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
