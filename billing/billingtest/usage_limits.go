package billingtest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Cost Details limits the emulator enforces: a report size limit (413) and request rate limits
// (429) per scope and per tenant.
//
// What the service documents, and what the emulator does with it:
//
//   - Size. The predecessor API's error response (GenerateDetailedCostReportErrorResponse,
//     azure-rest-api-specs costmanagement 2023-11-01) documents "413 Request Entity Too Large -
//     ... The amount of data required to fulfill the request exceeds the maximum size permitted
//     of 2Gb. Please utilize our Exports feature instead."; Learn's "Get small cost datasets on
//     demand" says to use the Cost Details API for data sets of 2 GB (2 million rows) or less and
//     to chunk larger months by day or week. The emulator answers the generateCostDetailsReport
//     POST whose report would exceed the limit (WithUsageReportLimit, default 2 GiB of CSV) with
//     413 and an ARM error body, code "413" — inferred: Cost Management's recorded 429 bodies use
//     the status number as the code ({"error":{"code":"429","message":"Too many requests. Please
//     retry."}}, cloudquery/cloudquery#9860); no recorded 413 body is public.
//   - Rates. Learn's "Cost Management API latency and rate limits" (azure-docs
//     articles/cost-management-billing/automate/api-latency-rate-limits.md) lists for the Cost
//     Details API: per distinct scope 2 calls/minute, 10 calls/hour, 50 calls/day; per tenant
//     (subscription scopes) 10 calls/minute; per billing account 10 calls/minute (subscription
//     scopes) or 5 calls/minute (other scopes); per operation id 2 calls/minute; per client
//     application 30 calls/minute. Older text said 30 calls/minute per scope and 200 per tenant.
//     The emulator counts admitted generateCostDetailsReport POSTs in sliding windows, per scope
//     (the "entity") and across the whole emulator (its one tenant); polls are not limited.
//   - Headers. Cost Management answers carry x-ms-ratelimit-remaining-microsoft.costmanagement-
//     entity-requests and -tenant-requests ("DefaultQuota:7", microsoft/AzureTRE#2835); a 429
//     names its wait in x-ms-ratelimit-microsoft.costmanagement-entity-retry-after or
//     -tenant-retry-after, in seconds (Azure/azqr#745 and several clients). The emulator sends
//     these; a wait is whole seconds (rounded up) when the window is whole seconds, otherwise —
//     windows scaled down for tests — seconds with a fraction ("0.125").

// RateLimit is "Requests per Per" in a sliding window.
type RateLimit struct {
	Requests int
	Per      time.Duration
}

// CostDetailsLimits are the request rate limits of generateCostDetailsReport. A nil or empty
// list means no limit of that kind.
type CostDetailsLimits struct {
	// PerScope limits the reports requested for one scope (the "entity").
	PerScope []RateLimit
	// PerTenant limits the reports requested across all scopes.
	PerTenant []RateLimit
}

// PublishedCostDetailsLimits returns the limits Learn publishes for the Cost Details API: per
// scope 2 a minute, 10 an hour, 50 a day; per tenant 10 a minute.
func PublishedCostDetailsLimits() CostDetailsLimits {
	return CostDetailsLimits{
		PerScope:  []RateLimit{{2, time.Minute}, {10, time.Hour}, {50, 24 * time.Hour}},
		PerTenant: []RateLimit{{10, time.Minute}},
	}
}

// Scaled returns the limits with every window multiplied by f (e.g. 0.01 turns a minute into
// 600 ms), for tests that must run the published shape quickly.
func (l CostDetailsLimits) Scaled(f float64) CostDetailsLimits {
	sc := func(in []RateLimit) []RateLimit {
		out := make([]RateLimit, len(in))
		for i, r := range in {
			out[i] = RateLimit{r.Requests, time.Duration(float64(r.Per) * f)}
		}
		return out
	}
	return CostDetailsLimits{PerScope: sc(l.PerScope), PerTenant: sc(l.PerTenant)}
}

// WithCostDetailsRateLimits makes generateCostDetailsReport answer 429 with Cost Management's
// throttle headers once a limit is reached (default: no limits). See PublishedCostDetailsLimits.
func WithCostDetailsRateLimits(l CostDetailsLimits) Option {
	return func(c *config) { c.usage.limits = l }
}

// WithUsageReportLimit sets the largest Cost Details report, in bytes of CSV: a request for a
// larger one is answered 413 (default 2 GiB, the service's "2Gb").
func WithUsageReportLimit(bytes int64) Option { return func(c *config) { c.usage.reportLimit = bytes } }

const defaultUsageReportLimit = 2 << 30

// SetUsageReportLimit changes the report size limit of WithUsageReportLimit while the server
// runs (0 restores the default).
func (s *Server) SetUsageReportLimit(bytes int64) {
	if bytes <= 0 {
		bytes = defaultUsageReportLimit
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.usage.cfg.reportLimit = bytes
}

func (s *Server) usageReportLimit() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.usage.cfg.reportLimit
}

// Throttled returns how many generateCostDetailsReport requests were answered 429 so far.
func (s *Server) Throttled() int {
	if s.usage == nil || s.usage.limiter == nil {
		return 0
	}
	s.usage.limiter.mu.Lock()
	defer s.usage.limiter.mu.Unlock()
	return s.usage.limiter.throttled
}

