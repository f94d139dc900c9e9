package billingtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Target selects the listener a Fault applies to, and tells recorded requests apart.
type Target int

const (
	// AnyTarget matches requests to either listener.
	AnyTarget Target = iota
	// ARM is the management (ARM) listener.
	ARM
	// Blob is the blob (SAS download) listener.
	Blob
	// Storage is a storage account reached through a StorageFront (exports' output).
	Storage
)

// String returns "any", "arm", "blob" or "storage".
func (t Target) String() string {
	switch t {
	case ARM:
		return "arm"
	case Blob:
		return "blob"
	case Storage:
		return "storage"
	}
	return "any"
}

const targetARM, targetBlob = ARM, Blob

// Throttle header names a Fault can send (values are seconds).
const (
	HeaderRetryAfter                     = "Retry-After"
	HeaderCostManagementQPURetryAfter    = "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"
	HeaderCostManagementEntityRetryAfter = "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after"
	HeaderCostManagementTenantRetryAfter = "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after"
	HeaderConsumptionRetryAfter          = "x-ms-ratelimit-microsoft.consumption-retry-after"
)

type faultKind int

const (
	faultStatus faultKind = iota + 1
	faultReset
	faultTruncate
	faultWrongLength
	faultDelay
	faultHTML
	faultExpireSAS
)

// Fault is a deterministic misbehaviour of the emulator: what to do (made by one of the
// constructors: Throttle, ServerError, ResetAfterBytes, TruncateBody, WrongContentLength,
// SlowFirstByte, HTMLBody, ExpireSAS) and which requests to do it to (refined with the methods
// OnARM, OnBlob, Method, Path, PathRegexp, Nth, Times, Always).
//
// Every installed fault counts the requests that match it (target, method, path). By default a
// fault acts on the first match only; Nth(n) makes it act on the n-th match only, Times(k) on the
// first k matches, Always on every match. When several faults act on one request, the first
// installed wins. Examples:
//
//	billingtest.Throttle(0, billingtest.HeaderConsumptionRetryAfter).Path("/usageDetails").Times(2)
//	billingtest.ResetAfterBytes(4096)                    // first blob download dies after 4 KiB
//	billingtest.ServerError(503).Method("GET").Nth(3)    // the third ARM GET fails
//
// Fault values are immutable; the methods return changed copies.
type Fault struct {
	kind    faultKind
	target  Target
	method  string
	path    string
	pathRE  *regexp.Regexp
	nth     int
	times   int // 0 = once; < 0 = always
	status  int
	header  http.Header
	n       int64
	delay   time.Duration
	explain string
}

// Throttle answers 429 with each named header set to retryAfterSeconds (HeaderRetryAfter when
// none is named) and an ARM error body with code TooManyRequests. Default target: ARM.
func Throttle(retryAfterSeconds int, headers ...string) Fault {
	if len(headers) == 0 {
		headers = []string{HeaderRetryAfter}
	}
	h := http.Header{}
	for _, name := range headers {
		h.Set(name, strconv.Itoa(retryAfterSeconds))
	}
	return Fault{kind: faultStatus, target: ARM, status: http.StatusTooManyRequests, header: h,
		explain: fmt.Sprintf("429 with %s: %d", strings.Join(headers, ", "), retryAfterSeconds)}
}

// ServerError answers the status (500, 502, 503, ...) with an error body (ARM JSON, or blob
// XML on the blob listener). Default target: ARM.
func ServerError(status int) Fault {
	return Fault{kind: faultStatus, target: ARM, status: status, explain: fmt.Sprintf("status %d", status)}
}

// WithHeader returns f with a response header added (for Throttle and ServerError, e.g. a
// Retry-After on a 503).
func (f Fault) WithHeader(name, value string) Fault {
	h := f.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(name, value)
	f.header = h
	return f
}

// ResetAfterBytes lets the real response start, then resets the TCP connection after n body
// bytes. Default target: Blob.
func ResetAfterBytes(n int64) Fault {
	return Fault{kind: faultReset, target: Blob, n: n, explain: fmt.Sprintf("reset after %d bytes", n)}
}

// TruncateBody sends the real headers (with the full Content-Length) but only the first n body
// bytes, then closes the connection cleanly: the client sees an unexpected EOF. Default target: Blob.
func TruncateBody(n int64) Fault {
	return Fault{kind: faultTruncate, target: Blob, n: n, explain: fmt.Sprintf("truncate body at %d bytes", n)}
}

// WrongContentLength declares Content-Length: declared instead of the real length and sends that
// many body bytes (fewer than the real body: the client silently gets a short body; more: the
// connection closes early). Default target: Blob.
func WrongContentLength(declared int64) Fault {
	return Fault{kind: faultWrongLength, target: Blob, n: declared, explain: fmt.Sprintf("Content-Length %d", declared)}
}

