package exports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/usage"
)

// Parquet blobs are read with Apache Arrow's Go Parquet reader
// (github.com/apache/arrow-go/v18/parquet/pqarrow), chosen over
// github.com/parquet-go/parquet-go by benchmark (2x the rows/s reading a
// 60-column string file; see BENCHMARKS.md). Rows come in column batches that
// become usage.Columns without going through text: string columns are read as
// dictionaries, and each distinct value of a row group becomes one Go string
// that every row holding it shares; decimals, floats, integers and dates become
// billing.Decimal and billing.Date values directly. usage.RecordBuilder types
// them into the same Records as the CSV twin of the export.

// parquetBatchRows is the number of rows decoded at once: enough to amortise
// the decoder's work per batch (measured: 1024 rows cost 50% more decoding
// time than 4096), small enough to keep a partition's memory to a few MB (the
// decoder keeps 16 bytes of scratch per row and text column; 8192 rows held
// 30% more memory with no measurable gain).
const parquetBatchRows = 4096

// recordBatchRows is the number of records built and handed over at once: a
// decoded batch is typed in slices of this many rows, so that the records in
// flight (a partition's channel holds a few such slices) stay near 1 MB each.
const recordBatchRows = 1024

// pqColumn turns the arrays of one Parquet column into usage.Columns, batch
// after batch, remembering the last dictionary it converted.
type pqColumn struct {
	dictData arrow.ArrayData // the Arrow dictionary dict was made from
	dict     []string
	dateLast int64 // the last day number converted, and its date
	dateVal  billing.Date
	dateOK   bool
	scratch  []byte
}

// boolDict is the text of a boolean column's values, as the CSV of an export holds them.
var boolDict = []string{"False", "True"}

// column converts the first n rows of a into a usage.Column, or fails for
// types an export does not write (nested columns).
func (pc *pqColumn) column(a arrow.Array, n int) (usage.Column, error) {
	switch c := a.(type) {
	case *array.Dictionary:
		if d := c.Dictionary(); d.Data() != pc.dictData || pc.dict == nil {
			texts, err := copyTexts(d)
			if err != nil {
				return usage.Column{}, err
			}
			pc.dict, pc.dictData = texts, d.Data()
		}
		if ind, ok := c.Indices().(*array.Int32); ok && c.NullN() == 0 {
			// Arrow's index buffer as it is: it comes from the Go allocator (GC memory, never
			// reused once the batch is released), and nothing writes to it afterwards.
			return usage.Column{Dict: pc.dict, Index: ind.Int32Values()[:n:n]}, nil
		}
		idx := make([]int32, n)
		for i := range idx {
			if c.IsNull(i) {
				idx[i] = -1
			} else {
				idx[i] = int32(c.GetValueIndex(i))
			}
		}
		return usage.Column{Dict: pc.dict, Index: idx}, nil
	case *array.String, *array.LargeString, *array.Binary, *array.LargeBinary:
		texts, err := copyTexts(a)
		if err != nil {
			return usage.Column{}, err
		}
		col := usage.Column{Dict: texts}
		if a.NullN() > 0 {
			col.Index = make([]int32, n)
			for i := range col.Index {
				col.Index[i] = int32(i)
				if a.IsNull(i) {
					col.Index[i] = -1
				}
			}
		}
		return col, nil
	case *array.Boolean:
		idx := make([]int32, n)
		for i := range idx {
			switch {
			case c.IsNull(i):
				idx[i] = -1
			case c.Value(i):
				idx[i] = 1
			}
		}
		return usage.Column{Dict: boolDict, Index: idx}, nil
	case *array.Decimal128:
		scale := c.DataType().(*arrow.Decimal128Type).Scale
		col := usage.Column{Decimals: make([]billing.Decimal, n), Null: nulls(a, n)}
		for i, v := range c.Values()[:n] {
			col.Decimals[i] = billing.NewDecimalInt128(v.HighBits(), v.LowBits(), scale)
		}
		return col, nil
	case *array.Float64:
		return pc.floats(a, n, func(i int) float64 { return c.Value(i) }, 64)
	case *array.Float32:
		// The shortest text that reads back as the same float32: what a writer
		// that converted a decimal to float had before it.
		return pc.floats(a, n, func(i int) float64 { return float64(c.Value(i)) }, 32)
	case *array.Int32:
		return ints(a, n, func(i int) int64 { return int64(c.Value(i)) }), nil
	case *array.Int64:
		return ints(a, n, func(i int) int64 { return c.Value(i) }), nil
	case *array.Date32:
		col := usage.Column{Dates: make([]billing.Date, n), Null: nulls(a, n)}
		for i, v := range c.Date32Values()[:n] {
			col.Dates[i] = pc.day(int64(v))
		}
		return col, nil
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		perDay := int64(86400) * int64(time.Second/unit.Multiplier())
		col := usage.Column{Dates: make([]billing.Date, n), Null: nulls(a, n)}
		for i, v := range c.TimestampValues()[:n] {
			if col.Null != nil && col.Null[i] {
				continue
			}
			if int64(v)%perDay != 0 {
				return pc.timeTexts(c, unit, n), nil // not at midnight: typed as its text is
			}
			col.Dates[i] = pc.day(int64(v) / perDay)
		}
		return col, nil
	}
	return usage.Column{}, fmt.Errorf("column type %s is not one an export writes", a.DataType())
}

