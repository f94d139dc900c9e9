package invoice_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
)

func mospClient(t testing.TB, srv *billingtest.Server) *invoice.Client {
	return invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.MOSPAccountAdmin), billingtest.SubscriptionPayAsYouGo)
}

func usClient(t testing.TB, srv *billingtest.Server, p billingtest.Principal) *invoice.Client {
	return invoice.NewProfileClient(newBilling(t, srv, p), billingtest.MCAAccount, billingtest.MCAProfileUS)
}

func get(t testing.TB, c *invoice.Client, name string) invoice.Invoice {
	t.Helper()
	inv, err := c.Get(context.Background(), name)
	require.NoError(t, err)
	return inv
}

func TestDownloadEveryAgreementShapeEndToEnd(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	cases := []struct {
		name      string
		principal billingtest.Principal
		client    func(*billing.Client) *invoice.Client
	}{
		{"MOSP subscription", billingtest.MOSPAccountAdmin, func(bc *billing.Client) *invoice.Client {
			return invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo)
		}},
		{"MOSP account", billingtest.MOSPAccountAdmin, func(bc *billing.Client) *invoice.Client {
			return invoice.NewAccountClient(bc, billingtest.MOSPAccount)
		}},
		{"MCA profile", billingtest.MCAInvoiceManager, func(bc *billing.Client) *invoice.Client {
			return invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
		}},
		{"MCA account", billingtest.MCAAccountOwner, func(bc *billing.Client) *invoice.Client {
			return invoice.NewAccountClient(bc, billingtest.MCAAccount)
		}},
		{"EA account", billingtest.EAEnterpriseAdmin, func(bc *billing.Client) *invoice.Client {
			return invoice.NewAccountClient(bc, billingtest.EAAccount)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.client(newBilling(t, srv, tc.principal))
			invs := collect(t, c, &invoice.ListOptions{Period: billing.LastMonthsAt(srv.Now(), 3)})
			require.NotEmpty(t, invs)
			dir := t.TempDir()
			for _, inv := range invs {
				for _, d := range inv.Documents {
					var buf bytes.Buffer
					n, err := c.DownloadDocument(ctx, inv, d, &buf)
					require.NoError(t, err)
					assert.Equal(t, int64(buf.Len()), n)
					want := srv.DocumentContent(inv.Name, string(d.Kind), d.Name)
					require.Equal(t, want, buf.Bytes(), "%s %s %s", inv.Name, d.Kind, d.Name)
					assert.Contains(t, buf.String(), inv.Name)
				}
				path, err := c.DownloadFile(ctx, inv, inv.Documents[0].Kind, dir)
				require.NoError(t, err)
				onDisk, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, srv.DocumentContent(inv.Name, string(inv.Documents[0].Kind), inv.Documents[0].Name), onDisk)
			}
		})
	}
	assert.False(t, srv.SawAuthorizationOnBlob())
}

func TestEASummaryDownload(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewAccountClient(newBilling(t, srv, billingtest.EAEnterpriseAdmin), billingtest.EAAccount)
	inv := get(t, c, "EA00000024")

	var buf bytes.Buffer
	_, err := c.DownloadSummary(context.Background(), inv, &buf)
	require.NoError(t, err)
	assert.Equal(t, srv.DocumentBytes(inv.Name, "Summary"), buf.Bytes())

	path, err := c.DownloadFile(context.Background(), inv, invoice.KindSummary, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, "EA00000024-summary.pdf", filepath.Base(path))
}

func TestEARefusalNamesTheInvoiceRecipient(t *testing.T) {
	srv := newServer(t)
	srv.RefuseEAInvoiceDownloads(true)
	c := invoice.NewAccountClient(newBilling(t, srv, billingtest.EAEnterpriseAdmin), billingtest.EAAccount)
	inv := get(t, c, "EA00000003")
	dir := t.TempDir()

	_, err := c.DownloadFile(context.Background(), inv, invoice.KindInvoice, dir)

	var ee *invoice.EmailedError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, billingtest.EAInvoiceRecipient, ee.Recipient)
	assert.Equal(t, billingtest.EAAccount, ee.Account)
	assert.ErrorIs(t, err, billing.ErrUnsupported)
	assert.Contains(t, err.Error(), billingtest.EAInvoiceRecipient)
	assert.Contains(t, err.Error(), "e-mails")
	var se *billing.ServiceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "UnsupportedAgreementType", se.Code)
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries)
}

