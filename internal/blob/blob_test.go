package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testSig = "c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ%3D%3D"

// host is a fake blob host: it serves data at /b.pdf, honours Range, and lets a test decide per
// request what goes wrong (cut after n bytes, a status, a missing Range).
type host struct {
	srv  *httptest.Server
	data []byte

	mu       sync.Mutex
	requests []*http.Request
	plan     []func(w http.ResponseWriter, r *http.Request) bool // first entries run first; true = handled
	noRange  bool
	md5      string
}

func newHost(t *testing.T, data []byte) *host {
	h := &host{data: data}
	sum := md5.Sum(data)
	h.md5 = base64.StdEncoding.EncodeToString(sum[:])
	h.srv = httptest.NewTLSServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *host) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.requests = append(h.requests, r.Clone(context.Background()))
	var step func(http.ResponseWriter, *http.Request) bool
	if len(h.plan) > 0 {
		step, h.plan = h.plan[0], h.plan[1:]
	}
	noRange := h.noRange
	h.mu.Unlock()
	if step != nil && step(w, r) {
		return
	}
	w.Header().Set("x-ms-blob-content-md5", h.md5)
	from := 0
	if rg := r.Header.Get("Range"); rg != "" && !noRange {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
		if err != nil || n >= len(h.data) {
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		from = n
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(h.data)-1, len(h.data)))
		w.Header().Set("Content-Length", strconv.Itoa(len(h.data)-n))
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.Header().Set("Content-Length", strconv.Itoa(len(h.data)))
	}
	_, _ = w.Write(h.data[from:])
}

// cutAfter sends the real headers and n body bytes, then drops the connection.
func (h *host) cutAfter(n int) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Length", strconv.Itoa(len(h.data)))
		w.Header().Set("x-ms-blob-content-md5", h.md5)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(h.data[:n])
		rc := http.NewResponseController(w)
		_ = rc.Flush()
		if conn, _, err := rc.Hijack(); err == nil {
			_ = conn.Close()
		}
		return true
	}
}

func status(code int, body string) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
		return true
	}
}

func (h *host) then(steps ...func(http.ResponseWriter, *http.Request) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.plan = append(h.plan, steps...)
}

func (h *host) reqs() []*http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*http.Request(nil), h.requests...)
}

func (h *host) url() string { return h.srv.URL + "/c/b.pdf?sv=2021-08-06&sr=b&sp=r&sig=" + testSig }

func newTestClient(t *testing.T, h *host, now func() time.Time) *Client {
	c, err := New(Options{HTTPClient: h.srv.Client(), AllowLoopback: true, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond, Now: now})
	require.NoError(t, err)
	return c
}

