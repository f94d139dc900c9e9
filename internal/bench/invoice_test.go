package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/billing/armbilling"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
)

// Invoices: a year of invoices (every document of each) for the two MCA billing profiles and the
// MOSP pay-as-you-go subscription, listed and downloaded to disk.
//
//   - official: what a Go user writes with armbilling today: for each scope, the invoice pager;
//     for each document, BeginDownloadByBillingAccount (profiles) or
//     BeginDownloadByBillingSubscription (subscription), PollUntilDone with Frequency 1 ms, then
//     http.Get of the SAS URL into a file. Sequential, as the generated API suggests.
//   - azbilling: invoice.Client.List + DownloadAll per scope at its default concurrency (nil
//     options), one scope after the other.

// invoiceSetup is the emulator and everything both sides need.
type invoiceSetup struct {
	srv    *billingtest.Server
	period billing.Period

	// azbilling
	profiles []*invoice.Client
	sub      *invoice.Client

	// official
	mcaInvoices, subInvoices *armbilling.InvoicesClient
	blobs                    *http.Client
}

var invoiceProfiles = []string{billingtest.MCAProfileUS, billingtest.MCAProfileEU}

func newInvoiceSetup(tb testing.TB, lat time.Duration) *invoiceSetup {
	tb.Helper()
	srv := billingtest.NewServer(tb, latencyOpts(lat)...)
	s := &invoiceSetup{srv: srv, period: billing.LastMonthsAt(srv.Now(), 12), blobs: httpClient(srv)}

	mca, err := billing.NewClient(srv.Credential(billingtest.PrincipalMCAAccountOwner), clientOptions(srv))
	require.NoError(tb, err)
	mosp, err := billing.NewClient(srv.Credential(billingtest.PrincipalMOSPAccountAdmin), clientOptions(srv))
	require.NoError(tb, err)
	for _, p := range invoiceProfiles {
		s.profiles = append(s.profiles, invoice.NewProfileClient(mca, billingtest.MCAAccount, p))
	}
	s.sub = invoice.NewSubscriptionClient(mosp, billingtest.SubscriptionPayAsYouGo)

	s.mcaInvoices, err = armbilling.NewInvoicesClient("", srv.Credential(billingtest.PrincipalMCAAccountOwner), armOptions(srv, nil))
	require.NoError(tb, err)
	s.subInvoices, err = armbilling.NewInvoicesClient(billingtest.SubscriptionPayAsYouGo, srv.Credential(billingtest.PrincipalMOSPAccountAdmin), armOptions(srv, nil))
	require.NoError(tb, err)
	return s
}

// officialDownload runs one document's download operation to completion and writes the SAS
// URL's body to path: the armbilling + net/http path.
func (s *invoiceSetup) officialDownload(ctx context.Context, begin func() (string, error), path string) (int64, error) {
	url, err := begin()
	if err != nil {
		return 0, err
	}
	resp, err := s.blobs.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET document: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// official lists and downloads every document of the year sequentially with armbilling.
func (s *invoiceSetup) official(ctx context.Context, dir string) (docs, bytes int64, err error) {
	from, to_ := s.period.Start.Time(), s.period.End.Time()
	fetch := func(inv *armbilling.Invoice, begin func(doc string) (string, error)) error {
		if inv.Properties == nil {
			return nil
		}
		for _, d := range inv.Properties.Documents {
			if d == nil || d.Name == nil {
				continue
			}
			name := *inv.Name + "-" + *d.Name + ".pdf"
			n, err := s.officialDownload(ctx, func() (string, error) { return begin(*d.Name) }, filepath.Join(dir, name))
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			docs++
			bytes += n
		}
		return nil
	}
	for _, p := range invoiceProfiles {
		pager := s.mcaInvoices.NewListByBillingProfilePager(billingtest.MCAAccount, p,
			&armbilling.InvoicesClientListByBillingProfileOptions{PeriodStartDate: &from, PeriodEndDate: &to_})
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				return docs, bytes, err
			}
			for _, inv := range page.Value {
				err := fetch(inv, func(doc string) (string, error) {
					poller, err := s.mcaInvoices.BeginDownloadByBillingAccount(ctx, billingtest.MCAAccount, *inv.Name,
						&armbilling.InvoicesClientBeginDownloadByBillingAccountOptions{DocumentName: to.Ptr(doc)})
					if err != nil {
						return "", err
					}
					res, err := poller.PollUntilDone(ctx, pollFast)
					if err != nil {
						return "", err
					}
					return deref(res.URL), nil
				})
				if err != nil {
					return docs, bytes, err
				}
			}
		}
	}
	pager := s.subInvoices.NewListByBillingSubscriptionPager(
		&armbilling.InvoicesClientListByBillingSubscriptionOptions{PeriodStartDate: &from, PeriodEndDate: &to_})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return docs, bytes, err
		}
		for _, inv := range page.Value {
			err := fetch(inv, func(doc string) (string, error) {
				poller, err := s.subInvoices.BeginDownloadByBillingSubscription(ctx, *inv.Name,
					&armbilling.InvoicesClientBeginDownloadByBillingSubscriptionOptions{DocumentName: to.Ptr(doc)})
				if err != nil {
					return "", err
				}
				res, err := poller.PollUntilDone(ctx, pollFast)
				if err != nil {
					return "", err
				}
				return deref(res.URL), nil
			})
			if err != nil {
				return docs, bytes, err
			}
		}
	}
	return docs, bytes, nil
}