func TestEARoleWithoutDownloadGetsBothThePermissionAndTheRecipient(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewAccountClient(newBilling(t, srv, billingtest.EADepartmentAdmin), billingtest.EAAccount)

	_, err := c.Download(context.Background(), invoice.Invoice{Name: "EA00000003"}, invoice.KindInvoice, io.Discard)

	var ee *invoice.EmailedError
	require.ErrorAs(t, err, &ee)
	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.Contains(t, perr.Required, roles.EAEnterpriseAdmin)
	// A department administrator may read the enrollment, so the recipient is named.
	assert.Equal(t, billingtest.EAInvoiceRecipient, ee.Recipient)
	assert.Contains(t, err.Error(), "needs one of Enrollment administrator")
}

func TestDownloadPollsTheOperationUntilDone(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for Retry-After")
	}
	srv := billingtest.NewServer(t, billingtest.WithLRODelay(1, 1))
	c := mospClient(t, srv)
	var buf bytes.Buffer

	_, err := c.Download(context.Background(), invoice.Invoice{Name: "E000000007"}, invoice.KindInvoice, &buf)

	require.NoError(t, err)
	assert.Equal(t, srv.DocumentBytes("E000000007", ""), buf.Bytes())
	var posts, polls []billingtest.Request
	for _, r := range srv.Requests() {
		switch {
		case r.Method == "POST" && strings.HasSuffix(r.Path, "/download"):
			posts = append(posts, r)
		case strings.Contains(r.Path, "/operationResults/invoiceDownload_"):
			polls = append(polls, r)
		}
	}
	require.Len(t, posts, 1)
	assert.Equal(t, 202, posts[0].Status)
	require.Len(t, polls, 2)
	assert.Equal(t, 202, polls[0].Status)
	assert.Equal(t, 200, polls[1].Status)
	assert.GreaterOrEqual(t, polls[0].Time.Sub(posts[0].Time).Seconds(), 0.9, "Retry-After honoured")
}

func TestConnectionDroppedMidBlobIsResumedWithIdenticalBytes(t *testing.T) {
	srv := newServer(t, billingtest.WithFaults(billingtest.ResetAfterBytes(4096)))
	srv.SetInvoiceDocumentPadding(64 << 10)
	c := mospClient(t, srv)
	var buf bytes.Buffer

	_, err := c.Download(context.Background(), invoice.Invoice{Name: "E000000002"}, invoice.KindInvoice, &buf)

	require.NoError(t, err)
	assert.Equal(t, srv.DocumentBytes("E000000002", ""), buf.Bytes())
	blobs := srv.BlobRequests()
	require.Len(t, blobs, 2)
	assert.True(t, blobs[0].Faulted)
	assert.Empty(t, blobs[0].Header.Get("Range"))
	assert.Regexp(t, `^bytes=\d+-$`, blobs[1].Header.Get("Range"))
	assert.Equal(t, 206, blobs[1].Status)
}

func TestTruncatedBodyIsResumed(t *testing.T) {
	srv := newServer(t, billingtest.WithFaults(billingtest.TruncateBody(1000).Times(2)))
	srv.SetInvoiceDocumentPadding(10 << 10)
	c := mospClient(t, srv)
	var buf bytes.Buffer

	_, err := c.Download(context.Background(), invoice.Invoice{Name: "E000000002"}, invoice.KindInvoice, &buf)

	require.NoError(t, err)
	assert.Equal(t, srv.DocumentBytes("E000000002", ""), buf.Bytes())
}

func TestLinkPastItsExpiryTimeIsReplacedBeforeUse(t *testing.T) {
	srv := newServer(t)
	srv.ExpireNextInvoiceLinks(1)
	c := mospClient(t, srv)
	var buf bytes.Buffer

	_, err := c.Download(context.Background(), invoice.Invoice{Name: "E000000003"}, invoice.KindInvoice, &buf)

	require.NoError(t, err)
	assert.Equal(t, srv.DocumentBytes("E000000003", ""), buf.Bytes())
	assert.Equal(t, 2, countDownloadOps(srv))
	assert.Len(t, srv.BlobRequests(), 1, "the expired link is never sent to the blob host")
}

