package arm

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Operation is the outcome of a long-running operation: the final response's status and headers.
type Operation struct {
	StatusCode int
	Header     http.Header
	Polls      int // how many times the Location was polled
}

// LRO sends r and, if the service answers 202 Accepted, polls the Location header (see
// ResolveLink), honouring Retry-After, until it answers 200, 201 or 204. Without a Retry-After
// it polls after PollWait: fast at first, backing off to the client's default interval. The final body is decoded into out (when
// out is not nil and there is a body). This is the "final-state-via: location" pattern of
// Microsoft.Billing and Cost Management. Cancelling ctx stops the wait.
func (c *Client) LRO(ctx context.Context, r Request, out any) (Operation, error) {
	resp, err := c.Do(ctx, r)
	if err != nil {
		return Operation{}, err
	}
	op := Operation{}
	for {
		if resp.StatusCode != http.StatusAccepted {
			op.StatusCode, op.Header = resp.StatusCode, resp.Header
			defer resp.Body.Close()
			if out != nil && resp.StatusCode != http.StatusNoContent {
				if err := DecodeJSON(resp, out); err != nil {
					return op, err
				}
			}
			return op, nil
		}
		loc, err := c.pollURL(resp)
		if err != nil {
			return op, err
		}
		wait := RetryAfter(resp.Header)
		if wait <= 0 {
			if strings.TrimSpace(resp.Header.Get("Retry-After")) == "0" {
				// An explicit 0 means poll now; a service that keeps saying so still must not
				// be hammered: poll at once, then back off 1ms, 2ms, 4ms ... up to the default interval.
				wait = 0
				if op.Polls > 0 {
					wait = min(c.defaultPoll, time.Millisecond<<min(op.Polls-1, 12))
				}
			} else {
				wait = PollWait(op.Polls, c.defaultPoll) // no usable Retry-After
			}
		}
		if wait > c.maxLROWait {
			wait = c.maxLROWait
		}
		resp.Body.Close()
		if err := Sleep(ctx, wait); err != nil {
			return op, err
		}
		op.Polls++
		resp, err = c.Do(ctx, Request{Method: http.MethodGet, Path: loc, Call: r.Call})
		if err != nil {
			return op, err
		}
	}
}

// pollURL returns the Location header of a 202 (billing and cost details operations are
// final-state-via location), resolved against the ARM endpoint when relative.
func (c *Client) pollURL(resp *http.Response) (string, error) {
	loc := strings.TrimSpace(resp.Header.Get("Location"))
	if loc == "" {
		return "", &ProtocolError{StatusCode: resp.StatusCode, RequestID: RequestID(resp.Header), Reason: "202 Accepted without a Location header to poll"}
	}
	u, err := c.ResolveLink(loc)
	if err != nil {
		return "", &ProtocolError{StatusCode: resp.StatusCode, RequestID: RequestID(resp.Header), Reason: "the Location header is not a URL", Err: err}
	}
	return u, nil
}

// FirstPoll is the first wait of a long-running operation whose 202 names no Retry-After. EA
// invoice downloads answer 202 without one and are usually ready within a second or two, so a
// fixed 5 s per poll cost about 10 s per document.
const FirstPoll = 250 * time.Millisecond

// PollWait is how long to wait before poll n (0 for the first) when the service gave no usable
// Retry-After: FirstPoll, doubling with each poll, never more than limit (the 5 s default).
func PollWait(n int, limit time.Duration) time.Duration {
	if n < 0 {
		n = 0
	}
	d := FirstPoll << min(n, 16)
	return min(d, limit)
}

// Sleep waits for d or until ctx is done, whichever comes first, and returns ctx's error in
// the second case. A d of zero or less only checks ctx.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
