package exports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/usage"
)

// typedParquet writes a two-row FOCUS-shaped file whose columns use the
// Parquet types a writer might choose: decimal, double, date, timestamp, int,
// boolean, strings and nulls.
func typedParquet(t testing.TB) []byte {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "BilledCost", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
		{Name: "EffectiveCost", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ChargePeriodStart", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "BillingPeriodEnd", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "ConsumedQuantity", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "x_SkuIsCreditEligible", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "BillingCurrency", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "x_InvoiceId", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "x_SkuTerm", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "Tags", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	rb.Field(0).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(12345678901), decimal128.FromI64(-5)}, nil)
	rb.Field(1).(*array.Float64Builder).AppendValues([]float64{1.2345678901, 0.1}, nil)
	rb.Field(2).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32(20362), arrow.Date32(20363)}, nil) // 2025-10-01, 02
	ts, _ := arrow.TimestampFromString("2025-11-01T00:00:00Z", arrow.Microsecond)
	rb.Field(3).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts, ts}, nil)
	rb.Field(4).(*array.Int64Builder).AppendValues([]int64{24, 3}, nil)
	rb.Field(5).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
	rb.Field(6).(*array.StringBuilder).AppendValues([]string{"EUR", "EUR"}, nil)
	rb.Field(7).(*array.StringBuilder).AppendNull()
	rb.Field(7).(*array.StringBuilder).Append("INV-1")
	rb.Field(8).(*array.StringBuilder).AppendValues([]string{"", ""}, []bool{false, false})
	rb.Field(9).(*array.StringBuilder).AppendValues([]string{`{"env":"prod, eu"}`, ""}, nil)
	rec := rb.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(schema, &buf, parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy)), pqarrow.DefaultWriterProps())
	require.NoError(t, err)
	require.NoError(t, fw.Write(rec))
	require.NoError(t, fw.Close())
	return buf.Bytes()
}

func TestParquetTypedColumns(t *testing.T) {
	data := typedParquet(t)
	var recs []usage.Record
	n, err := parquetRows(context.Background(), bytes.NewReader(data), "p.parquet", nil, func(b []usage.Record, _ chan<- []usage.Record) bool {
		recs = append(recs, b...)
		return true
	})
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.Equal(t, usage.DialectFOCUS, recs[0].Layout.Dialect)
	require.Equal(t, "1.2345678901", recs[0].Cost.String(), "decimal(38,10) exactly")
	require.Equal(t, "-0.0000000005", recs[1].Cost.String())
	v, _ := recs[0].Column("EffectiveCost")
	require.Equal(t, "1.2345678901", v, "double as its shortest text")
	require.Equal(t, "2025-10-01", recs[0].Date.String())
	require.Equal(t, "2025-10-31", recs[0].BillingPeriodEnd.String(), "FOCUS's exclusive end moved back a day")
	require.Equal(t, "24", recs[0].Quantity.String())
	require.True(t, recs[0].CreditEligible)
	require.False(t, recs[1].CreditEligible)
	require.Equal(t, "EUR", recs[0].Currency)
	require.Equal(t, "", recs[0].InvoiceID, "null is empty")
	require.Equal(t, "INV-1", recs[1].InvoiceID)
	require.Equal(t, `{"env":"prod, eu"}`, string(recs[0].Tags))

	// CostColumn picks another column, as for CSV.
	n, err = parquetRows(context.Background(), bytes.NewReader(data), "p.parquet", &usage.ReaderOptions{CostColumn: "EffectiveCost"}, func(b []usage.Record, _ chan<- []usage.Record) bool {
		require.Equal(t, "1.2345678901", b[0].Cost.String())
		return false
	})
	require.NoError(t, err)
	require.EqualValues(t, 2, n, "stopped after the first batch")
}

func TestParquetBadInput(t *testing.T) {
	data := typedParquet(t)
	for _, bad := range [][]byte{nil, []byte("PAR1"), data[:len(data)/2], append(bytes.Clone(data[:len(data)-12]), []byte("xxxxxxxxPAR1")...)} {
		_, err := parquetRows(context.Background(), bytes.NewReader(bad), "bad.parquet", nil, func([]usage.Record, chan<- []usage.Record) bool { return true })
		var fe *FormatError
		require.True(t, errors.As(err, &fe), "%v", err)
	}
}

