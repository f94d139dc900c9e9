package usage

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/azbilling/azbilling/billing"
)

// Column is one column of a batch of rows that a columnar file (Parquet) holds, handed to
// RecordBuilder.BuildColumns: either text through a dictionary (Dict, Index), or typed values
// (Decimals or Dates), which are set on the Record without going through text.
//
// Columnar files store a column's repeated values once (meter categories, resource groups,
// billing ids: most columns of usage data repeat a few values over millions of rows), so a
// reader can hand the same Dict to every batch of a row group: each distinct value is then one
// Go string, and building a record costs no allocation per field. The Records built keep
// references to the Column's slices; do not change them afterwards.
type Column struct {
	// Dict holds the texts of a text column. Used when it is not nil (an empty column is a
	// non-nil, empty Dict with every Index -1).
	Dict []string
	// Index picks, for each row, the position of its text in Dict, or -1 for null (read as an
	// empty field). nil means row i holds Dict[i].
	Index []int32

	// Decimals holds, for each row, the value of a decimal column (Dict and Dates nil). A
	// column feeding a text field of Record is turned into text (Decimal.String).
	Decimals []billing.Decimal
	// Dates holds, for each row, the value of a date column (Dict nil), as the date of a
	// midnight UTC time stamp.
	Dates []billing.Date
	// Null marks the null rows of a Decimals or Dates column (read as empty fields); nil
	// means none is null.
	Null []bool
}

// ErrBadColumn is wrapped by the *ParseError of RecordBuilder.BuildColumns when a Column does
// not hold what it should: too few rows, an Index out of Dict's range, no values at all.
var ErrBadColumn = errors.New("usage: malformed column")

// dictBinding stores the texts of an indexed dictionary column into the string field at
// offset off of Record.
type dictBinding struct {
	dict  []string
	index []int32
	off   uintptr
}

// columnBatch is what the records built from one BuildColumns call share: Record.Raw reads
// its columns.
type columnBatch struct {
	cols []Column
}

// valid checks that column c can answer rows 0..n-1.
func (c *Column) valid(n int) error {
	switch {
	case c.Dict != nil:
		if c.Index == nil {
			if len(c.Dict) < n {
				return fmt.Errorf("%w: %d texts for %d rows", ErrBadColumn, len(c.Dict), n)
			}
			return nil
		}
		if len(c.Index) < n {
			return fmt.Errorf("%w: %d indexes for %d rows", ErrBadColumn, len(c.Index), n)
		}
		for _, i := range c.Index[:n] {
			if i < -1 || int(i) >= len(c.Dict) {
				return fmt.Errorf("%w: index %d outside a dictionary of %d", ErrBadColumn, i, len(c.Dict))
			}
		}
	case c.Decimals != nil:
		if len(c.Decimals) < n {
			return fmt.Errorf("%w: %d decimals for %d rows", ErrBadColumn, len(c.Decimals), n)
		}
	case c.Dates != nil:
		if len(c.Dates) < n {
			return fmt.Errorf("%w: %d dates for %d rows", ErrBadColumn, len(c.Dates), n)
		}
	case n > 0:
		return fmt.Errorf("%w: no values", ErrBadColumn)
	}
	if c.Dict == nil && c.Null != nil && len(c.Null) < n {
		return fmt.Errorf("%w: %d null marks for %d rows", ErrBadColumn, len(c.Null), n)
	}
	return nil
}

// text returns the text of row r: the dictionary's, or the typed value printed ("" for null).
func (c *Column) text(r int) string {
	if c.Dict != nil {
		return c.dictText(r)
	}
	if c.Null != nil && c.Null[r] {
		return ""
	}
	if c.Decimals != nil {
		return c.Decimals[r].String()
	}
	if c.Dates != nil {
		return c.Dates[r].String()
	}
	return ""
}

// dictText returns row r's text of a Dict column.
func (c *Column) dictText(r int) string {
	if c.Index == nil {
		return c.Dict[r]
	}
	if i := c.Index[r]; i >= 0 {
		return c.Dict[i]
	}
	return ""
}

// dictKey identifies one entry of one dictionary, for the parse caches.
func (c *Column) dictKey(r int) int32 {
	if c.Index == nil {
		return int32(r)
	}
	return c.Index[r]
}

