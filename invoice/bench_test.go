package invoice_test

import (
	"context"
	"fmt"
	"io"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
)

// bench48 returns a client of the MCA account and its 48 monthly invoices (two profiles × 24).
func bench48(b *testing.B, opts ...billingtest.Option) (*invoice.Client, iter.Seq2[invoice.Invoice, error]) {
	srv := newServer(b, opts...)
	c := invoice.NewAccountClient(newBilling(b, srv, billingtest.PrincipalMCAAccountOwner), billingtest.MCAAccount)
	var invs []invoice.Invoice
	for _, inv := range collect(b, c, nil) {
		if inv.DocumentType == invoice.KindInvoice {
			invs = append(invs, inv)
		}
	}
	require.Len(b, invs, 48)
	return c, func(yield func(invoice.Invoice, error) bool) {
		for _, inv := range invs {
			if !yield(inv, nil) {
				return
			}
		}
	}
}

func runBulk(b *testing.B, c *invoice.Client, seq iter.Seq2[invoice.Invoice, error], conc int) {
	sum, err := c.DownloadAll(context.Background(), seq, b.TempDir(), &invoice.BulkOptions{Concurrency: conc, Kinds: []invoice.DocumentKind{invoice.KindInvoice}})
	if err != nil || len(sum.Downloaded) != 48 {
		b.Fatalf("downloaded %d: %v", len(sum.Downloaded), err)
	}
}

// BenchmarkDownloadAll downloads 48 invoices per iteration at concurrency 1 and 8, on loopback and
// with 5 ms added before every emulator answer (a stand-in for network latency).
func BenchmarkDownloadAll(b *testing.B) {
	for _, lat := range []time.Duration{0, 5 * time.Millisecond} {
		for _, conc := range []int{1, 8} {
			b.Run(fmt.Sprintf("latency=%s/concurrency=%d", lat, conc), func(b *testing.B) {
				var opts []billingtest.Option
				if lat > 0 {
					opts = append(opts, billingtest.WithFaults(billingtest.SlowFirstByte(lat).Always()))
				}
				c, seq := bench48(b, opts...)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					runBulk(b, c, seq, conc)
				}
			})
		}
	}
}

// BenchmarkDownloadAllSpeedup reports how much faster concurrency 8 is than concurrency 1 for the
// same 48 invoices (metric "speedup", time at 1 divided by time at 8).
func BenchmarkDownloadAllSpeedup(b *testing.B) {
	for _, lat := range []time.Duration{0, 5 * time.Millisecond} {
		b.Run(fmt.Sprintf("latency=%s", lat), func(b *testing.B) {
			var opts []billingtest.Option
			if lat > 0 {
				opts = append(opts, billingtest.WithFaults(billingtest.SlowFirstByte(lat).Always()))
			}
			c, seq := bench48(b, opts...)
			var t1, t8 time.Duration
			for b.Loop() {
				start := time.Now()
				runBulk(b, c, seq, 1)
				t1 += time.Since(start)
				start = time.Now()
				runBulk(b, c, seq, 8)
				t8 += time.Since(start)
			}
			b.ReportMetric(float64(t1)/float64(t8), "speedup")
			b.ReportMetric(float64(t1.Milliseconds())/float64(b.N), "ms/run@1")
			b.ReportMetric(float64(t8.Milliseconds())/float64(b.N), "ms/run@8")
		})
	}
}

// BenchmarkDownload downloads one document per iteration; allocs/op must not grow with its size
// (the document is streamed, never held whole). The emulator serves cached bytes, so its own
// allocations per request are constant too.
func BenchmarkDownload(b *testing.B) {
	for _, size := range []int{1 << 10, 256 << 10, 4 << 20} {
		b.Run(fmt.Sprintf("size=%dKiB", size>>10), func(b *testing.B) {
			srv := newServer(b)
			srv.SetInvoiceDocumentPadding(size)
			c := mospClient(b, srv)
			inv := invoice.Invoice{Name: "E000000001"}
			ctx := context.Background()
			n := int64(len(srv.DocumentBytes("E000000001", "")))
			b.SetBytes(n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := c.Download(ctx, inv, invoice.KindInvoice, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
