package arm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// ErrorBody is the ARM error envelope's inner object (common-types ErrorResponse.error).
type ErrorBody struct {
	Code           string           `json:"code"`
	Message        string           `json:"message"`
	Target         string           `json:"target,omitempty"`
	Details        []ErrorBody      `json:"details,omitempty"`
	AdditionalInfo []map[string]any `json:"additionalInfo,omitempty"`
}

// Failure is everything known about a non-2xx ARM response.
type Failure struct {
	StatusCode    int
	Body          ErrorBody // zero when the body was not an ARM error
	RequestID     string
	CorrelationID string
	RetryAfter    time.Duration
	Call          Call
	Err           error // *azcore.ResponseError
}

// ParseErrorBody decodes an ARM error body. It accepts {"error":{...}}, a bare {"code","message"}
// object, and Cost Management's {"message","messageDetail"} (recorded: a 400 from
// Microsoft.CostManagement/operationResults, no code), whose detail is appended to the message;
// anything else yields ok == false.
func ParseErrorBody(b []byte) (ErrorBody, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return ErrorBody{}, false
	}
	var env struct {
		Error *ErrorBody `json:"error"`
		ErrorBody
		MessageDetail string `json:"messageDetail"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return ErrorBody{}, false
	}
	if env.Error != nil && (env.Error.Code != "" || env.Error.Message != "") {
		return *env.Error, true
	}
	if d := strings.TrimSpace(env.MessageDetail); d != "" {
		env.Message = strings.TrimSpace(env.Message + " " + d)
	}
	if env.Code != "" || env.Message != "" {
		return env.ErrorBody, true
	}
	return ErrorBody{}, false
}

func (c *Client) failure(resp *http.Response, call Call) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	// azcore's ResponseError reads the body again: give it the bounded copy.
	resp.Body = io.NopCloser(bytes.NewReader(body))
	eb, _ := ParseErrorBody(body)
	f := &Failure{
		StatusCode:    resp.StatusCode,
		Body:          eb,
		RequestID:     resp.Header.Get("x-ms-request-id"),
		CorrelationID: resp.Header.Get("x-ms-correlation-request-id"),
		RetryAfter:    RetryAfter(resp.Header),
		Call:          call,
		Err:           runtime.NewResponseErrorWithErrorCode(resp, eb.Code),
	}
	if f.RequestID == "" {
		f.RequestID = f.CorrelationID
	}
	return c.mapErr(f)
}

// retryAfterHeaders are the throttle headers Azure sends, in seconds. Cost Management uses a
// family of x-ms-ratelimit-microsoft.costmanagement-*-retry-after names, matched by pattern.
func isRetryAfterHeader(name string) bool {
	n := strings.ToLower(name)
	if n == "retry-after" || n == "x-ms-ratelimit-microsoft.consumption-retry-after" {
		return true
	}
	return strings.HasPrefix(n, "x-ms-ratelimit-microsoft.costmanagement-") && strings.HasSuffix(n, "-retry-after")
}

// RetryAfter returns the longest delay named by any throttle header of h: Retry-After (seconds or an
// HTTP date), retry-after-ms, x-ms-retry-after-ms, and the Cost Management and Consumption headers.
func RetryAfter(h http.Header) time.Duration {
	var d time.Duration
	for name, vals := range h {
		if len(vals) == 0 {
			continue
		}
		v := strings.TrimSpace(vals[0])
		ln := strings.ToLower(name)
		var cur time.Duration
		switch {
		case ln == "retry-after-ms" || ln == "x-ms-retry-after-ms":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
				cur = time.Duration(n) * time.Millisecond
			}
		case isRetryAfterHeader(ln):
			if n, err := strconv.ParseFloat(v, 64); err == nil && n > 0 && n < 1e6 {
				cur = time.Duration(n * float64(time.Second))
			} else if t, err := http.ParseTime(v); err == nil {
				cur = time.Until(t)
			}
		}
		if cur > d {
			d = cur
		}
	}
	return d
}

// IsContextError reports whether err comes from a cancelled or expired context.
func IsContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
