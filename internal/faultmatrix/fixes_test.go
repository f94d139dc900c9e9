package faultmatrix

// Regression tests for the bugs the fault matrix found, one per fix, each deterministic: they
// failed before the fix and pass after it.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/internal/blob"
	"github.com/azbilling/azbilling/invoice"
)

// newTestEnv is newEnv for a single test, closed when it ends.
func newTestEnv(t *testing.T, p billingtest.Principal, opts ...billingtest.Option) *env {
	t.Helper()
	e, err := newEnv(p, opts...)
	require.NoError(t, err)
	t.Cleanup(e.close)
	return e
}

// An ARM answer whose connection breaks in the middle of the body used to fail with a
// *ProtocolError ("reading the response body failed"): azcore's retries never saw it, because
// the SDK asks azcore not to read bodies. internal/arm now reads the body (bounded) inside the
// retry loop, so the break is retried like one before the headers.
func TestFixARMBodyCutMidwayIsRetried(t *testing.T) {
	e := newTestEnv(t, billingtest.MCAProfileOwner)
	e.srv.InjectFault(billingtest.ResetAfterBytes(20).OnARM().Path("/invoices").Times(2))
	c := invoice.NewProfileClient(e.bc, billingtest.MCAAccount, billingtest.MCAProfileUS)

	n := 0
	for _, err := range c.List(context.Background(), nil) {
		require.NoError(t, err)
		n++
	}
	assert.Positive(t, n)
	assert.Equal(t, 2, e.srv.FaultsFired())
}

// Download operations (POST, then GET of the Location) are retried the same way.
func TestFixARMBodyCutMidwayOnTheOperationIsRetried(t *testing.T) {
	e := newTestEnv(t, billingtest.MOSPAccountAdmin)
	e.srv.InjectFault(billingtest.ResetAfterBytes(5).OnARM().Path("/operationResults").Nth(2)) // the 200 with the link
	c := invoice.NewSubscriptionClient(e.bc, billingtest.SubscriptionPayAsYouGo)
	inv, err := c.Get(context.Background(), "E000000001")
	require.NoError(t, err)

	path, err := c.DownloadFile(context.Background(), inv, invoice.KindInvoice, t.TempDir())
	require.NoError(t, err)
	assert.FileExists(t, path)
	assert.Equal(t, 1, e.srv.FaultsFired())
}

// A blob host that sends no MD5 and a body cut short with a matching Content-Length used to
// leave a truncated PDF at the destination, reported as downloaded (and then re-fetched by every
// later DownloadAll, whose completeness check wants the trailer). invoice now checks that a
// document ends with its %%EOF trailer before it is accepted.
func TestFixTruncatedPDFWithoutMD5IsRefused(t *testing.T) {
	e := newTestEnv(t, billingtest.MOSPAccountAdmin)
	c := invoice.NewSubscriptionClient(e.bc, billingtest.SubscriptionPayAsYouGo)
	inv, err := c.Get(context.Background(), "E000000001")
	require.NoError(t, err)
	size := int64(len(e.srv.DocumentBytes("E000000001", "")))
	// Three answers: the first and the two fetched again after it failed its check.
	e.srv.InjectFault(billingtest.WrongContentLength(size - 100).Times(3))
	e.tamper.Add(billingtest.StripMD5().Always())
	dir := t.TempDir()

	_, err = c.DownloadFile(context.Background(), inv, invoice.KindInvoice, dir)

	var de *billing.DownloadError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, billing.DownloadKindIntegrity, de.Kind)
	assert.Contains(t, err.Error(), "%%EOF")
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries, "no file, no temporary file")
	assert.Equal(t, 3, e.tamper.Fired())
}

// An ARM request that got no answer at all (connection refused, DNS, TLS, a connection that
// kept breaking) used to surface as a bare *url.Error, the one failure of the SDK that was not
// a typed error. It is now a *billing.NetworkError that unwraps to the transport's error.
func TestFixARMNetworkFailureIsTyped(t *testing.T) {
	e := newTestEnv(t, billingtest.MCAProfileOwner)
	c := invoice.NewProfileClient(e.bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
	e.srv.Close()

	var err error
	for _, err = range c.List(context.Background(), nil) {
		break
	}

	var ne *billing.NetworkError
	require.ErrorAs(t, err, &ne)
	var ue *url.Error
	assert.ErrorAs(t, err, &ue, "the transport's error is still there")
	assert.Contains(t, err.Error(), "Resource Manager")

	// A cancelled context stays a context error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err = range c.List(ctx, nil) {
		break
	}
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, errors.As(err, &ne))
}

// A blob host's Retry-After used to override DownloadOptions.RetryWaitMax: go-retryablehttp's
// default backoff sleeps for whatever a 429 or 503 asks, so one "Retry-After: 3600" stalled a
// download for an hour although the options promise RetryWaitMax bounds every wait. The blob
// layer now caps the wait.
func TestFixBlobRetryAfterIsBoundedByRetryWaitMax(t *testing.T) {
	data := []byte("%PDF-1.4\n% a document\n%%EOF\n")
	var calls atomic.Int32
	host := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write(data)
	}))
	t.Cleanup(host.Close)
	bc, err := blob.New(blob.Options{HTTPClient: host.Client(), AllowLoopback: true, RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	link := func(context.Context) (blob.Link, error) { return blob.Link{URL: host.URL + "/d.pdf?sig=x"}, nil }

	var got strings.Builder
	start := time.Now()
	_, err = bc.Download(ctx, link, &got, nil)

	require.NoError(t, err)
	assert.Equal(t, string(data), got.String())
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, int32(2), calls.Load())
}

// Document.URL holds the service's documents[].url or externalUrl verbatim, which can be a
// signed link. Printing an Invoice or Document with %v, %+v or %#v used to show its query
// string; Document now formats its URL redacted (the field itself keeps the value).
func TestFixDocumentURLIsRedactedWhenPrinted(t *testing.T) {
	const link = "https://docs.example.com/inv/G1.pdf?sv=2021-08-06&se=2026-12-01&sig=c2VjcmV0c2lnbmF0dXJl"
	inv, err := invoice.DecodeInvoice([]byte(`{"name":"G000000001","properties":{"documents":[{"kind":"Invoice","name":"1","externalUrl":"` + link + `"}]}}`))
	require.NoError(t, err)
	require.Equal(t, link, inv.Documents[0].URL, "the value is kept for callers who need it")

	for _, v := range []any{inv, &inv, inv.Documents, inv.Documents[0], &inv.Documents[0]} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(f, v)
			assert.NotContains(t, out, "c2VjcmV0c2lnbmF0dXJl", f)
			assert.NotContains(t, out, "sig=", f)
		}
	}
	assert.Contains(t, fmt.Sprintf("%v", inv.Documents[0]), "https://docs.example.com/inv/G1.pdf?REDACTED")
	assert.Contains(t, fmt.Sprintf("%#v", inv.Documents[0]), "invoice.Document{")
}
