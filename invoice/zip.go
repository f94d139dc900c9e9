package invoice

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/atomicfile"
	"github.com/azbilling/azbilling/internal/blob"
	"github.com/azbilling/azbilling/roles"
)

// DocumentRef names a document for DownloadZip.
type DocumentRef struct {
	Invoice  string // invoice name, e.g. G123456789
	Document string // document name; "" lets the service pick the invoice PDF
}

// ZipOptions bound DownloadZip.
type ZipOptions struct {
	// MaxSize bounds the archive as downloaded. 0 means 1 GiB.
	MaxSize int64
	// MaxExpanded bounds the total size of the archive's files once decompressed, so a
	// malicious archive (a "zip bomb") is caught before anyone extracts it. 0 means 4 GiB.
	MaxExpanded int64
	// MaxFiles bounds the number of files in the archive. 0 means 10000.
	MaxFiles int
}

func (o *ZipOptions) orDefault() ZipOptions {
	var c ZipOptions
	if o != nil {
		c = *o
	}
	if c.MaxSize <= 0 {
		c.MaxSize = 1 << 30
	}
	if c.MaxExpanded <= 0 {
		c.MaxExpanded = 4 << 30
	}
	if c.MaxFiles <= 0 {
		c.MaxFiles = 10000
	}
	return c
}

// Archive is a zip of invoice documents on disk.
type Archive struct {
	Path     string
	Size     int64          // bytes on disk
	Expanded int64          // total decompressed size of its files
	Files    []ArchiveEntry // in archive order
}

// ArchiveEntry is one file of an Archive.
type ArchiveEntry struct {
	Name string
	Size int64 // decompressed
}

// DownloadZip asks the service to bundle several documents into one zip (downloadDocuments, for
// MCA/MPA billing accounts and MOSP subscriptions) and saves it at path. The archive is checked
// before it is renamed into place: it must open as a zip, stay within opts' limits once
// decompressed (every file is decompressed once to measure it, because sizes in zip headers can
// lie), and hold only plain relative file names. Otherwise the error is a *billing.DownloadError
// (kind DownloadKindTooLarge, DownloadKindContent or DownloadKindIntegrity) and no file is left.
func (c *Client) DownloadZip(ctx context.Context, docs []DocumentRef, path string, opts *ZipOptions) (Archive, error) {
	o := opts.orDefault()
	if err := c.ready(); err != nil {
		return Archive{}, err
	}
	if len(docs) == 0 {
		return Archive{}, &billing.InputError{Field: "documents", Reason: "name at least one document"}
	}
	type wireRef struct {
		DocumentName string `json:"documentName,omitempty"`
		InvoiceName  string `json:"invoiceName"`
	}
	body := make([]wireRef, 0, len(docs))
	for _, d := range docs {
		if err := checkName("invoice name", d.Invoice); err != nil {
			return Archive{}, err
		}
		if d.Document != "" {
			if err := checkName("document name", d.Document); err != nil {
				return Archive{}, err
			}
		}
		body = append(body, wireRef{DocumentName: d.Document, InvoiceName: d.Invoice})
	}
	var lastURL string
	get := func(ctx context.Context) (blob.Link, error) {
		var res wireDownload
		req := arm.Request{Method: http.MethodPost, Path: c.accountPath() + "/downloadDocuments", APIVersion: billing.APIVersion,
			Body: body, Call: c.call(roles.DownloadInvoice)}
		if _, err := c.cc.ARM.LRO(ctx, req, &res); err != nil {
			return blob.Link{}, c.downloadError(ctx, docs[0].Invoice, err)
		}
		if res.URL == "" {
			return blob.Link{}, &billing.ProtocolError{StatusCode: http.StatusOK, Reason: "the download operation finished without a url"}
		}
		lastURL = res.URL
		return blob.Link{URL: res.URL, Expiry: parseExpiry(res.ExpiryTime)}, nil
	}

	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if name == "" {
		return Archive{}, &billing.InputError{Field: "path", Value: path, Reason: "names a folder, not a file"}
	}
	atomicfile.Sweep(dir, nil) // what killed writers left in this folder
	var arc Archive
	var n int64
	for attempt := 0; ; attempt++ {
		af, err := atomicfile.Create(path)
		if err != nil {
			return Archive{}, err
		}
		n, err = c.fetchZip(ctx, get, &lastURL, af, o)
		if err == nil {
			arc.Files, arc.Expanded, err = checkZip(af.OS(), n, o, lastURL)
		}
		if err == nil {
			err = af.Commit(true)
			if err != nil {
				return Archive{}, err
			}
			break
		}
		af.Abort()
		if ctx.Err() != nil || !refetchable(err) || attempt >= maxRefetches {
			return Archive{}, err
		}
	}
	arc.Path, arc.Size = path, n
	return arc, nil
}