// TooLarge returns how many generateCostDetailsReport requests were answered 413 so far.
func (s *Server) TooLarge() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.usage.tooLarge
}

// cdLimiter keeps the sliding windows of admitted requests.
type cdLimiter struct {
	mu        sync.Mutex
	limits    CostDetailsLimits
	scopes    map[string][][]time.Time // per lower-cased scope: one log per PerScope limit
	tenant    [][]time.Time
	throttled int
}

func newCDLimiter(l CostDetailsLimits) *cdLimiter {
	if len(l.PerScope) == 0 && len(l.PerTenant) == 0 {
		return nil
	}
	return &cdLimiter{limits: l, scopes: map[string][][]time.Time{}, tenant: make([][]time.Time, len(l.PerTenant))}
}

// wait returns how long until the log admits one more request under lim (0: now), after
// dropping entries that left the window.
func logWait(log []time.Time, lim RateLimit, now time.Time) ([]time.Time, time.Duration, int) {
	i := 0
	for i < len(log) && !log[i].After(now.Add(-lim.Per)) {
		i++
	}
	log = log[i:]
	if len(log) < lim.Requests {
		return log, 0, lim.Requests - len(log)
	}
	return log, log[len(log)-lim.Requests].Add(lim.Per).Sub(now), 0
}

// admit decides on one request for scope: 0 waits and the remaining quotas when admitted (and
// then recorded), or the waits per kind when not.
func (l *cdLimiter) admit(scope string, now time.Time) (scopeWait, tenantWait time.Duration, scopeLeft, tenantLeft int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := strings.ToLower(scope)
	logs := l.scopes[key]
	if logs == nil {
		logs = make([][]time.Time, len(l.limits.PerScope))
	}
	scopeLeft, tenantLeft = math.MaxInt, math.MaxInt
	for i, lim := range l.limits.PerScope {
		var w time.Duration
		var left int
		logs[i], w, left = logWait(logs[i], lim, now)
		scopeWait, scopeLeft = max(scopeWait, w), min(scopeLeft, left)
	}
	for i, lim := range l.limits.PerTenant {
		var w time.Duration
		var left int
		l.tenant[i], w, left = logWait(l.tenant[i], lim, now)
		tenantWait, tenantLeft = max(tenantWait, w), min(tenantLeft, left)
	}
	l.scopes[key] = logs
	if scopeWait > 0 || tenantWait > 0 {
		l.throttled++
		return scopeWait, tenantWait, 0, 0
	}
	for i := range logs {
		logs[i] = append(logs[i], now)
	}
	for i := range l.tenant {
		l.tenant[i] = append(l.tenant[i], now)
	}
	return 0, 0, scopeLeft - 1, tenantLeft - 1
}

// wholeSeconds reports whether every window is a whole number of seconds.
func (l *cdLimiter) wholeSeconds() bool {
	for _, r := range append(append([]RateLimit(nil), l.limits.PerScope...), l.limits.PerTenant...) {
		if r.Per%time.Second != 0 {
			return false
		}
	}
	return true
}

func (l *cdLimiter) seconds(d time.Duration) string {
	if l.wholeSeconds() {
		return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
	}
	return strconv.FormatFloat(math.Ceil(d.Seconds()*1000)/1000, 'f', 3, 64)
}

// Cost Management's throttle headers.
const (
	hdrEntityRetryAfter = "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after"
	hdrTenantRetryAfter = "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after"
	hdrEntityRemaining  = "x-ms-ratelimit-remaining-microsoft.costmanagement-entity-requests"
	hdrTenantRemaining  = "x-ms-ratelimit-remaining-microsoft.costmanagement-tenant-requests"
)

// limitCostDetails applies the rate limits to a generateCostDetailsReport request for scope:
// a 429 answer when a limit is reached, otherwise nil and the headers to add to the answer.
func (s *Server) limitCostDetails(scope string) (*response, http.Header) {
	l := s.usage.limiter
	if l == nil {
		return nil, nil
	}
	sw, tw, sl, tl := l.admit(scope, time.Now())
	h := http.Header{}
	if sw > 0 || tw > 0 {
		if sw > 0 {
			h.Set(hdrEntityRetryAfter, l.seconds(sw))
		}
		if tw > 0 {
			h.Set(hdrTenantRetryAfter, l.seconds(tw))
		}
		r := errResp(http.StatusTooManyRequests, "429", "Too many requests. Please retry.")
		r.header = h
		return &r, nil
	}
	if len(l.limits.PerScope) > 0 {
		h.Set(hdrEntityRemaining, fmt.Sprintf("DefaultQuota:%d", sl))
	}
	if len(l.limits.PerTenant) > 0 {
		h.Set(hdrTenantRemaining, fmt.Sprintf("DefaultQuota:%d", tl))
	}
	return nil, h
}

// reportTooLarge is the 413 answer to a report request above the size limit.
func reportTooLarge() response {
	return errResp(http.StatusRequestEntityTooLarge, "413",
		"The amount of data required to fulfill the request exceeds the maximum size permitted of 2Gb. Please utilize our Exports feature instead.")
}
