package usage

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
)

// Cost Details rate limits, as Learn's "Cost Management API latency and rate limits" lists them
// for the Cost Details API (azure-docs articles/cost-management-billing/automate/
// api-latency-rate-limits.md): per distinct scope 2 calls/minute, 10 calls/hour and 50
// calls/day; per tenant 10 calls/minute across subscription scopes; per billing account 5
// calls/minute across the other scopes (billing account, profile, department, ...); per client
// application 30 calls/minute; and polls per operation id 2 calls/minute (polls follow
// Retry-After, which is far slower). "With rate limiting in place, you'll be able to ingest data
// for 600 subscriptions per hour." Throttled answers are 429 with the wait in
// x-ms-ratelimit-microsoft.costmanagement-entity-retry-after (the scope's quota) or
// -tenant-retry-after (the tenant's), in seconds; answers also carry the quotas left in
// x-ms-ratelimit-remaining-microsoft.costmanagement-entity-requests and -tenant-requests
// ("DefaultQuota:7"; recorded in microsoft/AzureTRE#2835).

// RateLimit is at most Requests requests in any window of length Per.
type RateLimit struct {
	Requests int
	Per      time.Duration
}

// Limits are the Cost Details request rates Client.FanOut paces its report requests to. Each
// list holds limits that all apply (e.g. 2 a minute and 10 an hour); an empty list means no
// limit of that kind.
type Limits struct {
	// PerScope applies to each scope on its own.
	PerScope []RateLimit
	// PerTenant applies to the subscription scopes together.
	PerTenant []RateLimit
	// PerBillingAccount applies to the other scopes of one billing account together.
	PerBillingAccount []RateLimit
}

// PublishedLimits returns the Cost Details limits Microsoft publishes: per scope 2 a minute,
// 10 an hour and 50 a day; per tenant 10 a minute (subscription scopes); per billing account
// 5 a minute (other scopes).
func PublishedLimits() Limits {
	return Limits{
		PerScope:          []RateLimit{{2, time.Minute}, {10, time.Hour}, {50, 24 * time.Hour}},
		PerTenant:         []RateLimit{{10, time.Minute}},
		PerBillingAccount: []RateLimit{{5, time.Minute}},
	}
}

// Scaled returns the limits with every window multiplied by f: for tests against an emulator
// whose windows are scaled down the same way.
func (l Limits) Scaled(f float64) Limits {
	sc := func(in []RateLimit) []RateLimit {
		out := make([]RateLimit, len(in))
		for i, r := range in {
			out[i] = RateLimit{r.Requests, time.Duration(float64(r.Per) * f)}
		}
		return out
	}
	return Limits{PerScope: sc(l.PerScope), PerTenant: sc(l.PerTenant), PerBillingAccount: sc(l.PerBillingAccount)}
}

// bucket is the sliding-window log of requests sent under some limits.
type bucket struct {
	limits []RateLimit
	logs   [][]time.Time
	paused time.Time // the service asked us to wait until then
}

// wait is how long until the bucket admits a request at now (0: now).
func (b *bucket) wait(now time.Time) time.Duration {
	w := b.paused.Sub(now)
	for i, lim := range b.limits {
		if lim.Requests <= 0 || lim.Per <= 0 {
			continue
		}
		log := b.logs[i]
		// A margin over the window: the service counts requests when they arrive, and one sent
		// later may arrive sooner than one sent earlier.
		per := lim.Per + margin(lim.Per)
		for len(log) > 0 && !log[0].After(now.Add(-per)) {
			log = log[1:]
		}
		b.logs[i] = log
		if len(log) >= lim.Requests {
			w = max(w, log[len(log)-lim.Requests].Add(per).Sub(now))
		}
	}
	return max(w, 0)
}

func (b *bucket) record(now time.Time) {
	for i := range b.logs {
		b.logs[i] = append(b.logs[i], now)
	}
}

// margin is the slack added to a window: 2% of it, at least 5 ms.
func margin(per time.Duration) time.Duration { return max(per/50, 5*time.Millisecond) }

// pacer spaces Cost Details report requests so that they stay within Limits, and pauses them
// when the service says to wait.
type pacer struct {
	mu        sync.Mutex
	limits    Limits
	buckets   map[string]*bucket
	throttled atomic.Int64 // 429 answers seen
	waited    atomic.Int64 // nanoseconds spent waiting for a slot
}

func newPacer(l Limits) *pacer { return &pacer{limits: l, buckets: map[string]*bucket{}} }

// keys names the buckets a request for scope counts against.
func pacerKeys(s billing.Scope) (scopeKey, sharedKey string) {
	scopeKey = "scope:" + strings.ToLower(s.ID())
	if s.Kind() == billing.ScopeSubscription {
		return scopeKey, "tenant"
	}
	return scopeKey, "account:" + strings.ToLower(s.BillingAccount())
}

func (p *pacer) bucket(key string) *bucket {
	b := p.buckets[key]
	if b == nil {
		var lim []RateLimit
		switch {
		case strings.HasPrefix(key, "scope:"):
			lim = p.limits.PerScope
		case key == "tenant":
			lim = p.limits.PerTenant
		default:
			lim = p.limits.PerBillingAccount
		}
		b = &bucket{limits: lim, logs: make([][]time.Time, len(lim))}
		p.buckets[key] = b
	}
	return b
}

// acquire waits until a request for scope fits every limit, and records it.
func (p *pacer) acquire(ctx context.Context, s billing.Scope) error {
	sk, tk := pacerKeys(s)
	for {
		p.mu.Lock()
		now := time.Now()
		bs, bt := p.bucket(sk), p.bucket(tk)
		w := max(bs.wait(now), bt.wait(now))
		if w == 0 {
			bs.record(now)
			bt.record(now)
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		p.waited.Add(int64(w))
		if err := arm.Sleep(ctx, w); err != nil {
			return err
		}
	}
}

// Cost Management's throttle headers (see the comment at the top).
const (
	hdrEntityRetryAfter = "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after"
	hdrTenantRetryAfter = "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after"
)

// pause makes the bucket wait d from now (the longer of this and any earlier pause).
func (p *pacer) pause(key string, d time.Duration) {
	if d <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.bucket(key)
	if until := time.Now().Add(d); until.After(b.paused) {
		b.paused = until
	}
}

// observer sees every answer to a report request of scope (retries included) and turns a
// throttled one into a pause of the bucket it names: the scope's for the entity header, the
// shared one for the tenant header or any other retry-after header.
func (p *pacer) observer(s billing.Scope) func(*http.Response) {
	sk, tk := pacerKeys(s)
	return func(resp *http.Response) {
		if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
			return
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			p.throttled.Add(1)
		}
		ent, ten := headerSeconds(resp.Header, hdrEntityRetryAfter), headerSeconds(resp.Header, hdrTenantRetryAfter)
		p.pause(sk, ent)
		p.pause(tk, ten)
		if ent == 0 && ten == 0 {
			p.pause(tk, arm.RetryAfter(resp.Header))
		}
	}
}

// headerSeconds reads a throttle header in seconds (fractions allowed), 0 when absent or bad.
func headerSeconds(h http.Header, name string) time.Duration {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0 && f <= 1e6) { // NaN fails every comparison
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

// pacerKey carries a fan-out's pacer to the report requests it makes.
type pacerKey struct{}

func withPacer(ctx context.Context, p *pacer) context.Context {
	return context.WithValue(ctx, pacerKey{}, p)
}

func pacerFrom(ctx context.Context) *pacer {
	p, _ := ctx.Value(pacerKey{}).(*pacer)
	return p
}