// day returns the date of a day number (days since 1970-01-01), remembering the last one: a
// date column repeats a few days over many rows.
func (pc *pqColumn) day(v int64) billing.Date {
	if !pc.dateOK || v != pc.dateLast {
		pc.dateLast, pc.dateOK = v, true
		pc.dateVal = billing.DateOf(time.Unix(v*86400, 0).UTC())
	}
	return pc.dateVal
}

// timeTexts is a time stamp column as text (RFC 3339), for values that are not midnights.
func (pc *pqColumn) timeTexts(c *array.Timestamp, unit arrow.TimeUnit, n int) usage.Column {
	b := pc.scratch[:0]
	ends := make([]int, n)
	for i := 0; i < n; i++ {
		if !c.IsNull(i) {
			b = c.Value(i).ToTime(unit).UTC().AppendFormat(b, time.RFC3339Nano)
		}
		ends[i] = len(b)
	}
	pc.scratch = b
	return usage.Column{Dict: split(string(b), ends), Index: nullIndex(c, n)}
}

// floats converts a float column through its shortest exact text, which is
// what a writer that stored a decimal as a float had.
func (pc *pqColumn) floats(a arrow.Array, n int, val func(int) float64, bits int) (usage.Column, error) {
	col := usage.Column{Decimals: make([]billing.Decimal, n), Null: nulls(a, n)}
	for i := 0; i < n; i++ {
		if col.Null != nil && col.Null[i] {
			continue
		}
		f := val(i)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return usage.Column{}, fmt.Errorf("row %d holds %v, not a number", i+1, f)
		}
		pc.scratch = strconv.AppendFloat(pc.scratch[:0], f, 'f', -1, bits)
		d, err := billing.ParseDecimalBytes(pc.scratch)
		if err != nil {
			return usage.Column{}, err
		}
		col.Decimals[i] = d
	}
	return col, nil
}

// ints is an integer column as decimals.
func ints(a arrow.Array, n int, val func(int) int64) usage.Column {
	col := usage.Column{Decimals: make([]billing.Decimal, n), Null: nulls(a, n)}
	for i := range col.Decimals {
		col.Decimals[i] = billing.NewDecimal(val(i), 0)
	}
	return col
}

// nulls marks the null rows of a, or is nil when there are none.
func nulls(a arrow.Array, n int) []bool {
	if a.NullN() == 0 {
		return nil
	}
	m := make([]bool, n)
	for i := range m {
		m[i] = a.IsNull(i)
	}
	return m
}

// nullIndex is the identity index of a per-row text column, with -1 for nulls; nil when
// there are no nulls.
func nullIndex(a arrow.Array, n int) []int32 {
	if a.NullN() == 0 {
		return nil
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
		if a.IsNull(i) {
			idx[i] = -1
		}
	}
	return idx
}

// copyTexts copies every value of a text array into one Go string and returns
// its values as substrings of it: one allocation for the lot, and the Records
// that share them do not keep Arrow's buffers.
func copyTexts(a arrow.Array) ([]string, error) {
	var val func(int) string
	switch c := a.(type) {
	case *array.String:
		val = c.Value
	case *array.LargeString:
		val = c.Value
	case *array.Binary:
		val = c.ValueString
	case *array.LargeBinary:
		val = c.ValueString
	default:
		return nil, fmt.Errorf("dictionary of %s, not text", a.DataType())
	}
	n := a.Len()
	size := 0
	for i := 0; i < n; i++ {
		size += len(val(i))
	}
	b := make([]byte, 0, size)
	ends := make([]int, n)
	for i := 0; i < n; i++ {
		b = append(b, val(i)...)
		ends[i] = len(b)
	}
	return split(unsafe.String(unsafe.SliceData(b), len(b)), ends), nil
}

