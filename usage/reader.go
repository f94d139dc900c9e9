package usage

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/azbilling/azbilling/billing"
)

// ReaderOptions configures a Reader. The zero value is ready to use.
type ReaderOptions struct {
	// File names the input in errors, e.g. the file or blob name.
	File string

	// SkipBadRows makes the Reader skip a row whose fields cannot be typed
	// (bad number, date or boolean, wrong field count, bad quoting) instead
	// of stopping. Skipped rows are counted (Reader.Skipped) and their errors
	// kept (Reader.SkippedErrors), so nothing is dropped unnoticed. Errors
	// that leave the rest of the input unreadable (unknown header, row too
	// long, I/O) still stop the Reader.
	SkipBadRows bool

	// MaxSkippedErrors caps how many errors of skipped rows are kept.
	// 0 means 100; negative keeps none (the count is still exact).
	MaxSkippedErrors int

	// MaxRowBytes bounds one row (a quoted field may span lines, and an
	// unclosed quote would otherwise read the whole input into memory).
	// 0 means 64 MiB; at most 1 GiB.
	MaxRowBytes int

	// CostColumn, if set, names the column Record.Cost is read from instead
	// of the dialect's default, e.g. "EffectiveCost" for amortized cost in a
	// FOCUS file (whose default is BilledCost) or "costInUsd" in an MCA file.
	CostColumn string

	// Currency is the currency of a file that has no currency column (the
	// Azure Sponsorship usage download, the EA Reporting API v3 CSV), as a
	// three-letter code such as "USD". It is set on every Record of such a
	// file; without it their Currency is empty, meaning unknown. Files with a
	// currency column ignore it. A value that is not three letters makes
	// every read fail with a *ParseError.
	Currency string

	// Workers is how many goroutines parse rows in parallel: 0 (or any
	// negative number) means runtime.GOMAXPROCS(0), 1 parses on the
	// calling goroutine only. Measured on 2 cores, reading a file with
	// every core is 1.2x to 1.5x faster than with one (see
	// usage/BENCHMARKS.md); choose 1 when several Readers already run at
	// once, one per core. Inputs of up to two chunks (1 MiB) are always
	// parsed on the calling goroutine.
	// Records come out in file order either way, with the same line numbers,
	// errors and skipped-row accounting.
	Workers int

	// MaxDecompressedBytes bounds the decompressed size of gzip input.
	// 0 means the default: 64 GiB, and also stop once more than 1 GiB has
	// come out at more than 200 times the compressed bytes read (usage CSVs
	// compress 5 to 30 times; a file of blank lines or one repeated row is
	// a decompression bomb). Negative means no limit. Exceeding it is a
	// *ParseError wrapping ErrTooLarge.
	MaxDecompressedBytes int64
}

const (
	defaultMaxDecompressed  = 64 << 30
	bombMinBytes            = 1 << 30
	bombRatio               = 200
	defaultMaxSkippedErrors = 100
	defaultMaxRowBytes      = 64 << 20
	initialBufferSize       = 64 << 10
	maxPreambleRows         = 10
)

// Reader reads typed usage records from a CSV file of any supported
// dialect. It detects the layout from the header row, then reads rows in
// bounded memory: on one goroutine a Reader holds one buffer of 64 KiB (more
// only for longer rows); with ReaderOptions.Workers above 1 it reads ahead in
// chunks of 512 KiB cut at row boundaries and parses them in parallel,
// holding a few megabytes whatever the file size.
// Each Record owns one allocation with its row's text.
//
// The input may be UTF-8 with or without a byte order mark, UTF-16 (little
// or big endian) with a byte order mark, or gzip-compressed; with LF, CRLF
// or mixed line endings, and RFC 4180 quoting (fields with separators,
// doubled quotes and line breaks). The separator is a comma, or a semicolon
// or tab as Excel writes when it saves with a European locale or as
// "Unicode text": it is detected from the header, and in a semicolon file
// numbers may use a decimal comma. Layout reports all of this. Blank lines
// are skipped, and up to 10 short lines (fewer than 3 fields, such as a
// report title) before the header are tolerated.
//
// A Reader is not safe for concurrent use. When it parses in parallel, its
// goroutines stop when the input ends, on an error, when a loop over All
// returns, or on Close; a Reader read with Read and dropped early should be
// closed.
type Reader struct {
	src  io.Reader
	opts ReaderOptions

	buf     []byte
	start   int   // first unconsumed byte in buf
	end     int   // end of valid data in buf
	srcErr  error // error from src (io.EOF at the end), seen once buf is drained
	sniffed bool  // BOM and gzip magic checked

	// Scan state of the row being found, relative to start, kept across
	// refills so a long row is scanned once.
	scanned int
	quotes  int // quotes seen in the row so far
	rowNL   int // line breaks inside the row so far

	rowQuoted    bool // the row found by nextRow has a quote
	rowMultiline bool // the row found by nextRow spans lines

	line  int    // line number of the next row
	spans []span // fields of the current row in buf
	unq   []byte // unquoted fields of the current row, see unquote

	schema      *schema
	layout      Layout
	bindings    []binding    // typed fields, and strings that need work
	strBindings []strBinding // plain string fields
	err         error        // sticky: header, I/O and other unrecoverable errors

	rows        int
	skipped     int
	skippedErrs []*ParseError

	sep      byte // field separator: ',', ';' or '\t'
	decComma bool // numbers may use a decimal comma (';' files)
	nullLit  bool // "NULL" means empty (FOCUS)

	noCurrencyCol bool   // the file has no currency column: records get currency
	currency      string // ReaderOptions.Currency, checked; for files without a currency column

	// Parallel reading (pipeline.go): chunkSize is the read-ahead unit
	// (tests make it tiny), pipe the running pipeline, cur the chunk whose
	// records are being handed out.
	chunkSize int
	// forceParallel makes inputs of any size parse in parallel (tests: the pipeline's
	// cases are in small inputs too).
	forceParallel bool
	// borrow lets records point into buf instead of owning a copy of their row: set on the
	// workers of a fold, whose records are used before the next row is read.
	borrow     bool
	scratch    []byte // a borrowed record's text when it has unquoted fields
	bombMin    int64  // bombMinBytes (tests make it small)
	sequential bool   // decided: parse on the calling goroutine
	pipe       *pipeline
	cur        *chunk
	curIdx     int
}

