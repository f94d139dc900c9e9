package usage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/roles"
)

// Cost Details wire shapes (Microsoft.CostManagement GenerateCostDetailsReport, 2025-03-01).

type cdTimePeriod struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type cdRequest struct {
	Metric        string        `json:"metric"`
	TimePeriod    *cdTimePeriod `json:"timePeriod,omitempty"`
	BillingPeriod string        `json:"billingPeriod,omitempty"`
	InvoiceID     string        `json:"invoiceId,omitempty"`
}

type cdResult struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	ValidTill string `json:"validTill"`
	Manifest  *struct {
		ManifestVersion string `json:"manifestVersion"`
		DataFormat      string `json:"dataFormat"`
		BlobCount       int    `json:"blobCount"`
		ByteCount       int64  `json:"byteCount"`
		CompressData    bool   `json:"compressData"`
		RequestContext  struct {
			RequestScope string          `json:"requestScope"`
			RequestBody  json.RawMessage `json:"requestBody"`
		} `json:"requestContext"`
		Blobs []struct {
			BlobLink  string `json:"blobLink"`
			ByteCount int64  `json:"byteCount"`
		} `json:"blobs"`
	} `json:"manifest"`
	Error *arm.ErrorBody `json:"error"`
}

// Statuses of a finished Cost Details operation.
const (
	statusCompleted   = "Completed"
	statusNoDataFound = "NoDataFound"
	statusFailed      = "Failed"
	// statusNoContent is the SDK's name for a 204 answer: the request succeeded with no data.
	statusNoContent = "NoContent"
)

// Poll waits: Retry-After is honoured (an explicit 0 polls at once); without one the client
// waits defaultPollWait, and never longer than maxPollWait for a single poll.
const (
	defaultPollWait = 5 * time.Second
	maxPollWait     = 5 * time.Minute
	maxManifestBlob = 100000 // a manifest with more blobs than this is not believed
)

// parseCostDetailsResult decodes and checks the final body of a Cost Details operation. It never
// panics: a body that does not follow the protocol gives a *billing.ProtocolError.
func parseCostDetailsResult(b []byte) (*cdResult, error) {
	var r cdResult
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, &billing.ProtocolError{StatusCode: http.StatusOK, Reason: "the Cost Details result is not the expected JSON", Snippet: arm.Snippet(b), Err: err}
	}
	bad := func(reason string) (*cdResult, error) {
		return nil, &billing.ProtocolError{StatusCode: http.StatusOK, Reason: "the Cost Details result " + reason, Snippet: arm.Snippet(b)}
	}
	if !strings.EqualFold(r.Status, statusCompleted) {
		return &r, nil // NoDataFound, Failed or unknown: the caller decides
	}
	m := r.Manifest
	if m == nil {
		return bad("has status Completed but no manifest")
	}
	if len(m.Blobs) > maxManifestBlob {
		return bad(fmt.Sprintf("lists %d blobs", len(m.Blobs)))
	}
	if m.BlobCount != 0 && m.BlobCount != len(m.Blobs) {
		return bad(fmt.Sprintf("says blobCount %d but lists %d blobs", m.BlobCount, len(m.Blobs)))
	}
	if m.DataFormat != "" && !strings.EqualFold(m.DataFormat, "Csv") {
		return bad(fmt.Sprintf("has data format %q; the SDK reads Csv", m.DataFormat))
	}
	var total int64
	for i, bl := range m.Blobs {
		if bl.BlobLink == "" {
			return bad(fmt.Sprintf("has no link for blob %d", i+1))
		}
		if bl.ByteCount < 0 {
			return bad(fmt.Sprintf("gives blob %d a negative size", i+1))
		}
		total += bl.ByteCount
	}
	if m.ByteCount < 0 || (m.ByteCount > 0 && total > 0 && total != m.ByteCount) {
		return bad(fmt.Sprintf("says byteCount %d but its blobs add up to %d", m.ByteCount, total))
	}
	return &r, nil
}

