package billingtest

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Request is a request the emulator received, for assertions in tests.
type Request struct {
	Target Target // ARM or Blob
	// Method is the HTTP method, GET, PUT, POST, ...
	Method string
	Path   string // decoded URL path
	// Query is the decoded query string, api-version included.
	Query url.Values
	// Header is the request's headers; an Authorization value is replaced by "[redacted]".
	Header    http.Header
	Principal Principal // from the bearer token ("" without one)
	Status    int       // status sent (0 if the connection was cut before any)
	Faulted   bool      // a fault acted on the request
	Time      time.Time // world clock
}

// maxRecorded bounds the request log so long-running programs do not grow without limit.
const maxRecorded = 10000

// record logs a request as it arrives; the returned entry gets its status when it is sent
// (setStatus), so the log is complete by the time the client sees the response.
func (s *Server) record(t Target, r *http.Request, faulted bool) *Request {
	h := r.Header.Clone()
	var p Principal
	if auth := h.Get("Authorization"); auth != "" {
		if scheme, tok, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") {
			p = Principal(strings.TrimSpace(tok))
		}
		h.Set("Authorization", "[redacted]")
	}
	req := &Request{Target: t, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: h,
		Principal: p, Faulted: faulted, Time: s.Now()}
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if t == Blob && r.Header.Get("Authorization") != "" {
		s.sawBlobAuth = true
	}
	if len(s.requests) >= maxRecorded {
		s.requests = append(s.requests[:0], s.requests[len(s.requests)-maxRecorded/2:]...)
	}
	s.requests = append(s.requests, req)
	return req
}

func (s *Server) setStatus(req *Request, status int) {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if req.Status == 0 {
		req.Status = status
	}
}

// Requests returns the requests received so far, oldest first (at most the last 10000).
func (s *Server) Requests() []Request {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// BlobRequests returns the requests the blob listener received.
func (s *Server) BlobRequests() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Target == Blob {
			out = append(out, r)
		}
	}
	return out
}

// SawAuthorizationOnBlob reports whether any request to the blob listener carried an
// Authorization header: a client must never send its ARM token to a SAS URL's host.
func (s *Server) SawAuthorizationOnBlob() bool {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	return s.sawBlobAuth
}

// ResetRequests forgets the recorded requests (and the blob Authorization flag).
func (s *Server) ResetRequests() {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	s.requests = nil
	s.sawBlobAuth = false
}
