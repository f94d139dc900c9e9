package usage

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/azbilling/azbilling/internal/atomicfile"
)

// csvConcat joins CSV blobs under one header row: the first blob is copied as it is (byte order
// mark included); every later one must start with the same header (after an optional byte
// order mark), which is dropped. A blob that does not end with a line break gets one, so the
// next blob's first row starts on its own line.
type csvConcat struct {
	w      io.Writer
	n      int64
	header []byte // the first blob's header line, without BOM and line break
	eol    string // the first blob's line break, "\r\n" or "\n"
	last   byte   // last byte written
	blobs  int
}

const maxHeaderBytes = 1 << 20

func (c *csvConcat) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	if n > 0 {
		c.last = p[n-1]
	}
	return err
}

// begin starts a part written row by row (not copied from a blob): the first part writes the
// header, later ones must have the same header.
func (c *csvConcat) begin(header string) error {
	if c.header == nil {
		c.header, c.eol = []byte(header), "\r\n"
		return c.write([]byte(header + c.eol))
	}
	if header != string(c.header) {
		return &ReportError{Reason: "cannot be saved as one CSV: its parts have different header rows"}
	}
	if c.last != '\n' && c.n > 0 {
		return c.write([]byte(c.eol))
	}
	return nil
}

// add appends one blob. name identifies it in errors.
func (c *csvConcat) add(r io.Reader, name string) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bom, err := br.Peek(3)
	hasBOM := err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf"))
	if hasBOM {
		_, _ = br.Discard(3)
	}
	line, err := readHeaderLine(br)
	if err != nil {
		return fmt.Errorf("azbilling: reading the header row of %s: %w", name, err)
	}
	if len(line) == 0 {
		return nil // an empty blob adds nothing
	}
	body, eol := bytes.TrimRight(line, "\r\n"), string(line[len(bytes.TrimRight(line, "\r\n")):])
	c.blobs++
	if c.header == nil {
		c.header, c.eol = append([]byte(nil), body...), eol
		if c.eol == "" {
			c.eol = "\r\n"
		}
		if hasBOM {
			if err := c.write([]byte("\xef\xbb\xbf")); err != nil {
				return err
			}
		}
		if err := c.write(line); err != nil {
			return err
		}
	} else {
		if !bytes.Equal(body, c.header) {
			return &ReportError{Reason: fmt.Sprintf("cannot be saved as one CSV: the header row of %s differs from the first blob's", name)}
		}
		if c.last != '\n' && c.n > 0 {
			if err := c.write([]byte(c.eol)); err != nil {
				return err
			}
		}
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := br.Read(buf)
		if werr := c.write(buf[:n]); werr != nil {
			return werr
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readHeaderLine reads the first row, line break included. A header has no quoted line
// breaks in practice, but quotes are honoured so a quoted one would not cut it.
func readHeaderLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	inQuote := false
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return line, nil
		}
		if err != nil {
			return nil, err
		}
		line = append(line, b)
		if len(line) > maxHeaderBytes {
			return nil, errors.New("the header row is longer than 1 MiB")
		}
		switch b {
		case '"':
			inQuote = !inQuote
		case '\n':
			if !inQuote {
				return line, nil
			}
		}
	}
}

// maxRefetches bounds how often a report blob that failed its integrity check (an MD5
// mismatch, a wrong length) is fetched again: fetching again usually gets past a one-off fault.
const maxRefetches = 2

// writeFileAtomic writes a file through fill: to a temporary file in path's folder (created if
// missing; an unnamed one where Linux offers it), synced and renamed over path only when fill
// succeeds; otherwise nothing is left. What killed writers left in the folder is swept first.
// (A blob that fails its integrity check is fetched again on its own, see Report.eachBlob, so
// the save never starts over.) Local trouble is a *billing.FileError naming path.
func writeFileAtomic(path string, fill func(*csvConcat) error) (int64, error) {
	atomicfile.Sweep(filepath.Dir(path), nil)
	return writeOnce(path, fill)
}

func writeOnce(path string, fill func(*csvConcat) error) (int64, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	cw := &csvConcat{w: bw}
	if err := fill(cw); err != nil {
		f.Abort()
		return cw.n, err
	}
	if err := bw.Flush(); err != nil {
		f.Abort()
		return cw.n, err
	}
	if err := f.Commit(true); err != nil {
		return cw.n, err
	}
	return cw.n, nil
}

func newGzipReader(r io.Reader) (io.Reader, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("azbilling: the report says its blobs are compressed, but this one is not gzip: %w", err)
	}
	return gz, nil
}