// costDetailsCall is the permission context of a Cost Details request. On EA the view-charges
// policy that typically explains a refusal at this scope is named up front and refined from the
// enrollment's policies if the service refuses (see refinePolicy).
func costDetailsCall(p *plan) arm.Call {
	call := arm.Call{Action: roles.ViewUsage, Scope: p.scope.ID(), Agreement: p.agreement}
	if p.agreement == billing.AgreementEA {
		switch p.scope.Kind() {
		case billing.ScopeDepartment:
			call.Policy = roles.PolicyEADepartmentAdminViewCharges
		case billing.ScopeEnrollmentAccount, billing.ScopeSubscription:
			call.Policy = roles.PolicyEAAccountOwnerViewCharges
		}
	}
	return call
}

// generate requests one Cost Details report and waits for it: POST, then the Location header
// polled verbatim while the service answers 202, honouring Retry-After. It returns the final
// answer's status code and body (nil for 204).
func (c *Client) generate(ctx context.Context, p *plan, pt part) (int, []byte, string, error) {
	body := cdRequest{Metric: string(p.metric)}
	switch {
	case !pt.period.IsZero():
		body.TimePeriod = &cdTimePeriod{Start: pt.period.Start.String(), End: pt.period.End.String()}
	case pt.billingPeriod != "":
		body.BillingPeriod = pt.billingPeriod
	case pt.invoiceID != "":
		body.InvoiceID = pt.invoiceID
	}
	call := costDetailsCall(p)
	req := arm.Request{Method: http.MethodPost, Path: p.scope.ID() + "/providers/Microsoft.CostManagement/generateCostDetailsReport",
		APIVersion: CostDetailsAPIVersion, Body: body, Call: call}
	resp, err := c.pacedDo(ctx, p, req)
	// azcore does not retry a POST whose answer broke off (it is not idempotent in general);
	// requesting a Cost Details report again is harmless — at worst the service generates one
	// report nobody reads — so the SDK does, as it promises for every ARM call.
	for tries := 0; tries < maxPostRetries && isNetworkError(err) && ctx.Err() == nil; tries++ {
		resp, err = c.pacedDo(ctx, p, req)
	}
	if pc := pacerFrom(ctx); pc != nil {
		ctx = arm.WithObserver(ctx, pc.observer(p.scope))
	}
	for polls := 0; err == nil && resp.StatusCode == http.StatusAccepted; polls++ {
		var loc string
		loc, err = c.pollURL(resp)
		wait := pollWait(resp.Header, polls)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err != nil {
			break
		}
		if err = arm.Sleep(ctx, wait); err != nil {
			break
		}
		resp, err = c.cc.ARM.Do(ctx, arm.Request{Method: http.MethodGet, Path: loc, Call: call})
	}
	if err != nil {
		return 0, nil, "", c.refinePolicy(ctx, p, err)
	}
	defer resp.Body.Close()
	reqID := arm.RequestID(resp.Header)
	if resp.StatusCode == http.StatusNoContent {
		return resp.StatusCode, nil, reqID, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, arm.MaxJSONBody+1))
	if err != nil {
		return 0, nil, reqID, &billing.ProtocolError{StatusCode: resp.StatusCode, RequestID: reqID, Reason: "reading the Cost Details result failed", Err: err}
	}
	if len(b) > arm.MaxJSONBody {
		return 0, nil, reqID, &billing.ProtocolError{StatusCode: resp.StatusCode, RequestID: reqID, Reason: "the Cost Details result is too large"}
	}
	return resp.StatusCode, b, reqID, nil
}

// maxPostRetries is how often a report request whose answer broke off is sent again.
const maxPostRetries = 3

func isNetworkError(err error) bool {
	var ne *billing.NetworkError
	return errors.As(err, &ne)
}

