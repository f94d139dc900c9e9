package faultmatrix

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/internal/leakcheck"
	"github.com/azbilling/azbilling/invoice"
)

// invoiceScope is one of the world's invoice scopes.
type invoiceScope struct {
	name      string
	principal billingtest.Principal
	client    func(bc *billing.Client) *invoice.Client
	match     func(billingtest.Invoice) bool
}

var invoiceScopes = []invoiceScope{
	{"MCA profile", billingtest.PrincipalMCAProfileOwner,
		func(bc *billing.Client) *invoice.Client {
			return invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
		},
		func(inv billingtest.Invoice) bool { return inv.Profile == billingtest.MCAProfileUS }},
	{"MOSP subscription", billingtest.PrincipalMOSPAccountAdmin,
		func(bc *billing.Client) *invoice.Client {
			return invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo)
		},
		func(inv billingtest.Invoice) bool { return inv.Subscription == billingtest.SubscriptionPayAsYouGo }},
	{"EA enrollment", billingtest.PrincipalEAEnterpriseAdmin,
		func(bc *billing.Client) *invoice.Client { return invoice.NewAccountClient(bc, billingtest.EAAccount) },
		func(inv billingtest.Invoice) bool { return inv.Account == billingtest.EAAccount }},
}

// TestMatrixInvoices runs invoice.DownloadAll into a fresh folder under random faults.
func TestMatrixInvoices(t *testing.T) {
	suite(t, "Invoices", runInvoiceSeed)
}

