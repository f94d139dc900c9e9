package faultmatrix

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/azbilling/azbilling/billing/billingtest"
)

// Retry budgets of the clients as the matrix configures them: azcore retries an ARM request 3
// times; a blob request is retried 5 times (DownloadOptions.MaxRetries default), resumed 8 times
// and its link refreshed 3 times (blob.ReadOptions defaults).
const (
	budgetARM       = 3
	budgetBlobRetry = 5
	budgetResumes   = 8
	budgetRefreshes = 3
	// budgetRefetches: a download that fails its integrity check (MD5, length, a PDF's trailer)
	// is fetched again from scratch up to twice: invoice documents and usage report blobs alike,
	// whether they go to a file (SaveCSV) or to records (Records holds a blob back until it is
	// verified).
	budgetRefetches = 2
)

// drawn is one fault of a scenario.
type drawn struct {
	name   string // catalog entry, for counts
	desc   string
	fault  *billingtest.Fault
	tamper []billingtest.TamperRule
	// expireLinks hands out that many already-expired invoice links (ExpireNextInvoiceLinks).
	expireLinks int

	// What the fault costs of the retry budgets, when it fires as often as it may.
	arm, blobRetry, resumes, refreshes, refetches int
	// fatal: no retry gets past it (the run may still finish if it never fires).
	fatal bool
}

// recoverable reports whether the faults together stay within every retry budget, so the run
// must finish as if nothing happened.
func recoverable(ds []drawn) bool {
	var arm, blobRetry, resumes, refreshes, refetches int
	for _, d := range ds {
		if d.fatal {
			return false
		}
		arm += d.arm
		blobRetry += d.blobRetry
		resumes += d.resumes
		refreshes += d.refreshes
		refetches += d.refetches
	}
	return arm <= budgetARM && blobRetry <= budgetBlobRetry && resumes <= budgetResumes && refreshes <= budgetRefreshes && refetches <= budgetRefetches
}

// catalog describes where a suite's faults may aim.
type catalog struct {
	armPaths []string // path fragments of the suite's ARM requests ("" = any)
	pagePath string   // path of a list whose second page can fail ("" = none)
	minBody  int64    // smallest blob body of the run, for byte offsets
	links    bool     // ExpireNextInvoiceLinks applies (invoice downloads)
}

