package invoice_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/invoice"
)

// The shapes below are those of real EA answers at 2024-04-01: documents with url and
// documentNumbers but no name (source "Other", kinds Invoice, Summary, Transactions), download
// 202s without Retry-After, final answers {"url": ...} without expiryTime (the expiry only in the
// SAS se=), and the summary polled at an account-level operationResults/invoiceSummaryDownload_…
// URL.

type tokenCred struct{}

func (tokenCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// eaHosts is a fake Resource Manager host and a fake blob host.
type eaHosts struct {
	arm, blob *httptest.Server
	mu        sync.Mutex
	asked     []string // "METHOD URI" on the Resource Manager host
	blobs     []string // paths asked of the blob host
}

func (h *eaHosts) log(r *http.Request, blob bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if blob {
		h.blobs = append(h.blobs, r.URL.Path)
	} else {
		h.asked = append(h.asked, r.Method+" "+r.RequestURI)
	}
}

func pdf(name string) []byte { return []byte("%PDF-1.7\n" + name + "\n%%EOF\n") }

func newEAHosts(t *testing.T, now time.Time) (*eaHosts, *billing.Client) {
	h := startEAHosts(t, now)
	return h, h.client(t, now)
}

func startEAHosts(t *testing.T, now time.Time) *eaHosts {
	h := &eaHosts{}
	se := url.QueryEscape(now.Add(time.Hour).UTC().Format(time.RFC3339))
	h.blob = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.log(r, true)
		body := pdf(strings.TrimPrefix(r.URL.Path, "/"))
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write(body)
	}))
	t.Cleanup(h.blob.Close)
	const acct = "/providers/Microsoft.Billing/billingAccounts/7654321"
	polls := map[string]int{}
	h.arm = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.log(r, false)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == acct+"/invoices/E1":
			fmt.Fprintf(w, `{"id":"%s/invoices/E1","name":"E1","properties":{"documents":[
				{"documentNumbers":["E1"],"kind":"Invoice","source":"Other","url":"https://management.azure.com/x"},
				{"documentNumbers":["E1"],"kind":"Summary","source":"Other","url":"https://management.azure.com/y"},
				{"documentNumbers":["E1"],"kind":"Transactions","source":"Other","url":"%s/providers/Microsoft.Billing/billingAccounts/7654321/invoices/E1/transactionsDownload?api-version=2024-04-01"},
				{"documentNumbers":["E1"],"kind":"TaxReceipt","source":"Other"}],
				"invoiceDate":"6/1/2020 12:00:00 AM +00:00","status":"Paid "}}`, acct, "https://"+r.Host)
		case r.Method == http.MethodPost && r.URL.Path == acct+"/invoices/E1/download":
			w.Header().Set("Location", acct+"/operationResults/invoiceDownload_1?api-version=2024-04-01")
			w.WriteHeader(http.StatusAccepted)
		case r.Method == http.MethodPost && r.URL.Path == acct+"/invoices/E1/downloadSummary":
			w.Header().Set("Location", "https://"+r.Host+acct+"/operationResults/invoiceSummaryDownload_2?api-version=2024-04-01")
			w.WriteHeader(http.StatusAccepted)
		case r.Method == http.MethodPost && r.URL.Path == acct+"/invoices/E1/transactionsDownload":
			w.Header().Set("Location", acct+"/operationResults/transactionsDownload_3?api-version=2024-04-01")
			w.WriteHeader(http.StatusAccepted)
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, acct+"/operationResults/"):
			op := strings.TrimPrefix(r.URL.Path, acct+"/operationResults/")
			h.mu.Lock()
			polls[op]++
			n := polls[op]
			h.mu.Unlock()
			if n < 2 {
				w.Header().Set("Location", r.URL.RequestURI()) // no Retry-After, as EA answers
				w.WriteHeader(http.StatusAccepted)
				return
			}
			fmt.Fprintf(w, `{"url":"%s/%s.pdf?sv=2019-02-02&sr=b&sp=r&se=%s&sig=abc"}`, h.blob.URL, op, se)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":{"code":"NotFound","message":"%s %s"}}`, r.Method, r.URL.Path)
		}
	}))
	t.Cleanup(h.arm.Close)
	return h
}

