package faultmatrix

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/exports"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
	"github.com/azbilling/azbilling/usage"
)

var (
	flagSeeds   = flag.Int("matrix.seeds", 0, "seeds per suite (0: 40, or 10 with -short)")
	flagFirst   = flag.Int64("matrix.first", 1, "first seed")
	flagSeed    = flag.Int64("matrix.seed", 0, "run only this seed (reproduce a failure)")
	flagSerial  = flag.Bool("matrix.serial", false, "download one document at a time (exact reproduction)")
	flagVerbose = flag.Bool("matrix.verbose", false, "log every run's scenario and outcome")
	flagMaxFail = flag.Int("matrix.maxfail", 10, "stop a suite after this many failing seeds")
)

// seeds returns the seeds a suite runs.
func seeds() []int64 { return seedsOr(40, 10) }

// seedsOr returns the seeds a suite runs, def of them by default (short with -short) unless
// -matrix.seeds or -matrix.seed says otherwise.
func seedsOr(def, short int) []int64 {
	if *flagSeed != 0 {
		return []int64{*flagSeed}
	}
	n := *flagSeeds
	if n <= 0 {
		n = def
		if testing.Short() {
			n = short
		}
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = *flagFirst + int64(i)
	}
	return out
}

// long reports whether the suite runs in long mode, where slower faults (Retry-After: 1) are
// drawn too.
func long() bool { return *flagSeeds > 50 }

// Violations: outcomes a run must never have.
const (
	vCorrupt    = "corrupt"     // a file at the destination differs from the service's bytes
	vPartial    = "partial"     // a temporary file left behind, or a sidecar without its file
	vMissing    = "missing"     // the run said it succeeded but a file is not there
	vWrongSum   = "wrong-sum"   // usage sums differ from the ground truth
	vUntyped    = "untyped"     // the error is not one of the SDK's typed errors
	vLeak       = "leak"        // a goroutine was left running
	vUnexpected = "unexpected"  // the faults were all recoverable, yet the run failed
	vRecovery   = "recovery"    // the re-run without faults did not finish cleanly
	vAuthOnBlob = "auth-leaked" // the blob host saw an Authorization header
	vSummary    = "summary"     // the summary does not match what is on disk
	vWrongRun   = "wrong-run"   // an export listing counted a run other than the latest complete one
	vUnnamed    = "unnamed"     // a typed error that does not name the damaged blob
	vUndetected = "undetected"  // damage in storage that a read completed without reporting
)

var allViolations = []string{vCorrupt, vPartial, vMissing, vWrongSum, vUntyped, vLeak, vUnexpected, vRecovery, vAuthOnBlob, vSummary, vWrongRun, vUnnamed, vUndetected}

// tally counts the outcomes of a suite.
type tally struct {
	mu         sync.Mutex
	runs       int
	outcomes   map[string]int
	violations map[string]int
	faults     map[string]int // faults drawn, by catalog name
	failing    int            // seeds with at least one violation
}

func newTally() *tally {
	return &tally{outcomes: map[string]int{}, violations: map[string]int{}, faults: map[string]int{}}
}

func (t *tally) add(outcome string, violations []violation, faults []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.runs++
	t.outcomes[outcome]++
	for _, v := range violations {
		t.violations[v.kind]++
	}
	if len(violations) > 0 {
		t.failing++
	}
	for _, f := range faults {
		t.faults[f]++
	}
}

func (t *tally) summary(suite string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	complete := t.outcomes["complete"]
	fmt.Fprintf(&b, "matrix %s: %d runs: %d complete, %d typed errors", suite, t.runs, complete, t.runs-complete-t.violations[vUntyped])
	var vs []string
	for _, k := range allViolations {
		vs = append(vs, fmt.Sprintf("%d %s", t.violations[k], k))
	}
	fmt.Fprintf(&b, "; violations: %s", strings.Join(vs, ", "))
	b.WriteString("\n  outcomes:")
	for _, k := range slices.Sorted(maps.Keys(t.outcomes)) {
		fmt.Fprintf(&b, " %s=%d", k, t.outcomes[k])
	}
	b.WriteString("\n  faults drawn:")
	for _, k := range slices.Sorted(maps.Keys(t.faults)) {
		fmt.Fprintf(&b, " %s=%d", k, t.faults[k])
	}
	return b.String()
}

type violation struct {
	kind   string
	detail string
}

func (v violation) String() string { return v.kind + ": " + v.detail }