// maxPacedRetries bounds how often a paced report request (Client.FanOut) is sent again after
// the service still throttled it once azcore's own retries were spent.
const maxPacedRetries = 8

// pacedDo sends the report request. In a fan-out (a pacer in ctx) it first waits for a slot
// within the rate limits, lets the pacer see every answer (so a 429 pauses the other scopes'
// requests too), and sends the request again when it was throttled after all.
func (c *Client) pacedDo(ctx context.Context, p *plan, req arm.Request) (*http.Response, error) {
	pc := pacerFrom(ctx)
	if pc == nil {
		return c.cc.ARM.Do(ctx, req)
	}
	octx := arm.WithObserver(ctx, pc.observer(p.scope))
	for attempt := 0; ; attempt++ {
		if err := pc.acquire(ctx, p.scope); err != nil {
			return nil, err
		}
		resp, err := c.cc.ARM.Do(octx, req)
		var te *billing.ThrottledError
		if err == nil || !errors.As(err, &te) || attempt >= maxPacedRetries {
			return resp, err
		}
		_, shared := pacerKeys(p.scope)
		pc.pause(shared, te.RetryAfter)
	}
}

// pollURL is the 202's Location, resolved against the ARM endpoint when relative.
func (c *Client) pollURL(resp *http.Response) (string, error) {
	loc := strings.TrimSpace(resp.Header.Get("Location"))
	if loc == "" {
		return "", &billing.ProtocolError{StatusCode: resp.StatusCode, RequestID: arm.RequestID(resp.Header), Reason: "202 Accepted without a Location header to poll"}
	}
	u, err := c.cc.ARM.ResolveLink(loc)
	if err != nil {
		return "", &billing.ProtocolError{StatusCode: resp.StatusCode, RequestID: arm.RequestID(resp.Header), Reason: "the Location header is not a URL", Err: err}
	}
	return u, nil
}

// pollWait is how long to wait before poll n (0 for the first): the Retry-After family of
// headers (0 means now); without any, arm.PollWait, backing off to defaultPollWait; never more
// than maxPollWait.
func pollWait(h http.Header, n int) time.Duration {
	d := arm.RetryAfter(h)
	if d <= 0 {
		if h.Get("Retry-After") != "" {
			return 0
		}
		d = arm.PollWait(n, defaultPollWait)
	}
	return min(d, maxPollWait)
}

// refinePolicy names the EA view-charges policy that blocked a refused request. The service's
// 403 does not say which policy (if any) is to blame, so the enrollment's policies are read:
// the guess made from the scope is kept if that policy is off, replaced by the other one if
// only that is off, and dropped when both are on (then the caller simply lacks a role).
func (c *Client) refinePolicy(ctx context.Context, p *plan, err error) error {
	var perr *roles.PermissionError
	if p.agreement != billing.AgreementEA || !errors.As(err, &perr) || p.scope.BillingAccount() == "" {
		return err
	}
	pol, perr2 := c.bc.EAPolicies(ctx, p.scope.BillingAccount())
	if perr2 != nil {
		return err // keep the guess: the policies are not readable either
	}
	daOff, aoOff := !pol.DepartmentAdminCanViewCharges(), !pol.AccountOwnerCanViewCharges()
	switch {
	case perr.Policy == roles.PolicyEADepartmentAdminViewCharges && daOff,
		perr.Policy == roles.PolicyEAAccountOwnerViewCharges && aoOff:
	case p.scope.Kind() == billing.ScopeAccount:
		perr.Policy = roles.PolicyNone // enrollment-level charges are never policy-gated
	case daOff && !aoOff:
		perr.Policy = roles.PolicyEADepartmentAdminViewCharges
	case aoOff && !daOff && p.scope.Kind() != billing.ScopeDepartment:
		perr.Policy = roles.PolicyEAAccountOwnerViewCharges
	case !daOff && !aoOff:
		perr.Policy = roles.PolicyNone
	}
	return err
}
