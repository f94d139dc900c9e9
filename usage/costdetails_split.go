package usage

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/azbilling/azbilling/billing"
)

// Reports above the service's size limit.
//
// The predecessor of the Cost Details API documents the answer (azure-rest-api-specs,
// costmanagement 2023-11-01, GenerateDetailedCostReportErrorResponse): "413 Request Entity Too
// Large - Request is throttled. The amount of data required to fulfill the request exceeds the
// maximum size permitted of 2Gb. Please utilize our Exports feature instead." Learn's "Get small
// cost datasets on demand" keeps the figure for Cost Details (2 GB, about 2 million rows, a
// month) and advises to "chunk your calls into small date ranges ... by day or by week". No
// recorded live 413 is public, so the SDK recognises the answer by its status code on the
// request or on a poll, and by a Failed operation whose error says the data is too large.

// isTooLarge reports whether err is the service refusing a report as too large.
func isTooLarge(err error) bool {
	var se *billing.ServiceError
	if errors.As(err, &se) {
		return se.StatusCode == http.StatusRequestEntityTooLarge || mentionsTooLarge(se.Code, se.Message)
	}
	var re *ReportError
	if errors.As(err, &re) && re.Reason == "" {
		return re.TooLarge || mentionsTooLarge(re.Code, re.Message)
	}
	return false
}

// mentionsTooLarge reads an operation's error code and message for the size limit.
func mentionsTooLarge(code, msg string) bool {
	if code == "413" || strings.Contains(strings.ToLower(code), "toolarge") {
		return true
	}
	m := strings.ToLower(msg)
	return strings.Contains(m, "too large") || strings.Contains(m, "exceeds the maximum size")
}

// tooLargeError is the *ReportError for a part that cannot be split further.
func tooLargeError(p *plan, pt part, cause error, reason string) *ReportError {
	e := &ReportError{Scope: p.scope.ID(), TooLarge: true, Period: pt.period, Reason: reason, Err: cause}
	var se *billing.ServiceError
	if errors.As(cause, &se) {
		e.Code, e.Message, e.RequestID = se.Code, se.Message, se.RequestID
	}
	var re *ReportError
	if errors.As(cause, &re) {
		e.Status, e.Code, e.Message, e.RequestID = re.Status, re.Code, re.Message, re.RequestID
	}
	return e
}

// splitPart halves the date range of a part the service refused as too large. The open month
// becomes its dates so far; a single day, an EA billing period or an MCA invoice cannot be split
// (their rows are selected by billing month or invoice, not by date, so a date split would not
// select the same rows).
func (c *Client) splitPart(p *plan, pt part, cause error) ([]part, error) {
	per := pt.period
	switch {
	case pt.billingPeriod != "":
		return nil, tooLargeError(p, pt, cause,
			"for billing period "+pt.billingPeriod+" is larger than the service's report size limit; request it by Period (split by date) or use Cost Management exports")
	case pt.invoiceID != "":
		return nil, tooLargeError(p, pt, cause,
			"for invoice "+pt.invoiceID+" is larger than the service's report size limit; request the invoice's billing period by Period (split by date) or use Cost Management exports")
	case per.IsZero():
		today := billing.DateOf(c.cc.ARM.Now().UTC())
		per = billing.Period{Start: billing.NewDate(today.Year, today.Month, 1), End: today}
	}
	days := per.Days()
	if days <= 1 {
		return nil, tooLargeError(p, pt, cause,
			"for "+per.String()+" is larger than the service's report size limit even for a single day; use Cost Management exports, or request child scopes")
	}
	mid := per.Start.AddDays(days/2 - 1)
	return []part{
		{period: billing.Period{Start: per.Start, End: mid}},
		{period: billing.Period{Start: mid.AddDays(1), End: per.End}},
	}, nil
}

// eachReport requests the plan's reports in order and hands each to fn until fn returns false.
// A part the service refuses as too large is replaced by the halves of its date range, in
// place, so the reports still come in date order.
func (c *Client) eachReport(ctx context.Context, p *plan, fn func(*Report) bool) error {
	queue := slices.Clone(p.parts)
	for len(queue) > 0 {
		pt := queue[0]
		rep, err := c.open(ctx, p, pt)
		if err != nil {
			if !isTooLarge(err) {
				return err
			}
			halves, err := c.splitPart(p, pt, err)
			if err != nil {
				return err
			}
			queue = append(halves, queue[1:]...)
			continue
		}
		queue = queue[1:]
		if !fn(rep) {
			return nil
		}
	}
	return nil
}