func TestLinkRefusedByTheBlobHostIsReplaced(t *testing.T) {
	srv := newServer(t, billingtest.WithFaults(billingtest.ExpireSAS()))
	c := mospClient(t, srv)
	var buf bytes.Buffer

	_, err := c.Download(context.Background(), invoice.Invoice{Name: "E000000003"}, invoice.KindInvoice, &buf)

	require.NoError(t, err)
	assert.Equal(t, srv.DocumentBytes("E000000003", ""), buf.Bytes())
	assert.Equal(t, 2, countDownloadOps(srv))
	blobs := srv.BlobRequests()
	require.Len(t, blobs, 2)
	assert.Equal(t, 403, blobs[0].Status)
}

// distinctDownloadOps counts the documents a download operation was started for: a POST that
// azcore retried after a connection broke (its answer lost) counts once.
func distinctDownloadOps(srv *billingtest.Server) int {
	seen := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/download") {
			seen[r.Path+"?"+r.Query.Get("documentName")] = true
		}
	}
	return len(seen)
}

func countDownloadOps(srv *billingtest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/download") {
			n++
		}
	}
	return n
}

func TestHTMLInsteadOfPDFIsATypedErrorAndLeavesNoFile(t *testing.T) {
	srv := newServer(t, billingtest.WithFaults(billingtest.HTMLBody().OnBlob()))
	c := mospClient(t, srv)
	inv := get(t, c, "E000000004")
	dir := t.TempDir()

	path, err := c.DownloadFile(context.Background(), inv, invoice.KindInvoice, dir)

	assert.Empty(t, path)
	var de *billing.DownloadError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, billing.DownloadKindContent, de.Kind)
	assert.Contains(t, err.Error(), "expected a PDF document, got an HTML page")
	assert.Contains(t, err.Error(), "<!DOCTYPE html>")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "neither the file nor a temporary file is left")
}

func TestDownloadWritesNothingWhenTheBodyIsNotAPDF(t *testing.T) {
	srv := newServer(t, billingtest.WithFaults(billingtest.HTMLBody().OnBlob()))
	c := mospClient(t, srv)
	var buf bytes.Buffer

	_, err := c.Download(context.Background(), invoice.Invoice{Name: "E000000004"}, invoice.KindInvoice, &buf)

	assert.Error(t, err)
	assert.Zero(t, buf.Len())
}

func TestMissingDocumentKindIsNotFound(t *testing.T) {
	srv := newServer(t)
	c := mospClient(t, srv)
	inv := get(t, c, "E000000004")

	_, err := c.Download(context.Background(), inv, invoice.KindCreditNote, io.Discard)

	var me *invoice.MissingDocumentError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, []invoice.DocumentKind{invoice.KindInvoice}, me.Available)
	assert.ErrorIs(t, err, billing.ErrNotFound)
}

func TestBlobHostNeverReceivesAuthorization(t *testing.T) {
	srv := newServer(t, billingtest.WithFaults(billingtest.ResetAfterBytes(100), billingtest.ExpireSAS().Nth(3)))
	c := usClient(t, srv, billingtest.MCAProfileOwner)
	ctx := context.Background()
	for _, inv := range collect(t, c, nil)[:6] {
		_, err := c.Download(ctx, inv, inv.Documents[0].Kind, io.Discard)
		require.NoError(t, err)
	}
	_, err := c.DownloadZip(ctx, []invoice.DocumentRef{{Invoice: "G000000001"}}, filepath.Join(t.TempDir(), "a.zip"), nil)
	require.NoError(t, err)

	blobs := srv.BlobRequests()
	require.GreaterOrEqual(t, len(blobs), 8)
	for _, r := range blobs {
		assert.Empty(t, r.Header.Values("Authorization"), r.Path)
	}
	assert.False(t, srv.SawAuthorizationOnBlob())
}

func TestNoErrorTextContainsTheSASSignature(t *testing.T) {
	cases := map[string]billingtest.Fault{
		"server errors":     billingtest.ServerError(500).OnBlob().Always(),
		"always expired":    billingtest.ExpireSAS().Always(),
		"html page":         billingtest.HTMLBody().OnBlob(),
		"short body":        billingtest.WrongContentLength(100).Always(),
		"resets every time": billingtest.ResetAfterBytes(10).Always(),
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, billingtest.WithFaults(f))
			c := mospClient(t, srv)

			_, err := c.Download(context.Background(), invoice.Invoice{Name: "E000000001"}, invoice.KindInvoice, io.Discard)

			require.Error(t, err)
			sigs := sasSignatures(t, srv)
			require.NotEmpty(t, sigs)
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				assert.NotContains(t, text, "sig=")
				for _, sig := range sigs {
					assert.NotContains(t, text, sig)
					assert.NotContains(t, text, url.QueryEscape(sig))
				}
			}
			for e := error(err); e != nil; e = errors.Unwrap(e) {
				assert.NotContains(t, e.Error(), "sig=")
			}
		})
	}
}