// span is one field of the current row: its text in buf, between the quotes
// if it was quoted. If that text holds doubled quotes or CR LF pairs, its
// unquoted form (ulen bytes) is in r.unq at uoff, and after store in the
// record's storage at uoff. Offsets are int32 to keep spans small.
type span struct {
	start, end int32
	ulen       int32 // -1: the text in buf is the value
	uoff       int32
}

// strBinding stores column col into the string field at offset off of Record.
type strBinding struct {
	col int
	off uintptr
}

// NewReader returns a Reader reading from r. opts may be nil; it is copied.
func NewReader(r io.Reader, opts *ReaderOptions) *Reader {
	rd := &Reader{src: r, line: 1, sep: ',', chunkSize: defaultChunkSize, bombMin: bombMinBytes}
	if opts != nil {
		rd.opts = *opts
	}
	if rd.opts.MaxDecompressedBytes == 0 {
		rd.opts.MaxDecompressedBytes = defaultMaxDecompressed
	}
	if rd.opts.MaxRowBytes <= 0 {
		rd.opts.MaxRowBytes = defaultMaxRowBytes
	}
	// Field offsets are int32 (they are stored per field of every row).
	rd.opts.MaxRowBytes = min(rd.opts.MaxRowBytes, 1<<30)
	if rd.opts.MaxSkippedErrors == 0 {
		rd.opts.MaxSkippedErrors = defaultMaxSkippedErrors
	}
	return rd
}

// Header returns the header row as written in the file (byte order mark
// removed), reading it if no row has been read yet.
func (r *Reader) Header() ([]string, error) {
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return append([]string(nil), r.schema.names...), nil
}

// Layout returns the detected dialect and version, reading the header if no
// row has been read yet.
func (r *Reader) Layout() (Layout, error) {
	if err := r.readHeader(); err != nil {
		return Layout{}, err
	}
	return r.layout, nil
}

// ColumnIndex returns the index of the named column for Record.Raw (matched
// like Record.Column), or -1. It reads the header if needed.
func (r *Reader) ColumnIndex(name string) int {
	if r.readHeader() != nil {
		return -1
	}
	return r.schema.index(name)
}

// Rows returns the number of records returned so far.
func (r *Reader) Rows() int { return r.rows }

// Skipped returns the number of rows skipped because of SkipBadRows.
func (r *Reader) Skipped() int { return r.skipped }

// SkippedErrors returns the errors of skipped rows, the first
// MaxSkippedErrors of them.
func (r *Reader) SkippedErrors() []*ParseError {
	return append([]*ParseError(nil), r.skippedErrs...)
}

// All yields every record of the input. On error it yields a zero Record
// and the error (a *ParseError for bad input) once, then stops. Breaking
// out of the loop leaves the Reader where it stopped.
func (r *Reader) All() iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		// Parallel parsing stops when the loop does, and resumes if
		// reading goes on.
		defer func() {
			if r.pipe != nil {
				r.pipe.pause()
			}
		}()
		var rec Record
		for {
			// In parallel, hand the parsed records out of their batch
			// without copying each one first.
			if c := r.cur; c != nil && r.curIdx < len(c.recs) {
				p := &c.recs[r.curIdx]
				p.Line += r.line - 1
				r.curIdx++
				r.rows++
				if !yield(*p, nil) {
					return
				}
				continue
			}
			err := r.read(&rec)
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Record{}, err)
				return
			}
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// Read returns the next record, or io.EOF after the last one. Bad input is
// reported as a *ParseError; with SkipBadRows, rows that cannot be typed are
// skipped instead. After any other error, Read keeps returning it.
func (r *Reader) Read() (Record, error) {
	var rec Record
	err := r.read(&rec)
	return rec, err
}

