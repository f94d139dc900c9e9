package arm

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// hostGuard refuses any request that is not for the ARM endpoint's host. The bearer token policy
// sits after it in the pipeline, so a Location header or nextLink pointing elsewhere can never
// receive the caller's token.
type hostGuard struct{ host string }

func (g hostGuard) Do(req *policy.Request) (*http.Response, error) {
	if h := req.Raw().URL.Host; h != g.host {
		return nil, &HostError{Host: h, Allowed: g.host}
	}
	return req.Next()
}

// HostError reports a request for a host other than the ARM endpoint: the SDK refuses to send it
// through the authenticated pipeline.
type HostError struct{ Host, Allowed string }

func (e *HostError) Error() string {
	return fmt.Sprintf("azbilling: refusing to send an authenticated request to %q: only the Resource Manager endpoint %q receives the bearer token", e.Host, e.Allowed)
}

// throttleHeaders makes azcore's retry policy honour the Cost Management and Consumption throttle
// headers. azcore reads only Retry-After, retry-after-ms and x-ms-retry-after-ms; we translate the
// longest delay of all throttle headers into retry-after-ms, which azcore prefers.
type throttleHeaders struct{}

func (throttleHeaders) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || resp == nil {
		return resp, err
	}
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return resp, nil
	}
	if d := RetryAfter(resp.Header); d > 0 {
		resp.Header.Set("retry-after-ms", strconv.FormatInt(d.Milliseconds(), 10))
	}
	return resp, nil
}

// observerKey carries a response observer in a request's context (WithObserver).
type observerKey struct{}

// WithObserver returns a context whose ARM responses — every try, including those the retry
// policy answers itself and the caller never sees, such as a 429 it waits out — are shown to f
// before anything else reads them. f must not read or close the body. It lets a caller pacing
// many requests (usage fan-out) learn of throttling as it happens.
func WithObserver(ctx context.Context, f func(*http.Response)) context.Context {
	return context.WithValue(ctx, observerKey{}, f)
}

// observe calls the context's observer, if any, with every response.
type observe struct{}

func (observe) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if resp != nil {
		if f, ok := req.Raw().Context().Value(observerKey{}).(func(*http.Response)); ok && f != nil {
			f(resp)
		}
	}
	return resp, err
}
