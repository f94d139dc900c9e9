package billing

import (
	"strconv"
	"testing"
)

// decBenchNumbers are cost and quantity fields as they appear in Azure usage files.
var decBenchNumbers = []string{
	"0.40000", "8.53", "24", "0.0000000072922557592391990000", "0.000000144000000000000000",
	"5.64902E-05", "12.345678901234567890", "-1.50", "1234.56789", "0.05890",
}

func decBenchBytes() [][]byte {
	bs := make([][]byte, len(decBenchNumbers))
	for i, s := range decBenchNumbers {
		bs[i] = []byte(s)
	}
	return bs
}

// BenchmarkParseDecimalBytes parses exactly; compare with BenchmarkParseFloatBaseline,
// which parses the same text inexactly with strconv.
func BenchmarkParseDecimalBytes(b *testing.B) {
	bs := decBenchBytes()
	b.ReportAllocs()
	var sink Decimal
	for i := 0; b.Loop(); i++ {
		d, err := ParseDecimalBytes(bs[i%len(bs)])
		if err != nil {
			b.Fatal(err)
		}
		sink = d
	}
	_ = sink
}

func BenchmarkParseDecimalString(b *testing.B) {
	b.ReportAllocs()
	var sink Decimal
	for i := 0; b.Loop(); i++ {
		d, err := ParseDecimal(decBenchNumbers[i%len(decBenchNumbers)])
		if err != nil {
			b.Fatal(err)
		}
		sink = d
	}
	_ = sink
}

func BenchmarkParseFloatBaseline(b *testing.B) {
	b.ReportAllocs()
	var sink float64
	for i := 0; b.Loop(); i++ {
		f, err := strconv.ParseFloat(decBenchNumbers[i%len(decBenchNumbers)], 64)
		if err != nil {
			b.Fatal(err)
		}
		sink = f
	}
	_ = sink
}

func BenchmarkAdd(b *testing.B) {
	ds := make([]Decimal, len(decBenchNumbers))
	for i, s := range decBenchNumbers {
		ds[i], _ = ParseDecimal(s)
	}
	b.ReportAllocs()
	var sum Decimal
	for i := 0; b.Loop(); i++ {
		sum = sum.Add(ds[i%len(ds)])
		if i%1000 == 999 {
			sum = Decimal{} // stay inline: this measures the common case
		}
	}
	_ = sum
}

func BenchmarkAppend(b *testing.B) {
	d, _ := ParseDecimal("-12345678901234.123456789012345678901234")
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = d.Append(buf[:0])
	}
}
