package faultmatrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azlog "github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/usage"
)

// secretToken is the bearer token of the fake-host tests: it must reach nothing but the ARM
// endpoint, and no log line or error.
const secretToken = "eyJ0eXAiOiJKV1QiLCJzZWNyZXQiOiJ0b2tlbiJ9.s3cr3t"

type tokenCred struct{}

func (tokenCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: secretToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// host is an HTTPS test server that counts what it receives.
type host struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	sawAuth  bool
}

func newHost(t *testing.T, h http.HandlerFunc) *host {
	x := &host{}
	x.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.mu.Lock()
		x.requests++
		if r.Header.Get("Authorization") != "" {
			x.sawAuth = true
		}
		x.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(x.Close)
	return x
}

func (x *host) seen() (int, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.requests, x.sawAuth
}

// fakeARM returns a billing client whose Resource Manager endpoint is arm. httptest servers
// share one certificate, so the client trusts every host of a test, an attacker's included:
// only the SDK's own rules keep requests away from it.
func fakeARM(t *testing.T, arm *host, mutate ...func(*billing.ClientOptions)) *billing.Client {
	t.Helper()
	co := &billing.ClientOptions{
		ClientOptions: azarm.ClientOptions{ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: arm.URL},
			}},
			Transport: arm.Client(),
			Retry:     policy.RetryOptions{RetryDelay: time.Millisecond, MaxRetryDelay: 10 * time.Millisecond},
		}},
		Download: billing.DownloadOptions{HTTPClient: arm.Client(), AllowLoopback: true, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond},
	}
	for _, m := range mutate {
		m(co)
	}
	bc, err := billing.NewClient(tokenCred{}, co)
	require.NoError(t, err)
	return bc
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func profileClient(bc *billing.Client) *invoice.Client {
	return invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
}

func firstErr[T any](seq func(func(T, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// The blob host of the emulator (another host:port than ARM) records every request: through
// invoice downloads of every kind and multi-blob usage reports, none carries Authorization.
func TestSecurityBlobHostNeverSeesAuthorization(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageBlobSize(8<<10), billingtest.WithUsageRowsPerDay(6))
	co := srv.ClientOptions()
	co.Retry.RetryDelay = time.Millisecond
	for _, p := range []billingtest.Principal{billingtest.PrincipalMCAProfileOwner, billingtest.PrincipalEAEnterpriseAdmin} {
		bc, err := billing.NewClient(srv.Credential(p), co)
		require.NoError(t, err)
		if p == billingtest.PrincipalMCAProfileOwner {
			c := profileClient(bc)
			_, err = c.DownloadAll(context.Background(), c.List(context.Background(), &invoice.ListOptions{Period: billing.LastMonthsAt(srv.Now(), 6)}), t.TempDir(), nil)
			require.NoError(t, err)
			_, err = c.DownloadZip(context.Background(), []invoice.DocumentRef{{Invoice: "G000000001"}}, filepath.Join(t.TempDir(), "a.zip"), nil)
			require.NoError(t, err)
		} else {
			s, _ := billing.ParseScope(eaAccountID)
			_, _, err := sumRecords(usage.NewClient(bc).Records(context.Background(), s, nil))
			require.NoError(t, err)
		}
	}
	blobs := srv.BlobRequests()
	require.Greater(t, len(blobs), 10)
	for _, r := range blobs {
		assert.Empty(t, r.Header.Values("Authorization"), r.Path)
	}
	assert.False(t, srv.SawAuthorizationOnBlob())
}

// A nextLink to another host would carry the bearer token there: it is refused before any
// connection is made, with a *billing.HostError.
func TestSecurityNextLinkToAnotherHostIsRefused(t *testing.T) {
	evil := newHost(t, nil)
	arm := newHost(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/invoices"):
			writeJSON(w, 200, `{"value":[{"name":"G000000001","properties":{"invoiceDate":"2026-10-05"}}],"nextLink":"`+evil.URL+`/providers/Microsoft.Billing/billingAccounts/x/invoices?page=2"}`)
		case strings.HasSuffix(r.URL.Path, "/usageDetails"):
			writeJSON(w, 200, `{"value":[],"nextLink":"`+evil.URL+`/subscriptions/x/providers/Microsoft.Consumption/usageDetails?page=2"}`)
		default:
			writeJSON(w, 404, `{"error":{"code":"NotFound","message":"no"}}`)
		}
	})
	bc := fakeARM(t, arm)

	err := firstErr(profileClient(bc).List(context.Background(), nil))
	var he *billing.HostError
	require.ErrorAs(t, err, &he)
	assert.Contains(t, err.Error(), "refusing")

	sub, _ := billing.SubscriptionScope(billingtest.SubscriptionPayAsYouGo)
	err = firstErr(usage.NewClient(bc).Records(context.Background(), sub, &usage.Options{Agreement: billing.AgreementMOSP}))
	require.ErrorAs(t, err, &he)

	n, _ := evil.seen()
	assert.Zero(t, n, "the other host was never contacted")
	assertNoSecret(t, err)
}