// links returns a LinkFunc handing out the host's URL with the given expiries in turn (the last
// one repeats), and a counter of calls.
func links(h *host, expiries ...time.Time) (LinkFunc, *atomic.Int32) {
	var n atomic.Int32
	return func(context.Context) (Link, error) {
		i := int(n.Add(1)) - 1
		var exp time.Time
		if len(expiries) > 0 {
			exp = expiries[min(i, len(expiries)-1)]
		}
		return Link{URL: h.url(), Expiry: exp}, nil
	}, &n
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestDownloadResumesWithRangeAfterACutConnection(t *testing.T) {
	h := newHost(t, payload(100_000))
	h.then(h.cutAfter(30_000))
	c := newTestClient(t, h, nil)
	get, calls := links(h)
	var buf bytes.Buffer

	st, err := c.Download(context.Background(), get, &buf, nil)

	require.NoError(t, err)
	assert.Equal(t, h.data, buf.Bytes())
	assert.Equal(t, 1, st.Resumes)
	assert.Equal(t, int64(len(h.data)), st.Bytes)
	assert.NotNil(t, st.MD5)
	assert.Equal(t, int32(1), calls.Load())
	rs := h.reqs()
	require.Len(t, rs, 2)
	assert.Empty(t, rs[0].Header.Get("Range"))
	assert.Equal(t, "bytes=30000-", rs[1].Header.Get("Range"))
}

func TestDownloadResumesWhenTheHostIgnoresRange(t *testing.T) {
	h := newHost(t, payload(50_000))
	h.noRange = true
	h.then(h.cutAfter(10_000))
	c := newTestClient(t, h, nil)
	get, _ := links(h)
	var buf bytes.Buffer

	_, err := c.Download(context.Background(), get, &buf, nil)

	require.NoError(t, err)
	assert.Equal(t, h.data, buf.Bytes())
}

func TestDownloadNeverSendsAuthorization(t *testing.T) {
	h := newHost(t, payload(1000))
	h.then(h.cutAfter(10), status(403, "expired"), status(500, "busy"))
	c := newTestClient(t, h, nil)
	get, _ := links(h)

	_, err := c.Download(context.Background(), get, io.Discard, nil)

	require.NoError(t, err)
	for _, r := range h.reqs() {
		assert.Empty(t, r.Header.Values("Authorization"))
		assert.Empty(t, r.Header.Get("Cookie"))
	}
}

func TestDownloadRetriesServerErrors(t *testing.T) {
	h := newHost(t, payload(1000))
	h.then(status(503, ""), status(500, ""), status(429, ""))
	c := newTestClient(t, h, nil)
	get, _ := links(h)
	var buf bytes.Buffer

	_, err := c.Download(context.Background(), get, &buf, nil)

	require.NoError(t, err)
	assert.Equal(t, h.data, buf.Bytes())
	assert.Len(t, h.reqs(), 4)
}

func TestDownloadRefreshesTheLinkOn403(t *testing.T) {
	h := newHost(t, payload(1000))
	h.then(status(403, `<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code></Error>`))
	c := newTestClient(t, h, nil)
	get, calls := links(h)
	var buf bytes.Buffer

	st, err := c.Download(context.Background(), get, &buf, nil)

	require.NoError(t, err)
	assert.Equal(t, h.data, buf.Bytes())
	assert.Equal(t, int32(2), calls.Load())
	assert.Equal(t, 1, st.Refreshes)
}

func TestDownloadReplacesExpiredLinksBeforeUsingThem(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	h := newHost(t, payload(1000))
	c := newTestClient(t, h, func() time.Time { return now })
	// Two links in a row that have already expired, then a good one: within MaxRefreshes (3).
	get, calls := links(h, now.Add(-time.Hour), now.Add(-time.Minute), now.Add(time.Hour))
	var buf bytes.Buffer

	st, err := c.Download(context.Background(), get, &buf, nil)

	require.NoError(t, err)
	assert.Equal(t, h.data, buf.Bytes())
	assert.Equal(t, int32(3), calls.Load())
	assert.Equal(t, 2, st.Refreshes)
	assert.Len(t, h.reqs(), 1, "expired links are never sent")
}

func TestDownloadGivesUpOnLinksThatKeepExpiring(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	h := newHost(t, payload(1000))
	c := newTestClient(t, h, func() time.Time { return now })
	get, calls := links(h, now.Add(-time.Hour))

	_, err := c.Download(context.Background(), get, io.Discard, nil)

	var be *Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, KindExpired, be.Kind)
	assert.Equal(t, int32(4), calls.Load(), "the first link and three fresh ones")
	assert.Empty(t, h.reqs())
}

func TestDownloadChecksTheMD5(t *testing.T) {
	h := newHost(t, payload(1000))
	h.md5 = base64.StdEncoding.EncodeToString(make([]byte, 16))
	c := newTestClient(t, h, nil)
	get, _ := links(h)

	_, err := c.Download(context.Background(), get, io.Discard, nil)

	var be *Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, KindIntegrity, be.Kind)
	assert.Contains(t, err.Error(), "MD5 mismatch")
}

func TestDownloadEnforcesSizes(t *testing.T) {
	h := newHost(t, payload(5000))
	c := newTestClient(t, h, nil)
	get, _ := links(h)

	_, err := c.Download(context.Background(), get, io.Discard, &ReadOptions{MaxSize: 4000})
	var be *Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, KindTooLarge, be.Kind)

	_, err = c.Download(context.Background(), get, io.Discard, &ReadOptions{ExpectedSize: 4999})
	require.ErrorAs(t, err, &be)
	assert.Equal(t, KindIntegrity, be.Kind)
}