// classify names an error's outcome and says whether it is one of the SDK's typed errors.
func classify(err error) (string, bool) {
	if err == nil {
		return "complete", true
	}
	var (
		fan   *usage.FanOutError
		bulk  *invoice.BulkError
		dl    *billing.DownloadError
		thr   *billing.ThrottledError
		perm  *roles.PermissionError
		nf    *billing.NotFoundError
		svc   *billing.ServiceError
		proto *billing.ProtocolError
		rep   *usage.ReportError
		parse *usage.ParseError
		in    *billing.InputError
		em    *invoice.EmailedError
		net   *billing.NetworkError
		host  *billing.HostError
		xint  *exports.IntegrityError
		xman  *exports.ManifestError
		xfmt  *exports.FormatError
		xsto  *exports.StorageError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline", true
	case errors.Is(err, context.Canceled):
		return "canceled", true
	case errors.As(err, &fan):
		classes := map[string]bool{}
		typed := true
		for _, f := range fan.Failed {
			c, ok := classify(f.Err)
			classes[c] = true
			typed = typed && ok
		}
		return "fanout[" + strings.Join(slices.Sorted(maps.Keys(classes)), ",") + "]", typed
	case errors.As(err, &bulk):
		classes := map[string]bool{}
		typed := true
		for _, f := range bulk.Failed {
			c, ok := classify(f.Err)
			classes[c] = true
			typed = typed && ok
		}
		return "bulk[" + strings.Join(slices.Sorted(maps.Keys(classes)), ",") + "]", typed
	case errors.As(err, &dl):
		return "download/" + dl.Kind.String(), true
	case errors.As(err, &thr):
		return "throttled", true
	case errors.As(err, &perm):
		return "permission", true
	case errors.As(err, &nf):
		return "not-found", true
	case errors.As(err, &svc):
		return fmt.Sprintf("service/%d", svc.StatusCode), true
	case errors.As(err, &proto):
		return "protocol", true
	case errors.As(err, &rep):
		return "report", true
	case errors.As(err, &parse):
		return "parse", true
	case errors.As(err, &in):
		return "input", true
	case errors.As(err, &em):
		return "emailed", true
	case errors.As(err, &net):
		return "network", true
	case errors.As(err, &host):
		return "host-refused", true
	case errors.As(err, &xint):
		return "export-integrity/" + xint.What, true
	case errors.As(err, &xman):
		return "export-manifest", true
	case errors.As(err, &xfmt):
		return "export-format", true
	case errors.As(err, &xsto):
		return "export-storage/" + xsto.Op, true
	}
	return fmt.Sprintf("untyped(%T)", err), false
}

// env is one emulator and a billing client wired to it, with transports the run can close.
type env struct {
	srv    *billingtest.Server
	bc     *billing.Client
	armTr  *http.Transport
	blobTr *http.Transport
	tamper *billingtest.Tamper
}

func newTransport(srv *billingtest.Server) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 16
	tr.ForceAttemptHTTP2 = false
	return tr
}

// maxRetryDelay bounds azcore's waits in the matrix: above every Retry-After the matrix draws
// for faults meant to be retried, below the one it draws for a throttle that must not be.
const maxRetryDelay = 2 * time.Second

// newEnv starts an emulator and a client for principal p with fast retries.
func newEnv(p billingtest.Principal, opts ...billingtest.Option) (*env, error) {
	srv, err := billingtest.Start(opts...)
	if err != nil {
		return nil, err
	}
	e := &env{srv: srv, armTr: newTransport(srv), blobTr: newTransport(srv)}
	e.tamper = srv.NewTamper(e.blobTr)
	co := srv.ClientOptions()
	co.Transport = &http.Client{Transport: e.armTr}
	co.Retry.RetryDelay = time.Millisecond
	co.Retry.MaxRetryDelay = maxRetryDelay
	co.Download.HTTPClient = &http.Client{Transport: e.tamper}
	co.Download.RetryWaitMin = time.Millisecond
	co.Download.RetryWaitMax = 5 * time.Millisecond
	e.bc, err = billing.NewClient(srv.Credential(p), co)
	if err != nil {
		srv.Close()
		return nil, err
	}
	return e, nil
}

// close stops the emulator and drops the client's connections, so that nothing the run started
// is still running afterwards.
func (e *env) close() {
	e.srv.Close()
	e.armTr.CloseIdleConnections()
	e.blobTr.CloseIdleConnections()
}

// suite runs fn for every seed and reports the tally.
func suite(t *testing.T, name string, fn func(t *testing.T, seed int64) (outcome string, faults []string, vs []violation, desc string)) {
	suiteOf(t, name, seeds(), fn)
}

// suiteOf runs fn for the given seeds and reports the tally.
func suiteOf(t *testing.T, name string, list []int64, fn func(t *testing.T, seed int64) (outcome string, faults []string, vs []violation, desc string)) {
	tl := newTally()
	start := time.Now()
	for _, seed := range list {
		outcome, faults, vs, desc := fn(t, seed)
		tl.add(outcome, vs, faults)
		if *flagVerbose {
			t.Logf("seed %d: %s: %s", seed, outcome, desc)
		}
		if len(vs) > 0 {
			var lines []string
			for _, v := range vs {
				lines = append(lines, "  "+v.String())
			}
			t.Errorf("seed %d (%s) outcome %s:\n  scenario: %s\n%s\n  rerun: go test ./internal/faultmatrix -run 'TestMatrix%s' -matrix.seed=%d -matrix.serial -v",
				seed, name, outcome, desc, strings.Join(lines, "\n"), name, seed)
			if tl.failing >= *flagMaxFail {
				t.Errorf("stopping after %d failing seeds", tl.failing)
				break
			}
		}
	}
	t.Logf("%s (%s)", tl.summary(name), time.Since(start).Round(time.Millisecond))
}

// describe joins fault names for a scenario description.
func describe(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

func requireNoErr(t *testing.T, err error) { t.Helper(); require.NoError(t, err) }
