package exports

import (
	"bytes"
	"context"
	"errors"
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
	n, err := parquetRows(context.Background(), bytes.NewReader(data), "p.parquet", nil, func(b []usage.Record) bool {
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
	n, err = parquetRows(context.Background(), bytes.NewReader(data), "p.parquet", &usage.ReaderOptions{CostColumn: "EffectiveCost"}, func(b []usage.Record) bool {
		require.Equal(t, "1.2345678901", b[0].Cost.String())
		return false
	})
	require.NoError(t, err)
	require.EqualValues(t, 2, n, "stopped after the first batch")
}

func TestParquetBadInput(t *testing.T) {
	data := typedParquet(t)
	for _, bad := range [][]byte{nil, []byte("PAR1"), data[:len(data)/2], append(bytes.Clone(data[:len(data)-12]), []byte("xxxxxxxxPAR1")...)} {
		_, err := parquetRows(context.Background(), bytes.NewReader(bad), "bad.parquet", nil, func([]usage.Record) bool { return true })
		var fe *FormatError
		require.True(t, errors.As(err, &fe), "%v", err)
	}
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
		_, _ = parquetRows(context.Background(), bytes.NewReader(b), "fuzz.parquet", nil, func(recs []usage.Record) bool {
			for i := range recs { // every column of every record must be readable
				_ = recs[i].Fields(nil)
			}
			n += len(recs)
			return n < 1000
		})
	})
}