func runInvoiceSeed(t *testing.T, seed int64) (string, []string, []violation, string) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x696e766f696365))
	sc := invoiceScopes[rng.IntN(len(invoiceScopes))]
	months := 2 + rng.IntN(4)
	pageSize := 2 + rng.IntN(6)
	concurrency := 1 + rng.IntN(6)
	if *flagSerial {
		concurrency = 1
	}
	padding := pick(rng, 0, 0, 4<<10, 64<<10, 300<<10)
	lroPolls := rng.IntN(3)
	stuck := rng.IntN(25) == 0
	var deadline time.Duration
	switch {
	case stuck:
		deadline = time.Duration(100+rng.IntN(300)) * time.Millisecond
	case rng.IntN(12) == 0:
		deadline = time.Duration(5+rng.IntN(80)) * time.Millisecond // a Ctrl-C mid-way
	}
	desc := fmt.Sprintf("%s, %d months, page size %d, concurrency %d, padding %d, LRO polls %d", sc.name, months, pageSize, concurrency, padding, lroPolls)
	if stuck {
		desc += ", LRO stays 202"
	}
	if deadline > 0 {
		desc += fmt.Sprintf(", deadline %s", deadline)
	}

	before := leakcheck.Take()
	opts := []billingtest.Option{billingtest.WithSeed(seed), billingtest.WithPageSize(pageSize), billingtest.WithLRODelay(0, lroPolls)}
	if stuck {
		opts[2] = billingtest.WithLRODelay(1, 1<<30)
	}
	e, err := newEnv(sc.principal, opts...)
	requireNoErr(t, err)
	e.srv.SetInvoiceDocumentPadding(padding)
	c := sc.client(e.bc)
	period := billing.LastMonthsAt(e.srv.Now(), months)
	lopts := &invoice.ListOptions{Period: period}

	// What the run must produce: the documents of the listed invoices, as the emulator serves them.
	expected, minBody, err := expectedDocuments(e, c, lopts, sc, period)
	if err != nil {
		e.close()
		return "setup", nil, []violation{{"setup", err.Error()}}, desc
	}
	cat := catalog{armPaths: []string{"", "/invoices", "/download", "/operationResults"}, pagePath: "/invoices", minBody: minBody, links: true}
	faults := cat.drawFaults(rng)
	desc = describe(desc, faultDescs(faults))
	e.srv.ResetRequests()
	e.install(faults)

	dir := t.TempDir()
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if deadline > 0 {
		ctx, cancel = context.WithTimeout(ctx, deadline)
	}
	sum, runErr := c.DownloadAll(ctx, c.List(ctx, lopts), dir, &invoice.BulkOptions{Concurrency: concurrency})
	cancel()
	outcome, typed := classify(runErr)
	desc = describe(desc, fmt.Sprintf("faults fired %d+%d", e.srv.FaultsFired(), e.tamper.Fired()))

	var vs []violation
	if !typed {
		vs = append(vs, violation{vUntyped, fmt.Sprintf("%T: %v", runErr, runErr)})
	}
	present, scanVs := scanInvoiceDir(dir, expected)
	vs = append(vs, scanVs...)
	vs = append(vs, checkSummary(sum, runErr, present, expected)...)
	if runErr != nil && recoverable(faults) && deadline == 0 {
		vs = append(vs, violation{vUnexpected, fmt.Sprintf("recoverable faults, yet: %v", runErr)})
	}
	if e.srv.SawAuthorizationOnBlob() {
		vs = append(vs, violation{vAuthOnBlob, "a blob request carried Authorization"})
	}

	// Run again without faults: it must finish, skipping what the first run completed.
	if !stuck {
		e.uninstall()
		rctx, rcancel := context.WithTimeout(context.Background(), time.Minute)
		sum2, err2 := c.DownloadAll(rctx, c.List(rctx, lopts), dir, &invoice.BulkOptions{Concurrency: concurrency})
		rcancel()
		present2, scanVs2 := scanInvoiceDir(dir, expected)
		vs = append(vs, scanVs2...)
		switch {
		case err2 != nil:
			vs = append(vs, violation{vRecovery, fmt.Sprintf("re-run failed: %v", err2)})
		case len(sum2.Skipped) != len(present):
			vs = append(vs, violation{vRecovery, fmt.Sprintf("re-run skipped %d files, %d were complete", len(sum2.Skipped), len(present))})
		case len(present2) != len(expected):
			vs = append(vs, violation{vRecovery, fmt.Sprintf("re-run left %d of %d files", len(present2), len(expected))})
		}
	}

	e.close()
	if left := leakcheck.Leaked(before, leakcheck.DefaultSettle); len(left) > 0 {
		vs = append(vs, violation{vLeak, fmt.Sprintf("%d goroutines left:\n%s", len(left), strings.Join(left, "\n\n"))})
	}
	return outcome, faultNames(faults), vs, desc
}

// expectedDocuments lists the invoices without faults and returns the file each document must
// become, with its bytes, and the smallest document's size. The listing is checked against the
// emulator's world.
func expectedDocuments(e *env, c *invoice.Client, lopts *invoice.ListOptions, sc invoiceScope, period billing.Period) (map[string][]byte, int64, error) {
	expected := map[string][]byte{}
	minBody := int64(-1)
	names := map[string]bool{}
	for inv, err := range c.List(context.Background(), lopts) {
		if err != nil {
			return nil, 0, fmt.Errorf("listing without faults: %w", err)
		}
		names[inv.Name] = true
		for _, d := range inv.Documents {
			b := e.srv.DocumentContent(inv.Name, string(d.Kind), d.Name) // EA documents are listed without a name
			if b == nil {
				return nil, 0, fmt.Errorf("no bytes for %s/%s", inv.Name, d.Name)
			}
			expected[invoice.FileName(inv, d)] = b
			if minBody < 0 || int64(len(b)) < minBody {
				minBody = int64(len(b))
			}
		}
	}
	want := 0
	for _, inv := range e.srv.Invoices() {
		p := billing.Period{Start: billing.DateOf(inv.PeriodStart), End: billing.DateOf(inv.PeriodEnd)}
		if sc.match(inv) && p.Overlaps(period) {
			want++
			if !names[inv.Name] {
				return nil, 0, fmt.Errorf("invoice %s of the world was not listed", inv.Name)
			}
		}
	}
	if want != len(names) || len(expected) == 0 {
		return nil, 0, fmt.Errorf("listed %d invoices (%d documents), the world has %d", len(names), len(expected), want)
	}
	return expected, minBody, nil
}

