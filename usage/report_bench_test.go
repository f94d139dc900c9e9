package usage

import (
	"context"
	"encoding/csv"
	"flag"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
)

var benchReport1M = flag.Bool("usage.report1m", false, "also run BenchmarkReport with a 1M-row report (slow: about 1 GB of CSV generated per run)")

// BenchmarkReport measures a whole Cost Details report on the emulator, end to end: the report
// is requested, polled, and its blobs are downloaded and read. "sdk" reads typed Records through
// Report.Records; "raw" fetches the same report's blobs with a plain HTTP client and splits them
// with encoding/csv (ReuseRecord), untyped. Both paths request the report the same way, so the
// difference is download + parse. Reported: records/s, MB/s, and the peak live heap seen while
// reading (sampled), which must stay flat as the report grows.
//
//	go test ./usage -run '^$' -bench BenchmarkReport -benchtime 3x                   # 50k rows
//	go test ./usage -run '^$' -bench BenchmarkReport -benchtime 2x -usage.report1m   # and 1M rows
func BenchmarkReport(b *testing.B) {
	sizes := []struct {
		name string
		rows int
	}{{"rows=50k", 50_000}}
	if *benchReport1M {
		sizes = append(sizes, struct {
			name string
			rows int
		}{"rows=1M", 1_000_000})
	}
	for _, sz := range sizes {
		// The EA enrollment has 3 subscriptions; October 2026 has 31 days.
		perDay := (sz.rows + 92) / 93
		srv := billingtest.NewServer(b, billingtest.WithUsageRowsPerDay(perDay), billingtest.WithUsageBlobSize(64<<20))
		opts := srv.ClientOptions()
		bc, err := billing.NewClient(srv.Credential(billingtest.PrincipalEAEnterpriseAdmin), opts)
		if err != nil {
			b.Fatal(err)
		}
		c := NewClient(bc)
		sc, _ := billing.AccountScope(billingtest.EAAccount)
		o := &Options{Period: billing.Month(2026, time.October)}
		hc := srv.HTTPClient()
		ctx := context.Background()

		b.Run(sz.name+"/sdk", func(b *testing.B) {
			benchPath(b, func() (int, int64) {
				rep, err := c.Report(ctx, sc, o)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				var sum billing.Decimal
				for rec, err := range rep.Records(ctx) {
					if err != nil {
						b.Fatal(err)
					}
					sum = sum.Add(rec.Cost)
					n++
				}
				return n, rep.Manifest.ByteCount
			})
		})
		b.Run(sz.name+"/raw", func(b *testing.B) {
			benchPath(b, func() (int, int64) {
				rep, err := c.Report(ctx, sc, o)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for i := range rep.Manifest.BlobCount {
					link := rep.links.url(i)
					resp, err := hc.Get(link)
					if err != nil {
						b.Fatal(err)
					}
					if resp.StatusCode != http.StatusOK {
						b.Fatal(resp.Status)
					}
					r := csv.NewReader(resp.Body)
					r.ReuseRecord = true
					r.FieldsPerRecord = -1
					first := true
					for {
						rec, err := r.Read()
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						if first {
							first = false // the header row
							continue
						}
						_ = rec
						n++
					}
					resp.Body.Close()
				}
				return n, rep.Manifest.ByteCount
			})
		})
	}
}

// benchPath runs one path b.N times and reports throughput and the sampled peak live heap.
func benchPath(b *testing.B, run func() (rows int, bytes int64)) {
	b.ReportAllocs()
	runtime.GC()
	peak := sampleHeap()
	defer peak.stop()
	var rows int
	var size int64
	b.ResetTimer()
	cpu0 := processCPU()
	for range b.N {
		rows, size = run()
	}
	cpu := processCPU() - cpu0
	b.StopTimer()
	secs := b.Elapsed().Seconds() / float64(b.N)
	// CPU time of the whole process (client and in-process emulator) is less sensitive to other
	// load on the machine than wall time.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(rows)/secs, "records/s")
	b.ReportMetric(float64(size)/secs/1e6, "MB/s")
	b.ReportMetric(float64(peak.stop())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(rows), "rows")
}

// heapSampler records the largest live heap seen every few milliseconds.
type heapSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	max  atomic.Uint64
	once sync.Once
}

func sampleHeap() *heapSampler {
	h := &heapSampler{done: make(chan struct{})}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > h.max.Load() {
				h.max.Store(v)
			}
			select {
			case <-h.done:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) stop() uint64 {
	h.once.Do(func() { close(h.done); h.wg.Wait() })
	return h.max.Load()
}
