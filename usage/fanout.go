package usage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/azbilling/azbilling/billing"
)

// FanOutOptions configure Client.FanOut. Exactly one sink is used: Dir when set, otherwise
// Records.
type FanOutOptions struct {
	// Usage selects the usage of every scope (Metric, Period, ...); nil means the actual cost of
	// the open month. Set Usage.Agreement when every scope is a subscription of a known
	// agreement, to save one request per subscription.
	Usage *Options

	// Concurrency is how many scopes are fetched at once (default 8). The rate limits, not
	// this, bound how many reports are requested per minute; more scopes in flight hide the
	// time each report takes to generate and download.
	Concurrency int

	// Limits are the request rates to pace report requests to. Nil means PublishedLimits().
	// A 429 the service answers anyway pauses the scope (entity header) or every scope of the
	// tenant (tenant header) for as long as it says, and the request is sent again: throttling
	// does not fail a scope unless it persists through 8 such rounds.
	Limits *Limits

	// Dir, when set, saves each scope's usage as one CSV file in this folder, named
	// ScopeFileName(scope), written atomically as SaveCSV does. A scope whose file is already
	// there is skipped, so running FanOut again after a failure, a crash or Ctrl-C fetches only
	// what is missing.
	Dir string
	// Overwrite fetches every scope again, replacing the files in Dir.
	Overwrite bool

	// Records, used when Dir is empty, receives each scope's records as an iterator, on the
	// goroutine fetching that scope (calls for different scopes run concurrently; the
	// iterator streams, so memory stays flat whatever the scope's size). Its error fails the
	// scope. It should consume the iterator to the end: an error the iterator yields is the
	// scope's error even when Records returns nil.
	Records func(ctx context.Context, scope billing.Scope, records iter.Seq2[Record, error]) error

	// Complete, used with Records, reports scopes that are already complete (for example
	// stored by an earlier run): they are skipped.
	Complete func(scope billing.Scope) bool

	// Progress, when set, is called after each scope with what happened to it. Calls never
	// overlap, so it may print or update shared state without locking.
	Progress func(FanOutProgress)
}

// ScopeState is what happened to one scope of a fan-out.
type ScopeState int

// Scope states.
const (
	ScopeDone    ScopeState = iota + 1 // fetched and delivered
	ScopeSkipped                       // already complete (file present, or Complete said so)
	ScopeFailed                        // see ScopeResult.Err
)

// String returns "done", "skipped" or "failed".
func (s ScopeState) String() string {
	switch s {
	case ScopeDone:
		return "done"
	case ScopeSkipped:
		return "skipped"
	case ScopeFailed:
		return "failed"
	}
	return "unknown"
}

// ScopeResult is the outcome of one scope of a fan-out.
type ScopeResult struct {
	Scope billing.Scope
	State ScopeState
	// Err is the typed error that failed the scope (State ScopeFailed): *roles.PermissionError,
	// *ReportError, *ParseError, *billing.ThrottledError, ... usable with errors.As.
	Err error
	// Path is the scope's file (Dir sink), written or found.
	Path string
	// Records counts the records delivered (Records sink).
	Records int64
	// Bytes is the size of the file written (Dir sink).
	Bytes int64
	// Elapsed is how long the scope took, waits for the rate limits included.
	Elapsed time.Duration
}

// FanOutProgress reports one finished scope of a fan-out.
type FanOutProgress struct {
	ScopeResult
	Done  int // scopes finished so far, this one included
	Total int // scopes in the fan-out
	// Throttled counts the 429 answers the service gave so far (each waited out and retried).
	Throttled int
}

// FanOutSummary is the outcome of a fan-out: every scope once, in the order given.
type FanOutSummary struct {
	Scopes []ScopeResult
	// Done, Skipped and Failed count the scopes in each state.
	Done, Skipped, Failed int
	// Throttled counts the 429 answers the service gave (each waited out and retried, not
	// returned unless it persisted).
	Throttled int
	// RateWait is the time report requests spent waiting for the rate limits, summed over
	// the scopes in flight.
	RateWait time.Duration
}

