package usage

import (
	"bytes"
	"encoding/csv"
	"flag"
	"io"
	"runtime"
	"testing"
	"time"
)

// benchLayouts are the files the benchmarks generate: one per dialect.
var benchLayouts = []string{
	"ea-c360", "ea-export-2024-08-01", "mca-2023-12-01-preview", "mpa", "payg-2019-11-01", "focus-1.0",
}

var benchRowsFlag = flag.Int("usage.benchrows", 100_000, "rows of the files BenchmarkRead generates (the bar is measured at 1000000)")

var benchHuge = flag.Bool("usage.bench1m", false, "also run BenchmarkPeakMemory with 1M rows (also needs -test.short unset)")

// BenchmarkRead parses a generated file of each dialect (100k rows, or
// -usage.benchrows) into typed records on every core ("typed") and on one
// goroutine ("typed-1core") and, as the baseline, splits the same bytes
// with encoding/csv and ReuseRecord ("encoding-csv"). Compare their MB/s.
func BenchmarkRead(b *testing.B) {
	for _, name := range benchLayouts {
		b.Run(name+"/typed", func(b *testing.B) {
			data := benchFile(b, name)
			benchLoop(b, data, func() int {
				r := NewReader(bytes.NewReader(data), &ReaderOptions{Workers: -1})
				n := 0
				for _, err := range r.All() {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				return n
			})
		})
		b.Run(name+"/typed-1core", func(b *testing.B) {
			data := benchFile(b, name)
			benchLoop(b, data, func() int {
				r := NewReader(bytes.NewReader(data), &ReaderOptions{Workers: 1})
				n := 0
				for _, err := range r.All() {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				return n
			})
		})
		b.Run(name+"/encoding-csv", func(b *testing.B) {
			data := benchFile(b, name)
			benchLoop(b, data, func() int {
				cr := csv.NewReader(bytes.NewReader(data))
				cr.ReuseRecord = true
				n := -1 // header
				for {
					_, err := cr.Read()
					if err == io.EOF {
						return n
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
			})
		})
	}
}

// benchFiles caches the generated file of the dialect being measured, for
// its typed and encoding-csv runs; only one is kept, so that a large live
// heap of other files does not change how often the GC runs.
var benchFiles = map[string][]byte{}

func benchFile(b *testing.B, name string) []byte {
	if f, ok := benchFiles[name]; ok {
		return f
	}
	clear(benchFiles)
	f := genFile(b, genHeader(b, name), *benchRowsFlag, false, false)
	benchFiles[name] = f
	return f
}

// benchLoop runs parse b.N times and reports records/s and allocations per
// row besides the standard MB/s and allocs/op.
func benchLoop(b *testing.B, data []byte, parse func() int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	rows := 0
	start, cpu0 := time.Now(), processCPU()
	for b.Loop() {
		rows += parse()
	}
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	runtime.ReadMemStats(&ms1)
	if rows != *benchRowsFlag*b.N {
		b.Fatalf("parsed %d rows, want %d", rows, *benchRowsFlag*b.N)
	}
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(rows), "allocs/row")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkPeakMemory reads a streamed EA file of 100k and 1M rows (the
// input is generated on the fly, never held in memory) and reports, every
// 10k rows, the highest heap in use (garbage included, so it depends on when
// the GC ran: "peak-heap-MB") and, every 100k rows, the live heap after a
// forced GC ("live-heap-MB"), plus the heap obtained from the OS at the end
// ("heap-sys-MB"). None may grow with the file. The 1M case runs only with
// -usage.bench1m and without -short.
func BenchmarkPeakMemory(b *testing.B) {
	header := genHeader(b, "ea-c360")
	for _, rows := range []int{100_000, 1_000_000} {
		name := "rows=100k"
		if rows == 1_000_000 {
			name = "rows=1M"
		}
		b.Run(name, func(b *testing.B) {
			if rows > 100_000 && (testing.Short() || !*benchHuge) {
				b.Skip("1M rows: run with -usage.bench1m")
			}
			var peak, live uint64
			var ms runtime.MemStats
			for b.Loop() {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				r := NewReader(newStreamGen(b, header, rows), nil)
				n := 0
				for _, err := range r.All() {
					if err != nil {
						b.Fatal(err)
					}
					n++
					if n%10_000 == 0 {
						if n%100_000 == 0 {
							runtime.GC()
						}
						runtime.ReadMemStats(&ms)
						used := ms.HeapAlloc - min(base, ms.HeapAlloc)
						peak = max(peak, used)
						if n%100_000 == 0 {
							live = max(live, used)
						}
					}
				}
				if n != rows {
					b.Fatalf("read %d rows, want %d", n, rows)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(live)/(1<<20), "live-heap-MB")
			b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MB")
		})
	}
}
