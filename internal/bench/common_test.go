package bench

import (
	"flag"
	"fmt"
	"net/http"
	"runtime"
	"runtime/metrics"
	"slices"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	azruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
)

// full switches the benchmarks to their full data sizes (the BENCHMARKS.md numbers). Without
// it every benchmark uses small data, so that `-benchtime=1x` is a quick smoke test.
var full = flag.Bool("bench.full", false, "use full-size data (slow); default is small data for a smoke run")

// latency is the delay the emulator adds before answering every request (ARM and blob) in the
// benchmarks that also run "with latency". 20 ms is a low but realistic round trip to Azure
// Resource Manager and blob storage from a machine in the same geography (real ARM answers
// often take 50–300 ms): enough to show what concurrency buys without making runs long.
var latency = flag.Duration("bench.latency", 20*time.Millisecond, "delay added to every emulator request in the with-latency variants")

// scale picks the small or the full size.
func scale(small, big int) int {
	if *full {
		return big
	}
	return small
}

// sample is one timed run of one side.
type sample struct {
	d       time.Duration
	mallocs uint64
	bytesA  uint64        // bytes allocated
	rows    int64         // records / documents delivered
	bytes   int64         // payload bytes read (wire)
	cpu     time.Duration // CPU time of this process (all threads, GC included) during the run
}

// measure runs f once, after a GC so that each side starts from the same heap, and returns its
// time and allocations. f returns what it delivered: rows and payload bytes.
func measure(f func() (rows, bytes int64)) sample {
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0 := processCPU()
	t0 := time.Now()
	rows, n := f()
	d := time.Since(t0)
	cpu := processCPU() - c0
	runtime.ReadMemStats(&m1)
	return sample{d: d, mallocs: m1.Mallocs - m0.Mallocs, bytesA: m1.TotalAlloc - m0.TotalAlloc, rows: rows, bytes: n, cpu: cpu}
}

const heapMetric = "/gc/heap/live:bytes"

func readHeap(s []metrics.Sample) uint64 {
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return s[0].Value.Uint64()
	}
	return 0
}

// heldMemory runs f once, untimed, to see how much memory a side holds at once: f calls check
// every so often (every page, every 10k rows), which forces a garbage collection and reads the
// live heap. It returns the largest live heap seen above the live heap before f. Sampling the
// live heap during a timed run would not do: a collection running concurrently counts what is
// allocated during it as live, so the figure would follow the allocation rate, not what is held.
func heldMemory(f func(check func())) uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	runtime.GC()
	base := readHeap(s)
	var held uint64
	f(func() {
		runtime.GC()
		if h := readHeap(s); h > base {
			held = max(held, h-base)
		}
	})
	return held
}

// reportHeld reports heldMemory of f as prefix-heldMB.
func reportHeld(b *testing.B, prefix string, f func(check func())) {
	b.ReportMetric(float64(heldMemory(f))/1e6, prefix+"-heldMB")
}

// every returns a function to call once per row that calls check every n rows (check may be
// nil: then it does nothing).
func every(n int, check func()) func() {
	if check == nil {
		return func() {}
	}
	i := 0
	return func() {
		i++
		if i%n == 0 {
			check()
		}
	}
}

// totals accumulates one side's samples over the iterations of a benchmark.
type totals struct {
	d              time.Duration
	mallocs, alloc uint64
	rows, bytes    int64
	n              int
	ds             []time.Duration // every sample's time, for the median
	cpus           []time.Duration // every sample's process CPU time
}

func (t *totals) add(s sample) {
	t.d += s.d
	t.cpus = append(t.cpus, s.cpu)
	t.ds = append(t.ds, s.d)
	t.mallocs += s.mallocs
	t.alloc += s.bytesA
	t.rows += s.rows
	t.bytes += s.bytes
	t.n++
}

// report publishes one side's metrics with the given prefix ("off" or "azb").
func (t *totals) report(b *testing.B, prefix string) {
	if t.n == 0 || t.d <= 0 {
		return
	}
	n := float64(t.n)
	sec := t.d.Seconds()
	b.ReportMetric(float64(t.d.Microseconds())/1e3/n, prefix+"-ms/op")
	if t.rows > 0 {
		b.ReportMetric(float64(t.rows)/sec, prefix+"-rows/s")
	}
	if t.bytes > 0 {
		b.ReportMetric(float64(t.bytes)/1e6/sec, prefix+"-MB/s")
	}
	b.ReportMetric(float64(t.mallocs)/n, prefix+"-allocs/op")
	b.ReportMetric(float64(t.alloc)/n, prefix+"-B/op")
}