// A long-running operation's Location on another host is refused the same way, for invoice
// downloads and Cost Details reports.
func TestSecurityLocationToAnotherHostIsRefused(t *testing.T) {
	evil := newHost(t, nil)
	arm := newHost(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", evil.URL+"/providers/Microsoft.Billing/operationResults/1")
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusAccepted)
	})
	bc := fakeARM(t, arm)
	dir := t.TempDir()

	_, err := profileClient(bc).DownloadFile(context.Background(), invoice.Invoice{Name: "G000000001"}, invoice.KindInvoice, dir)
	var he *billing.HostError
	require.ErrorAs(t, err, &he)

	s, _ := billing.ParseScope(eaAccountID)
	err = firstErr(usage.NewClient(bc).Records(context.Background(), s, nil))
	require.ErrorAs(t, err, &he)

	n, _ := evil.seen()
	assert.Zero(t, n)
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries)
}

// downloadAnswer makes a fake ARM host answer every download operation with url.
func downloadAnswer(u string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fmt.Sprintf(`{"url":%q,"expiryTime":"2099-01-01T00:00:00Z"}`, u))
	}
}

// Download URLs must be https, may not point at the ARM endpoint (they would be unauthenticated
// ARM calls) and may be loopback only when the caller opts in; a blob host may not redirect.
func TestSecurityDownloadURLsAreChecked(t *testing.T) {
	evil := newHost(t, nil)
	redirector := newHost(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+"/stolen?"+r.URL.RawQuery, http.StatusFound)
	})
	evilHTTP := strings.Replace(evil.URL, "https://", "http://", 1)
	var armURL string
	cases := []struct {
		name     string
		url      func() string
		loopback bool
		kind     billing.DownloadKind
	}{
		{"plain http", func() string { return evilHTTP + "/d.pdf?sv=1&sig=c2lnbmF0dXJl" }, true, billing.DownloadKindBadURL},
		{"the ARM host", func() string { return armURL + "/d.pdf?sig=c2lnbmF0dXJl" }, true, billing.DownloadKindBadURL},
		{"loopback without opt-in", func() string { return evil.URL + "/d.pdf?sig=c2lnbmF0dXJl" }, false, billing.DownloadKindBadURL},
		{"a redirect", func() string { return redirector.URL + "/d.pdf?sig=c2lnbmF0dXJl" }, true, billing.DownloadKindStatus},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			arm := newHost(t, func(w http.ResponseWriter, r *http.Request) { downloadAnswer(tc.url())(w, r) })
			armURL = arm.URL
			bc := fakeARM(t, arm, func(o *billing.ClientOptions) { o.Download.AllowLoopback = tc.loopback })
			dir := t.TempDir()

			_, err := profileClient(bc).DownloadFile(context.Background(), invoice.Invoice{Name: "G000000001"}, invoice.KindInvoice, dir)

			var de *billing.DownloadError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tc.kind, de.Kind, err.Error())
			assertNoSecret(t, err, "c2lnbmF0dXJl")
			entries, _ := os.ReadDir(dir)
			assert.Empty(t, entries)
		})
	}
	n, auth := evil.seen()
	assert.Zero(t, n, "no request reached the attacker's host")
	assert.False(t, auth)
	_, auth = redirector.seen()
	assert.False(t, auth)
}

// The emulator's own loopback links are refused too without the opt-in.
func TestSecurityLoopbackNeedsOptIn(t *testing.T) {
	srv := billingtest.NewServer(t)
	co := srv.ClientOptions()
	co.Download.AllowLoopback = false
	bc, err := billing.NewClient(srv.Credential(billingtest.PrincipalMOSPAccountAdmin), co)
	require.NoError(t, err)

	_, err = invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo).Download(context.Background(), invoice.Invoice{Name: "E000000001"}, invoice.KindInvoice, io.Discard)

	var de *billing.DownloadError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, billing.DownloadKindBadURL, de.Kind)
	assert.Contains(t, err.Error(), "AllowLoopback")
	assert.Empty(t, srv.BlobRequests())
}