// checkChunks refuses column chunks that the metadata places outside the file: the decoder
// would allocate what the metadata claims (gigabytes, for a damaged or hostile footer).
func checkChunks(pf *file.Reader, ra io.Seeker) error {
	size, err := ra.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if _, err := ra.Seek(0, io.SeekStart); err != nil {
		return err
	}
	md := pf.MetaData()
	for g := 0; g < md.NumRowGroups(); g++ {
		rg := md.RowGroup(g)
		for c := 0; c < rg.NumColumns(); c++ {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				return err
			}
			start := cc.DataPageOffset()
			if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && cc.DictionaryPageOffset() < start {
				start = cc.DictionaryPageOffset()
			}
			if n := cc.TotalCompressedSize(); start < 0 || n < 0 || n > size || start > size-n {
				return fmt.Errorf("row group %d column %d: %d bytes at %d, outside the file's %d", g, c, n, start, size)
			}
		}
	}
	return nil
}

// sliceColumns returns rows lo..hi-1 of cols.
func sliceColumns(cols []usage.Column, lo, hi int) []usage.Column {
	out := make([]usage.Column, len(cols))
	for i, c := range cols {
		o := usage.Column{Dict: c.Dict}
		switch {
		case c.Dict != nil && c.Index == nil:
			o.Dict = c.Dict[lo:hi]
		case c.Dict != nil:
			o.Index = c.Index[lo:hi]
		case c.Decimals != nil:
			o.Decimals = c.Decimals[lo:hi]
		case c.Dates != nil:
			o.Dates = c.Dates[lo:hi]
		}
		if c.Null != nil {
			o.Null = c.Null[lo:hi]
		}
		out[i] = o
	}
	return out
}

// split cuts s at the given ends.
func split(s string, ends []int) []string {
	out := make([]string, len(ends))
	start := 0
	for i, e := range ends {
		out[i] = s[start:e]
		start = e
	}
	return out
}

// minAllocLimit is the smallest bound on one allocation of the Parquet decoder (see
// boundedAllocator); files larger than a quarter of it get four times their size.
const minAllocLimit = 256 << 20

// allocLimit is the bound on one allocation of the decoder for a file of size bytes: far above
// what a real export needs (pages of about a megabyte, dictionaries a fraction of the file),
// far below the gigabytes a damaged page header or dictionary size can declare.
func allocLimit(size int64) int {
	if size >= math.MaxInt/4 { // 4 × size would not fit an int (on 32-bit platforms, from 512 MiB)
		return math.MaxInt
	}
	return max(minAllocLimit, 4*int(size))
}

// boundedAllocator is the Go allocator with a bound on any one allocation. The decoder sizes
// buffers by what a file's headers declare before finding the data missing; an allocation of
// gigabytes that the machine cannot give ends a Go process with a fatal error no recover
// catches. Beyond the bound it panics with an *allocError, which parquetRows recovers.
type boundedAllocator struct {
	memory.Allocator
	limit int
}

// allocError is the panic of a boundedAllocator.
type allocError struct{ size, limit int }

func (e *allocError) Error() string {
	return fmt.Sprintf("the file asks for a buffer of %d bytes (more than %d): damaged sizes", e.size, e.limit)
}

func (a boundedAllocator) Allocate(size int) []byte {
	if size > a.limit || size < 0 {
		panic(&allocError{size, a.limit})
	}
	return a.Allocator.Allocate(size)
}

func (a boundedAllocator) Reallocate(size int, b []byte) []byte {
	if size > a.limit || size < 0 {
		panic(&allocError{size, a.limit})
	}
	return a.Allocator.Reallocate(size, b)
}

