// Package blob downloads invoice documents and usage files from the SAS URLs that Azure hands out.
// It is built on go-retryablehttp and never sends an Authorization header: a SAS URL carries its own
// authorisation, and the ARM bearer token must not reach a storage host. Downloads resume with a
// Range request from the last byte received, fetch a fresh link when one has expired, verify length
// and MD5, and never let a SAS signature into an error or a log line.
package blob

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/azbilling/azbilling/internal/wire"
)

// Options configure a Client.
type Options struct {
	HTTPClient    *http.Client
	AllowLoopback bool
	MaxRetries    int // per request, on 429/5xx/network errors; 0 means 5, negative means none
	RetryWaitMin  time.Duration
	RetryWaitMax  time.Duration
	Now           func() time.Time
	ARMHost       string // downloads to the ARM host are refused: they would be unauthenticated ARM calls
}

// Client fetches blobs. It is safe for concurrent use.
type Client struct {
	rc            *retryablehttp.Client
	allowLoopback bool
	now           func() time.Time
	armHost       string
}

// New returns a Client.
func New(o Options) (*Client, error) {
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   15 * time.Second,
			ResponseHeaderTimeout: 2 * time.Minute,
			MaxIdleConnsPerHost:   16,
			ForceAttemptHTTP2:     true,
		}}
	}
	// Redirects could carry the request to another host; a SAS download has no business being
	// redirected, and following one silently would defeat the https/loopback checks.
	hc2 := *hc
	hc2.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	rc := &retryablehttp.Client{
		HTTPClient:   &hc2,
		Logger:       nil, // its default logger prints URLs, SAS signature included, to stderr
		RetryWaitMin: o.RetryWaitMin,
		RetryWaitMax: o.RetryWaitMax,
		RetryMax:     o.MaxRetries,
		CheckRetry:   retryablehttp.DefaultRetryPolicy,
		Backoff:      boundedBackoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if rc.RetryWaitMin <= 0 {
		rc.RetryWaitMin = 500 * time.Millisecond
	}
	if rc.RetryWaitMax <= 0 {
		rc.RetryWaitMax = 30 * time.Second
	}
	if rc.RetryWaitMax < rc.RetryWaitMin {
		rc.RetryWaitMax = rc.RetryWaitMin
	}
	switch {
	case o.MaxRetries == 0:
		rc.RetryMax = 5
	case o.MaxRetries < 0:
		rc.RetryMax = 0
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Client{rc: rc, allowLoopback: o.AllowLoopback, now: now, armHost: o.ARMHost}, nil
}

// boundedBackoff is go-retryablehttp's default backoff (exponential, or the Retry-After of a 429
// or 503) capped at max: the default honours any Retry-After, so one hour-long value from a blob
// host would stall a download although the caller bounded every wait with RetryWaitMax.
func boundedBackoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if d := retryablehttp.DefaultBackoff(min, max, attempt, resp); d >= 0 && d <= max {
		return d
	}
	return max
}

// Link is a SAS download URL and when it stops working. A zero Expiry is taken from the URL's
// SAS "se" (signed expiry) parameter when it has one (see SASExpiry): EA download results carry
// no expiryTime, only the SAS itself; without either the expiry is unknown and a 403 from the
// host is what tells an expired link.
type Link struct {
	URL    string
	Expiry time.Time
}

// SASExpiry returns the signed expiry ("se") of a SAS URL, or the zero time when the URL has
// none or it cannot be read. It is read with the SDK's one date decoder (wire.ParseTime).
func SASExpiry(rawURL string) time.Time {
	i := strings.IndexByte(rawURL, '?')
	if i < 0 {
		return time.Time{}
	}
	q, err := url.ParseQuery(rawURL[i+1:])
	if err != nil && len(q) == 0 {
		return time.Time{}
	}
	t, ok := wire.ParseTime(q.Get("se"))
	if !ok {
		return time.Time{}
	}
	return t.UTC()
}

// String redacts the query string.
func (l Link) String() string { return Redact(l.URL) }

// GoString redacts the query string, so %#v cannot leak it either.
func (l Link) GoString() string { return "blob.Link{URL:" + strconv.Quote(Redact(l.URL)) + "}" }

// LinkFunc returns a download link; it is called again for a fresh link when one has expired.
type LinkFunc func(ctx context.Context) (Link, error)

// ReadOptions tune one download.
type ReadOptions struct {
	// ExpectedSize, when > 0, is the size the caller was promised (a manifest's byteCount): the
	// download fails unless exactly that many bytes arrive.
	ExpectedSize int64
	// MaxSize, when > 0, fails the download once more bytes than this arrive.
	MaxSize int64
	// MaxResumes bounds Range resumptions after a broken connection; 0 means 8.
	MaxResumes int
	// MaxRefreshes bounds how often an expired link is replaced; 0 means 3.
	MaxRefreshes int
	// Offset, when > 0, starts the download at this byte: the caller already has the bytes
	// before it (a partial file an earlier process left). Set ExpectedSize to the blob's size as
	// first announced, and Prefix to read those bytes again for the MD5 check.
	Offset int64
	// Prefix reads the Offset bytes the caller already has; it is only read when the host
	// announces an MD5, which then covers them too.
	Prefix io.Reader
}