// integrity marks d, a fault that fails one answer's integrity check once: recoverable in every
// suite, since every download is fetched again from scratch before its bytes are used.
func (c catalog) integrity(d drawn) drawn {
	d.refetches = 1
	return d
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

// times makes f act on its first k matches; nth on its n-th match only. It returns the fault and
// how many times it can fire.
func times(rng *rand.Rand, f billingtest.Fault, maxK int) (billingtest.Fault, int, string) {
	if rng.IntN(3) == 0 {
		n := 1 + rng.IntN(6)
		return f.Nth(n), 1, fmt.Sprintf("#%d", n)
	}
	k := 1 + rng.IntN(maxK)
	return f.Times(k), k, fmt.Sprintf("x%d", k)
}

func (c catalog) retryAfter(rng *rand.Rand) int {
	if long() && rng.IntN(10) == 0 {
		return 1 // honoured for real: a one-second wait
	}
	return 0
}

func (c catalog) armPath(rng *rand.Rand, f billingtest.Fault) (billingtest.Fault, string) {
	p := pick(rng, c.armPaths...)
	if p == "" {
		return f, "any ARM request"
	}
	return f.Path(p), p
}

// draw returns one random fault.
func (c catalog) draw(rng *rand.Rand) drawn {
	offset := func() int64 {
		if c.minBody <= 1 {
			return 0
		}
		return rng.Int64N(c.minBody)
	}
	for {
		switch rng.IntN(21) {
		case 0, 1, 2: // 429 with each kind of throttle header
			h := pick(rng, billingtest.HeaderRetryAfter, billingtest.HeaderCostManagementQPURetryAfter, billingtest.HeaderConsumptionRetryAfter)
			ra := c.retryAfter(rng)
			f, where := c.armPath(rng, billingtest.Throttle(ra, h))
			f, k, n := times(rng, f, 4)
			return drawn{name: "arm-429/" + h, desc: fmt.Sprintf("429 %s: %d on %s %s", h, ra, where, n), fault: &f, arm: k}
		case 3: // a throttle longer than the caller's MaxRetryDelay: not retried
			h := pick(rng, billingtest.HeaderRetryAfter, billingtest.HeaderCostManagementQPURetryAfter, billingtest.HeaderConsumptionRetryAfter)
			f, where := c.armPath(rng, billingtest.Throttle(30, h))
			f, _, n := times(rng, f, 2)
			return drawn{name: "arm-429-too-long", desc: fmt.Sprintf("429 %s: 30 on %s %s", h, where, n), fault: &f, fatal: true}
		case 4, 5: // 500, 502, 503 on ARM
			st := pick(rng, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable)
			f, where := c.armPath(rng, billingtest.ServerError(st))
			f, k, n := times(rng, f, 4)
			return drawn{name: fmt.Sprintf("arm-%d", st), desc: fmt.Sprintf("%d on %s %s", st, where, n), fault: &f, arm: k}
		case 6: // 500, 502, 503, 429 on the blob host
			st := pick(rng, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusTooManyRequests)
			f := billingtest.ServerError(st).OnBlob()
			if st == http.StatusTooManyRequests {
				f = billingtest.Throttle(0).OnBlob()
			}
			f, k, n := times(rng, f, 6)
			return drawn{name: fmt.Sprintf("blob-%d", st), desc: fmt.Sprintf("blob %d %s", st, n), fault: &f, blobRetry: k}
		case 7, 8: // connection reset after N bytes of a blob
			at := offset()
			f, k, n := times(rng, billingtest.ResetAfterBytes(at), 3)
			return drawn{name: "blob-reset", desc: fmt.Sprintf("blob reset after %d bytes %s", at, n), fault: &f, resumes: k, blobRetry: k}
		case 9: // truncated body, correct Content-Length
			at := offset()
			f, k, n := times(rng, billingtest.TruncateBody(at), 3)
			return drawn{name: "blob-truncate", desc: fmt.Sprintf("blob truncated at %d bytes %s", at, n), fault: &f, resumes: k, blobRetry: k}
		case 10: // wrong Content-Length: too short (MD5 catches it) or too long (the range check does)
			decl := offset()
			if rng.IntN(2) == 0 {
				decl = c.minBody + 1 + rng.Int64N(1000)
			}
			f, _, n := times(rng, billingtest.WrongContentLength(decl), 1)
			return c.integrity(drawn{name: "blob-wrong-length", desc: fmt.Sprintf("blob Content-Length %d %s", decl, n), fault: &f})
		case 11: // expired SAS: 403 from the blob host
			f, k, n := times(rng, billingtest.ExpireSAS(), 4)
			return drawn{name: "blob-sas-expired", desc: "blob SAS expired " + n, fault: &f, refreshes: k}
		case 12: // links handed out already expired (by expiryTime)
			if !c.links {
				continue
			}
			k := 1 + rng.IntN(4)
			return drawn{name: "link-expired", desc: fmt.Sprintf("%d download links already expired", k), expireLinks: k, refreshes: k}
		case 13: // slow first byte
			d := time.Duration(1+rng.IntN(40)) * time.Millisecond
			f := billingtest.SlowFirstByte(d)
			target := "any"
			switch rng.IntN(3) {
			case 0:
				f, target = f.OnARM(), "ARM"
			case 1:
				f, target = f.OnBlob(), "blob"
			}
			f, _, n := times(rng, f, 5)
			return drawn{name: "slow-first-byte", desc: fmt.Sprintf("slow first byte %s on %s %s", d, target, n), fault: &f}
		case 14: // a nextLink page that fails once (azcore retries it)
			if c.pagePath == "" {
				continue
			}
			st := pick(rng, http.StatusInternalServerError, http.StatusServiceUnavailable)
			f := billingtest.ServerError(st).Method(http.MethodGet).Path(c.pagePath).Nth(2)
			return drawn{name: "nextlink-fails-once", desc: fmt.Sprintf("page 2 of %s answers %d once", c.pagePath, st), fault: &f, arm: 1}
		case 15: // a nextLink page that is an HTML page with status 200: not retried
			if c.pagePath == "" {
				continue
			}
			f := billingtest.HTMLBody().Method(http.MethodGet).Path(c.pagePath).Nth(2)
			return drawn{name: "nextlink-html", desc: "page 2 of " + c.pagePath + " is an HTML page", fault: &f, fatal: true}
		case 16: // a byte flipped on the wire, length and MD5 kept: only the MD5 check sees it
			at := offset()
			r := billingtest.CorruptByte(at)
			n := 1 + rng.IntN(4)
			return c.integrity(drawn{name: "blob-corrupt", desc: fmt.Sprintf("blob byte %d flipped, answer #%d", at, n), tamper: []billingtest.TamperRule{r.Nth(n)}})
		case 17: // a blob host that sends no MD5 (recoverable: the length still counts)
			return drawn{name: "blob-no-md5", desc: "blob host sends no MD5", tamper: []billingtest.TamperRule{billingtest.StripMD5().Always()}}
		case 18: // connection reset on ARM (azcore retries transport errors)
			f, where := c.armPath(rng, billingtest.ResetAfterBytes(rng.Int64N(64)).OnARM())
			f, k, n := times(rng, f, 3)
			return drawn{name: "arm-reset", desc: fmt.Sprintf("ARM connection reset on %s %s", where, n), fault: &f, arm: k}
		case 20: // a blob host without MD5 whose body ends early with a matching Content-Length:
			// only the document's own structure (a PDF's trailer, a manifest's byte count) shows it
			if c.minBody < 64 {
				continue
			}
			decl := c.minBody/2 + rng.Int64N(c.minBody/2-16)
			f := billingtest.WrongContentLength(decl)
			return c.integrity(drawn{name: "blob-no-md5-short", desc: fmt.Sprintf("blob host sends no MD5, Content-Length %d", decl), fault: &f,
				tamper: []billingtest.TamperRule{billingtest.StripMD5().Always()}})
		case 19: // 503 with Retry-After on ARM
			ra := c.retryAfter(rng)
			f, where := c.armPath(rng, billingtest.ServerError(http.StatusServiceUnavailable).WithHeader("Retry-After", fmt.Sprint(ra)))
			f, k, n := times(rng, f, 3)
			return drawn{name: "arm-503-retry-after", desc: fmt.Sprintf("503 Retry-After: %d on %s %s", ra, where, n), fault: &f, arm: k}
		}
	}
}

// drawFaults returns one to three faults. A byte flipped on the wire is not drawn together with
// a host that sends no MD5: nothing but a checksum can see such a change, so that combination is
// outside what any client can promise.
func (c catalog) drawFaults(rng *rand.Rand) []drawn {
	n := 1 + rng.IntN(3)
	out := make([]drawn, 0, n)
	noMD5, corrupt := false, false
	for len(out) < n {
		d := c.draw(rng)
		isNoMD5 := strings.HasPrefix(d.name, "blob-no-md5")
		if (isNoMD5 && corrupt) || (d.name == "blob-corrupt" && noMD5) {
			continue
		}
		noMD5 = noMD5 || isNoMD5
		corrupt = corrupt || d.name == "blob-corrupt"
		out = append(out, d)
	}
	return out
}

func faultNames(ds []drawn) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.name
	}
	return out
}

func faultDescs(ds []drawn) string {
	out := ""
	for i, d := range ds {
		if i > 0 {
			out += ", "
		}
		out += d.desc
	}
	return out
}

// install puts the faults in place.
func (e *env) install(ds []drawn) {
	links := 0
	for _, d := range ds {
		if d.fault != nil {
			e.srv.InjectFault(*d.fault)
		}
		e.tamper.Add(d.tamper...)
		links += d.expireLinks
	}
	if links > 0 {
		e.srv.ExpireNextInvoiceLinks(links)
	}
}

// uninstall removes every fault.
func (e *env) uninstall() {
	e.srv.ClearFaults()
	e.tamper.Clear()
	e.srv.ExpireNextInvoiceLinks(0)
}
