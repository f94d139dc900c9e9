// Package arm is the SDK's plumbing for Azure Resource Manager calls: an azcore pipeline with a host
// guard and a throttle-header policy, JSON requests, nextLink paging as iterators, long-running
// operations and the decoding of ARM error bodies. It is internal: the public packages wrap it.
package arm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	armpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/policy"
	armruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azbilling/azbilling/roles"
)

const (
	moduleName    = "azbilling"
	moduleVersion = "v0.1.0"

	// MaxJSONBody bounds how much of a JSON response we read: billing responses are small pages,
	// and a hostile or broken server must not make us buffer gigabytes.
	MaxJSONBody = 32 << 20
	// maxErrorBody bounds how much of an error response we keep.
	maxErrorBody = 64 << 10
)

// Call describes what an ARM request is for, so a failure can be turned into an error that names
// the action, the scope and the roles that would have allowed it.
type Call struct {
	Action    roles.Action
	Scope     string          // ARM id of the scope acted on
	Agreement roles.Agreement // "" when unknown
	Policy    roles.Policy    // a policy that may explain a 401/403 (EA view charges)
}

// ErrorMapper turns a failed response into the error a caller sees.
type ErrorMapper func(*Failure) error

// Options configure a Client.
type Options struct {
	ARM         armpolicy.ClientOptions
	Now         func() time.Time
	MapError    ErrorMapper
	MaxLROWait  time.Duration // cap on a single Retry-After wait while polling; 0 means 60s
	DefaultPoll time.Duration // longest wait when a 202 carries no Retry-After (see PollWait); 0 means 5s
}

// Client sends ARM requests through an azcore pipeline.
type Client struct {
	pl          runtime.Pipeline
	endpoint    *url.URL
	now         func() time.Time
	mapErr      ErrorMapper
	maxLROWait  time.Duration
	defaultPoll time.Duration
}

// New builds a Client for cred. The bearer token policy is azcore's; our own policies make sure
// that it never runs for a host other than the ARM endpoint and that the Cost Management and
// Consumption throttle headers are honoured like Retry-After.
func New(cred azcore.TokenCredential, o Options) (*Client, error) {
	if cred == nil {
		return nil, errors.New("azbilling: a credential is required")
	}
	conf := cloud.AzurePublic.Services[cloud.ResourceManager]
	if c, ok := o.ARM.Cloud.Services[cloud.ResourceManager]; ok && c.Endpoint != "" {
		conf = c
	}
	ep, err := url.Parse(strings.TrimRight(conf.Endpoint, "/"))
	if err != nil || ep.Host == "" {
		return nil, fmt.Errorf("azbilling: invalid Resource Manager endpoint %q", conf.Endpoint)
	}
	armOpts := o.ARM
	// Billing and Cost Management scopes are tenant-level: there is no resource provider to register.
	armOpts.DisableRPRegistration = true
	plOpts := runtime.PipelineOptions{
		PerCall:  []policy.Policy{hostGuard{host: ep.Host}},
		PerRetry: []policy.Policy{observe{}, throttleHeaders{}, readBody{}},
		AllowedHeaders: []string{
			"x-ms-request-id", "x-ms-correlation-request-id", "x-ms-routing-request-id",
			"Retry-After", "Location", "x-ms-ratelimit-microsoft.consumption-retry-after",
			"x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
		},
	}
	pl, err := armruntime.NewPipeline(moduleName, moduleVersion, cred, plOpts, &armOpts)
	if err != nil {
		return nil, fmt.Errorf("azbilling: %w", err)
	}
	c := &Client{pl: pl, endpoint: ep, now: o.Now, mapErr: o.MapError, maxLROWait: o.MaxLROWait, defaultPoll: o.DefaultPoll}
	if c.now == nil {
		c.now = time.Now
	}
	if c.mapErr == nil {
		c.mapErr = func(f *Failure) error { return f.Err }
	}
	if c.maxLROWait <= 0 {
		c.maxLROWait = 60 * time.Second
	}
	if c.defaultPoll <= 0 {
		c.defaultPoll = 5 * time.Second
	}
	return c, nil
}

// Endpoint is the ARM endpoint, e.g. https://management.azure.com.
func (c *Client) Endpoint() string { return c.endpoint.String() }

// Host is the ARM endpoint's host[:port].
func (c *Client) Host() string { return c.endpoint.Host }

// Now is the client's clock.
func (c *Client) Now() time.Time { return c.now() }

// Request is one ARM request. Path is an ARM path starting with "/", or an absolute URL on the ARM
// host (a nextLink or a Location header, made absolute by ResolveLink), which is used as given
// apart from NormalizeLink.
type Request struct {
	Method     string
	Path       string
	APIVersion string      // added to Query unless the path is absolute
	Query      url.Values  // extra query parameters for page one
	Body       any         // JSON-encoded when not nil
	Header     http.Header // extra request headers, e.g. If-Match
	// Stream hands the body to the caller unread, without a size limit: for large pages that a
	// caller decodes as they arrive (and re-requests itself if the body breaks).
	Stream bool
	Call   Call
}