// dictCache remembers, for one binding, what each entry of the dictionary it last saw parsed
// to, so that a date or decimal column written as text is parsed once per distinct value.
type dictCache struct {
	dict  *string // identity of the dictionary: its first element and length
	n     int
	state []uint8 // per entry: 0 not parsed yet, 1 parsed, 2 bad
	dec   []billing.Decimal
	date  []billing.Date
	mid   []bool
	bool_ []bool
	err   []error
}

// reset points the cache at c's dictionary, forgetting the previous one's entries, and sizes
// the slice that values of kind k go to.
func (dc *dictCache) reset(c *Column, k fieldKind) {
	var p *string
	if len(c.Dict) > 0 {
		p = &c.Dict[0]
	}
	if p == dc.dict && len(c.Dict) == dc.n && c.Index != nil {
		return
	}
	dc.dict, dc.n = p, len(c.Dict)
	if c.Index == nil {
		dc.dict = nil // a dictionary per batch, one entry per row: keyed by row, never reused
	}
	n := len(c.Dict)
	dc.state = grow(dc.state, n)
	clear(dc.state)
	dc.err = grow(dc.err, n)
	switch k {
	case kindDecimal:
		dc.dec = grow(dc.dec, n)
	case kindDate:
		dc.date, dc.mid = grow(dc.date, n), grow(dc.mid, n)
	case kindBool:
		dc.bool_ = grow(dc.bool_, n)
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// BuildColumns types n rows held column by column (a batch of a Parquet file) and returns
// them as a slice of n Records: in dst's memory when it has room for n (its records are
// overwritten: pass the slice an earlier call returned once its records have been copied
// out, so that reading a file does not allocate a slice of records per batch), else in a new
// slice. cols holds one Column per header column, in header order;
// line is what Record.Line and errors report for the first row (row i has line+i). Text
// columns are typed by the same rules as Build and the Reader (each distinct dictionary entry
// of a date or decimal column is parsed once); Decimals and Dates columns are set as they are.
// Record.Raw, Fields and Column work as for a record read from CSV, reading the columns (the
// text of a Decimals or Dates column is printed on each call). On a bad value it returns the
// records before it and a *ParseError naming the row and column; a malformed Column is a
// *ParseError wrapping ErrBadColumn.
func (b *RecordBuilder) BuildColumns(dst []Record, cols []Column, n int, line int) ([]Record, error) {
	if len(cols) != len(b.schema.names) {
		return nil, &ParseError{File: b.file, Line: line,
			Err: fmt.Errorf("%w: %d columns, the header has %d", ErrFieldCount, len(cols), len(b.schema.names))}
	}
	if n < 0 {
		return nil, &ParseError{File: b.file, Line: line, Err: fmt.Errorf("%w: %d rows", ErrBadColumn, n)}
	}
	for i := range cols {
		if err := cols[i].valid(n); err != nil {
			return nil, &ParseError{File: b.file, Line: line, Column: i + 1, Header: b.schema.names[i], Err: err}
		}
	}
	if len(b.caches) != len(b.bindings) {
		b.caches = make([]dictCache, len(b.bindings))
	}
	for bi := range b.bindings {
		if c := &cols[b.bindings[bi].col]; c.Dict != nil && b.bindings[bi].kind != kindString {
			b.caches[bi].reset(c, b.bindings[bi].kind)
		}
	}
	batch := &columnBatch{cols: cols}
	focus := b.layout.Dialect == DialectFOCUS
	// The plain string fields fed by indexed dictionaries, the usual case, are set from a
	// compact list; the others (typed columns, per-row texts) through Column.text.
	fast := b.fastStr[:0]
	slow := b.slowStr[:0]
	for _, sb := range b.strBindings {
		if c := &cols[sb.col]; c.Dict != nil && c.Index != nil {
			fast = append(fast, dictBinding{dict: c.Dict, index: c.Index[:n], off: sb.off})
		} else {
			slow = append(slow, sb)
		}
	}
	b.fastStr, b.slowStr = fast, slow
	// Records are filled in place rather than built and copied (a copy has a GC write barrier
	// on each string field). A new slice is zero already; a reused one holds records this
	// builder made, whose every field is either bound, and overwritten below (nulls
	// included), or never set; any other record is cleared first.
	fresh := cap(dst) < n
	if fresh {
		dst = make([]Record, n)
	} else {
		dst = dst[:n]
	}
	for r := range dst {
		rec := &dst[r]
		if !fresh && (rec.schema != b.schema || rec.raw != "") {
			*rec = Record{}
		}
		rec.Layout, rec.Line, rec.schema = b.layout, line+r, b.schema
		rec.batch, rec.rowLen = batch, r
		for _, fb := range fast {
			var v string
			if i := fb.index[r]; i >= 0 {
				if v = fb.dict[i]; focus && v == "NULL" {
					v = ""
				}
			}
			*(*string)(unsafe.Add(unsafe.Pointer(rec), fb.off)) = v
		}
		for _, sb := range slow {
			v := cols[sb.col].text(r)
			if focus && v == "NULL" {
				v = ""
			}
			*(*string)(unsafe.Add(unsafe.Pointer(rec), sb.off)) = v
		}
		for bi := range b.bindings {
			bd := &b.bindings[bi]
			c := &cols[bd.col]
			if err := b.setColumn(rec, bd, &b.caches[bi], c, r, focus); err != nil {
				return dst[:r], b.fieldError(line+r, bd.col, c.text(r), err)
			}
		}
		b.rows++
	}
	return dst, nil
}

// setColumn sets the field of binding bd from row r of column c.
func (b *RecordBuilder) setColumn(rec *Record, bd *binding, dc *dictCache, c *Column, r int, focus bool) error {
	if c.Dict == nil {
		null := c.Null != nil && c.Null[r]
		switch {
		case bd.kind == kindDecimal && c.Decimals != nil:
			var d billing.Decimal
			if !null {
				d = c.Decimals[r]
			}
			*rec.decimal(bd.f) = d
			return nil
		case bd.kind == kindDate && c.Dates != nil:
			var d billing.Date
			if !null {
				d = c.Dates[r]
				if bd.f == fFocusPeriodEnd && !d.IsZero() {
					d = prevDay(d) // a midnight time stamp: FOCUS's exclusive end
				}
			}
			*rec.date(bd.f) = d
			return nil
		}
		// A typed column feeding a field of another kind: through its text, as Build does.
		return b.setText(rec, bd, c.text(r), focus)
	}
	if bd.kind == kindString {
		return b.setText(rec, bd, c.dictText(r), focus)
	}
	k := c.dictKey(r)
	if k < 0 {
		return b.setText(rec, bd, "", focus)
	}
	switch dc.state[k] {
	case 0:
		v := c.Dict[k]
		if focus && v == "NULL" {
			v = ""
		}
		text := unsafe.Slice(unsafe.StringData(v), len(v))
		var err error
		switch bd.kind {
		case kindDecimal:
			dc.dec[k], err = parseNumber(text)
		case kindDate:
			dc.date[k], dc.mid[k], err = parseDate(text)
		case kindBool:
			dc.bool_[k], err = parseBool(text)
		}
		if err != nil {
			dc.err[k] = err
			dc.state[k] = 2
			return err
		}
		dc.state[k] = 1
	case 2:
		return dc.err[k]
	}
	switch bd.kind {
	case kindDecimal:
		*rec.decimal(bd.f) = dc.dec[k]
	case kindDate:
		d := dc.date[k]
		if bd.f == fFocusPeriodEnd && dc.mid[k] && !d.IsZero() {
			d = prevDay(d)
		}
		*rec.date(bd.f) = d
	case kindBool:
		rec.CreditEligible = dc.bool_[k]
	}
	return nil
}

// setText sets the field of binding bd from text v, as Build does.
func (b *RecordBuilder) setText(rec *Record, bd *binding, v string, focus bool) error {
	if focus && v == "NULL" {
		v = ""
	}
	text := unsafe.Slice(unsafe.StringData(v), len(v))
	switch bd.kind {
	case kindString:
		return setStringField(rec, bd.f, v)
	case kindDecimal:
		d, err := parseNumber(text)
		if err != nil {
			return err
		}
		*rec.decimal(bd.f) = d
	case kindDate:
		d, midnight, err := parseDate(text)
		if err != nil {
			return err
		}
		if bd.f == fFocusPeriodEnd && midnight && !d.IsZero() {
			d = prevDay(d)
		}
		*rec.date(bd.f) = d
	case kindBool:
		v, err := parseBool(text)
		if err != nil {
			return err
		}
		rec.CreditEligible = v
	}
	return nil
}
