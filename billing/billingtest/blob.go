package billingtest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// blobContent describes a blob for putBlob: either Data, or a Generate function that writes
// exactly Size bytes, deterministically (it runs once to compute the MD5, then once per GET).
type blobContent struct {
	Name        string // path in the store, e.g. "invoices/G123456789/12345678.pdf"; "" = generated
	ContentType string // "" = application/octet-stream
	Data        []byte
	Size        int64
	Generate    func(w io.Writer) error
	TTL         time.Duration // SAS lifetime in world time; 0 = 1 hour
}

type blob struct {
	path        string // escaped, e.g. /invoices/G1/doc.pdf
	contentType string
	data        []byte
	size        int64
	gen         func(w io.Writer) error
	modified    time.Time

	md5Once sync.Once
	md5     string // base64; "" if the generator failed
}

// putBlob stores a blob and returns a SAS URL for it on the blob listener and the URL's expiry
// (world time). Storing under an existing name replaces the blob. Call without s.mu held.
func (s *Server) putBlob(c blobContent) (sasURL string, expiry time.Time) {
	s.mu.Lock()
	name := c.Name
	if name == "" {
		name = "blobs/" + s.nextID()
	}
	s.mu.Unlock()
	segs := strings.Split(strings.Trim(name, "/"), "/")
	for i, sg := range segs {
		segs[i] = url.PathEscape(sg)
	}
	path := "/" + strings.Join(segs, "/")
	b := &blob{path: path, contentType: c.ContentType, data: c.Data, size: int64(len(c.Data)), gen: c.Generate, modified: s.Now()}
	if b.contentType == "" {
		b.contentType = "application/octet-stream"
	}
	if c.Generate != nil {
		b.size = c.Size
		b.data = nil
	}
	s.mu.Lock()
	s.blobs[path] = b
	s.mu.Unlock()
	ttl := c.TTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	expiry = s.Now().Add(ttl).Truncate(time.Second)
	return s.blobSASURL(path, expiry), expiry
}

// blobSASURL signs a read SAS for an escaped blob path valid until expiry.
func (s *Server) blobSASURL(path string, expiry time.Time) string {
	start := s.cfg.now.Add(-time.Hour).UTC().Format(time.RFC3339)
	se := expiry.UTC().Format(time.RFC3339)
	q := url.Values{}
	q.Set("sv", "2021-08-06")
	q.Set("sr", "b")
	q.Set("sp", "r")
	q.Set("spr", "https")
	q.Set("st", start)
	q.Set("se", se)
	q.Set("sig", s.sasSignature(q.Get("sv"), q.Get("sr"), q.Get("sp"), start, se, path))
	return s.blobURL + path + "?" + q.Encode()
}

// sasSignature signs every SAS field and the blob path, so changing any of them invalidates it.
func (s *Server) sasSignature(sv, sr, sp, start, expiry, path string) string {
	m := hmac.New(sha256.New, s.sasKey)
	_, _ = io.WriteString(m, strings.Join([]string{sv, sr, sp, start, expiry, path}, "\n"))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// blobBytes returns a stored blob's content by its store name (as given to putBlob).
func (s *Server) blobBytes(name string) ([]byte, bool) {
	segs := strings.Split(strings.Trim(name, "/"), "/")
	for i, sg := range segs {
		segs[i] = url.PathEscape(sg)
	}
	s.mu.RLock()
	b := s.blobs["/"+strings.Join(segs, "/")]
	s.mu.RUnlock()
	if b == nil {
		return nil, false
	}
	if b.gen == nil {
		return append([]byte(nil), b.data...), true
	}
	var sb strings.Builder
	if err := b.gen(&sb); err != nil {
		return nil, false
	}
	return []byte(sb.String()), true
}

func (b *blob) contentMD5() string {
	b.md5Once.Do(func() {
		h := md5.New()
		if b.gen == nil {
			_, _ = h.Write(b.data)
		} else if err := b.gen(h); err != nil {
			return
		}
		b.md5 = base64.StdEncoding.EncodeToString(h.Sum(nil))
	})
	return b.md5
}

// serveBlob is the blob listener's handler.
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request) {
	s.serveWithFaults(targetBlob, w, r, s.dispatchBlob)
}