func (c *Client) url(r Request) (string, error) {
	if strings.HasPrefix(r.Path, "https://") || strings.HasPrefix(r.Path, "http://") {
		// A nextLink or Location carries its own api-version: sent as given, except for bytes
		// no URL may hold (see NormalizeLink).
		return NormalizeLink(r.Path), nil
	}
	if !strings.HasPrefix(r.Path, "/") {
		r.Path = "/" + r.Path
	}
	q := url.Values{}
	for k, v := range r.Query {
		q[k] = append([]string(nil), v...)
	}
	if r.APIVersion != "" {
		q.Set("api-version", r.APIVersion)
	}
	u := *c.endpoint
	u.Path = r.Path
	u.RawPath = escapePath(r.Path)
	u.RawQuery = encodeQuery(q)
	return u.String(), nil
}

// escapePath keeps ARM path segments as they are except for characters that must be escaped.
// MCA account names contain ':' which stays literal, as Azure's own clients send it.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), "%3A", ":")
	}
	return strings.Join(segs, "/")
}

// encodeQuery is url.Values.Encode, except that '$' stays literal as in OData names ($filter).
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "%24", "$")
}

// Do sends r and returns the response when its status is 2xx. Any other status is read, closed
// and turned into an error through the client's ErrorMapper.
func (c *Client) Do(ctx context.Context, r Request) (*http.Response, error) {
	u, err := c.url(r)
	if err != nil {
		return nil, err
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	if r.Stream {
		ctx = context.WithValue(ctx, streamKey{}, true)
	}
	req, err := runtime.NewRequest(ctx, method, u)
	if err != nil {
		return nil, fmt.Errorf("azbilling: building %s request: %w", method, err)
	}
	req.Raw().Header.Set("Accept", "application/json")
	for k, v := range r.Header {
		req.Raw().Header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	if r.Body != nil {
		if err := runtime.MarshalAsJSON(req, r.Body); err != nil {
			return nil, fmt.Errorf("azbilling: encoding request body: %w", err)
		}
	}
	// azcore would read bodies without a size limit; readBody (body.go) reads them with one,
	// inside the retry loop so that a body cut midway is retried.
	runtime.SkipBodyDownload(req)
	resp, err := c.pl.Do(req)
	if err != nil {
		return nil, c.transportError(method, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.failure(resp, r.Call)
	}
	return resp, nil
}

// DoJSON sends r and decodes a 2xx JSON body into out (nil out discards the body). It returns the
// status code so callers can tell 200 from 202 or 204.
func (c *Client) DoJSON(ctx context.Context, r Request, out any) (int, http.Header, error) {
	resp, err := c.Do(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxJSONBody))
		return resp.StatusCode, resp.Header, nil
	}
	if err := DecodeJSON(resp, out); err != nil {
		return resp.StatusCode, resp.Header, err
	}
	return resp.StatusCode, resp.Header, nil
}

// DecodeJSON decodes a JSON response body into out, with a size limit. A body that is not JSON
// (an HTML error page served with status 200, say) gives a *ProtocolError.
func DecodeJSON(resp *http.Response, out any) error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxJSONBody+1))
	if err != nil {
		return &ProtocolError{StatusCode: resp.StatusCode, RequestID: RequestID(resp.Header), Reason: "reading the response body failed", Err: err}
	}
	if len(body) > MaxJSONBody {
		return &ProtocolError{StatusCode: resp.StatusCode, RequestID: RequestID(resp.Header), Reason: fmt.Sprintf("the response body exceeds %d bytes", MaxJSONBody)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &ProtocolError{
			StatusCode: resp.StatusCode, RequestID: RequestID(resp.Header),
			Reason: "the response is not the expected JSON", ContentType: resp.Header.Get("Content-Type"),
			Snippet: Snippet(body), Err: err,
		}
	}
	return nil
}

// Snippet returns a short printable prefix of body for error messages.
func Snippet(body []byte) string {
	const n = 80
	b := bytes.TrimSpace(body)
	if len(b) > n {
		b = b[:n]
	}
	out := make([]rune, 0, len(b))
	for _, r := range string(b) {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}

// RequestID returns the ARM request id of a response, or its correlation id.
func RequestID(h http.Header) string {
	if v := h.Get("x-ms-request-id"); v != "" {
		return v
	}
	return h.Get("x-ms-correlation-request-id")
}

// ProtocolError reports a response that does not follow the protocol: a body that is not the
// expected JSON, a 202 without a Location, a body over the size limit.
type ProtocolError struct {
	StatusCode  int
	RequestID   string
	Reason      string
	ContentType string
	Snippet     string
	Err         error
}

func (e *ProtocolError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "azbilling: unexpected response from Azure (status %d): %s", e.StatusCode, e.Reason)
	if e.ContentType != "" {
		fmt.Fprintf(&b, "; content type %q", e.ContentType)
	}
	if e.Snippet != "" {
		fmt.Fprintf(&b, "; body starts with %q", e.Snippet)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

func (e *ProtocolError) Unwrap() error { return e.Err }