// assertNoSecret checks every rendering of v, and of every error in its chain, for the bearer
// token, "sig=" and the given signature values.
func assertNoSecret(t *testing.T, v any, sigs ...string) {
	t.Helper()
	var texts []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		texts = append(texts, fmt.Sprintf(f, v))
	}
	if err, ok := v.(error); ok {
		for e := err; e != nil; e = errors.Unwrap(e) {
			texts = append(texts, e.Error(), fmt.Sprintf("%#v", e))
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				texts = append(texts, e.Error(), fmt.Sprintf("%#v", e))
			}
		}
	}
	for _, text := range texts {
		assert.NotContains(t, text, "sig=")
		assert.NotContains(t, text, secretToken)
		for _, s := range sigs {
			if s == "" {
				continue
			}
			assert.NotContains(t, text, s)
			assert.NotContains(t, text, url.QueryEscape(s))
		}
	}
}

// sasValues returns the sig values, and the whole query strings, the emulator's blob host got.
func sasValues(srv *billingtest.Server) []string {
	var out []string
	for _, r := range srv.BlobRequests() {
		out = append(out, r.Query.Get("sig"), r.Query.Encode())
	}
	return out
}

// Errors of every kind of failed download, and every value a download returns, render without
// the SAS query with %v, %+v, %#v, %s and %q.
func TestSecuritySASNeverInErrorsOrValues(t *testing.T) {
	faults := map[string]func(e *env){
		"expired":       func(e *env) { e.srv.InjectFault(billingtest.ExpireSAS().Always()) },
		"server errors": func(e *env) { e.srv.InjectFault(billingtest.ServerError(503).OnBlob().Always()) },
		"resets":        func(e *env) { e.srv.InjectFault(billingtest.ResetAfterBytes(10).Always()) },
		"short body":    func(e *env) { e.srv.InjectFault(billingtest.WrongContentLength(100).Always()) },
		"html":          func(e *env) { e.srv.InjectFault(billingtest.HTMLBody().OnBlob().Always()) },
		"corrupt":       func(e *env) { e.tamper.Add(billingtest.CorruptByte(200).Always()) },
		"none":          func(e *env) {},
	}
	for name, inject := range faults {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t, billingtest.PrincipalMCAProfileOwner)
			inject(e)
			c := profileClient(e.bc)
			var progress []invoice.Progress
			sum, err := c.DownloadAll(context.Background(), c.List(context.Background(), &invoice.ListOptions{Period: billing.LastMonthsAt(e.srv.Now(), 2)}), t.TempDir(),
				&invoice.BulkOptions{Progress: func(p invoice.Progress) { progress = append(progress, p) }})
			if name == "none" {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
			_, zerr := c.DownloadZip(context.Background(), []invoice.DocumentRef{{Invoice: "G000000001"}}, filepath.Join(t.TempDir(), "a.zip"), nil)
			s, _ := billing.ParseScope(mcaProfileID)
			_, _, uerr := sumRecords(usage.NewClient(e.bc).Records(context.Background(), s, nil))

			sigs := sasValues(e.srv)
			require.NotEmpty(t, sigs)
			for _, v := range []any{err, zerr, uerr, sum, progress} {
				if v != nil {
					assertNoSecret(t, v, sigs...)
				}
			}
		})
	}
}

// A usage report handle holds the report's blob links: it must not print them.
func TestSecurityUsageReportDoesNotPrintItsLinks(t *testing.T) {
	e := newTestEnv(t, billingtest.PrincipalEAEnterpriseAdmin)
	s, _ := billing.ParseScope(eaAccountID)
	rep, err := usage.NewClient(e.bc).Report(context.Background(), s, nil)
	require.NoError(t, err)
	_, err = rep.WriteCSV(context.Background(), io.Discard)
	require.NoError(t, err)
	sigs := sasValues(e.srv)
	require.NotEmpty(t, sigs)
	assertNoSecret(t, rep.Manifest, sigs...)
	assertNoSecret(t, rep.String(), sigs...)
	assertNoSecret(t, rep, sigs...)
	assertNoSecret(t, *rep, sigs...)
}