// String is a one-line account such as "198 done, 2 skipped, 0 failed (0 throttled)".
func (s FanOutSummary) String() string {
	return fmt.Sprintf("%d done, %d skipped, %d failed (%d throttled)", s.Done, s.Skipped, s.Failed, s.Throttled)
}

// FanOutError is returned by FanOut when some scopes failed; the others were fetched.
type FanOutError struct {
	Failed []ScopeResult
	Total  int // scopes in the fan-out
}

// Error counts the failures and shows the first.
func (e *FanOutError) Error() string {
	if len(e.Failed) == 0 {
		return "azbilling: no scope failed"
	}
	return fmt.Sprintf("azbilling: usage of %d of %d scopes failed; first: %s: %v", len(e.Failed), e.Total, e.Failed[0].Scope, e.Failed[0].Err)
}

// Unwrap returns the failures' errors.
func (e *FanOutError) Unwrap() []error {
	out := make([]error, 0, len(e.Failed))
	for _, f := range e.Failed {
		out = append(out, f.Err)
	}
	return out
}

const defaultFanOutConcurrency = 8

// FanOut fetches the usage of many scopes at once — for example every subscription of a
// tenant — with bounded concurrency, pacing report requests to the Cost Details rate limits
// (FanOutOptions.Limits, the published ones by default: two reports a minute per scope, ten a
// minute per tenant) and to the throttle headers of any 429 the service answers, so throttling
// slows the run down but does not fail it. Each scope's usage goes to the sink the options
// name: a CSV file per scope in a folder (resumable: complete files are skipped), or a
// callback that receives the scope's records as an iterator. Reports too large for the
// service are split by date as in Records; pay-as-you-go subscriptions are read from the
// Consumption API (not paced: it has its own limits and headers, which azcore honours).
//
// The summary lists every scope once, in the order given, with its state; when any scope
// failed the error is a *FanOutError listing them (the others are complete). Bad input — no
// sink, an invalid or repeated scope, two scopes with the same file name — is an
// *billing.InputError before any request. If ctx ends, FanOut returns its error after the
// scopes in flight have stopped; their files are not written.
func (c *Client) FanOut(ctx context.Context, scopes []billing.Scope, opts *FanOutOptions) (FanOutSummary, error) {
	var o FanOutOptions
	if opts != nil {
		o = *opts
	}
	if o.Dir == "" && o.Records == nil {
		return FanOutSummary{}, &billing.InputError{Field: "sink", Reason: "set FanOutOptions.Dir (a CSV file per scope) or FanOutOptions.Records"}
	}
	uo := copyOptions(o.Usage)
	limits := PublishedLimits()
	if o.Limits != nil {
		limits = *o.Limits
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = defaultFanOutConcurrency
	}
	seen := map[string]bool{}
	names := map[string]bool{}
	for i, s := range scopes {
		if err := checkScope(s); err != nil {
			return FanOutSummary{}, fmt.Errorf("azbilling: scope %d of %d: %w", i+1, len(scopes), err)
		}
		id := strings.ToLower(s.ID())
		if seen[id] {
			return FanOutSummary{}, &billing.InputError{Field: "scopes", Value: s.ID(), Reason: "the scope is listed twice"}
		}
		seen[id] = true
		if o.Dir != "" {
			n := strings.ToLower(ScopeFileName(s))
			if names[n] {
				return FanOutSummary{}, &billing.InputError{Field: "scopes", Value: s.ID(), Reason: "two scopes would be saved under the same file name " + ScopeFileName(s)}
			}
			names[n] = true
		}
	}
	if o.Dir != "" {
		if err := os.MkdirAll(o.Dir, 0o755); err != nil {
			return FanOutSummary{}, err
		}
	}

	pc := newPacer(limits)
	pctx := withPacer(ctx, pc)
	results := make([]ScopeResult, len(scopes))
	var (
		mu   sync.Mutex // serializes Progress and guards done
		done int
	)
	finish := func(i int, r ScopeResult) {
		results[i] = r
		mu.Lock()
		defer mu.Unlock()
		done++
		if o.Progress != nil {
			o.Progress(FanOutProgress{ScopeResult: r, Done: done, Total: len(scopes), Throttled: int(pc.throttled.Load())})
		}
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(conc, max(len(scopes), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				finish(i, c.fanOutScope(pctx, scopes[i], &uo, &o))
			}
		}()
	}
feed:
	for i := range scopes {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()

	sum := FanOutSummary{Scopes: results, Throttled: int(pc.throttled.Load()), RateWait: time.Duration(pc.waited.Load())}
	var failed []ScopeResult
	for i, r := range results {
		if r.State == 0 { // never started: ctx ended
			results[i] = ScopeResult{Scope: scopes[i], State: ScopeFailed, Err: ctx.Err()}
			r = results[i]
		}
		switch r.State {
		case ScopeDone:
			sum.Done++
		case ScopeSkipped:
			sum.Skipped++
		case ScopeFailed:
			sum.Failed++
			failed = append(failed, r)
		}
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if len(failed) > 0 {
		return sum, &FanOutError{Failed: failed, Total: len(scopes)}
	}
	return sum, nil
}

// fanOutScope fetches one scope into the sink.
func (c *Client) fanOutScope(ctx context.Context, s billing.Scope, uo *Options, o *FanOutOptions) ScopeResult {
	t0 := time.Now()
	r := ScopeResult{Scope: s}
	end := func(err error) ScopeResult {
		r.Elapsed = time.Since(t0)
		switch {
		case err != nil:
			r.State, r.Err = ScopeFailed, err
		case r.State == 0:
			r.State = ScopeDone
		}
		return r
	}
	if o.Dir != "" {
		r.Path = filepath.Join(o.Dir, ScopeFileName(s))
		if !o.Overwrite {
			if fi, err := os.Stat(r.Path); err == nil && fi.Mode().IsRegular() {
				r.State, r.Bytes = ScopeSkipped, fi.Size()
				return end(nil)
			}
		}
		n, err := c.SaveCSV(ctx, s, uo, r.Path)
		r.Bytes = n
		return end(err)
	}
	if o.Complete != nil && o.Complete(s) {
		r.State = ScopeSkipped
		return end(nil)
	}
	var iterErr error
	counted := func(yield func(Record, error) bool) {
		for rec, err := range c.Records(ctx, s, uo) {
			if err != nil {
				iterErr = err
			} else {
				r.Records++
			}
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
	err := o.Records(ctx, s, counted)
	if err == nil {
		err = iterErr
	}
	if err == nil {
		err = ctx.Err()
	}
	return end(err)
}

// ScopeFileName is the file name Client.FanOut saves a scope's usage under: the scope's ARM id
// without "providers/Microsoft.Billing", its separators turned into "_" and any character
// other than ASCII letters, digits, "-", "_" and "." into "-", with ".csv" appended, e.g.
// "subscriptions_44444444-4444-4444-4444-444444444444.csv" or
// "billingAccounts_12345678_departments_ENG.csv". Names longer than 200 bytes (file systems
// allow 255) are shortened and end with a hash of the id, so they stay distinct.
func ScopeFileName(s billing.Scope) string {
	id := strings.Trim(s.ID(), "/")
	for _, p := range []string{"providers/Microsoft.Billing/", "providers/microsoft.billing/"} {
		id = strings.ReplaceAll(id, p, "")
	}
	b := []byte(id)
	for i, ch := range b {
		switch {
		case ch == '/':
			b[i] = '_'
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '-', ch == '_', ch == '.':
		default:
			b[i] = '-'
		}
	}
	name := strings.Trim(string(b), ".-_")
	if name == "" {
		name = "scope"
	}
	if len(name) > 196 {
		h := sha256.Sum256([]byte(strings.ToLower(s.ID())))
		name = name[:179] + "-" + hex.EncodeToString(h[:8])
	}
	return name + ".csv"
}