func (r *Reader) read(rec *Record) error {
	if r.err != nil {
		return r.err
	}
	if err := r.readHeader(); err != nil {
		return err
	}
	if !r.sequential && r.pipe == nil {
		r.startPipeline()
	}
	if r.pipe != nil {
		return r.readPipeline(rec)
	}
	for {
		rowStart, rowEnd, line, err := r.nextRow()
		if err != nil {
			r.err = err
			return err
		}
		perr := r.split(rowStart, rowEnd, line)
		if perr == nil {
			perr = r.typeRow(rec, rowStart, rowEnd, line)
		}
		if perr == nil {
			r.rows++
			return nil
		}
		if !r.opts.SkipBadRows {
			r.err = perr
			return perr
		}
		r.skipped++
		if len(r.skippedErrs) < r.opts.MaxSkippedErrors {
			r.skippedErrs = append(r.skippedErrs, perr)
		}
	}
}

// readHeader reads and binds the header once.
func (r *Reader) readHeader() error {
	if r.schema != nil {
		return nil
	}
	if r.err != nil {
		return r.err
	}
	if r.err = r.checkCurrencyOption(); r.err != nil {
		return r.err
	}
	var firstLine int
	var firstRow []byte // the first non-blank line, for error hints
	for skippedRows := 0; ; skippedRows++ {
		rowStart, rowEnd, line, err := r.nextRow()
		if err == io.EOF {
			err = &ParseError{File: r.opts.File, Line: r.line, Err: ErrNoHeader}
			if firstRow != nil {
				err = r.noHeaderError(firstRow)
			}
		}
		if err != nil {
			r.err = err
			return err
		}
		if firstRow == nil {
			firstRow = bytes.Clone(r.buf[rowStart:rowEnd])
		}
		if perr := r.splitHeader(rowStart, rowEnd, line); perr != nil {
			r.err = perr
			if skippedRows > 0 {
				// Past short lines, a row that does not even split: the
				// header was not found, and the likely cause says more.
				r.err = r.noHeaderError(firstRow)
			}
			return r.err
		}
		firstLine = line
		if len(r.spans) >= 3 {
			break
		}
		if skippedRows == maxPreambleRows {
			r.err = r.noHeaderError(firstRow)
			return r.err
		}
	}
	if len(r.spans) > 0xFFFF {
		r.err = &ParseError{File: r.opts.File, Line: firstLine, Err: fmt.Errorf("%w: more than 65535 columns", ErrUnknownHeader)}
		return r.err
	}
	names := make([]string, len(r.spans))
	keys := make([]string, len(r.spans))
	localized := false
	for i, sp := range r.spans {
		names[i] = r.fieldText(sp)
		var loc bool
		keys[i], loc = normalizeHeader(names[i])
		localized = localized || loc
	}
	headerText := strings.Join(names, string(r.sep))
	layout, ok := detect(keys, names)
	if !ok {
		r.err = r.unknownHeaderError(firstLine, names, headerText)
		return r.err
	}
	layout.Localized = localized
	if r.sep != ',' {
		layout.Separator = rune(r.sep)
	}
	layout.DecimalComma = r.decComma
	layout.Encoding = r.layout.Encoding // set by sniff
	bs, err := bind(keys, layout.Dialect, r.opts.CostColumn)
	if err != nil {
		r.err = &ParseError{File: r.opts.File, Line: firstLine, Err: err, Text: truncateText([]byte(headerText))}
		return r.err
	}
	r.schema = &schema{names: names, keys: keys, sep: r.sep}
	r.layout = layout
	r.nullLit = layout.Dialect == DialectFOCUS
	r.noCurrencyCol = true
	for _, b := range bs {
		r.noCurrencyCol = r.noCurrencyCol && b.f != fCurrency
	}
	// Plain string fields go to their own list, stored by offset: they are
	// most of the columns, and a switch per column measurably slowed reading.
	for _, b := range bs {
		if off, ok := stringOffset(b.f); ok {
			r.strBindings = append(r.strBindings, strBinding{col: b.col, off: off})
		} else {
			r.bindings = append(r.bindings, b)
		}
	}
	return nil
}

// headerSeparators are the separators a header is tried with: Azure writes
// commas; Excel writes semicolons where the decimal mark is a comma, and tabs
// in "Unicode text" files.
var headerSeparators = [...]byte{',', ';', '\t'}

// splitHeader splits a header candidate with the separator that gives it the
// most fields (commas on a tie), and sets r.sep and r.decComma accordingly.
func (r *Reader) splitHeader(s, e, line int) *ParseError {
	best, bestN := byte(0), -1
	var firstErr *ParseError
	for _, sep := range headerSeparators {
		r.sep = sep
		if perr := r.split(s, e, line); perr != nil {
			if firstErr == nil {
				firstErr = perr
			}
			continue
		}
		if len(r.spans) > bestN {
			best, bestN = sep, len(r.spans)
		}
	}
	if bestN < 0 {
		r.sep = ','
		return firstErr
	}
	r.sep = best
	r.decComma = best == ';'
	return r.split(s, e, line)
}