// side is one way of doing the job: prefix names its metrics ("off", "azb", ...); run does the
// job once and returns the rows and payload bytes it delivered.
type side struct {
	prefix string
	run    func() (rows, bytes int64)
}

// pair runs the official side and azbilling's side alternately (the order swaps every
// iteration, so neither side always runs on a warm or a cold process), b.N times each.
// prepare, when set, runs untimed before each side (e.g. to make an empty folder). It reports
// both sides' metrics; the caller reports the ratio from the returned totals.
func pair(b *testing.B, prepare func(), off, azb func() (rows, bytes int64)) (o, a totals) {
	t := compare(b, prepare, side{"off", off}, side{"azb", azb})
	return t[0], t[1]
}

// compare runs the sides in turn, b.N times each, rotating which goes first every iteration,
// and reports each side's metrics under its prefix.
func compare(b *testing.B, prepare func(), sides ...side) []totals {
	b.Helper()
	b.ReportAllocs()
	t := make([]totals, len(sides))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range sides {
			j := (i + k) % len(sides)
			if prepare != nil {
				b.StopTimer()
				prepare()
				b.StartTimer()
			}
			t[j].add(measure(sides[j].run))
		}
	}
	b.StopTimer()
	for j, s := range sides {
		t[j].report(b, s.prefix)
	}
	return t
}

// median is the median time of the samples: the ratios use it because other processes on a
// small machine slow some iterations down, and a median shrugs such outliers off.
func (t *totals) median() time.Duration { return medianOf(t.ds) }

// cpuMedian is the median process CPU time of the samples (see sample.cpu): unlike wall time, it
// hardly changes when other processes share the cores.
func (t *totals) cpuMedian() time.Duration { return medianOf(t.cpus) }

func medianOf(d []time.Duration) time.Duration {
	ds := slices.Clone(d)
	slices.Sort(ds)
	if len(ds) == 0 {
		return 0
	}
	if len(ds)%2 == 1 {
		return ds[len(ds)/2]
	}
	return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
}

// ratio is the median time of x divided by the median time of y.
func ratio(x, y totals) float64 {
	return float64(x.median()) / float64(y.median())
}

// reportFaster reports x_faster: how many times less time azbilling took than the official
// path (median official time ÷ median azbilling time).
func reportFaster(b *testing.B, o, a totals) float64 {
	r := ratio(o, a)
	b.ReportMetric(r, "x_faster")
	return r
}

// latencyName names a latency sub-benchmark.
func latencyName(d time.Duration) string {
	if d == 0 {
		return "latency=0"
	}
	return fmt.Sprintf("latency=%s", d)
}

// latencyOpts are the emulator options that add d before every answer (none for 0).
func latencyOpts(d time.Duration) []billingtest.Option {
	if d <= 0 {
		return nil
	}
	return []billingtest.Option{billingtest.WithFaults(billingtest.SlowFirstByte(d).Always())}
}

// httpClient is srv.HTTPClient() keeping up to 16 idle connections per host, as the SDKs'
// default transports do (azcore's keeps 10, azbilling's blob client 16). The emulator's client
// is a clone of http.DefaultTransport, which keeps 2: with four downloads at once the other
// connections would be closed after each request and every new one would pay a TLS handshake
// (measured: 42% of azbilling's CPU in the invoice benchmark at concurrency 4), a cost no real
// deployment has.
func httpClient(srv *billingtest.Server) *http.Client {
	hc := srv.HTTPClient()
	if tr, ok := hc.Transport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = 16
	}
	return hc
}

// clientOptions is srv.ClientOptions() with httpClient for ARM calls and blob downloads.
func clientOptions(srv *billingtest.Server) *billing.ClientOptions {
	o := srv.ClientOptions()
	o.Transport = httpClient(srv)
	o.Download.HTTPClient = httpClient(srv)
	return o
}

// armOptions are azcore ARM client options for Azure's generated clients against srv.
func armOptions(srv *billingtest.Server, tr policy.Transporter) *arm.ClientOptions {
	if tr == nil {
		tr = httpClient(srv)
	}
	return &arm.ClientOptions{ClientOptions: policy.ClientOptions{Cloud: srv.Cloud(), Transport: tr}}
}

// pollFast is what a user passes to PollUntilDone against a service whose Retry-After is 0:
// azcore otherwise waits 30 s between polls.
var pollFast = &azruntime.PollUntilDoneOptions{Frequency: time.Millisecond}