func TestDownloadGivesUpAfterTooManyResumes(t *testing.T) {
	h := newHost(t, payload(10_000))
	for range 20 {
		h.then(h.cutAfter(100))
	}
	c := newTestClient(t, h, nil)
	get, _ := links(h)

	_, err := c.Download(context.Background(), get, io.Discard, &ReadOptions{MaxResumes: 2})

	var be *Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, KindIncomplete, be.Kind)
}

func TestURLChecks(t *testing.T) {
	c, err := New(Options{ARMHost: "management.azure.com"})
	require.NoError(t, err)
	for raw, why := range map[string]string{
		"http://acct.blob.core.windows.net/c/b.pdf?sig=x":    "https",
		"https://127.0.0.1:8443/c/b.pdf?sig=x":               "loopback",
		"https://localhost/c/b.pdf?sig=x":                    "loopback",
		"https://management.azure.com/providers/x?sig=x":     "Resource Manager",
		"https:///nohost":                                    "invalid",
		"::not a url":                                        "invalid",
		"https://[::1]:443/b?sig=" + testSig + "&se=2020-01": "loopback",
	} {
		err := c.check(raw)
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), why, raw)
		assert.NotContains(t, err.Error(), "sig=", raw)
	}
	assert.NoError(t, c.check("https://acct.blob.core.windows.net/c/b.pdf?sig=x"))
}

func TestErrorsNeverCarryTheSignature(t *testing.T) {
	h := newHost(t, payload(1000))
	h.then(status(404, "no such blob at "+h.url()), status(404, ""), status(404, ""))
	c := newTestClient(t, h, nil)
	get, _ := links(h)

	_, err := c.Download(context.Background(), get, io.Discard, nil)
	require.Error(t, err)

	// A host that cannot be reached: the transport error names the URL.
	ln, lerr := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, lerr)
	dead := "https://" + ln.Addr().String() + "/c/b.pdf?sv=1&sig=" + testSig
	ln.Close()
	c2, cerr := New(Options{AllowLoopback: true, MaxRetries: -1})
	require.NoError(t, cerr)
	_, err2 := c2.Download(context.Background(), func(context.Context) (Link, error) { return Link{URL: dead}, nil }, io.Discard, nil)
	require.Error(t, err2)

	for _, e := range []error{err, err2} {
		for x := e; x != nil; x = errors.Unwrap(x) {
			for _, text := range []string{x.Error(), fmt.Sprintf("%+v", x), fmt.Sprintf("%#v", x)} {
				assert.NotContains(t, text, testSig)
				assert.NotContains(t, text, "sig=c2V")
			}
		}
	}
	assert.Equal(t, "blob.Link{URL:\"https://h/b?REDACTED\"}", fmt.Sprintf("%#v", Link{URL: "https://h/b?sig=" + testSig}))
	assert.Equal(t, "https://h/b?REDACTED", fmt.Sprint(Link{URL: "https://h/b?sig=" + testSig}))
}

func TestContextCancelStopsTheDownload(t *testing.T) {
	h := newHost(t, payload(1000))
	c := newTestClient(t, h, nil)
	ctx, cancel := context.WithCancel(context.Background())
	get, _ := links(h)
	r, err := c.Open(ctx, get, nil)
	require.NoError(t, err)
	defer r.Close()
	cancel()

	_, err = io.ReadAll(r)

	assert.ErrorIs(t, err, context.Canceled)
}

func TestZeroLengthReadReturns(t *testing.T) {
	h := newHost(t, payload(1000))
	c := newTestClient(t, h, nil)
	get, _ := links(h)
	r, err := c.Open(context.Background(), get, nil)
	require.NoError(t, err)
	defer r.Close()

	done := make(chan struct{})
	go func() {
		_, _ = r.Read(nil)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Read with an empty buffer did not return")
	}
}