func (s *Server) dispatchBlob(w http.ResponseWriter, r *http.Request) {
	reqID := s.newRequestID()
	now := s.Now()
	h := w.Header()
	h.Set("x-ms-request-id", reqID)
	h.Set("x-ms-version", "2021-08-06")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeBlobError(w, r, http.StatusMethodNotAllowed, "UnsupportedHttpVerb",
			"The resource doesn't support specified Http Verb.", "", reqID, now)
		return
	}
	q := r.URL.Query()
	path := r.URL.EscapedPath()
	se, sig, st := q.Get("se"), q.Get("sig"), q.Get("st")
	authFail := func(detail string) {
		writeBlobError(w, r, http.StatusForbidden, "AuthenticationFailed",
			"Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
			detail, reqID, now)
	}
	if sig == "" || se == "" || q.Get("sr") != "b" || !strings.Contains(q.Get("sp"), "r") {
		authFail("The SAS query parameters sr, sp, se and sig are required.")
		return
	}
	want := s.sasSignature(q.Get("sv"), q.Get("sr"), q.Get("sp"), st, se, path)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		authFail("Signature did not match.")
		return
	}
	expiry, err := time.Parse(time.RFC3339, se)
	expired, _ := r.Context().Value(expireSASKey).(bool)
	if err != nil || expired || now.After(expiry) {
		authFail(fmt.Sprintf("Signature not valid in the specified time frame: Start [%s] - Expiry [%s] - Current [%s]",
			blobTime(st), blobTime(se), clockHeader(now)))
		return
	}
	s.mu.RLock()
	b := s.blobs[path]
	s.mu.RUnlock()
	if b == nil {
		writeBlobError(w, r, http.StatusNotFound, "BlobNotFound", "The specified blob does not exist.", "", reqID, now)
		return
	}
	sum := b.contentMD5()
	h.Set("Content-Type", b.contentType)
	h.Set("Accept-Ranges", "bytes")
	h.Set("ETag", `"0x`+strings.ToUpper(strconv.FormatInt(b.modified.UnixNano(), 16))+`"`)
	h.Set("Last-Modified", clockHeader(b.modified))
	h.Set("x-ms-blob-type", "BlockBlob")
	if sum != "" {
		h.Set("x-ms-blob-content-md5", sum)
	}
	from, to, partial, ok := parseRange(firstNonEmpty(r.Header.Get("x-ms-range"), r.Header.Get("Range")), b.size)
	if !ok {
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", b.size))
		writeBlobError(w, r, http.StatusRequestedRangeNotSatisfiable, "InvalidRange",
			"The range specified is invalid for the current size of the resource.", "", reqID, now)
		return
	}
	status := http.StatusOK
	if partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, to-1, b.size))
	} else if sum != "" {
		// Like Azure: Content-MD5 describes the whole blob, so it is only sent on full reads.
		h.Set("Content-MD5", sum)
	}
	h.Set("Content-Length", strconv.FormatInt(to-from, 10))
	w.WriteHeader(status)
	if r.Method == http.MethodHead || to <= from {
		return
	}
	if b.gen == nil {
		_, _ = w.Write(b.data[from:to])
		return
	}
	_ = b.gen(&rangeWriter{w: w, skip: from, remain: to - from})
}

// parseRange reads "bytes=N-", "bytes=N-M" or "bytes=-K" for a blob of size n. It returns the
// half-open byte range, whether it is partial, and false for an unsatisfiable range. Anything
// it does not understand (several ranges, other units) means the whole blob, as RFC 9110 allows.
func parseRange(h string, n int64) (from, to int64, partial, ok bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, n, false, true
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, n, false, true
	}
	if a == "" { // suffix: the last b bytes
		k, err := strconv.ParseInt(b, 10, 64)
		if err != nil || k < 0 {
			return 0, n, false, true
		}
		if k == 0 {
			return 0, 0, false, false
		}
		return max(n-k, 0), n, true, true
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return 0, n, false, true
	}
	end := n - 1
	if b != "" {
		e, err := strconv.ParseInt(b, 10, 64)
		if err != nil || e < start {
			return 0, n, false, true
		}
		end = min(e, n-1)
	}
	if start >= n {
		return 0, 0, false, false
	}
	return start, end + 1, true, true
}

var errRangeDone = errors.New("range complete")

// rangeWriter passes through bytes [skip, skip+remain) of what is written to it.
type rangeWriter struct {
	w            io.Writer
	skip, remain int64
}

func (rw *rangeWriter) Write(p []byte) (int, error) {
	total := len(p)
	if rw.skip > 0 {
		if int64(len(p)) <= rw.skip {
			rw.skip -= int64(len(p))
			return total, nil
		}
		p = p[rw.skip:]
		rw.skip = 0
	}
	if rw.remain <= 0 {
		return 0, errRangeDone
	}
	if int64(len(p)) > rw.remain {
		p = p[:rw.remain]
	}
	n, err := rw.w.Write(p)
	rw.remain -= int64(n)
	if err != nil {
		return 0, err
	}
	return total, nil // bytes past the range are dropped; the next Write stops the generator
}

func blobTime(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return rfc3339
	}
	return clockHeader(t)
}

type blobErrorBody struct {
	XMLName xml.Name `xml:"Error"`
	Code    string   `xml:"Code"`
	Message string   `xml:"Message"`
	Detail  string   `xml:"AuthenticationErrorDetail,omitempty"`
}

// writeBlobError writes a storage-style XML error.
func writeBlobError(w http.ResponseWriter, r *http.Request, status int, code, msg, detail, reqID string, now time.Time) {
	body, _ := xml.Marshal(blobErrorBody{Code: code, Message: msg + "\nRequestId:" + reqID + "\nTime:" + now.UTC().Format("2006-01-02T15:04:05.0000000Z"), Detail: detail})
	body = append([]byte(xml.Header), body...)
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("x-ms-error-code", code)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