// checkCurrencyOption checks ReaderOptions.Currency and keeps it upper-cased.
func (r *Reader) checkCurrencyOption() error {
	if r.opts.Currency == "" {
		return nil
	}
	c, ok := normalizeCurrency(r.opts.Currency)
	if !ok {
		return &ParseError{File: r.opts.File, Err: fmt.Errorf("%w: ReaderOptions.Currency %q is not a three-letter code", ErrBadCurrency, r.opts.Currency)}
	}
	r.currency = c
	return nil
}

// noHeaderError explains why no header was found in an input that has lines:
// most often a separator or an encoding the reader does not read.
func (r *Reader) noHeaderError(firstRow []byte) error {
	return &ParseError{File: r.opts.File, Line: r.line, Err: fmt.Errorf("%w: no line before line %d has 3 or more fields separated by commas, semicolons or tabs; %s",
		ErrNoHeader, r.line, likelyCause(firstRow))}
}

// unknownHeaderError reports a header no layout matches. When the row looks
// like data (the header line is missing) or like text in another encoding,
// it says so instead of quoting the row.
func (r *Reader) unknownHeaderError(line int, names []string, headerText string) error {
	if looksLikeData(names) {
		return &ParseError{File: r.opts.File, Line: line,
			Err: fmt.Errorf("%w: the first row holds data (dates or numbers), not column names: the header line is missing", ErrUnknownHeader)}
	}
	if cause := encodingCause([]byte(headerText)); cause != "" {
		return &ParseError{File: r.opts.File, Line: line, Err: fmt.Errorf("%w: %s", ErrUnknownHeader, cause)}
	}
	return &ParseError{File: r.opts.File, Line: line,
		Err: fmt.Errorf("%w; %s", ErrUnknownHeader, expectedHeaders), Text: truncateText([]byte(headerText))}
}

// likelyCause guesses why a line could not be split into a header.
func likelyCause(line []byte) string {
	if c := encodingCause(line); c != "" {
		return c
	}
	for _, sep := range []byte{'|', ':', '^', '~', ' '} {
		if bytes.Count(line, []byte{sep}) >= 2 {
			return fmt.Sprintf("the first line looks separated by %q, which usage files never are: save the file as CSV with commas", sep)
		}
	}
	return "is this a usage CSV file? Save it as CSV (comma-, semicolon- or tab-separated, UTF-8 or UTF-16 with a byte order mark)"
}

// encodingCause recognises text that is not UTF-8: UTF-16 without a byte
// order mark (every other byte zero), or a legacy code page.
func encodingCause(b []byte) string {
	if zeros := bytes.Count(b, []byte{0}); zeros > 0 && zeros*4 >= len(b) {
		return "the file looks like UTF-16 without a byte order mark: save it as UTF-8, or as UTF-16 with a byte order mark"
	}
	if !utf8.Valid(b) {
		return "the header is not valid UTF-8 (a Windows code page such as 1252?): save the file as UTF-8"
	}
	return ""
}

// looksLikeData reports whether most cells of a row are dates or numbers.
func looksLikeData(cells []string) bool {
	n := 0
	for _, c := range cells {
		if c == "" {
			continue
		}
		if _, _, err := parseDate([]byte(c)); err == nil {
			n++
		} else if _, err := billing.ParseDecimal(strings.TrimSpace(c)); err == nil {
			n++
		}
	}
	return n >= 2 // column names are never numbers or dates
}

// fill reads more input into buf, keeping buf[start:end]. It moves the
// unconsumed bytes to the front, and grows buf only when a row does not fit.
func (r *Reader) fill() error {
	if r.srcErr != nil {
		return r.srcErr
	}
	if r.buf == nil {
		r.buf = make([]byte, initialBufferSize)
	}
	if r.start > 0 {
		n := copy(r.buf, r.buf[r.start:r.end])
		r.start, r.end = 0, n
	}
	if r.end == len(r.buf) {
		// Grow, but not past what a row may hold plus one read: an
		// unclosed quote must fail near MaxRowBytes, not at twice it.
		nb := make([]byte, min(2*len(r.buf), r.opts.MaxRowBytes+initialBufferSize))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.srcErr = err
			return nil
		}
		if n > 0 {
			return nil
		}
	}
	r.srcErr = io.ErrNoProgress
	return nil
}