func TestRedact(t *testing.T) {
	assert.Equal(t, "https://a.blob.core.windows.net/c/b.pdf?REDACTED", Redact("https://a.blob.core.windows.net/c/b.pdf?sv=1&sig=x#frag"))
	assert.Equal(t, "https://a/b", Redact("https://a/b"))
	assert.Equal(t, "https://a/b?REDACTED", Redact("https://user:pw@a/b?sig=x"))
	assert.NotContains(t, Redact("%%%?sig=secret"), "secret")
	assert.Equal(t, `get "https://a/b?REDACTED": EOF`, RedactText(`get "https://a/b?sv=1&sig=abc": EOF`))
	assert.NotContains(t, RedactText("sig=abc&se=2020"), "abc")
}

func FuzzRedactText(f *testing.F) {
	f.Add("error at ", testSig)
	f.Add(`"`, "abcDEF123+/==")
	f.Add("https://x/?", "%2Bq%3D%3D")
	f.Fuzz(func(t *testing.T, prefix, sig string) {
		// Real signatures are base64, often percent-encoded.
		sig = strings.Map(func(r rune) rune {
			if r < 0x80 && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("+/=%", r)) {
				return r
			}
			return -1
		}, sig)
		if len(sig) < 12 || strings.Contains(prefix, sig) {
			return
		}
		for _, text := range []string{
			prefix + "https://acct.blob.core.windows.net/c/b.pdf?sv=2021-08-06&sr=b&sig=" + sig + "&se=2026 tail",
			prefix + " sig=" + sig,
			prefix + "&SIG=" + sig + "\n",
		} {
			if out := RedactText(text); strings.Contains(out, sig) {
				t.Fatalf("RedactText(%q) = %q keeps the signature", text, out)
			}
		}
		base := "https://acct.blob.core.windows.net/c/" + prefix
		if strings.Contains(Redact(base), sig) {
			return // the path itself (once escaped) spells the "signature": nothing to learn
		}
		if out := Redact(base + "?sig=" + sig); strings.Contains(out, sig) {
			t.Fatalf("Redact kept the signature: %q", out)
		}
	})
}

// EA download results are {"url": ...} without expiryTime: the expiry is only in the SAS.
func TestDownloadTakesTheExpiryFromTheSASWhenTheServiceGivesNone(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	h := newHost(t, payload(1000))
	c := newTestClient(t, h, func() time.Time { return now })
	var calls atomic.Int32
	get := func(context.Context) (Link, error) {
		se := now.Add(-time.Minute) // the first link arrives expired
		if calls.Add(1) > 1 {
			se = now.Add(time.Hour)
		}
		return Link{URL: h.url() + "&se=" + url.QueryEscape(se.Format(time.RFC3339))}, nil
	}
	var buf bytes.Buffer

	st, err := c.Download(context.Background(), get, &buf, nil)

	require.NoError(t, err)
	assert.Equal(t, h.data, buf.Bytes())
	assert.Equal(t, int32(2), calls.Load())
	assert.Equal(t, 1, st.Refreshes, "the SAS expiry is honoured like expiryTime")
	assert.Len(t, h.reqs(), 1, "the expired link is never sent")
}

func TestSASExpiry(t *testing.T) {
	for in, want := range map[string]string{
		"https://h/c/b.pdf?sv=2021-08-06&se=2026-01-01T12%3A30%3A00Z&sig=x":                         "2026-01-01T12:30:00Z",
		"https://h/c/b.pdf?se=2026-01-01T12:30:00Z":                                                 "2026-01-01T12:30:00Z",
		"https://h/c/b.pdf?se=2026-01-01&sig=x":                                                     "2026-01-01T00:00:00Z",
		"https://h/c/b.pdf?st=2026-01-01T00%3A00%3A00.0000000Z&se=2026-01-02T00%3A00%3A00.0000000Z": "2026-01-02T00:00:00Z",
	} {
		assert.Equal(t, want, SASExpiry(in).Format(time.RFC3339), in)
	}
	for _, in := range []string{"https://h/c/b.pdf", "https://h/c/b.pdf?sig=x", "https://h/c/b.pdf?se=soon", "%%%"} {
		assert.True(t, SASExpiry(in).IsZero(), in)
	}
}