// recordLine is one line of invoice.RecordFile.
type recordLine struct {
	File   string `json:"file"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// scanInvoiceDir checks every file in dir: documents must be complete and byte-identical, no
// temporary file may be left, and the folder's record must describe the files it names (the
// last line of a file wins).
func scanInvoiceDir(dir string, expected map[string][]byte) (map[string]bool, []violation) {
	present := map[string]bool{}
	var vs []violation
	entries, err := os.ReadDir(dir)
	if err != nil {
		return present, []violation{{vPartial, err.Error()}}
	}
	var records []byte
	for _, en := range entries {
		name := en.Name()
		path := filepath.Join(dir, name)
		switch {
		case strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".tmp"):
			vs = append(vs, violation{vPartial, "temporary file left: " + name})
		case name == invoice.RecordFile:
			records, err = os.ReadFile(path)
			if err != nil {
				vs = append(vs, violation{vCorrupt, err.Error()})
			}
		default:
			want, ok := expected[name]
			got, err := os.ReadFile(path)
			switch {
			case !ok:
				vs = append(vs, violation{vCorrupt, "unexpected file " + name})
			case err != nil:
				vs = append(vs, violation{vCorrupt, err.Error()})
			case !bytes.Equal(got, want):
				kind := vCorrupt
				if len(got) < len(want) && bytes.Equal(got, want[:len(got)]) {
					kind = vPartial
				}
				vs = append(vs, violation{kind, fmt.Sprintf("%s: %d bytes on disk, the service's document has %d", name, len(got), len(want))})
			default:
				present[name] = true
			}
		}
	}
	last := map[string]recordLine{}
	for line := range strings.Lines(string(records)) {
		var r recordLine
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			vs = append(vs, violation{vCorrupt, fmt.Sprintf("%s: unreadable line %q", invoice.RecordFile, line)})
			continue
		}
		last[r.File] = r
	}
	for name, r := range last {
		if !present[name] {
			continue // recorded before a rename that did not happen: only means a download next time
		}
		sum := sha256.Sum256(expected[name])
		if r.Size != int64(len(expected[name])) || !strings.EqualFold(r.SHA256, hex.EncodeToString(sum[:])) {
			vs = append(vs, violation{vCorrupt, fmt.Sprintf("the record of %s does not describe it", name)})
		}
	}
	return present, vs
}

// checkSummary compares DownloadAll's summary and error with what is on disk.
func checkSummary(sum invoice.Summary, err error, present map[string]bool, expected map[string][]byte) []violation {
	var vs []violation
	for _, f := range sum.Downloaded {
		name := filepath.Base(f.Path)
		if !present[name] {
			vs = append(vs, violation{vSummary, "reported downloaded but not on disk: " + name})
		} else if f.Bytes != int64(len(expected[name])) {
			vs = append(vs, violation{vSummary, fmt.Sprintf("%s reported with %d bytes, has %d", name, f.Bytes, len(expected[name]))})
		}
	}
	for _, f := range sum.Failed {
		if present[filepath.Base(f.Path)] {
			vs = append(vs, violation{vSummary, "reported failed but on disk: " + f.Path})
		}
	}
	if n := len(sum.Downloaded) + len(sum.Skipped); n != len(present) {
		vs = append(vs, violation{vSummary, fmt.Sprintf("summary counts %d files, %d are on disk", n, len(present))})
	}
	if err == nil && len(present) != len(expected) {
		vs = append(vs, violation{vMissing, fmt.Sprintf("no error, but %d of %d documents on disk", len(present), len(expected))})
	}
	return vs
}