// sniff drops a UTF-8 byte order mark, switches to gzip decompression if
// the input starts with the gzip magic number, and to UTF-16 decoding if it
// starts with a UTF-16 byte order mark.
func (r *Reader) sniff() error {
	r.sniffed = true
	if err := r.fillAtLeast(3); err != nil {
		return err
	}
	data := r.buf[r.start:r.end]
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		cr := &countingReader{r: r.restOfInput(0)}
		zr, err := gzip.NewReader(cr)
		if err != nil {
			return err
		}
		r.src, r.start, r.end, r.srcErr = zr, 0, 0, nil
		if max := r.opts.MaxDecompressedBytes; max > 0 {
			r.src = &limitReader{r: zr, compressed: cr, max: max, bomb: max == defaultMaxDecompressed, bombMin: r.bombMin}
		}
		if err := r.fillAtLeast(3); err != nil {
			return err
		}
		data = r.buf[r.start:r.end]
	}
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		r.start += 3
	case len(data) >= 2 && (data[0] == 0xff && data[1] == 0xfe || data[0] == 0xfe && data[1] == 0xff):
		be := data[0] == 0xfe
		r.src = newUTF16Reader(r.restOfInput(2), be)
		r.start, r.end, r.srcErr = 0, 0, nil
		r.layout.Encoding = "UTF-16LE"
		if be {
			r.layout.Encoding = "UTF-16BE"
		}
		if err := r.fillAtLeast(1); err != nil {
			return err
		}
	}
	return nil
}

// fillAtLeast reads until n bytes are buffered or the input ends.
func (r *Reader) fillAtLeast(n int) error {
	for r.end-r.start < n && r.srcErr == nil {
		if err := r.fill(); err != nil {
			return err
		}
	}
	return nil
}

// restOfInput returns a reader of the buffered bytes after the first skip
// and then the rest of the source.
func (r *Reader) restOfInput(skip int) io.Reader {
	rest := r.src
	if r.srcErr != nil {
		rest = eofReader{r.srcErr}
	}
	return io.MultiReader(bytes.NewReader(bytes.Clone(r.buf[r.start+skip:r.end])), rest)
}

type eofReader struct{ err error }

func (e eofReader) Read([]byte) (int, error) { return 0, e.err }

// nextRow finds the next non-blank row and returns its bounds in buf
// (without the line break) and its first line number. Quoted fields may hold
// line breaks, so a row ends at the first '\n' after an even number of
// quotes; counting quotes with bytes.Count keeps this a SIMD scan.
func (r *Reader) nextRow() (rowStart, rowEnd, line int, err error) {
	if !r.sniffed {
		if err := r.sniff(); err != nil {
			return 0, 0, 0, r.ioError(err)
		}
	}
	for {
		data := r.buf[r.start:r.end]
		for r.scanned < len(data) {
			rest := data[r.scanned:]
			nl := bytes.IndexByte(rest, '\n')
			if nl < 0 {
				r.quotes += countQuotes(rest)
				r.scanned = len(data)
				break
			}
			r.quotes += countQuotes(rest[:nl])
			r.scanned += nl + 1
			if r.quotes%2 != 0 {
				r.rowNL++
				continue
			}
			s, e := r.start, r.start+r.scanned-1
			if e > s && r.buf[e-1] == '\r' {
				e--
			}
			if rs, re, line, ok := r.take(s, e); ok {
				return r.checkRowLength(rs, re, line)
			}
			data = r.buf[r.start:r.end]
		}
		if r.srcErr != nil {
			if r.srcErr != io.EOF {
				return 0, 0, 0, r.ioError(r.srcErr)
			}
			if len(data) == 0 {
				return 0, 0, 0, io.EOF
			}
			if len(data) > r.opts.MaxRowBytes {
				// Whether the end of the input was seen or not.
				return 0, 0, 0, tooLongError(r.opts.File, r.line, r.opts.MaxRowBytes, data)
			}
			if r.quotes%2 != 0 {
				line := r.line
				r.start = r.end
				return 0, 0, 0, &ParseError{File: r.opts.File, Line: line, Err: fmt.Errorf("%w: quote not closed at end of input", ErrQuote), Text: truncateText(data)}
			}
			s, e := r.start, r.end
			if e > s && r.buf[e-1] == '\r' {
				e--
			}
			if rs, re, line, ok := r.take(s, e); ok {
				return r.checkRowLength(rs, re, line)
			}
			return 0, 0, 0, io.EOF
		}
		if r.end-r.start > r.opts.MaxRowBytes {
			return 0, 0, 0, tooLongError(r.opts.File, r.line, r.opts.MaxRowBytes, data)
		}
		if err := r.fill(); err != nil {
			return 0, 0, 0, r.ioError(err)
		}
	}
}

// checkRowLength refuses a row longer than MaxRowBytes even when it fits in
// the buffer, so that the limit does not depend on how the input was
// buffered or cut into chunks.
func (r *Reader) checkRowLength(rs, re, line int) (int, int, int, error) {
	if re-rs > r.opts.MaxRowBytes {
		return 0, 0, 0, tooLongError(r.opts.File, line, r.opts.MaxRowBytes, r.buf[rs:re])
	}
	return rs, re, line, nil
}

func tooLongError(file string, line, max int, row []byte) *ParseError {
	return &ParseError{File: file, Line: line,
		Err:  fmt.Errorf("%w: more than %d bytes without the row ending (an unclosed quote?)", ErrRowTooLong, max),
		Text: truncateText(row)}
}