// parquetRows reads a Parquet file and hands its typed records to emit in
// file order, a batch at a time (emit owns each slice, and may send it to
// recycle once its records have been copied out, for the next batch's records);
// emit returning false stops early. It returns the number of
// rows read. The decoder's panics on hostile input become errors, and no
// allocation of the decoder exceeds allocLimit of the file's size.
func parquetRows(ctx context.Context, ra parquet.ReaderAtSeeker, name string, opts *usage.ReaderOptions, emit func(recs []usage.Record, recycle chan<- []usage.Record) bool) (n int64, err error) {
	size, err := ra.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	if _, err := ra.Seek(0, io.SeekStart); err != nil {
		return 0, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	return decodeParquet(ctx, ra, name, opts, emit, allocLimit(size))
}

// decodeParquet is parquetRows with the bound on one allocation given.
func decodeParquet(ctx context.Context, ra parquet.ReaderAtSeeker, name string, opts *usage.ReaderOptions, emit func(recs []usage.Record, recycle chan<- []usage.Record) bool, limit int) (n int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			cause, ok := p.(error)
			if !ok {
				cause = fmt.Errorf("%v", p)
			}
			err = &FormatError{Blob: name, Format: Parquet, Err: fmt.Errorf("decoder failed: %w", cause)}
		}
	}()
	// The Go allocator: dictionary indices are handed to the records as they are (see
	// pqColumn.column), which needs buffers that the garbage collector owns.
	mem := boundedAllocator{Allocator: memory.NewGoAllocator(), limit: limit}
	pf, err := file.NewParquetReader(ra, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return 0, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	defer pf.Close()
	if err := checkChunks(pf, ra); err != nil {
		return 0, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	// String columns are read as dictionaries: export columns repeat a few values over millions
	// of rows, and a dictionary column hands out its values without materialising each row's.
	// Batches no larger than the file: the decoder sizes its buffers by the batch size.
	props := pqarrow.ArrowReadProperties{BatchSize: max(1, min(parquetBatchRows, pf.NumRows()))}
	for i := 0; i < pf.MetaData().Schema.NumColumns(); i++ {
		if pf.MetaData().Schema.Column(i).PhysicalType() == parquet.Types.ByteArray {
			props.SetReadDict(i, true)
		}
	}
	fr, err := pqarrow.NewFileReader(pf, props, mem)
	if err != nil {
		return 0, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	sch, err := fr.Schema()
	if err != nil {
		return 0, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	names := make([]string, sch.NumFields())
	for i, f := range sch.Fields() {
		names[i] = f.Name
	}
	o := usage.ReaderOptions{File: name}
	if opts != nil {
		o.CostColumn = opts.CostColumn
	}
	b, err := usage.NewRecordBuilder(names, &o)
	if err != nil {
		return 0, err
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return 0, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	defer rr.Release()
	// Two stages on two goroutines: this one types records from decoded columns while the
	// other decodes the next batch (the two cost about the same per row). One decoded batch
	// waits at most, so the memory stays a few batches.
	type decoded struct {
		cols []usage.Column
		rows int
		err  error
	}
	ch := make(chan decoded, 1)
	stop := make(chan struct{})
	done := make(chan struct{})
	defer func() { close(stop); <-done }()
	go func() {
		defer close(done)
		defer close(ch)
		send := func(d decoded) bool {
			select {
			case ch <- d:
				return true
			case <-stop:
				return false
			}
		}
		defer func() {
			if p := recover(); p != nil { // the decoder's panics on hostile input
				cause, ok := p.(error)
				if !ok {
					cause = fmt.Errorf("%v", p)
				}
				send(decoded{err: &FormatError{Blob: name, Format: Parquet, Err: fmt.Errorf("decoder failed: %w", cause)}})
			}
		}()
		conv := make([]pqColumn, len(names))
		for rr.Next() {
			rec := rr.RecordBatch()
			if int(rec.NumCols()) != len(names) {
				send(decoded{err: &FormatError{Blob: name, Format: Parquet, Err: fmt.Errorf("a batch has %d columns, the schema %d", rec.NumCols(), len(names))}})
				return
			}
			rows := int(rec.NumRows())
			if rows == 0 {
				// A damaged file can make the decoder hand out empty batches without end.
				send(decoded{err: &FormatError{Blob: name, Format: Parquet, Err: errors.New("the decoder returned an empty batch")}})
				return
			}
			cols := make([]usage.Column, len(names)) // kept by the batch's records
			for c := range names {
				var err error
				if cols[c], err = conv[c].column(rec.Column(c), rows); err != nil {
					send(decoded{err: &FormatError{Blob: name, Format: Parquet, Err: fmt.Errorf("column %q: %w", names[c], err)}})
					return
				}
			}
			if !send(decoded{cols: cols, rows: rows}) {
				return
			}
		}
		if err := rr.Err(); err != nil && err != io.EOF {
			send(decoded{err: &FormatError{Blob: name, Format: Parquet, Err: err}})
		}
	}()
	recycle := make(chan []usage.Record, 8)
	for d := range ch {
		if d.err != nil {
			return n, d.err
		}
		for lo := 0; lo < d.rows; lo += recordBatchRows {
			hi := min(lo+recordBatchRows, d.rows)
			part := d.cols
			if lo > 0 || hi < d.rows {
				part = sliceColumns(d.cols, lo, hi)
			}
			// Line numbers as for the CSV twin: the header is line 1.
			var dst []usage.Record
			select {
			case dst = <-recycle:
			default:
			}
			recs, err := b.BuildColumns(dst, part, hi-lo, int(n)+2)
			n += int64(len(recs))
			if len(recs) > 0 && !emit(recs, recycle) {
				return n, nil
			}
			if err != nil {
				return n, err
			}
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
	return n, nil
}