// client is a billing client on the two hosts whose clock reads now.
func (h *eaHosts) client(t *testing.T, now time.Time) *billing.Client {
	pool := x509.NewCertPool()
	pool.AddCert(h.arm.Certificate())
	pool.AddCert(h.blob.Certificate())
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	hc := &http.Client{Transport: tr}
	bc, err := billing.NewClient(tokenCred{}, &billing.ClientOptions{
		ClientOptions: azarm.ClientOptions{ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: h.arm.URL},
			}},
			Transport: hc,
			Retry:     policy.RetryOptions{MaxRetries: -1},
		}},
		Download: billing.DownloadOptions{HTTPClient: hc, AllowLoopback: true, MaxRetries: -1},
		Now:      func() time.Time { return now },
	})
	require.NoError(t, err)
	return bc
}

func TestEADocumentsWithoutNamesDownloadTheRightDocument(t *testing.T) {
	now := time.Now()
	h, bc := newEAHosts(t, now)
	c := invoice.NewAccountClient(bc, "7654321")
	ctx := context.Background()
	inv, err := c.Get(ctx, "E1")
	require.NoError(t, err)
	require.Len(t, inv.Documents, 4)
	assert.Equal(t, invoice.Document{Kind: invoice.KindSummary, Source: "Other", Numbers: []string{"E1"}, URL: "https://management.azure.com/y"}, inv.Documents[1])
	assert.Equal(t, invoice.StatusPaid, inv.Status)
	assert.Equal(t, billing.NewDate(2020, 6, 1), inv.Date)

	start := time.Now()
	for kind, want := range map[invoice.DocumentKind]string{
		invoice.KindInvoice: "invoiceDownload_1",
		invoice.KindSummary: "invoiceSummaryDownload_2",
		"Transactions":      "transactionsDownload_3",
	} {
		var buf bytes.Buffer
		_, err := c.Download(ctx, inv, kind, &buf)
		require.NoError(t, err, kind)
		assert.Equal(t, string(pdf(want+".pdf")), buf.String(), "the %s document, not another one", kind)
	}
	assert.Less(t, time.Since(start), 4*time.Second, "202s without Retry-After are polled fast, not every 5 s")

	_, err = c.Download(ctx, inv, invoice.KindTaxReceipt, &bytes.Buffer{})
	var ue *invoice.UnnamedDocumentError
	require.ErrorAs(t, err, &ue, "a document with neither name nor url is refused, not mistaken for the invoice")
	assert.Equal(t, invoice.KindTaxReceipt, ue.Kind)
	assert.ErrorIs(t, err, billing.ErrUnsupported)

	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Contains(t, h.asked, "POST /providers/Microsoft.Billing/billingAccounts/7654321/invoices/E1/download?api-version=2024-04-01",
		"the invoice PDF by the download operation's default, no documentName")
	assert.Contains(t, h.asked, "POST /providers/Microsoft.Billing/billingAccounts/7654321/invoices/E1/downloadSummary?api-version=2024-04-01")
	assert.Contains(t, h.asked, "GET /providers/Microsoft.Billing/billingAccounts/7654321/operationResults/invoiceSummaryDownload_2?api-version=2024-04-01")
	assert.Len(t, h.blobs, 3, "each link's expiry comes from its se= and is in the future: one GET each")
}

func TestEADownloadWithAnExpiredSASAsksForAFreshLink(t *testing.T) {
	// The host hands out links whose se= is an hour ahead of its own clock; a client whose clock
	// is two hours ahead sees them expired on arrival and keeps asking, then gives up.
	now := time.Now()
	h := startEAHosts(t, now)
	bc := h.client(t, now.Add(2*time.Hour))
	c := invoice.NewAccountClient(bc, "7654321")
	_, err := c.Download(context.Background(), invoice.Invoice{Name: "E1"}, invoice.KindInvoice, &bytes.Buffer{})
	var de *billing.DownloadError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, billing.DownloadKindExpired, de.Kind)
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Empty(t, h.blobs, "an expired link is never sent")
}