// SlowFirstByte waits d before handling the request normally (the wait ends early if the client
// gives up). Default target: any.
func SlowFirstByte(d time.Duration) Fault {
	return Fault{kind: faultDelay, target: AnyTarget, delay: d, explain: "delay " + d.String()}
}

// HTMLBody answers 200 with an HTML page (Content-Type text/html) instead of the real answer, as
// a captive portal or a misrouted gateway would. Default target: ARM.
func HTMLBody() Fault {
	return Fault{kind: faultHTML, target: ARM, explain: "HTML body"}
}

// ExpireSAS makes the blob listener treat the request's SAS as expired (403 AuthenticationFailed).
// Target: Blob.
func ExpireSAS() Fault {
	return Fault{kind: faultExpireSAS, target: Blob, explain: "expired SAS"}
}

// OnARM restricts f to the ARM listener.
func (f Fault) OnARM() Fault { f.target = ARM; return f }

// OnBlob restricts f to the blob listener.
func (f Fault) OnBlob() Fault { f.target = Blob; return f }

// OnStorage restricts f to the storage accounts behind StorageFront proxies.
func (f Fault) OnStorage() Fault { f.target = Storage; return f }

// OnAny lets f match requests to either listener.
func (f Fault) OnAny() Fault { f.target = AnyTarget; return f }

// Method restricts f to an HTTP method (case-insensitive).
func (f Fault) Method(m string) Fault { f.method = m; return f }

// Path restricts f to requests whose decoded URL path contains substr (case-insensitive).
func (f Fault) Path(substr string) Fault { f.path = substr; return f }

// PathRegexp restricts f to requests whose decoded URL path matches re.
func (f Fault) PathRegexp(re *regexp.Regexp) Fault { f.pathRE = re; return f }

// Nth makes f act on the n-th matching request only (1-based).
func (f Fault) Nth(n int) Fault { f.nth, f.times = n, 0; return f }

// Times makes f act on the first k matching requests.
func (f Fault) Times(k int) Fault {
	f.nth, f.times = 0, k
	if k <= 0 {
		f.times = 1
	}
	return f
}

// Always makes f act on every matching request.
func (f Fault) Always() Fault { f.nth, f.times = 0, -1; return f }

// String describes the fault.
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString(f.explain)
	b.WriteString(" on " + f.target.String())
	if f.method != "" {
		b.WriteString(" " + strings.ToUpper(f.method))
	}
	if f.path != "" {
		b.WriteString(" path~" + f.path)
	}
	if f.pathRE != nil {
		b.WriteString(" path=~" + f.pathRE.String())
	}
	switch {
	case f.nth > 0:
		fmt.Fprintf(&b, " (match #%d)", f.nth)
	case f.times < 0:
		b.WriteString(" (always)")
	default:
		fmt.Fprintf(&b, " (first %d)", max(f.times, 1))
	}
	return b.String()
}

func (f Fault) matches(t Target, r *http.Request) bool {
	if f.target != AnyTarget && f.target != t {
		return false
	}
	if f.method != "" && !strings.EqualFold(f.method, r.Method) {
		return false
	}
	if f.path != "" && !strings.Contains(strings.ToLower(r.URL.Path), strings.ToLower(f.path)) {
		return false
	}
	if f.pathRE != nil && !f.pathRE.MatchString(r.URL.Path) {
		return false
	}
	return true
}

type faultState struct {
	Fault
	matched, fired int
}

func (fs *faultState) fires() bool {
	switch {
	case fs.nth > 0:
		return fs.matched == fs.nth
	case fs.times < 0:
		return true
	default:
		return fs.matched <= max(fs.times, 1)
	}
}

// InjectFault installs faults while the server runs (after those already installed).
func (s *Server) InjectFault(f ...Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for _, x := range f {
		s.faults = append(s.faults, &faultState{Fault: x})
	}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = nil
}

// FaultsFired is how many requests a fault has acted on so far.
func (s *Server) FaultsFired() int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.fired
	}
	return n
}

// pickFault counts the request against every matching fault and returns the first that acts.
func (s *Server) pickFault(t Target, r *http.Request) *Fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	var chosen *Fault
	for _, fs := range s.faults {
		if !fs.matches(t, r) {
			continue
		}
		fs.matched++
		if chosen == nil && fs.fires() {
			fs.fired++
			f := fs.Fault
			chosen = &f
		}
	}
	return chosen
}

type ctxKey int

const expireSASKey ctxKey = 1

