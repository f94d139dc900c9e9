package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Kind classifies a download failure.
type Kind int

const (
	KindStatus      Kind = iota // the host answered an unexpected status
	KindUnavailable             // 429/5xx or network errors after all retries
	KindExpired                 // the link expired and could not be refreshed
	KindIncomplete              // the transfer broke and could not be resumed
	KindIntegrity               // length, range or MD5 did not match
	KindTooLarge                // over the caller's size limit
	KindBadURL                  // not https, loopback without opt-in, or malformed
	KindContent                 // the content is not what was asked for (HTML instead of a PDF)
)

func (k Kind) String() string {
	switch k {
	case KindUnavailable:
		return "unavailable"
	case KindExpired:
		return "link expired"
	case KindIncomplete:
		return "incomplete"
	case KindIntegrity:
		return "integrity"
	case KindTooLarge:
		return "too large"
	case KindBadURL:
		return "bad URL"
	case KindContent:
		return "unexpected content"
	}
	return "status"
}

// Error is a failed blob download. URL is redacted: it never holds the SAS query string.
type Error struct {
	Op         string
	URL        string
	StatusCode int
	Kind       Kind
	Reason     string
	Err        error // sanitized: holds no SAS query string either
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("azbilling: ")
	b.WriteString(e.Op)
	b.WriteString(" of ")
	b.WriteString(e.URL)
	b.WriteString(" failed: ")
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Redact returns raw without its query string and fragment: a SAS URL's query is its credential.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			return raw[:i] + "?REDACTED"
		}
		return raw
	}
	had := u.RawQuery != "" || u.ForceQuery
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment, u.User = "", false, "", "", nil
	s := u.String()
	if had {
		s += "?REDACTED"
	}
	return s
}

var sasParam = regexp.MustCompile(`(?i)(sig|se|st|sv|sp|sr|skoid|sktid|skt|ske|sks|skv|spr|sip|si|ss|srt)=[^&\s"']*`)

// RedactText removes SAS query strings from free text (error messages from lower layers).
func RedactText(s string) string {
	if !strings.Contains(s, "?") && !strings.Contains(strings.ToLower(s), "sig=") {
		return s
	}
	// Cut every URL's query string; then scrub stray SAS parameters.
	out := urlQuery.ReplaceAllString(s, "$1?REDACTED")
	return sasParam.ReplaceAllString(out, "$1=REDACTED")
}

var urlQuery = regexp.MustCompile(`(https?://[^\s?"']+)\?[^\s"']*`)

// sanitize rebuilds err so that no SAS query survives in its text or in the chain (errors.As on
// *url.Error must not hand the signature back either). Context errors are kept as they are.
func sanitize(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if ue, ok := err.(*url.Error); ok {
			return &url.Error{Op: ue.Op, URL: Redact(ue.URL), Err: ue.Err}
		}
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: Redact(ue.URL), Err: sanitize(ue.Err)}
	}
	msg := err.Error()
	if red := RedactText(msg); red != msg {
		return errors.New(red)
	}
	return err
}

// ContentError builds the error for content that is not what the caller asked for.
func ContentError(url string, want, got string) *Error {
	return &Error{Op: "download", URL: Redact(url), Kind: KindContent, Reason: fmt.Sprintf("expected %s, got %s", want, got)}
}