// countQuotes counts the quotes in b; most lines have none, and IndexByte
// answers that faster than Count.
func countQuotes(b []byte) int {
	q := bytes.IndexByte(b, '"')
	if q < 0 {
		return 0
	}
	return bytes.Count(b[q:], []byte{'"'})
}

// take consumes the row buf[s:e] (its line break lies between e and the
// new start) and reports it unless it is blank.
func (r *Reader) take(s, e int) (int, int, int, bool) {
	line := r.line
	r.rowQuoted, r.rowMultiline = r.quotes > 0, r.rowNL > 0
	r.line += r.rowNL + 1
	r.start += r.scanned
	r.scanned, r.quotes, r.rowNL = 0, 0, 0
	if e == s {
		return 0, 0, 0, false
	}
	return s, e, line, true
}

var errReaderClosed = errors.New("usage: Reader closed")

func (r *Reader) ioError(err error) error {
	return ioError(r.opts.File, err)
}

func ioError(file string, err error) error {
	var pe *ParseError
	if errors.As(err, &pe) && errors.Is(err, ErrTooLarge) {
		pe.File = file
		return pe
	}
	if file != "" {
		return fmt.Errorf("reading %s: %w", file, err)
	}
	return fmt.Errorf("reading usage data: %w", err)
}

// split cuts buf[s:e] into fields (r.spans) without changing buf.
// nextRow told us whether the row has quotes and line breaks at all, which
// lets the common rows skip those checks.
func (r *Reader) split(s, e, line int) *ParseError {
	r.unq = r.unq[:0]
	buf, sep := r.buf, r.sep
	if !r.rowQuoted {
		spans, last := appendFields(r.spans[:0], buf, s, e, sep)
		r.spans = append(spans, span{start: int32(last), end: int32(e), ulen: -1})
		return nil
	}
	spans := r.spans[:0]
	// nextQ is the position of the next quote at or after i (e+1 if none);
	// the unquoted fields before it are cut in one scan.
	nextQ := -1
	for i := s; ; {
		if nextQ < i {
			nextQ = e + 1
			if q := bytes.IndexByte(buf[i:e], '"'); q >= 0 {
				nextQ = i + q
			}
		}
		if nextQ == i {
			k := i + 1
			j := bytes.IndexByte(buf[k:e], '"')
			if j < 0 {
				r.spans = spans
				return r.quoteError(line, s, e, len(spans), i, "quote not closed")
			}
			k += j
			sp := span{start: int32(i + 1), end: int32(k), ulen: -1}
			if (k+1 < e && buf[k+1] == '"') || (r.rowMultiline && bytes.IndexByte(buf[i+1:k], '\r') >= 0) {
				// Escapes: unquote into r.unq, which store appends to the row.
				var ok bool
				if k, ok = r.unquote(&sp, i+1, e, len(spans)); !ok {
					r.spans = spans
					return r.quoteError(line, s, e, len(spans), i, "quote not closed")
				}
			}
			// k is the closing quote.
			spans = append(spans, sp)
			k++
			if k == e {
				break
			}
			if buf[k] != sep {
				r.spans = spans
				return r.quoteError(line, s, e, len(spans)-1, k, "text after a closing quote")
			}
			i = k + 1
			continue
		}
		var start int
		spans, start = appendFields(spans, buf, i, min(nextQ, e), sep)
		if nextQ > e {
			spans = append(spans, span{start: int32(start), end: int32(e), ulen: -1})
			break
		}
		if start != nextQ {
			r.spans = spans
			return r.quoteError(line, s, e, len(spans), nextQ, "quote inside an unquoted field")
		}
		i = nextQ
	}
	r.spans = spans
	return nil
}

// appendFields appends the fields of buf[i:end] that a separator ends and
// returns where the field running to end starts. Usage rows hold dozens of
// short and empty fields, for which a call to bytes.IndexByte per field
// costs more than the scan itself; instead each 64 bytes become a bit mask
// of their separators (eight bytes at a time, without branches), whose set
// bits are then visited in order.
func appendFields(spans []span, buf []byte, i, end int, sep byte) ([]span, int) {
	pattern := uint64(sep) * 0x0101010101010101
	start := i
	for ; i+64 <= end; i += 64 {
		b := buf[i : i+64]
		var w uint64
		for k := 0; k < 64; k += 8 {
			w |= sepBits(binary.LittleEndian.Uint64(b[k:])^pattern) << k
		}
		for w != 0 {
			k := i + bits.TrailingZeros64(w)
			spans = append(spans, span{start: int32(start), end: int32(k), ulen: -1})
			start = k + 1
			w &= w - 1
		}
	}
	for ; i < end; i++ {
		if buf[i] == sep {
			spans = append(spans, span{start: int32(start), end: int32(i), ulen: -1})
			start = i + 1
		}
	}
	return spans, start
}