func leaks(text string, sigs []string) bool {
	if strings.Contains(text, "sig=") {
		return true
	}
	for _, s := range sigs {
		if s != "" && strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// azcore's log (every event, bodies included) holds neither the bearer token nor a SAS
// signature, through downloads, retries and failures. log.SetListener is process-global: this
// test must not run in parallel with others.
func TestSecurityLogsHoldNoTokenOrSignature(t *testing.T) {
	for _, withBody := range []bool{false, true} {
		var mu sync.Mutex
		var lines []string
		azlog.SetListener(func(ev azlog.Event, msg string) {
			mu.Lock()
			lines = append(lines, string(ev)+": "+msg)
			mu.Unlock()
		})
		t.Cleanup(func() { azlog.SetListener(nil) })

		srv := billingtest.NewServer(t, billingtest.WithUsageBlobSize(8<<10), billingtest.WithFaults(
			billingtest.Throttle(0, billingtest.HeaderCostManagementQPURetryAfter).Path("/generateCostDetailsReport"),
			billingtest.Throttle(0).Path("/download"),
			billingtest.ResetAfterBytes(100).OnBlob(),
			billingtest.ExpireSAS().Nth(3),
		))
		co := srv.ClientOptions()
		co.Retry.RetryDelay = time.Millisecond
		co.Logging.IncludeBody = withBody
		co.Logging.AllowedQueryParams = []string{"sig", "se", "sv"} // even when asked to, nothing carries a SAS
		var tokens []string
		for _, p := range []billingtest.Principal{billingtest.PrincipalMCAProfileOwner, billingtest.PrincipalEAEnterpriseAdmin} {
			tokens = append(tokens, string(p))
			bc, err := billing.NewClient(srv.Credential(p), co)
			require.NoError(t, err)
			if p == billingtest.PrincipalMCAProfileOwner {
				c := profileClient(bc)
				_, err = c.DownloadAll(context.Background(), c.List(context.Background(), &invoice.ListOptions{Period: billing.LastMonthsAt(srv.Now(), 3)}), t.TempDir(), nil)
				require.NoError(t, err)
			} else {
				s, _ := billing.ParseScope(eaAccountID)
				_, _, err := sumRecords(usage.NewClient(bc).Records(context.Background(), s, nil))
				require.NoError(t, err)
			}
		}
		azlog.SetListener(nil)

		mu.Lock()
		all := strings.Join(lines, "\n")
		mu.Unlock()
		require.NotEmpty(t, lines)
		assert.Contains(t, all, "Authorization: REDACTED", "requests were logged")
		assert.NotContains(t, all, "sig=")
		for _, s := range sasValues(srv) {
			assert.NotContains(t, all, s)
		}
		for _, tok := range tokens {
			assert.NotContains(t, all, "Bearer "+tok)
		}
	}
}

// Invoice and document names come from the service; file names are built from them only
// through SafeFileName, and names that could change a URL path are never requested.
func TestSecurityFileNamesFromTheServiceAreSanitized(t *testing.T) {
	hostile := []string{"../../../etc/passwd", `..\..\windows\system32`, "/abs/path", "C:\\x", "CON", "nul.pdf", "COM1", "LPT9.txt",
		"a\x00b", "tab\tname", "new\nline", "\x7fdel", "dots...", ".hidden", "-flag", "trailing.", "名前", strings.Repeat("x", 300), "", ".", ".."}
	for _, name := range hostile {
		for _, kind := range []invoice.DocumentKind{invoice.KindInvoice, invoice.DocumentKind(name)} {
			fn := invoice.FileName(invoice.Invoice{Name: name}, invoice.Document{Kind: kind, Name: name})
			assertSafeName(t, fn, name)
		}
		assertSafeName(t, invoice.SafeFileName(name), name)
	}

	// End to end: the service lists hostile names; DownloadAll writes nothing outside its folder.
	var pdf = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	blobHost := newHost(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(pdf) })
	type doc struct{ Kind, Name string }
	type inv struct {
		Name       string `json:"name"`
		Properties struct {
			Documents []doc `json:"documents"`
		} `json:"properties"`
	}
	var list struct{ Value []inv }
	for _, name := range hostile {
		var i inv
		i.Name = name
		i.Properties.Documents = []doc{{Kind: name, Name: "1000"}, {Kind: "Invoice", Name: name}}
		list.Value = append(list.Value, i)
	}
	var ok inv
	ok.Name = "G000000001"
	ok.Properties.Documents = []doc{{Kind: "../../Invoice", Name: "1001"}, {Kind: "CON", Name: "1002"}, {Kind: "a/b\\c\x00", Name: "1003"}}
	list.Value = append(list.Value, ok)
	listing, err := json.Marshal(list)
	require.NoError(t, err)
	arm := newHost(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			writeJSON(w, 200, strings.ReplaceAll(string(listing), `"Value"`, `"value"`))
			return
		}
		downloadAnswer(blobHost.URL+"/d.pdf?sig=x")(w, r)
	})
	root := t.TempDir()
	dir := filepath.Join(root, "invoices")
	c := profileClient(fakeARM(t, arm))

	sum, err := c.DownloadAll(context.Background(), c.List(context.Background(), nil), dir, nil)

	// Names that cannot be requested safely are reported as failures (never silently skipped);
	// every other document is downloaded.
	var berr *invoice.BulkError
	require.ErrorAs(t, err, &berr)
	require.NotEmpty(t, sum.Downloaded)
	require.NotEmpty(t, sum.Failed)
	for _, f := range sum.Failed {
		assert.ErrorIs(t, f.Err, billing.ErrInvalidInput, "%s", f.Err)
	}
	rootEntries, _ := os.ReadDir(root)
	require.Len(t, rootEntries, 1, "nothing written next to the folder")
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		assertSafeName(t, strings.TrimPrefix(en.Name(), "."), en.Name())
	}
	for _, f := range sum.Downloaded {
		assert.Equal(t, dir, filepath.Dir(f.Path))
	}
}

