package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
)

// poll makes azcore pollers poll without the 30 s default wait: the emulator answers
// Retry-After: 0.
var poll = &runtime.PollUntilDoneOptions{Frequency: time.Millisecond}

// exchange is one request/response pair seen by a recorder.
type exchange struct {
	Method string
	URL    string
	Status int
	Header http.Header
	Body   []byte
}

// recorder is the transport given to Azure's generated clients: it forwards to the emulator and
// keeps every response body, so a test can compare what the emulator sent with what the official
// model decoded.
type recorder struct {
	inner *http.Client
	mu    sync.Mutex
	log   []exchange
}

// Do implements policy.Transporter.
func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.inner.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.log = append(r.log, exchange{Method: req.Method, URL: req.URL.String(), Status: resp.StatusCode, Header: resp.Header.Clone(), Body: body})
	r.mu.Unlock()
	return resp, nil
}

// last returns the most recent exchange.
func (r *recorder) last(t *testing.T) exchange {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.log, "no request was sent")
	return r.log[len(r.log)-1]
}

// all returns every exchange so far.
func (r *recorder) all() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.log...)
}

// official is what a test needs to drive the emulator with Azure's generated clients.
type official struct {
	srv  *billingtest.Server
	cred azcore.TokenCredential
	opts *arm.ClientOptions
	rec  *recorder
}

// newOfficial configures Azure's clients for the emulator: its cloud, a transport trusting its CA
// (wrapped in a recorder) and the principal's token. Retries are kept short so a bug that makes
// the emulator answer 5xx fails fast.
func newOfficial(t *testing.T, srv *billingtest.Server, p billingtest.Principal) *official {
	t.Helper()
	rec := &recorder{inner: srv.HTTPClient()}
	opts := &arm.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud:     srv.Cloud(),
		Transport: rec,
		Retry:     policy.RetryOptions{MaxRetries: 1, RetryDelay: time.Millisecond, MaxRetryDelay: 10 * time.Millisecond},
	}}
	return &official{srv: srv, cred: srv.Credential(p), opts: opts, rec: rec}
}

// roundTrip checks that the official model kept everything the emulator sent: the response body
// and the model re-encoded by its own MarshalJSON must be the same JSON, up to number and
// timestamp spelling. A field the model does not know (so: not in the public API spec) or a value
// it decodes differently is reported with its path.
func roundTrip(t *testing.T, what string, raw []byte, model any) {
	t.Helper()
	enc, err := json.Marshal(model)
	require.NoError(t, err, "%s: re-encoding the official model", what)
	var a, b any
	require.NoError(t, decodeNumbers(raw, &a), "%s: the emulator's body is not JSON: %s", what, raw)
	require.NoError(t, decodeNumbers(enc, &b), "%s", what)
	var diffs []string
	diffJSON("$", a, b, &diffs)
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Errorf("%s: the official client does not decode what the emulator sent:\n  %s", what, strings.Join(diffs, "\n  "))
	}
}

func decodeNumbers(b []byte, v *any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// diffJSON appends the differences between the emulator's JSON (want) and the official model's
// re-encoding (got). null and absent are the same; so are [] and absent, and {} and absent
// (generated models omit empty collections).
func diffJSON(path string, want, got any, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			if len(w) == 0 && got == nil {
				return
			}
			*out = append(*out, fmt.Sprintf("%s: sent an object, model has %v", path, got))
			return
		}
		for k, wv := range w {
			gv, present := g[k]
			if !present {
				if isEmpty(wv) {
					continue
				}
				*out = append(*out, fmt.Sprintf("%s.%s: not in the official model (sent %s)", path, k, short(wv)))
				continue
			}
			diffJSON(path+"."+k, wv, gv, out)
		}
		for k, gv := range g {
			if _, present := w[k]; !present && !isEmpty(gv) {
				*out = append(*out, fmt.Sprintf("%s.%s: model has %s, not sent", path, k, short(gv)))
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			if len(w) == 0 && got == nil {
				return
			}
			*out = append(*out, fmt.Sprintf("%s: sent an array, model has %v", path, got))
			return
		}
		if len(w) != len(g) {
			*out = append(*out, fmt.Sprintf("%s: sent %d items, model has %d", path, len(w), len(g)))
			return
		}
		for i := range w {
			diffJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], out)
		}
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || !sameNumber(w, g) {
			*out = append(*out, fmt.Sprintf("%s: sent %s, model has %v", path, w, got))
		}
	case string:
		g, ok := got.(string)
		if !ok || (w != g && !sameTime(w, g)) {
			*out = append(*out, fmt.Sprintf("%s: sent %q, model has %v", path, w, got))
		}
	case nil:
		if !isEmpty(got) {
			*out = append(*out, fmt.Sprintf("%s: sent null, model has %s", path, short(got)))
		}
	default:
		if want != got {
			*out = append(*out, fmt.Sprintf("%s: sent %v, model has %v", path, want, got))
		}
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// sameNumber compares numbers as the official models hold them: several amounts are float32
// there, so a value that survives a float32 round trip counts as the same.
func sameNumber(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, err1 := strconv.ParseFloat(string(a), 64)
	y, err2 := strconv.ParseFloat(string(b), 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return x == y || float32(x) == float32(y) || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
}

// sameTime reports whether two strings are the same instant (the models re-encode
// 2026-01-01T00:00:00.0000000Z as 2026-01-01T00:00:00Z).
// A timestamp without a zone (2020-05-01T00:00:00, as the service writes some EA dates) is
// UTC, as the models read it.
func sameTime(a, b string) bool {
	x, err1 := parseInstant(a)
	y, err2 := parseInstant(b)
	return err1 == nil && err2 == nil && x.Equal(y)
}

func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

// secondPageFails walks an armbilling pager on the shapes the service really sends: the first
// page decodes, and following its relative nextLink fails in azcore with "no Host in request
// URL" (the generated pagers send the link as it is, without resolving it against the
// endpoint). It returns the first page.
func secondPageFails[T any](t *testing.T, what string, p *runtime.Pager[T]) T {
	t.Helper()
	require.True(t, p.More(), what)
	first, err := p.NextPage(context.Background())
	require.NoError(t, err, what)
	require.True(t, p.More(), what+": the first page has a nextLink")
	_, err = p.NextPage(context.Background())
	require.Error(t, err, what)
	assert.Contains(t, err.Error(), "no Host in request URL", what)
	return first
}

// deref helpers keep assertions readable.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func strOf[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

func boolOf(p *bool) bool { return p != nil && *p }

func strs(ps []*string) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, str(p))
	}
	return out
}
