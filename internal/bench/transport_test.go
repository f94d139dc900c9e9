package bench

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// countingTransport is an azcore transport (and http.RoundTripper) that counts the response
// body bytes its clients read, so both sides report MB/s of the same wire payload.
type countingTransport struct {
	inner *http.Client
	n     atomic.Int64
}

var (
	_ policy.Transporter = (*countingTransport)(nil)
	_ http.RoundTripper  = (*countingTransport)(nil)
)

func (t *countingTransport) Do(r *http.Request) (*http.Response, error) { return t.RoundTrip(r) }

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.inner.Transport.RoundTrip(r)
	if err == nil && resp.Body != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &t.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// replayTransport serves Consumption usage details pages recorded from the emulator, from
// memory: both sides then decode the very same bytes with no server or network work in the
// way. The first page is keyed by "" and the others by their $skiptoken; the first request's
// $filter, $expand and metric must equal the recorded ones, so both sides ask for the same data.
// Other requests go to inner.
type replayTransport struct {
	inner *http.Client

	mu        sync.Mutex
	recording bool
	pages     map[string][]byte
	firstQ    string
	n         atomic.Int64
}

func isUsageDetails(r *http.Request) bool {
	return strings.HasSuffix(strings.ToLower(r.URL.Path), "/providers/microsoft.consumption/usagedetails")
}

// selection is the part of a usage details query that decides the data.
func selection(r *http.Request) string {
	q := r.URL.Query()
	return fmt.Sprintf("filter=%q expand=%q metric=%q", q.Get("$filter"), q.Get("$expand"), strings.ToLower(q.Get("metric")))
}

func (t *replayTransport) Do(r *http.Request) (*http.Response, error) {
	if !isUsageDetails(r) {
		return t.inner.Transport.RoundTrip(r)
	}
	key := r.URL.Query().Get("$skiptoken")
	t.mu.Lock()
	recording := t.recording
	t.mu.Unlock()
	if recording {
		resp, err := t.inner.Transport.RoundTrip(r)
		if err != nil || resp.StatusCode != http.StatusOK {
			return resp, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		t.mu.Lock()
		if t.pages == nil {
			t.pages = map[string][]byte{}
		}
		t.pages[key] = body
		if key == "" {
			t.firstQ = selection(r)
		}
		t.mu.Unlock()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	t.mu.Lock()
	body, ok := t.pages[key]
	firstQ := t.firstQ
	t.mu.Unlock()
	status := http.StatusOK
	switch {
	case !ok:
		status, body = http.StatusNotFound, []byte(`{"error":{"code":"NotRecorded","message":"page not recorded"}}`)
	case key == "" && selection(r) != firstQ:
		status, body = http.StatusBadRequest, []byte(`{"error":{"code":"OtherSelection","message":"`+
			strings.ReplaceAll(selection(r), `"`, `'`)+` differs from the recorded `+strings.ReplaceAll(firstQ, `"`, `'`)+`"}}`)
	}
	t.n.Add(int64(len(body)))
	return &http.Response{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Ms-Request-Id": {"replay"}},
		Body:   io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r,
	}, nil
}

func (t *replayTransport) setRecording(on bool) {
	t.mu.Lock()
	t.recording = on
	t.mu.Unlock()
}

// stripMD5 removes the blob MD5 headers from responses, so azbilling's blob reader has nothing to
// verify: it measures what MD5 verification costs (a diagnostic side, not a recommendation).
type stripMD5 struct{ inner http.RoundTripper }

func (t stripMD5) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(r)
	if err == nil {
		resp.Header.Del("x-ms-blob-content-md5")
		resp.Header.Del("Content-MD5")
	}
	return resp, err
}