// sasSignatures returns the sig values the blob host was sent.
func sasSignatures(t testing.TB, srv *billingtest.Server) []string {
	var out []string
	for _, r := range srv.BlobRequests() {
		if s := r.Query.Get("sig"); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func TestDownloadZipHoldsTheDocuments(t *testing.T) {
	srv := newServer(t)
	c := usClient(t, srv, billingtest.MCAProfileOwner)
	refs := []invoice.DocumentRef{{Invoice: "G000000001"}, {Invoice: "G000000002"}}
	inv2 := get(t, c, "G000000002")
	require.Len(t, inv2.Documents, 2) // the invoice and a tax receipt
	refs = append(refs, invoice.DocumentRef{Invoice: inv2.Name, Document: inv2.Documents[1].Name})
	path := filepath.Join(t.TempDir(), "sub", "invoices.zip")

	arc, err := c.DownloadZip(context.Background(), refs, path, nil)

	require.NoError(t, err)
	require.Len(t, arc.Files, 3)
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	var total int64
	for i, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		inv, doc, _ := strings.Cut(strings.TrimSuffix(f.Name, ".pdf"), "_")
		assert.Equal(t, srv.DocumentBytes(inv, doc), b)
		assert.Equal(t, int64(len(b)), arc.Files[i].Size)
		total += int64(len(b))
	}
	assert.Equal(t, total, arc.Expanded)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, st.Size(), arc.Size)
	var body []map[string]string
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/downloadDocuments") {
			assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/"+billingtest.MCAAccount+"/downloadDocuments", r.Path)
			body = append(body, nil)
		}
	}
	assert.Len(t, body, 1)
}

func TestDownloadZipEnforcesTheExpandedSizeLimit(t *testing.T) {
	srv := newServer(t)
	srv.SetInvoiceDocumentPadding(50 << 10) // compresses very well: a small zip that expands a lot
	c := usClient(t, srv, billingtest.MCAProfileOwner)
	dir := t.TempDir()

	_, err := c.DownloadZip(context.Background(), []invoice.DocumentRef{{Invoice: "G000000001"}, {Invoice: "G000000003"}},
		filepath.Join(dir, "x.zip"), &invoice.ZipOptions{MaxExpanded: 60 << 10})

	var de *billing.DownloadError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, billing.DownloadKindTooLarge, de.Kind)
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries)
}

func TestDownloadZipOnTheSubscriptionRoute(t *testing.T) {
	srv := newServer(t)
	c := mospClient(t, srv)

	arc, err := c.DownloadZip(context.Background(), []invoice.DocumentRef{{Invoice: "E000000001"}, {Invoice: "E000000002"}},
		filepath.Join(t.TempDir(), "x.zip"), nil)

	require.NoError(t, err)
	assert.Len(t, arc.Files, 2)
}

func TestDownloadZipOnEAIsExplained(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewAccountClient(newBilling(t, srv, billingtest.EAEnterpriseAdmin), billingtest.EAAccount)

	_, err := c.DownloadZip(context.Background(), []invoice.DocumentRef{{Invoice: "EA00000001"}}, filepath.Join(t.TempDir(), "x.zip"), nil)

	var ee *invoice.EmailedError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, billingtest.EAInvoiceRecipient, ee.Recipient)
}

func TestDownloadByNameWithoutDocumentsUsesTheInvoicePDF(t *testing.T) {
	srv := newServer(t)
	c := usClient(t, srv, billingtest.MCAProfileOwner)
	var buf bytes.Buffer

	_, err := c.Download(context.Background(), invoice.Invoice{Name: "G000000002"}, invoice.KindInvoice, &buf)

	require.NoError(t, err)
	assert.Equal(t, srv.DocumentBytes("G000000002", "Invoice"), buf.Bytes())
}

func TestCancelledContextStopsTheDownloadAndLeavesNoFile(t *testing.T) {
	srv := newServer(t)
	c := mospClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()

	_, err := c.DownloadFile(ctx, invoice.Invoice{Name: "E000000001"}, invoice.KindInvoice, dir)

	assert.ErrorIs(t, err, context.Canceled)
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries)
}