// TestParquetAllocationsAreBounded checks that the decoder allocates through the bounded
// allocator: with a bound below what a valid file needs, the read ends in a FormatError saying
// so (as one whose damaged headers declare gigabytes would), not in a fatal out-of-memory.
func TestParquetAllocationsAreBounded(t *testing.T) {
	data := typedParquet(t)
	none := func([]usage.Record, chan<- []usage.Record) bool { return true }
	_, err := decodeParquet(context.Background(), bytes.NewReader(data), "p.parquet", nil, none, 64)
	var fe *FormatError
	require.True(t, errors.As(err, &fe), "%v", err)
	var ae *allocError
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Contains(t, err.Error(), "more than 64")

	n, err := parquetRows(context.Background(), bytes.NewReader(data), "p.parquet", nil, none)
	require.NoError(t, err)
	require.Positive(t, n)
	require.Equal(t, minAllocLimit, allocLimit(int64(len(data))))
	require.Equal(t, 1<<30, allocLimit(1<<28))
	require.Equal(t, math.MaxInt, allocLimit(math.MaxInt64/2), "never past what an int holds")
}

// FuzzParquetRows feeds arbitrary bytes to the Parquet path: it must return
// records or an error, never panic or hang.
func FuzzParquetRows(f *testing.F) {
	data := typedParquet(f)
	f.Add(data)
	f.Add(data[:len(data)-1])
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		_, _ = parquetRows(context.Background(), bytes.NewReader(b), "fuzz.parquet", nil, func(recs []usage.Record, _ chan<- []usage.Record) bool {
			for i := range recs { // every column of every record must be readable
				_ = recs[i].Fields(nil)
			}
			n += len(recs)
			return n < 1000
		})
	})
}

// manyRows writes n FOCUS-shaped rows: text columns repeating a few values, a decimal with
// nulls, dates.
func manyRows(t testing.TB, n int) []byte {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "BilledCost", Type: &arrow.Decimal128Type{Precision: 38, Scale: 18}, Nullable: true},
		{Name: "BillingCurrency", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ChargePeriodStart", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "x_SkuMeterCategory", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "x_ResourceGroupName", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	for i := range n {
		if i%7 == 3 {
			rb.Field(0).AppendNull()
		} else {
			rb.Field(0).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i) * 1_000_000_000_000))
		}
		rb.Field(1).(*array.StringBuilder).Append([]string{"EUR", "USD"}[i%2])
		rb.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("2026-10-%02dT00:00:00Z", 1+i%31))
		if i%5 == 0 {
			rb.Field(3).AppendNull()
		} else {
			rb.Field(3).(*array.StringBuilder).Append([]string{"Storage", "Virtual Machines", "Bandwidth"}[i%3])
		}
		rb.Field(4).(*array.StringBuilder).Append(fmt.Sprintf("rg-%d", i%13))
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(schema, &buf, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(3000), parquet.WithDictionaryDefault(true)), pqarrow.DefaultWriterProps())
	require.NoError(t, err)
	require.NoError(t, fw.Write(rec))
	require.NoError(t, fw.Close())
	return buf.Bytes()
}

// TestParquetRecycledBatches reads a file of many batches twice, once handing every batch's
// slice back for the next records: the records are the same.
func TestParquetRecycledBatches(t *testing.T) {
	data := manyRows(t, 10000)
	read := func(recycle bool) []usage.Record {
		var out []usage.Record
		n, err := parquetRows(context.Background(), bytes.NewReader(data), "m.parquet", nil, func(b []usage.Record, rc chan<- []usage.Record) bool {
			out = append(out, b...)
			if recycle {
				rc <- b
			}
			return true
		})
		require.NoError(t, err)
		require.EqualValues(t, 10000, n)
		return out
	}
	want, got := read(false), read(true)
	for i := range want {
		require.Equal(t, want[i].Fields(nil), got[i].Fields(nil), "row %d", i)
		require.Equal(t, want[i].Line, got[i].Line)
		require.Zero(t, want[i].Cost.Cmp(got[i].Cost), "row %d", i)
		require.Equal(t, want[i].MeterCategory, got[i].MeterCategory)
		require.Equal(t, want[i].Date, got[i].Date)
		require.Equal(t, want[i].Currency, got[i].Currency)
	}
	require.True(t, got[3].Cost.IsZero(), "null")
	require.Equal(t, "", got[5].MeterCategory, "null")
	require.Equal(t, "rg-12", got[12].ResourceGroup)
	require.Equal(t, 9999+2, got[9999].Line)
}
