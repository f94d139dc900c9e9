package exports

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/azbilling/azbilling/usage"
)

// Parquet blobs are read with Apache Arrow's Go Parquet reader
// (github.com/apache/arrow-go/v18/parquet/pqarrow), chosen over
// github.com/parquet-go/parquet-go by benchmark (2x the rows/s reading a
// 60-column string file; see BENCHMARKS.md). Rows come in column batches; each
// value is turned into the text the CSV of the same export holds and typed by
// usage.RecordBuilder, so a Parquet export yields the same Records as its CSV
// twin.

// parquetBatchRows is the number of rows decoded at once: enough to amortise
// the per-batch work, small enough to keep a partition's memory to a few MB.
const parquetBatchRows = 1024

// colText appends the text of row i of a column to dst; ok is false for null.
type colText func(dst []byte, i int) (out []byte, ok bool)

// columnText returns the converter of one column of a batch, or an error for
// types an export does not write (nested columns).
func columnText(a arrow.Array) (colText, error) {
	switch c := a.(type) {
	case *array.String:
		return nil, nil // read as is, without copying
	case *array.LargeString:
		return func(dst []byte, i int) ([]byte, bool) { return append(dst, c.Value(i)...), true }, nil
	case *array.Binary:
		return func(dst []byte, i int) ([]byte, bool) { return append(dst, c.Value(i)...), true }, nil
	case *array.Boolean:
		return func(dst []byte, i int) ([]byte, bool) { return strconv.AppendBool(dst, c.Value(i)), true }, nil
	case *array.Int32:
		return func(dst []byte, i int) ([]byte, bool) { return strconv.AppendInt(dst, int64(c.Value(i)), 10), true }, nil
	case *array.Int64:
		return func(dst []byte, i int) ([]byte, bool) { return strconv.AppendInt(dst, c.Value(i), 10), true }, nil
	case *array.Float32:
		// The shortest text that reads back as the same float: what a writer
		// that converted a decimal to float had before it.
		return func(dst []byte, i int) ([]byte, bool) {
			return strconv.AppendFloat(dst, float64(c.Value(i)), 'f', -1, 32), true
		}, nil
	case *array.Float64:
		return func(dst []byte, i int) ([]byte, bool) { return strconv.AppendFloat(dst, c.Value(i), 'f', -1, 64), true }, nil
	case *array.Decimal128:
		scale := c.DataType().(*arrow.Decimal128Type).Scale
		return func(dst []byte, i int) ([]byte, bool) { return append(dst, c.Value(i).ToString(scale)...), true }, nil
	case *array.Date32:
		return func(dst []byte, i int) ([]byte, bool) {
			return c.Value(i).ToTime().AppendFormat(dst, time.DateOnly), true
		}, nil
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		return func(dst []byte, i int) ([]byte, bool) {
			return c.Value(i).ToTime(unit).UTC().AppendFormat(dst, time.RFC3339Nano), true
		}, nil
	}
	return nil, fmt.Errorf("column type %s is not one an export writes", a.DataType())
}

// parquetRows reads a Parquet file and hands each typed record to emit in
// file order; emit returning false stops early. It returns the number of
// rows read. The decoder's panics on hostile input become errors.
func parquetRows(ctx context.Context, ra parquet.ReaderAtSeeker, name string, opts *usage.ReaderOptions, emit func(usage.Record) bool) (n int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &FormatError{Blob: name, Format: Parquet, Err: fmt.Errorf("decoder failed: %v", p)}
		}
	}()
	pf, err := file.NewParquetReader(ra)
	if err != nil {
		return 0, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	defer pf.Close()
	// String columns are read as dictionaries: export columns repeat a few values over millions
	// of rows, and a dictionary column hands out its values without materialising each row's.
	props := pqarrow.ArrowReadProperties{BatchSize: parquetBatchRows}
	for i := 0; i < pf.MetaData().Schema.NumColumns(); i++ {
		if pf.MetaData().Schema.Column(i).PhysicalType() == parquet.Types.ByteArray {
			props.SetReadDict(i, true)
		}
	}
	fr, err := pqarrow.NewFileReader(pf, props, memory.DefaultAllocator)
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
	fields := make([]string, len(names))
	offs := make([]int, 2*len(names))
	convs := make([]colText, len(names))
	strs := make([]*array.String, len(names))
	dicts := make([]*array.String, len(names))
	dictIdx := make([]*array.Dictionary, len(names))
	var scratch []byte
	for rr.Next() {
		rec := rr.RecordBatch()
		if int(rec.NumCols()) != len(names) {
			return n, &FormatError{Blob: name, Format: Parquet, Err: fmt.Errorf("a batch has %d columns, the schema %d", rec.NumCols(), len(names))}
		}
		for c := range names {
			col := rec.Column(c)
			s, isString := col.(*array.String)
			strs[c], dicts[c], dictIdx[c] = s, nil, nil
			if d, ok := col.(*array.Dictionary); ok {
				if ds, ok := d.Dictionary().(*array.String); ok {
					dicts[c], dictIdx[c] = ds, d
					isString = true
				}
			}
			if !isString {
				if convs[c], err = columnText(col); err != nil {
					return n, &FormatError{Blob: name, Format: Parquet, Err: fmt.Errorf("column %q: %w", names[c], err)}
				}
			}
		}
		rows := int(rec.NumRows())
		for i := 0; i < rows; i++ {
			n++
			scratch = scratch[:0]
			for c := range names {
				fields[c], offs[2*c] = "", -1
				col := rec.Column(c)
				if col.IsNull(i) {
					continue
				}
				if s := strs[c]; s != nil {
					fields[c] = s.Value(i)
					continue
				}
				if d := dicts[c]; d != nil {
					fields[c] = d.Value(dictIdx[c].GetValueIndex(i))
					continue
				}
				offs[2*c] = len(scratch)
				scratch, _ = convs[c](scratch, i)
				offs[2*c+1] = len(scratch)
			}
			for c := range names {
				if offs[2*c] >= 0 && offs[2*c+1] > offs[2*c] {
					fields[c] = unsafe.String(&scratch[offs[2*c]], offs[2*c+1]-offs[2*c])
				}
			}
			r, err := b.Build(fields, int(n)+1)
			if err != nil {
				return n, err
			}
			if !emit(r) {
				return n, nil
			}
		}
	}
	if err := rr.Err(); err != nil && err != io.EOF {
		return n, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	return n, nil
}
