package billingtest

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Tamper is an http.RoundTripper that damages the blob listener's answers on their way to the
// client, in ways the server-side faults (see Fault) cannot: it flips a byte while keeping the
// length and every header, as a faulty disk, proxy or storage node would, or it drops the MD5
// headers, as a blob host that never stored one does. Only the integrity checks of a client can
// catch these. Requests to other hosts pass through untouched.
//
// Use it as the transport of the download client:
//
//	tp := srv.NewTamper(srv.HTTPClient().Transport)
//	tp.Add(billingtest.CorruptByte(100))           // the first blob body gets byte 100 flipped
//	opts := srv.ClientOptions()
//	opts.Download.HTTPClient = &http.Client{Transport: tp}
//
// Rules count the blob answers with a body (GET, status 200 or 206) and act like faults: on the
// first match by default, or as Nth, Times and Always say. Every rule that acts on an answer is
// applied. Tamper is safe for concurrent use.
type Tamper struct {
	next http.RoundTripper
	host string

	mu    sync.Mutex
	rules []*tamperState
	fired int
}

// NewTamper returns a Tamper that sends requests through next (http.DefaultTransport when nil)
// and tampers with answers from s's blob listener.
func (s *Server) NewTamper(next http.RoundTripper) *Tamper {
	if next == nil {
		next = http.DefaultTransport
	}
	u, _ := url.Parse(s.blobURL)
	return &Tamper{next: next, host: u.Host}
}

type tamperKind int

const (
	tamperCorrupt tamperKind = iota + 1
	tamperStripMD5
)

// TamperRule is one way a Tamper damages blob answers; make one with CorruptByte or StripMD5.
// Rules are immutable; the methods return changed copies.
type TamperRule struct {
	kind   tamperKind
	offset int64
	nth    int
	times  int // 0 = once; < 0 = always
}

// CorruptByte flips every bit of the body byte at offset (counted from the first byte of the
// answer's body), keeping Content-Length and the MD5 headers. A body shorter than that is left
// alone.
func CorruptByte(offset int64) TamperRule { return TamperRule{kind: tamperCorrupt, offset: offset} }

// StripMD5 removes Content-MD5 and x-ms-blob-content-md5 from the answer, so the client has
// nothing but the length to check the body against.
func StripMD5() TamperRule { return TamperRule{kind: tamperStripMD5} }

// Nth makes r act on the n-th matching answer only (1-based).
func (r TamperRule) Nth(n int) TamperRule { r.nth, r.times = n, 0; return r }

// Times makes r act on the first k matching answers.
func (r TamperRule) Times(k int) TamperRule {
	r.nth, r.times = 0, max(k, 1)
	return r
}

// Always makes r act on every matching answer.
func (r TamperRule) Always() TamperRule { r.nth, r.times = 0, -1; return r }

// String describes the rule.
func (r TamperRule) String() string {
	var b strings.Builder
	switch r.kind {
	case tamperCorrupt:
		fmt.Fprintf(&b, "corrupt byte %d of a blob body", r.offset)
	case tamperStripMD5:
		b.WriteString("strip the MD5 headers of a blob answer")
	}
	switch {
	case r.nth > 0:
		fmt.Fprintf(&b, " (match #%d)", r.nth)
	case r.times < 0:
		b.WriteString(" (always)")
	default:
		fmt.Fprintf(&b, " (first %d)", max(r.times, 1))
	}
	return b.String()
}

type tamperState struct {
	TamperRule
	matched int
}

func (st *tamperState) fires() bool {
	switch {
	case st.nth > 0:
		return st.matched == st.nth
	case st.times < 0:
		return true
	default:
		return st.matched <= max(st.times, 1)
	}
}

// Add installs rules after those already installed.
func (t *Tamper) Add(rules ...TamperRule) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range rules {
		t.rules = append(t.rules, &tamperState{TamperRule: r})
	}
}

// Clear removes every rule.
func (t *Tamper) Clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rules = nil
}

// Fired is how many answers the rules have acted on so far.
func (t *Tamper) Fired() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fired
}

// CloseIdleConnections closes the idle connections of the wrapped transport, when it has any.
func (t *Tamper) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// RoundTrip implements http.RoundTripper.
func (t *Tamper) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || req.URL.Host != t.host || req.Method != http.MethodGet ||
		(resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent) {
		return resp, err
	}
	t.mu.Lock()
	var acting []TamperRule
	for _, st := range t.rules {
		st.matched++
		if st.fires() {
			acting = append(acting, st.TamperRule)
		}
	}
	if len(acting) > 0 {
		t.fired++
	}
	t.mu.Unlock()
	for _, r := range acting {
		switch r.kind {
		case tamperStripMD5:
			resp.Header.Del("Content-MD5")
			resp.Header.Del("x-ms-blob-content-md5")
		case tamperCorrupt:
			resp.Body = &corruptBody{ReadCloser: resp.Body, at: r.offset}
		}
	}
	return resp, nil
}

// corruptBody flips the byte at offset at of the stream it wraps.
type corruptBody struct {
	io.ReadCloser
	at  int64
	off int64
}

func (c *corruptBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if c.at >= c.off && c.at < c.off+int64(n) {
		p[c.at-c.off] ^= 0xff
	}
	c.off += int64(n)
	return n, err
}