// sepBits returns one bit per byte of x, in byte order, set where the byte
// is zero: zeroBytes marks the high bit of each such byte, and the multiply
// gathers those eight bits into the top byte.
func sepBits(x uint64) uint64 {
	return (zeroBytes(x) >> 7) * 0x0102040810204080 >> 56
}

func (r *Reader) quoteError(line, rowStart, rowEnd, col, at int, what string) *ParseError {
	pe := &ParseError{File: r.opts.File, Line: line + bytes.Count(r.buf[rowStart:at], []byte{'\n'}),
		Column: col + 1, Err: fmt.Errorf("%w: %s", ErrQuote, what)}
	if r.schema != nil && col < len(r.schema.names) {
		pe.Header = r.schema.names[col]
	}
	// The text shown stays within the row: what lies beyond it depends on
	// how much input happens to be buffered.
	end := min(at+maxErrorText, rowEnd)
	from := max(at-20, rowStart)
	if nl := bytes.IndexByte(r.buf[at:end], '\n'); nl >= 0 {
		end = at + nl
	}
	pe.Text = truncateText(r.buf[from:end])
	return pe
}

// typeRow fills rec from the split row: it stores the row's text in one
// allocation and parses the typed fields from the buffer.
func (r *Reader) typeRow(rec *Record, s, e, line int) *ParseError {
	if len(r.spans) != len(r.schema.names) {
		return &ParseError{File: r.opts.File, Line: line,
			Err:  fmt.Errorf("%w: %d fields, the header has %d", ErrFieldCount, len(r.spans), len(r.schema.names)),
			Text: truncateText(r.buf[s:e])}
	}
	// Every bound field is assigned below and the others stay zero, so rec
	// (reused by All) needs no clearing.
	rec.Layout, rec.Line, rec.schema = r.layout, line, r.schema
	rec.raw, rec.rowLen = r.store(s, e)
	raw, spans := rec.raw, r.spans
	for _, b := range r.strBindings {
		sp := &spans[b.col]
		var v string
		if sp.ulen < 0 {
			v = raw[int(sp.start)-s : int(sp.end)-s]
		} else {
			v = raw[sp.uoff : sp.uoff+sp.ulen]
		}
		if r.nullLit && v == "NULL" {
			v = ""
		}
		*(*string)(unsafe.Add(unsafe.Pointer(rec), b.off)) = v
	}
	if r.noCurrencyCol {
		rec.Currency = r.currency
	}
	for bi := range r.bindings {
		b := &r.bindings[bi]
		sp := spans[b.col]
		text := r.buf[sp.start:sp.end]
		if r.nullLit && string(text) == "NULL" {
			text = nil
		}
		switch b.kind {
		case kindString: // strings that need work
			v := raw[int(sp.start)-s : int(sp.end)-s]
			if sp.ulen >= 0 {
				v = raw[sp.uoff : sp.uoff+sp.ulen]
			}
			if text == nil {
				v = ""
			}
			if err := setStringField(rec, b.f, v); err != nil {
				return r.fieldError(line, b.col, sp, err)
			}
		case kindDecimal:
			var d billing.Decimal
			var err error
			if r.decComma {
				d, err = parseNumberComma(text)
			} else {
				d, err = parseNumber(text)
			}
			if err != nil {
				return r.fieldError(line, b.col, sp, err)
			}
			*rec.decimal(b.f) = d
		case kindDate:
			// Dates repeat from row to row (the billing period in every row,
			// the usage day in runs), so the last one parsed is remembered.
			if !b.last.matches(text) {
				d, midnight, err := parseDate(text)
				if err != nil {
					return r.fieldError(line, b.col, sp, err)
				}
				if b.f == fFocusPeriodEnd && midnight && !d.IsZero() {
					d = prevDay(d) // FOCUS period ends are exclusive
				}
				b.last.set(text, d)
			}
			*rec.date(b.f) = b.last.date
		case kindBool:
			v, err := parseBool(text)
			if err != nil {
				return r.fieldError(line, b.col, sp, err)
			}
			rec.CreditEligible = v
		}
	}
	return nil
}

// setStringField sets a string field that needs work: FOCUS's
// "/subscriptions/{id}", GUIDs in braces, currency codes (checked, upper-cased).
func setStringField(rec *Record, f field, v string) error {
	switch f {
	case fFocusSubscriptionID:
		if len(v) > len("/subscriptions/") && strings.EqualFold(v[:len("/subscriptions/")], "/subscriptions/") {
			v = v[len("/subscriptions/"):]
		}
		rec.SubscriptionID = v
	case fBracedSubscriptionID:
		rec.SubscriptionID = trimBraces(v)
	case fBracedMeterID:
		rec.MeterID = trimBraces(v)
	case fCurrency:
		if v != "" {
			c, ok := normalizeCurrency(strings.TrimSpace(v))
			if !ok {
				return ErrBadCurrency
			}
			v = c
		}
		rec.Currency = v
	}
	return nil
}