// serveWithFaults records the request, applies a fault if one acts on it, and otherwise (or
// around the fault) runs next.
func (s *Server) serveWithFaults(t Target, w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	f := s.pickFault(t, r)
	rec := s.record(t, r, f != nil)
	sw := &statusWriter{ResponseWriter: w, onStatus: func(code int) { s.setStatus(rec, code) }}
	if f == nil {
		next(sw, r)
		return
	}
	switch f.kind {
	case faultStatus:
		writeFaultStatus(t, sw, r, f, s.newRequestID())
	case faultHTML:
		body := "<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head><body><h1>The service is temporarily unavailable</h1><p>Please try again later.</p></body></html>\n"
		sw.Header().Set("Content-Type", "text/html; charset=utf-8")
		sw.Header().Set("Content-Length", strconv.Itoa(len(body)))
		sw.WriteHeader(http.StatusOK)
		_, _ = sw.Write([]byte(body))
	case faultDelay:
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
		next(sw, r)
	case faultExpireSAS:
		next(sw, r.WithContext(context.WithValue(r.Context(), expireSASKey, true)))
	case faultReset, faultTruncate, faultWrongLength:
		if r.Method == http.MethodHead {
			next(sw, r)
			return
		}
		cw := &cutWriter{ResponseWriter: sw, limit: f.n, rewriteLength: f.kind == faultWrongLength}
		next(cw, r)
		full := cw.declared < 0 || cw.written >= cw.declared
		if f.kind == faultWrongLength && full {
			return // the declared length was sent: a well-formed (short) response
		}
		if cw.cut || f.kind == faultWrongLength {
			abortConnection(sw.ResponseWriter, f.kind == faultReset)
		}
	}
}

func writeFaultStatus(t Target, w http.ResponseWriter, r *http.Request, f *Fault, reqID string) {
	for k, v := range f.header {
		w.Header()[k] = v
	}
	if t == Blob || t == Storage {
		code := "InternalError"
		switch f.status {
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			code = "ServerBusy"
		}
		writeBlobError(w, r, f.status, code, "The server encountered an injected fault.", "", reqID, time.Now())
		return
	}
	code := http.StatusText(f.status)
	switch f.status {
	case http.StatusTooManyRequests:
		code = "TooManyRequests"
	case http.StatusInternalServerError:
		code = "InternalServerError"
	case http.StatusBadGateway:
		code = "BadGateway"
	case http.StatusServiceUnavailable:
		code = "ServiceUnavailable"
	case http.StatusGatewayTimeout:
		code = "GatewayTimeout"
	}
	code = strings.ReplaceAll(code, " ", "")
	w.Header().Set("x-ms-request-id", reqID)
	w.Header().Set("x-ms-correlation-request-id", firstNonEmpty(r.Header.Get("x-ms-correlation-request-id"), reqID))
	writeResponse(w, r, errResp(f.status, code, "The request failed because of an injected fault ("+f.explain+")."))
}

// abortConnection hijacks the connection after flushing what was written and closes it; with
// reset it makes the kernel send RST instead of FIN.
func abortConnection(w http.ResponseWriter, reset bool) {
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	conn, _, err := rc.Hijack()
	if err != nil {
		return
	}
	raw := conn
	if tc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		raw = tc.NetConn()
	}
	if reset {
		if tcp, ok := raw.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
		_ = raw.Close()
		return
	}
	_ = conn.Close()
}

// statusWriter remembers the status sent, for the request log.
type statusWriter struct {
	http.ResponseWriter
	onStatus func(int)
	status   int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.onStatus(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var errCut = errors.New("billingtest: response cut by a fault")

// cutWriter passes a response through until limit body bytes, then refuses more. With
// rewriteLength it also declares Content-Length: limit.
type cutWriter struct {
	http.ResponseWriter
	limit         int64
	rewriteLength bool
	wroteHeader   bool
	declared      int64 // Content-Length as sent, -1 if none
	written       int64
	cut           bool
}

func (w *cutWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	w.declared = -1
	if w.rewriteLength {
		w.Header().Set("Content-Length", strconv.FormatInt(w.limit, 10))
	}
	if cl, err := strconv.ParseInt(w.Header().Get("Content-Length"), 10, 64); err == nil {
		w.declared = cl
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *cutWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	room := w.limit - w.written
	if w.declared >= 0 && w.declared-w.written < room {
		room = w.declared - w.written
	}
	if room <= 0 {
		w.cut = true
		return 0, errCut
	}
	q := p
	if int64(len(q)) > room {
		q = q[:room]
	}
	n, err := w.ResponseWriter.Write(q)
	w.written += int64(n)
	if err != nil {
		return n, err
	}
	if n < len(p) {
		w.cut = true
		return n, errCut
	}
	return n, nil
}

// Unwrap lets http.ResponseController reach the connection.
func (w *cutWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