// Stats describe a finished or failed download.
type Stats struct {
	Bytes     int64
	Resumes   int
	Refreshes int
	MD5       []byte // the MD5 the host announced and we verified; nil when it sent none
}

// Open starts a download and returns a reader of the whole blob. Reading resumes transparently
// after a broken connection and refreshes an expired link; at the end it verifies the length and
// MD5 and returns an error instead of io.EOF when they do not match. Close releases the connection.
func (c *Client) Open(ctx context.Context, get LinkFunc, opts *ReadOptions) (*Reader, error) {
	r := &Reader{c: c, ctx: ctx, get: get, total: -1}
	if opts != nil {
		r.opts = *opts
	}
	if r.opts.Offset > 0 {
		r.off = r.opts.Offset
		if r.opts.ExpectedSize > 0 {
			r.total = r.opts.ExpectedSize // a host announcing another size fails setTotal
		}
	}
	if r.opts.MaxResumes <= 0 {
		r.opts.MaxResumes = 8
	}
	if r.opts.MaxRefreshes <= 0 {
		r.opts.MaxRefreshes = 3
	}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

// Download copies a whole blob to w and returns its statistics.
func (c *Client) Download(ctx context.Context, get LinkFunc, w io.Writer, opts *ReadOptions) (Stats, error) {
	r, err := c.Open(ctx, get, opts)
	if err != nil {
		return Stats{}, err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return r.Stats(), err
}

// Reader reads one blob; see Client.Open.
type Reader struct {
	c    *Client
	ctx  context.Context
	get  LinkFunc
	opts ReadOptions

	link    Link
	body    io.ReadCloser
	off     int64
	total   int64 // -1 while unknown
	hash    hash.Hash
	wantMD5 []byte
	stats   Stats
	err     error
}

// Stats returns what has happened so far.
func (r *Reader) Stats() Stats {
	s := r.stats
	s.Bytes = r.off
	return s
}

// Size returns the blob's size as announced by the host, or -1.
func (r *Reader) Size() int64 { return r.total }

// MD5 returns the MD5 the host announced for the whole blob, or nil.
func (r *Reader) MD5() []byte { return r.wantMD5 }

// Close releases the connection.
func (r *Reader) Close() error {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
	if r.err == nil {
		r.err = errClosed
	}
	return nil
}

var errClosed = errors.New("blob: reader closed")

func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if len(p) == 0 {
		return 0, nil // the loop below would spin: a body read of nothing makes no progress
	}
	// Stop promptly once the context is done, even when the transport still has buffered bytes.
	if err := r.ctx.Err(); err != nil {
		r.fail(err)
		return 0, err
	}
	for {
		if r.body == nil {
			if err := r.open(); err != nil {
				r.err = err
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		if n > 0 {
			r.off += int64(n)
			if r.hash != nil {
				r.hash.Write(p[:n])
			}
			if r.opts.MaxSize > 0 && r.off > r.opts.MaxSize {
				r.fail(&Error{Op: "download", URL: Redact(r.link.URL), Reason: fmt.Sprintf("the blob exceeds the size limit of %d bytes", r.opts.MaxSize), Kind: KindTooLarge})
				return n, nil // the error surfaces on the next Read
			}
			if r.total >= 0 && r.off > r.total {
				r.fail(&Error{Op: "download", URL: Redact(r.link.URL), Reason: fmt.Sprintf("received more bytes (%d) than announced (%d)", r.off, r.total), Kind: KindIntegrity})
				return n, nil
			}
			if err == nil {
				return n, nil
			}
		}
		if err == nil {
			continue
		}
		r.body.Close()
		r.body = nil
		if err == io.EOF && (r.total < 0 || r.off == r.total) {
			if ferr := r.finish(); ferr != nil {
				r.err = ferr
				return n, nil
			}
			r.err = io.EOF
			return n, io.EOF
		}
		if cerr := r.ctx.Err(); cerr != nil {
			r.err = cerr
			return n, nil
		}
		// A broken or short body: resume from the last byte we have.
		r.stats.Resumes++
		if r.stats.Resumes > r.opts.MaxResumes {
			reason := "the connection broke"
			if err == io.EOF {
				reason = "the body ended early"
			}
			r.err = &Error{Op: "download", URL: Redact(r.link.URL), Reason: fmt.Sprintf("%s at byte %d of %d and %d resumptions failed", reason, r.off, r.total, r.opts.MaxResumes), Kind: KindIncomplete, Err: sanitize(err)}
			return n, nil
		}
		if n > 0 {
			return n, nil
		}
	}
}

func (r *Reader) fail(err error) {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
	r.err = err
}

// finish checks what we can only check at the end: expected size and MD5.
func (r *Reader) finish() error {
	if r.opts.ExpectedSize > 0 && r.off != r.opts.ExpectedSize {
		return &Error{Op: "download", URL: Redact(r.link.URL), Reason: fmt.Sprintf("received %d bytes, expected %d", r.off, r.opts.ExpectedSize), Kind: KindIntegrity}
	}
	if r.wantMD5 != nil && r.hash != nil {
		got := r.hash.Sum(nil)
		if string(got) != string(r.wantMD5) {
			return &Error{Op: "download", URL: Redact(r.link.URL), Reason: fmt.Sprintf("MD5 mismatch: host announced %s, received bytes hash to %s", base64.StdEncoding.EncodeToString(r.wantMD5), base64.StdEncoding.EncodeToString(got)), Kind: KindIntegrity}
		}
		r.stats.MD5 = r.wantMD5
	}
	return nil
}

func (r *Reader) expired() bool {
	// A link that expires within the next few seconds would likely fail mid-transfer.
	return !r.link.Expiry.IsZero() && !r.c.now().Add(5*time.Second).Before(r.link.Expiry)
}

// open sends a GET (with Range when resuming), fetching a link first when needed.
func (r *Reader) open() error {
	for {
		if r.link.URL == "" || r.expired() {
			if r.link.URL != "" {
				// Each expired link replaced counts once, whether it expired in use or arrived
				// already expired.
				r.stats.Refreshes++
				if r.stats.Refreshes > r.opts.MaxRefreshes {
					reason := fmt.Sprintf("the download link kept expiring (%d fresh links tried)", r.opts.MaxRefreshes)
					if r.c.now().After(r.link.Expiry) {
						reason = fmt.Sprintf("the service kept handing out download links whose expiryTime (%s) is already past by this computer's clock (%d fresh links tried); check the clock",
							r.link.Expiry.UTC().Format(time.RFC3339), r.opts.MaxRefreshes)
					}
					return &Error{Op: "download", URL: Redact(r.link.URL), Reason: reason, Kind: KindExpired}
				}
			}
			l, err := r.get(r.ctx)
			if err != nil {
				return err
			}
			if err := r.c.check(l.URL); err != nil {
				return err
			}
			if l.Expiry.IsZero() {
				l.Expiry = SASExpiry(l.URL)
			}
			r.link = l
			continue // a link that arrives expired is replaced (and counted) above
		}
		req, err := retryablehttp.NewRequestWithContext(r.ctx, http.MethodGet, r.link.URL, nil)
		if err != nil {
			return &Error{Op: "download", URL: Redact(r.link.URL), Reason: "invalid download URL", Err: sanitize(err)}
		}
		if r.off > 0 {
			req.Header.Set("Range", "bytes="+strconv.FormatInt(r.off, 10)+"-")
		}
		req.Header.Set("x-ms-version", "2021-08-06")
		resp, err := r.c.rc.Do(req)
		if err != nil {
			if cerr := r.ctx.Err(); cerr != nil {
				return cerr
			}
			return &Error{Op: "download", URL: Redact(r.link.URL), Reason: "the blob host could not be reached", Kind: KindUnavailable, Err: sanitize(err)}
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			if r.off > 0 {
				// The host ignored Range: skip what we already have.
				if _, err := io.CopyN(io.Discard, resp.Body, r.off); err != nil {
					resp.Body.Close()
					return &Error{Op: "download", URL: Redact(r.link.URL), Reason: "resuming failed", Kind: KindIncomplete, Err: sanitize(err)}
				}
			}
			if err := r.setTotal(resp.ContentLength); err != nil {
				resp.Body.Close()
				return err
			}
			r.readMD5(resp, true)
			if r.off == r.opts.Offset && r.opts.Offset > 0 && r.hash == nil && r.wantMD5 != nil {
				// Started past the bytes the caller had: they count in the MD5 too.
				if err := r.primeHash(); err != nil {
					resp.Body.Close()
					return err
				}
			}
			if r.off == 0 {
				// Hash only when the host announced an MD5 to compare with: hashing costs about
				// a second of CPU per gigabyte.
				r.hash = nil
				if r.wantMD5 != nil {
					r.hash = md5.New()
				}
			}
			r.body = resp.Body
			return nil
		case resp.StatusCode == http.StatusPartialContent:
			start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
			if !ok || start != r.off {
				resp.Body.Close()
				return &Error{Op: "download", URL: Redact(r.link.URL), StatusCode: resp.StatusCode, Reason: "the host answered a Range request with the wrong range", Kind: KindIntegrity}
			}
			if err := r.setTotal(total); err != nil {
				resp.Body.Close()
				return err
			}
			r.readMD5(resp, false)
			if r.opts.Offset > 0 && r.hash == nil && r.wantMD5 != nil && start == r.opts.Offset {
				if err := r.primeHash(); err != nil {
					resp.Body.Close()
					return err
				}
			}
			r.body = resp.Body
			return nil
		case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
			// SAS links answer 403 AuthenticationFailed once expired: get a fresh one.
			drain(resp)
			r.stats.Refreshes++
			if r.stats.Refreshes > r.opts.MaxRefreshes {
				return &Error{Op: "download", URL: Redact(r.link.URL), StatusCode: resp.StatusCode, Reason: fmt.Sprintf("the blob host refused the download link (%d fresh links tried)", r.opts.MaxRefreshes), Kind: KindExpired}
			}
			l, err := r.get(r.ctx)
			if err != nil {
				return err
			}
			if err := r.c.check(l.URL); err != nil {
				return err
			}
			r.link = l
			continue
		case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
			drain(resp)
			return &Error{Op: "download", URL: Redact(r.link.URL), StatusCode: resp.StatusCode, Reason: fmt.Sprintf("the blob is shorter than announced: no bytes after offset %d", r.off), Kind: KindIntegrity}
		default:
			snippet := readSnippet(resp)
			kind := KindStatus
			if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
				kind = KindUnavailable
			}
			return &Error{Op: "download", URL: Redact(r.link.URL), StatusCode: resp.StatusCode, Reason: "the blob host answered " + resp.Status + snippet, Kind: kind}
		}
	}
}

// primeHash hashes the bytes the caller already had (ReadOptions.Prefix).
func (r *Reader) primeHash() error {
	h := md5.New()
	if r.opts.Prefix == nil {
		return &Error{Op: "download", URL: Redact(r.link.URL), Reason: "resuming needs the bytes already downloaded", Kind: KindIntegrity}
	}
	n, err := io.Copy(h, io.LimitReader(r.opts.Prefix, r.opts.Offset))
	if err != nil || n != r.opts.Offset {
		return &Error{Op: "download", URL: Redact(r.link.URL), Reason: fmt.Sprintf("reading the %d bytes already downloaded failed", r.opts.Offset), Kind: KindIntegrity, Err: err}
	}
	r.hash = h
	return nil
}

func (r *Reader) setTotal(total int64) error {
	if total < 0 {
		return nil
	}
	if r.total >= 0 && total != r.total {
		return &Error{Op: "download", URL: Redact(r.link.URL), Reason: fmt.Sprintf("the blob changed size during the download (%d, then %d bytes)", r.total, total), Kind: KindIntegrity}
	}
	r.total = total
	return nil
}

func (r *Reader) readMD5(resp *http.Response, full bool) {
	v := resp.Header.Get("x-ms-blob-content-md5")
	if v == "" && full && r.off == 0 {
		v = resp.Header.Get("Content-MD5")
	}
	if v == "" {
		return
	}
	if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) == md5.Size {
		r.wantMD5 = b
	}
}

func parseContentRange(v string) (start, total int64, ok bool) {
	// bytes 100-199/1000
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "bytes ") {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(v[len("bytes "):], "/")
	if !found {
		return 0, 0, false
	}
	a, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false
	}
	if tot == "*" {
		return start, -1, true
	}
	total, err = strconv.ParseInt(tot, 10, 64)
	if err != nil || total < 0 {
		return 0, 0, false
	}
	return start, total, true
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

func readSnippet(resp *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	drain(resp)
	s := strings.TrimSpace(string(b))
	if s == "" {
		return ""
	}
	if len(s) > 120 {
		s = s[:120]
	}
	return ": " + strconv.Quote(RedactText(s))
}

// check enforces where a download URL may point: https only, never the ARM host, loopback only
// when the caller allowed it (the emulator).
func (c *Client) check(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return &Error{Op: "download", URL: Redact(raw), Reason: "the service returned an invalid download URL", Kind: KindBadURL}
	}
	if u.Scheme != "https" {
		return &Error{Op: "download", URL: Redact(raw), Reason: "download URLs must use https", Kind: KindBadURL}
	}
	if c.armHost != "" && strings.EqualFold(u.Host, c.armHost) {
		return &Error{Op: "download", URL: Redact(raw), Reason: "the download URL points at the Resource Manager endpoint, not a blob host", Kind: KindBadURL}
	}
	if !c.allowLoopback && isLoopback(u.Hostname()) {
		return &Error{Op: "download", URL: Redact(raw), Reason: "the download URL points at a loopback address (set DownloadOptions.AllowLoopback for an emulator)", Kind: KindBadURL}
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}