// trimBraces removes the braces of a GUID written as "{GUID}".
func trimBraces(v string) string {
	if len(v) >= 2 && v[0] == '{' && v[len(v)-1] == '}' {
		return v[1 : len(v)-1]
	}
	return v
}

func (r *Reader) fieldError(line, col int, sp span, err error) *ParseError {
	return &ParseError{File: r.opts.File, Line: line, Column: col + 1, Header: r.schema.names[col],
		Text: truncateText(r.buf[sp.start:sp.end]), Err: err}
}

// unquote reads the quoted field whose text starts at k, which holds
// doubled quotes or CR LF pairs, into r.unq after a 6-byte header (column
// index, length) that Record.Raw uses. It returns the index of the closing
// quote. A byte loop, because JSON in Tags and AdditionalInfo has a doubled
// quote every few bytes, which makes IndexByte calls per segment slower.
func (r *Reader) unquote(sp *span, k, e, col int) (int, bool) {
	buf := r.buf
	u := slices.Grow(r.unq, escHeader+e-k)
	h := len(u)
	u = u[:h+escHeader+e-k]
	w := h + escHeader
	multiline := r.rowMultiline
	for k < e {
		// Copy eight bytes at a time up to the next quote (or CR).
		if k+8 <= e {
			x := binary.LittleEndian.Uint64(buf[k:])
			m := zeroBytes(x ^ 0x2222222222222222)
			if multiline {
				m |= zeroBytes(x ^ 0x0d0d0d0d0d0d0d0d)
			}
			// u has room: it was sized for all of buf[k0:e], and w-k only shrinks.
			binary.LittleEndian.PutUint64(u[w:], x)
			if m == 0 {
				w, k = w+8, k+8
				continue
			}
			n := bits.TrailingZeros64(m) >> 3
			w, k = w+n, k+n
		}
		c := buf[k]
		if c == '"' {
			if k+1 < e && buf[k+1] == '"' {
				k++
			} else {
				break
			}
		} else if c == '\r' && multiline && k+1 < e && buf[k+1] == '\n' {
			k++
			continue
		}
		u[w] = c
		w++
		k++
	}
	if k >= e {
		return k, false
	}
	n := w - h - escHeader
	u[h], u[h+1] = byte(col), byte(col>>8)
	u[h+2], u[h+3], u[h+4], u[h+5] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	r.unq = u[:w]
	sp.uoff, sp.ulen = int32(h+escHeader), int32(n) // relative to r.unq until store
	return k, true
}

// store copies the row into one string, the only allocation per record:
// every string field of the Record, and Raw, are substrings of it. Fields
// whose quoted text needed unescaping (doubled quotes, CR LF) follow the
// row, unquoted, each after a 6-byte header (column index, length) that Raw
// uses; they are few, mostly Tags and AdditionalInfo. Raw finds the other
// fields by splitting the row text again, so storing a row costs no offset
// table.
func (r *Reader) store(s, e int) (string, int) {
	rowLen := e - s
	if r.borrow && len(r.unq) == 0 && rowLen > 0 {
		// The record lives only until the next row is read (a fold, see each): its text
		// can stay in the buffer, and the allocation (and the garbage collection it causes)
		// is saved.
		return unsafe.String(&r.buf[s], rowLen), rowLen
	}
	if len(r.unq) > 0 {
		for k := range r.spans {
			if r.spans[k].ulen >= 0 {
				r.spans[k].uoff += int32(rowLen)
			}
		}
	}
	if r.borrow {
		// Unquoted fields follow the row: both go to a buffer reused for the next row.
		r.scratch = append(append(r.scratch[:0], r.buf[s:e]...), r.unq...)
		return unsafe.String(unsafe.SliceData(r.scratch), len(r.scratch)), rowLen
	}
	var sb strings.Builder
	sb.Grow(rowLen + len(r.unq))
	sb.Write(r.buf[s:e])
	sb.Write(r.unq)
	return sb.String(), rowLen
}

// fieldText returns a field of the current row as a new string, unquoted.
func (r *Reader) fieldText(sp span) string {
	if sp.ulen < 0 {
		return string(r.buf[sp.start:sp.end])
	}
	return string(r.unq[sp.uoff : sp.uoff+sp.ulen])
}

// escHeader is the size of the header before each unquoted field stored
// after the row: column index (2 bytes) and length (4 bytes).
const escHeader = 6

// lastDate remembers the last date text a column held and its value.
type lastDate struct {
	text [32]byte
	n    int // -1: nothing remembered
	date billing.Date
}

func (l *lastDate) matches(b []byte) bool {
	return l.n == len(b) && l.n > 0 && bytes.Equal(l.text[:l.n], b)
}

func (l *lastDate) set(b []byte, d billing.Date) {
	l.date = d
	if len(b) > len(l.text) {
		l.n = -1
		return
	}
	l.n = copy(l.text[:], b)
}

// zeroBytes sets the high bit of each zero byte of x, and no other bit.
func zeroBytes(x uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	return ^((x&low7 + low7) | x | low7)
}
