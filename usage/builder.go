package usage

import (
	"fmt"
	"strings"
	"unsafe"
)

// RecordBuilder types rows that arrive as separate fields rather than CSV
// text, such as the rows of a Parquet file, into the same Records a Reader
// yields: the header is matched to a dialect the same way, every typed field
// is parsed by the same rules, and Raw, Fields and Column work as for a
// record read from CSV. Columns of a columnar file are expected as text in
// the form the CSV of the same export holds (decimals in plain notation,
// dates as yyyy-mm-dd or an ISO timestamp).
//
// A RecordBuilder is not safe for concurrent use; use one per file.
type RecordBuilder struct {
	file        string
	schema      *schema
	layout      Layout
	bindings    []binding
	strBindings []strBinding
	offs        []int32 // per column: start and end of its value in the row being built
	rows        int
	caches      []dictCache // per binding, for BuildColumns
	fastStr     []dictBinding
	slowStr     []strBinding
}

// NewRecordBuilder returns a builder for rows with the given column names
// (the file's header). Of opts only File and CostColumn are used; nil means
// defaults. It fails with a *ParseError wrapping ErrUnknownHeader when the
// names match no known layout.
func NewRecordBuilder(header []string, opts *ReaderOptions) (*RecordBuilder, error) {
	var o ReaderOptions
	if opts != nil {
		o = *opts
	}
	if len(header) > 0xFFFF {
		return nil, &ParseError{File: o.File, Line: 1, Err: fmt.Errorf("%w: more than 65535 columns", ErrUnknownHeader)}
	}
	names := append([]string(nil), header...)
	if len(names) > 0 {
		names[0] = strings.TrimPrefix(names[0], "\ufeff")
	}
	keys := make([]string, len(names))
	localized := false
	for i, n := range names {
		var loc bool
		keys[i], loc = normalizeHeader(n)
		localized = localized || loc
	}
	headerText := strings.Join(names, ",")
	layout, ok := detect(keys, names)
	if !ok {
		return nil, &ParseError{File: o.File, Line: 1, Err: fmt.Errorf("%w; %s", ErrUnknownHeader, expectedHeaders), Text: truncateText([]byte(headerText))}
	}
	layout.Localized = localized
	bs, err := bind(keys, layout.Dialect, o.CostColumn)
	if err != nil {
		return nil, &ParseError{File: o.File, Line: 1, Err: err, Text: truncateText([]byte(headerText))}
	}
	b := &RecordBuilder{file: o.File, schema: &schema{names: names, keys: keys, sep: ','}, layout: layout, offs: make([]int32, 2*len(names))}
	for _, bd := range bs {
		if off, ok := stringOffset(bd.f); ok {
			b.strBindings = append(b.strBindings, strBinding{col: bd.col, off: off})
		} else {
			b.bindings = append(b.bindings, bd)
		}
	}
	return b, nil
}

// Layout returns the dialect and version the header was matched to.
func (b *RecordBuilder) Layout() Layout { return b.layout }

// Rows returns the number of records built so far.
func (b *RecordBuilder) Rows() int { return b.rows }

// Build types one row. fields holds one value per header column, in header
// order; line is what Record.Line and errors report (a row number for files
// without lines). Bad values give a *ParseError naming the column, as the
// Reader does. The Record owns its text: fields may be reused afterwards.
func (b *RecordBuilder) Build(fields []string, line int) (Record, error) {
	var rec Record
	n := len(b.schema.names)
	if len(fields) != n {
		return Record{}, &ParseError{File: b.file, Line: line,
			Err: fmt.Errorf("%w: %d fields, the header has %d", ErrFieldCount, len(fields), n)}
	}
	// The row is stored as CSV text, as the Reader stores it, so that
	// Record.Raw finds every column; values holding a quote are stored a
	// second time, unquoted, after the row (see Reader.store).
	size, esc := 0, 0
	for _, f := range fields {
		size += len(f) + 1
		if needsQuoting(f) {
			size += 2 + strings.Count(f, `"`)
			if strings.IndexByte(f, '"') >= 0 {
				esc += escHeader + len(f)
			}
		}
	}
	buf := make([]byte, 0, size+esc)
	for i, f := range fields {
		if i > 0 {
			buf = append(buf, ',')
		}
		if !needsQuoting(f) {
			b.offs[2*i], b.offs[2*i+1] = int32(len(buf)), int32(len(buf)+len(f))
			buf = append(buf, f...)
			continue
		}
		buf = append(buf, '"')
		b.offs[2*i] = int32(len(buf))
		for j := 0; j < len(f); j++ {
			if f[j] == '"' {
				buf = append(buf, '"')
			}
			buf = append(buf, f[j])
		}
		b.offs[2*i+1] = int32(len(buf))
		buf = append(buf, '"')
	}
	rowLen := len(buf)
	for i, f := range fields {
		if strings.IndexByte(f, '"') < 0 || !needsQuoting(f) {
			continue
		}
		buf = append(buf, byte(i), byte(i>>8), byte(len(f)), byte(len(f)>>8), byte(len(f)>>16), byte(len(f)>>24))
		b.offs[2*i] = int32(len(buf))
		buf = append(buf, f...)
		b.offs[2*i+1] = int32(len(buf))
	}
	raw := unsafe.String(unsafe.SliceData(buf), len(buf))
	rec.Layout, rec.Line, rec.schema = b.layout, line, b.schema
	rec.raw, rec.rowLen = raw, rowLen
	focus := b.layout.Dialect == DialectFOCUS
	for _, sb := range b.strBindings {
		v := raw[b.offs[2*sb.col]:b.offs[2*sb.col+1]]
		if focus && v == "NULL" {
			v = ""
		}
		*(*string)(unsafe.Add(unsafe.Pointer(&rec), sb.off)) = v
	}
	for bi := range b.bindings {
		bd := &b.bindings[bi]
		v := raw[b.offs[2*bd.col]:b.offs[2*bd.col+1]]
		if b.layout.Dialect == DialectFOCUS && v == "NULL" {
			v = "" // as the Reader reads FOCUS's SQL-style NULL
		}
		text := unsafe.Slice(unsafe.StringData(v), len(v))
		switch bd.kind {
		case kindString:
			if err := setStringField(&rec, bd.f, v); err != nil {
				return Record{}, b.fieldError(line, bd.col, v, err)
			}
		case kindDecimal:
			d, err := parseNumber(text)
			if err != nil {
				return Record{}, b.fieldError(line, bd.col, v, err)
			}
			*rec.decimal(bd.f) = d
		case kindDate:
			if !bd.last.matches(text) {
				d, midnight, err := parseDate(text)
				if err != nil {
					return Record{}, b.fieldError(line, bd.col, v, err)
				}
				if bd.f == fFocusPeriodEnd && midnight && !d.IsZero() {
					d = prevDay(d)
				}
				bd.last.set(text, d)
			}
			*rec.date(bd.f) = bd.last.date
		case kindBool:
			v, err := parseBool(text)
			if err != nil {
				return Record{}, b.fieldError(line, bd.col, string(text), err)
			}
			rec.CreditEligible = v
		}
	}
	b.rows++
	return rec, nil
}

func (b *RecordBuilder) fieldError(line, col int, text string, err error) *ParseError {
	return &ParseError{File: b.file, Line: line, Column: col + 1, Header: b.schema.names[col], Text: truncateText([]byte(text)), Err: err}
}

// needsQuoting reports whether a value must be quoted in a CSV row.
func needsQuoting(s string) bool {
	return strings.ContainsAny(s, ",\"\r\n")
}
