package invoice_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
)

// newBilling returns a billing client for principal p on srv, with retries fast enough for tests.
func newBilling(t testing.TB, srv *billingtest.Server, p billingtest.Principal) *billing.Client {
	t.Helper()
	opts := srv.ClientOptions()
	// A connection pool as large as DownloadAll's concurrency, as a production transport has;
	// the emulator's default client keeps two idle connections per host.
	opts.Transport = pooledClient(srv)
	opts.Download.HTTPClient = pooledClient(srv)
	// azcore's default backoff (800 ms and up) would make throttling tests slow.
	opts.Retry.RetryDelay = time.Millisecond
	opts.Retry.MaxRetryDelay = 5 * time.Millisecond
	opts.Download.RetryWaitMin = time.Millisecond
	opts.Download.RetryWaitMax = 5 * time.Millisecond
	bc, err := billing.NewClient(srv.Credential(p), opts)
	require.NoError(t, err)
	return bc
}

func collect(t testing.TB, c *invoice.Client, opts *invoice.ListOptions) []invoice.Invoice {
	t.Helper()
	var out []invoice.Invoice
	for inv, err := range c.List(context.Background(), opts) {
		require.NoError(t, err)
		out = append(out, inv)
	}
	return out
}

// worldInvoices returns the emulator's invoices that match.
func worldInvoices(srv *billingtest.Server, match func(billingtest.Invoice) bool) []billingtest.Invoice {
	var out []billingtest.Invoice
	for _, inv := range srv.Invoices() {
		if match(inv) {
			out = append(out, inv)
		}
	}
	return out
}

// newServer starts an emulator. Its download operations answer 202, 202, then 200 (Retry-After
// 0), so every download in these tests goes through Location polling.
func newServer(t testing.TB, opts ...billingtest.Option) *billingtest.Server {
	t.Helper()
	return billingtest.NewServer(t, opts...)
}

// pooledClient trusts the emulator's CA and keeps up to 16 idle connections per host.
func pooledClient(srv *billingtest.Server) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: tr}
}
