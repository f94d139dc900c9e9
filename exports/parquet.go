package exports

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/azbilling/azbilling/usage"
)

// Parquet blobs are read with github.com/parquet-go/parquet-go (see the
// commit that introduced it for the benchmark against arrow-go): rows are
// read a batch at a time, each column's value turned into the text the CSV
// of the same export holds, and typed by usage.RecordBuilder, so a Parquet
// export yields the same Records as its CSV twin.

// colConv turns one column's non-null value into text, appending to dst.
type colConv func(dst []byte, v parquet.Value) []byte

// parquetColumns checks that the file is flat (one column per field, as
// exports write) and returns the column names and converters.
func parquetColumns(f *parquet.File) ([]string, []colConv, error) {
	fields := f.Schema().Fields()
	names := make([]string, len(fields))
	convs := make([]colConv, len(fields))
	for i, fd := range fields {
		if !fd.Leaf() || fd.Repeated() {
			return nil, nil, fmt.Errorf("column %q is nested or repeated; export files are flat", fd.Name())
		}
		names[i] = fd.Name()
		convs[i] = converter(fd.Type())
	}
	return names, convs, nil
}

func converter(t parquet.Type) colConv {
	if lt := t.LogicalType(); lt != nil {
		switch l := lt.Value.(type) {
		case *format.DecimalType:
			return decimalConv(int(l.Scale))
		case *format.DateType:
			return func(dst []byte, v parquet.Value) []byte {
				return time.Unix(int64(v.Int32())*86400, 0).UTC().AppendFormat(dst, time.DateOnly)
			}
		case *format.TimestampType:
			unit := time.Millisecond
			switch l.Unit.Value.(type) {
			case *format.MicroSeconds:
				unit = time.Microsecond
			case *format.NanoSeconds:
				unit = time.Nanosecond
			}
			return func(dst []byte, v parquet.Value) []byte {
				n := v.Int64()
				var t time.Time
				switch unit {
				case time.Millisecond:
					t = time.UnixMilli(n)
				case time.Microsecond:
					t = time.UnixMicro(n)
				default:
					t = time.Unix(0, n)
				}
				return t.UTC().AppendFormat(dst, time.RFC3339Nano)
			}
		}
	}
	switch t.Kind() {
	case parquet.Boolean:
		return func(dst []byte, v parquet.Value) []byte { return strconv.AppendBool(dst, v.Boolean()) }
	case parquet.Int32:
		return func(dst []byte, v parquet.Value) []byte { return strconv.AppendInt(dst, int64(v.Int32()), 10) }
	case parquet.Int64:
		return func(dst []byte, v parquet.Value) []byte { return strconv.AppendInt(dst, v.Int64(), 10) }
	case parquet.Float:
		// The shortest text that reads back as the same float: what a writer
		// that converted a decimal to float had before it.
		return func(dst []byte, v parquet.Value) []byte {
			return strconv.AppendFloat(dst, float64(v.Float()), 'f', -1, 32)
		}
	case parquet.Double:
		return func(dst []byte, v parquet.Value) []byte { return strconv.AppendFloat(dst, v.Double(), 'f', -1, 64) }
	case parquet.Int96:
		return func(dst []byte, v parquet.Value) []byte {
			b := v.Bytes() // 8 bytes nanoseconds of the day, 4 bytes Julian day
			if len(b) != 12 {
				return dst
			}
			nanos := int64(binary.LittleEndian.Uint64(b[:8]))
			days := int64(binary.LittleEndian.Uint32(b[8:])) - 2440588
			return time.Unix(days*86400, nanos).UTC().AppendFormat(dst, time.RFC3339Nano)
		}
	}
	return nil // byte arrays: the text itself
}

// decimalConv formats an unscaled integer (INT32, INT64 or big-endian
// two's complement bytes) with scale digits after the point.
func decimalConv(scale int) colConv {
	return func(dst []byte, v parquet.Value) []byte {
		var digits []byte
		neg := false
		switch v.Kind() {
		case parquet.Int32, parquet.Int64:
			n := v.Int64()
			if v.Kind() == parquet.Int32 {
				n = int64(v.Int32())
			}
			if n < 0 {
				neg = true
			}
			u := uint64(n)
			if neg {
				u = -u
			}
			digits = strconv.AppendUint(nil, u, 10)
		default:
			b := v.ByteArray()
			x := new(big.Int).SetBytes(b)
			if len(b) > 0 && b[0]&0x80 != 0 {
				x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
				neg = true
				x.Neg(x)
			}
			digits = x.Append(nil, 10)
		}
		if neg {
			dst = append(dst, '-')
		}
		if scale <= 0 {
			dst = append(dst, digits...)
			for range -scale {
				dst = append(dst, '0')
			}
			return dst
		}
		for len(digits) <= scale {
			digits = append([]byte{'0'}, digits...)
		}
		dst = append(dst, digits[:len(digits)-scale]...)
		dst = append(dst, '.')
		return append(dst, digits[len(digits)-scale:]...)
	}
}

// parquetRows reads a Parquet file and hands each typed record to emit in
// file order; emit returning false stops early. It returns the number of
// rows read.
func parquetRows(ra io.ReaderAt, size int64, name string, opts *usage.ReaderOptions, emit func(usage.Record) bool) (int64, error) {
	f, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return 0, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	names, convs, err := parquetColumns(f)
	if err != nil {
		return 0, &FormatError{Blob: name, Format: Parquet, Err: err}
	}
	o := usage.ReaderOptions{File: name}
	if opts != nil {
		o.CostColumn = opts.CostColumn
	}
	b, err := usage.NewRecordBuilder(names, &o)
	if err != nil {
		return 0, err
	}
	fields := make([]string, len(names))
	offs := make([]int, 2*len(names))
	var scratch []byte
	rows := make([]parquet.Row, 128)
	var n int64
	for _, rg := range f.RowGroups() {
		rs := rg.Rows()
		for {
			k, rerr := rs.ReadRows(rows)
			for _, row := range rows[:k] {
				n++
				for i := range fields {
					fields[i] = ""
					offs[2*i] = -1
				}
				scratch = scratch[:0]
				for _, v := range row {
					c := v.Column()
					if c < 0 || c >= len(fields) || v.IsNull() {
						continue
					}
					if convs[c] == nil {
						bs := v.ByteArray()
						fields[c] = unsafe.String(unsafe.SliceData(bs), len(bs))
						continue
					}
					offs[2*c] = len(scratch)
					scratch = convs[c](scratch, v)
					offs[2*c+1] = len(scratch)
				}
				for i := range fields {
					if offs[2*i] >= 0 && offs[2*i+1] > offs[2*i] {
						fields[i] = unsafe.String(&scratch[offs[2*i]], offs[2*i+1]-offs[2*i])
					}
				}
				rec, err := b.Build(fields, int(n)+1)
				if err != nil {
					rs.Close()
					return n, err
				}
				if !emit(rec) {
					rs.Close()
					return n, nil
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				rs.Close()
				return n, &FormatError{Blob: name, Format: Parquet, Err: rerr}
			}
		}
		if err := rs.Close(); err != nil {
			return n, &FormatError{Blob: name, Format: Parquet, Err: err}
		}
	}
	return n, nil
}