func assertSafeName(t *testing.T, fn, from string) {
	t.Helper()
	assert.NotEmpty(t, fn, "from %q", from)
	assert.LessOrEqual(t, len(fn), 200, "from %q", from)
	assert.True(t, filepath.IsLocal(fn), "%q from %q", fn, from)
	assert.NotContains(t, fn, "..", "from %q", from)
	assert.False(t, strings.ContainsAny(fn, `/\:*?"<>|`), "%q from %q", fn, from)
	for _, r := range fn {
		assert.False(t, r < 0x20 || r == 0x7f || r > 0x7e, "%q from %q has a control or non-ASCII character", fn, from)
	}
	assert.False(t, strings.HasSuffix(fn, ".") || strings.HasSuffix(fn, " "), "%q from %q", fn, from)
	stem, _, _ := strings.Cut(strings.ToUpper(fn), ".")
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "LPT9", "CONIN$", "CONOUT$":
		t.Errorf("%q from %q is a reserved device name", fn, from)
	}
}

// Response bodies are read with limits: a JSON answer over the limit is a *ProtocolError, an
// endless error page from a blob host is not read to its end.
func TestSecurityResponseBodiesAreBounded(t *testing.T) {
	t.Run("ARM JSON", func(t *testing.T) {
		arm := newHost(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"value":[],"padding":"`)
			chunk := strings.Repeat("a", 1<<20)
			for range 40 { // 40 MiB, over the 32 MiB limit
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
			_, _ = io.WriteString(w, `"}`)
		})
		err := firstErr(profileClient(fakeARM(t, arm)).List(context.Background(), nil))
		var pe *billing.ProtocolError
		require.ErrorAs(t, err, &pe)
		assert.Contains(t, err.Error(), "exceeds")
	})
	t.Run("blob error page", func(t *testing.T) {
		var written atomic.Int64
		blobHost := newHost(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			chunk := []byte(strings.Repeat("<p>error</p>", 1<<16))
			for {
				n, err := w.Write(chunk)
				written.Add(int64(n))
				if err != nil || written.Load() > 1<<30 {
					return
				}
			}
		})
		arm := newHost(t, downloadAnswer(blobHost.URL+"/d.pdf?sig=x"))
		bc := fakeARM(t, arm, func(o *billing.ClientOptions) { o.Download.MaxRetries = -1 })
		start := time.Now()

		_, err := profileClient(bc).Download(context.Background(), invoice.Invoice{Name: "G000000001"}, invoice.KindInvoice, io.Discard)

		var de *billing.DownloadError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, 500, de.StatusCode)
		assert.Less(t, len(err.Error()), 1000, "the error quotes a bounded snippet")
		assert.Less(t, time.Since(start), 10*time.Second)
		blobHost.CloseClientConnections()
		assert.Less(t, written.Load(), int64(64<<20), "the body was not read to its end")
	})
	t.Run("invoice document", func(t *testing.T) {
		e := newTestEnv(t, billingtest.PrincipalMCAProfileOwner)
		_, err := profileClient(e.bc).DownloadZip(context.Background(), []invoice.DocumentRef{{Invoice: "G000000001"}},
			filepath.Join(t.TempDir(), "a.zip"), &invoice.ZipOptions{MaxSize: 200})
		var de *billing.DownloadError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, billing.DownloadKindTooLarge, de.Kind)
	})
}