// fetchZip downloads the archive into w after checking that it starts like a zip.
func (c *Client) fetchZip(ctx context.Context, get blob.LinkFunc, lastURL *string, w io.Writer, o ZipOptions) (int64, error) {
	r, err := c.cc.Blob.Open(ctx, get, &blob.ReadOptions{MaxSize: o.MaxSize})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	// Spool to the temporary file, then verify it there: a zip is read from its end.
	head := make([]byte, 512)
	hn, err := io.ReadAtLeast(r, head, 4)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, err
	}
	if !bytes.HasPrefix(head[:hn], []byte("PK\x03\x04")) && !bytes.HasPrefix(head[:hn], []byte("PK\x05\x06")) {
		return 0, blob.ContentError(*lastURL, "a zip archive", describeContent(head[:hn], r.Size()))
	}
	m, err := w.Write(head[:hn])
	if err != nil {
		return int64(m), err
	}
	rest, err := io.Copy(w, r)
	return int64(m) + rest, err
}

// checkZip verifies the archive as written.
func checkZip(f *os.File, size int64, o ZipOptions, lastURL string) ([]ArchiveEntry, int64, error) {
	entries, expanded, zp := verifyZip(f, size, o.MaxExpanded, o.MaxFiles)
	if zp != nil {
		return nil, 0, &blob.Error{Op: "download", URL: blob.Redact(lastURL), Kind: zp.kind, Reason: zp.reason, Err: zp.err}
	}
	return entries, expanded, nil
}

type zipProblem struct {
	kind   blob.Kind
	reason string
	err    error
}

// verifyZip opens the archive and decompresses every file once, counting bytes, so that neither
// a lying header nor a high compression ratio gets past maxExpanded.
func verifyZip(r io.ReaderAt, size, maxExpanded int64, maxFiles int) ([]ArchiveEntry, int64, *zipProblem) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, 0, &zipProblem{kind: blob.KindContent, reason: "the archive is not a readable zip file", err: err}
	}
	if zr == nil {
		return nil, 0, &zipProblem{kind: blob.KindContent, reason: "the archive is not a readable zip file", err: err}
	}
	if len(zr.File) > maxFiles {
		return nil, 0, &zipProblem{kind: blob.KindTooLarge, reason: fmt.Sprintf("the archive holds %d files, more than the limit of %d", len(zr.File), maxFiles)}
	}
	var declared uint64
	for _, f := range zr.File {
		if !safeEntryName(f.Name) {
			return nil, 0, &zipProblem{kind: blob.KindContent, reason: fmt.Sprintf("the archive holds a file with an unsafe name %q", f.Name)}
		}
		declared += f.UncompressedSize64
		if declared > uint64(maxExpanded) {
			return nil, 0, &zipProblem{kind: blob.KindTooLarge, reason: fmt.Sprintf("the archive's files add up to more than the limit of %d bytes", maxExpanded)}
		}
	}
	entries := make([]ArchiveEntry, 0, len(zr.File))
	var total int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, 0, &zipProblem{kind: blob.KindContent, reason: fmt.Sprintf("cannot open %q in the archive", f.Name), err: err}
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, maxExpanded-total+1))
		rc.Close()
		total += n
		if total > maxExpanded {
			return nil, 0, &zipProblem{kind: blob.KindTooLarge, reason: fmt.Sprintf("the archive expands to more than the limit of %d bytes", maxExpanded)}
		}
		if err != nil {
			return nil, 0, &zipProblem{kind: blob.KindIntegrity, reason: fmt.Sprintf("%q in the archive is damaged", f.Name), err: err}
		}
		entries = append(entries, ArchiveEntry{Name: f.Name, Size: n})
	}
	return entries, total, nil
}

// safeEntryName accepts relative names that stay inside the folder they are extracted to.
func safeEntryName(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\:\x00") || strings.HasPrefix(name, "/") {
		return false
	}
	return filepath.IsLocal(filepath.FromSlash(strings.TrimSuffix(name, "/")))
}