// azbilling lists and downloads the same documents with DownloadAll, one scope after the other,
// at the default concurrency.
func (s *invoiceSetup) azbilling(ctx context.Context, dir string, opts *invoice.BulkOptions) (invoice.Summary, error) {
	var all invoice.Summary
	for _, c := range append(append([]*invoice.Client(nil), s.profiles...), s.sub) {
		sum, err := c.DownloadAll(ctx, c.List(ctx, &invoice.ListOptions{Period: s.period}), dir, opts)
		all.Downloaded = append(all.Downloaded, sum.Downloaded...)
		all.Skipped = append(all.Skipped, sum.Skipped...)
		all.Failed = append(all.Failed, sum.Failed...)
		all.Bytes += sum.Bytes
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// fetches counts the document downloads the emulator saw since the last ResetRequests: download
// operations started on ARM and GETs on the blob listener.
func fetches(srv *billingtest.Server) (posts, gets int) {
	for _, r := range srv.Requests() {
		switch {
		case r.Target == billingtest.Blob:
			gets++
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/download"):
			posts++
		}
	}
	return posts, gets
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// invoiceDirs are where the benchmark writes documents: the test's temporary folder (a disk,
// where azbilling's fsync of every file and folder costs what the disk makes it cost) and, when
// the machine has one, a RAM file system (/dev/shm), where it costs nothing and only the
// protocol work is compared.
func invoiceDirs(b *testing.B) map[string]string {
	dirs := map[string]string{"disk": b.TempDir()}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "azbilling-bench-"); err == nil {
			b.Cleanup(func() { _ = os.RemoveAll(d) })
			dirs["tmpfs"] = d
		}
	}
	return dirs
}

// BenchmarkInvoices compares a year of invoice downloads (two MCA billing profiles and a MOSP
// subscription): armbilling pollers + http.Get in a sequential loop vs invoice.DownloadAll at
// its default concurrency. Bar: x_faster ≥ 5. After the timed iterations a second DownloadAll
// into a complete folder must fetch nothing (rerun-fetches = 0, asserted).
func BenchmarkInvoices(b *testing.B) {
	for _, lat := range []time.Duration{0, *latency} {
		for _, store := range []string{"disk", "tmpfs"} {
			b.Run(latencyName(lat)+"/dir="+store, func(b *testing.B) {
				root, ok := invoiceDirs(b)[store]
				if !ok {
					b.Skip("no RAM file system at /dev/shm")
				}
				benchInvoices(b, lat, root)
			})
		}
	}
}

func benchInvoices(b *testing.B, lat time.Duration, root string) {
	s := newInvoiceSetup(b, lat)
	ctx := context.Background()
	var dir string
	seq := 0
	prepare := func() {
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
		seq++
		dir = filepath.Join(root, fmt.Sprint(seq))
		require.NoError(b, os.MkdirAll(dir, 0o755))
		// Flush what the previous side wrote: otherwise the first fsync of the next side
		// (azbilling syncs its files, the official loop does not) pays for writing back the
		// other side's dirty pages.
		syscall.Sync()
	}
	o, a := pair(b, prepare,
		func() (int64, int64) {
			n, bytes, err := s.official(ctx, dir)
			require.NoError(b, err)
			return n, bytes
		},
		func() (int64, int64) {
			sum, err := s.azbilling(ctx, dir, nil)
			require.NoError(b, err)
			require.Empty(b, sum.Skipped)
			return int64(len(sum.Downloaded)), sum.Bytes
		})
	reportFaster(b, o, a)
	want := o.rows / int64(o.n)
	require.Equal(b, want, a.rows/int64(a.n), "both sides must download the same documents")
	b.ReportMetric(float64(want), "docs")

	// A second run into a complete folder fetches nothing.
	prepare()
	first, err := s.azbilling(ctx, dir, nil)
	require.NoError(b, err)
	require.Len(b, first.Downloaded, int(want))
	s.srv.ResetRequests()
	again, err := s.azbilling(ctx, dir, nil)
	require.NoError(b, err)
	posts, gets := fetches(s.srv)
	require.Empty(b, again.Downloaded, "second run downloaded")
	require.Len(b, again.Skipped, int(want), "second run must skip every document")
	require.Zero(b, posts+gets, "second run started %d download operations and %d blob GETs", posts, gets)
	b.ReportMetric(float64(posts+gets), "rerun-fetches")
}

// TestInvoiceSidesAgree checks, quickly and without timing, that both sides of
// BenchmarkInvoices download the same documents with identical bytes.
func TestInvoiceSidesAgree(t *testing.T) {
	s := newInvoiceSetup(t, 0)
	ctx := context.Background()
	offDir, azbDir := t.TempDir(), t.TempDir()
	n, _, err := s.official(ctx, offDir)
	require.NoError(t, err)
	sum, err := s.azbilling(ctx, azbDir, nil)
	require.NoError(t, err)
	require.EqualValues(t, n, len(sum.Downloaded))
	require.NotZero(t, n)
	for _, f := range sum.Downloaded {
		got, err := os.ReadFile(f.Path)
		require.NoError(t, err)
		want, err := os.ReadFile(filepath.Join(offDir, f.Invoice+"-"+f.Document+".pdf"))
		require.NoError(t, err, "official side lacks %s", f)
		require.Equal(t, want, got, f.String())
	}
}
