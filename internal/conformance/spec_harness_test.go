package conformance

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

// The spec-example suite serves the example responses Azure publishes with its API specifications
// (testdata/specexamples, see the README there) to our client, exactly as published: body bytes,
// status code, and header names with their case. The client talks to https://management.azure.com
// (the public cloud) and blob URLs as the examples give them; its transport dials the test server
// whatever the host, so Location headers and download URLs are followed verbatim.

// specExample is one x-ms-examples file.
type specExample struct {
	file       string
	Parameters map[string]json.RawMessage `json:"parameters"`
	Responses  map[string]struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"responses"`
}

func loadExample(t *testing.T, rel string) *specExample {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "specexamples", filepath.FromSlash(rel)))
	require.NoError(t, err)
	ex := &specExample{file: rel}
	require.NoError(t, json.Unmarshal(b, ex), rel)
	return ex
}

// param returns a string parameter of the example (path and query values of its request).
func (ex *specExample) param(t *testing.T, name string) string {
	t.Helper()
	raw, ok := ex.Parameters[name]
	require.True(t, ok, "%s has no parameter %s", ex.file, name)
	var s string
	require.NoError(t, json.Unmarshal(raw, &s), "%s parameter %s", ex.file, name)
	return s
}

// reply is one canned response.
type reply struct {
	status int
	header map[string]string // names exactly as they go on the wire
	body   []byte
}

// reply returns the example's response for a status code, verbatim.
func (ex *specExample) reply(t *testing.T, status int) reply {
	t.Helper()
	r, ok := ex.Responses[strconv.Itoa(status)]
	require.True(t, ok, "%s has no %d response", ex.file, status)
	out := reply{status: status, header: map[string]string{}}
	for k, v := range r.Headers {
		out.header[k] = v
	}
	if len(r.Body) > 0 && string(r.Body) != "null" {
		out.body = []byte(r.Body)
	}
	return out
}

// mutate returns a reply whose JSON body was changed by f (numbers keep their exact text). It is
// how the derived cases (unknown enum values, missing fields, ids without a leading slash) are
// made from a published example.
func mutate(t *testing.T, r reply, f func(v any) any) reply {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(r.body))
	d.UseNumber()
	var v any
	require.NoError(t, d.Decode(&v))
	b, err := json.Marshal(f(v))
	require.NoError(t, err)
	r.body = b
	return r
}

// walk calls f on every JSON object of v (depth first) and returns v.
func walk(v any, f func(obj map[string]any)) any {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, c := range x {
			walk(c, f)
		}
	case []any:
		for _, c := range x {
			walk(c, f)
		}
	}
	return v
}

// seen is one request the spec server received.
type seen struct {
	Method string
	Host   string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// specServer answers requests from a table of canned replies keyed by method and path.
type specServer struct {
	t      *testing.T
	ts     *httptest.Server
	mu     sync.Mutex
	routes map[string][]reply
	got    []seen
}

func newSpecServer(t *testing.T) *specServer {
	t.Helper()
	s := &specServer{t: t, routes: map[string][]reply{}}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.ts.EnableHTTP2 = false
	s.ts.StartTLS()
	t.Cleanup(s.ts.Close)
	return s
}

func routeKey(method, path string) string { return method + " " + strings.ToLower(path) }

// on sets the replies for a method and (unescaped) path, replacing earlier ones: they are
// answered in order and the last one repeats.
func (s *specServer) on(method, path string, replies ...reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[routeKey(method, path)] = replies
}

func (s *specServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.got = append(s.got, seen{Method: r.Method, Host: r.Host, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	k := routeKey(r.Method, r.URL.Path)
	q := s.routes[k]
	var rep reply
	ok := len(q) > 0
	if ok {
		rep = q[0]
		if len(q) > 1 {
			s.routes[k] = q[1:]
		}
	}
	s.mu.Unlock()
	if !ok {
		s.t.Errorf("spec server: unexpected request %s %s", r.Method, r.URL)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":{"code":"NotFound","message":"no example for this request"}}`)
		return
	}
	h := w.Header()
	for k, v := range rep.header {
		h[k] = []string{v} // as published: "location" stays lower-case on the wire
	}
	if rep.body != nil && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// requests returns what the server received.
func (s *specServer) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.got...)
}

// httpClient reaches the test server for every host name (management.azure.com,
// myaccount.blob.core.windows.net, ...), trusting only its certificate.
func (s *specServer) httpClient() *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(s.ts.Certificate())
	addr := s.ts.Listener.Addr().String()
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		// httptest's certificate is issued for example.com.
		TLSClientConfig:     &tls.Config{RootCAs: pool, ServerName: "example.com", MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   false,
		TLSHandshakeTimeout: 5 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

type fakeToken struct{}

func (fakeToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "spec-example-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// client is our billing client against the spec server: public cloud endpoint, the server's
// transport for ARM and blob requests, no retries, and a clock set to now (examples carry fixed
// dates, such as link expiry times in 2023).
func (s *specServer) client(t *testing.T, now time.Time) *billing.Client {
	t.Helper()
	opts := &billing.ClientOptions{Now: func() time.Time { return now }}
	opts.Transport = s.httpClient()
	opts.Retry = policy.RetryOptions{MaxRetries: -1}
	opts.Download = billing.DownloadOptions{HTTPClient: s.httpClient(), MaxRetries: -1}
	bc, err := billing.NewClient(fakeToken{}, opts)
	require.NoError(t, err)
	require.Equal(t, "https://management.azure.com", strings.TrimRight(bc.Endpoint(), "/"))
	return bc
}

// exampleNow is a clock reading that suits the examples' dates (link expiry 2023-02-16T17:32:28Z).
var exampleNow = time.Date(2023, time.February, 16, 9, 0, 0, 0, time.UTC)
