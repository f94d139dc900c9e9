package faultmatrix

import (
	"context"
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
	"github.com/azbilling/azbilling/usage"
)

// usageScope is one of the world's usage scopes.
type usageScope struct {
	name      string
	principal billingtest.Principal
	id        string
	mosp      bool // served by the Consumption API, paged
}

const (
	eaAccountID  = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount
	mcaAccountID = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.MCAAccount
	mcaProfileID = mcaAccountID + "/billingProfiles/" + billingtest.MCAProfileUS
)

var usageScopes = []usageScope{
	{"EA enrollment", billingtest.PrincipalEAEnterpriseAdmin, eaAccountID, false},
	{"EA department", billingtest.PrincipalEAEnterpriseAdmin, eaAccountID + "/departments/" + billingtest.EADepartmentEngineering, false},
	{"MCA profile", billingtest.PrincipalMCAProfileOwner, mcaProfileID, false},
	{"MCA invoice section", billingtest.PrincipalMCAProfileOwner, mcaProfileID + "/invoiceSections/" + billingtest.MCASectionEngineering, false},
	{"MOSP subscription", billingtest.PrincipalMOSPAccountAdmin, "/subscriptions/" + billingtest.SubscriptionPayAsYouGo, true},
}

// TestMatrixUsage fetches usage with usage.Client.Records or SaveCSV under random faults and
// compares the sums with the emulator's ground truth.
func TestMatrixUsage(t *testing.T) {
	suite(t, "Usage", runUsageSeed)
}

func runUsageSeed(t *testing.T, seed int64) (string, []string, []violation, string) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x7573616765))
	sc := usageScopes[rng.IntN(len(usageScopes))]
	rowsPerDay := 1 + rng.IntN(8)
	blobSize := pick(rng, int64(6<<10), int64(24<<10), int64(1<<20))
	pageSize := pick(rng, 7, 50, 200)
	metric := pick(rng, usage.ActualCost, usage.AmortizedCost)
	save := rng.IntN(2) == 0
	lroPolls := rng.IntN(3)
	stuck := !sc.mosp && rng.IntN(25) == 0
	var deadline time.Duration
	switch {
	case stuck:
		deadline = time.Duration(100+rng.IntN(300)) * time.Millisecond
	case rng.IntN(12) == 0:
		deadline = time.Duration(5+rng.IntN(80)) * time.Millisecond
	}
	ago, days := rng.IntN(45), rng.IntN(20)
	op := "Records"
	if save {
		op = "SaveCSV"
	}
	desc := fmt.Sprintf("%s %s %s, %d rows/day, blob size %d, page size %d, LRO polls %d", op, sc.name, metric, rowsPerDay, blobSize, pageSize, lroPolls)
	if stuck {
		desc += ", LRO stays 202"
	}
	if deadline > 0 {
		desc += fmt.Sprintf(", deadline %s", deadline)
	}

	before := leakcheck.Take()
	opts := []billingtest.Option{billingtest.WithSeed(seed), billingtest.WithUsageRowsPerDay(rowsPerDay),
		billingtest.WithUsageBlobSize(blobSize), billingtest.WithUsagePageSize(pageSize), billingtest.WithLRODelay(0, lroPolls)}
	if stuck {
		opts[4] = billingtest.WithLRODelay(1, 1<<30)
	}
	e, err := newEnv(sc.principal, opts...)
	requireNoErr(t, err)
	today := billing.DateOf(e.srv.Now())
	start := today.AddDays(-ago)
	end := start.AddDays(days)
	if end.After(today) {
		end = today
	}
	period := billing.Period{Start: start, End: end}
	// The report size limit: sometimes low enough that the period's report is refused as too
	// large (413) and split by date, never so low that a single day is: 3000 bytes for each
	// row of an average day (rows are a few hundred bytes).
	if !sc.mosp && rng.IntN(3) == 0 {
		n := e.srv.UsageRowCount(sc.id, billingtest.DayRange{Start: start.Time(), End: end.Time()}, string(metric))
		limit := int64(max(1, n/period.Days())) * 3000
		e.srv.SetUsageReportLimit(limit)
		desc += fmt.Sprintf(", report limit %d B", limit)
	}
	desc += ", " + period.String()
	scope, err := billing.ParseScope(sc.id)
	requireNoErr(t, err)
	uopts := &usage.Options{Metric: metric, Period: period}
	if sc.mosp && rng.IntN(2) == 0 {
		uopts.Agreement = billing.AgreementMOSP // otherwise the client asks the billing property
	}
	truth := e.srv.UsageTotal(sc.id, billingtest.DayRange{Start: start.Time(), End: end.Time()}, string(metric))
	rows := e.srv.UsageRowCount(sc.id, billingtest.DayRange{Start: start.Time(), End: end.Time()}, string(metric))

	cat := catalog{armPaths: []string{"", "/generateCostDetailsReport", "/costDetailsOperationResults", "/usageDetails"}, minBody: min(blobSize, 4096)}
	if sc.mosp {
		cat.pagePath = "/usageDetails"
	}
	faults := cat.drawFaults(rng)
	desc = describe(desc, faultDescs(faults))
	uc := usage.NewClient(e.bc)
	e.install(faults)

	dir := t.TempDir()
	path := filepath.Join(dir, "usage.csv")
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if deadline > 0 {
		ctx, cancel = context.WithTimeout(ctx, deadline)
	}
	sums, n, runErr := fetchUsage(ctx, uc, scope, uopts, save, path)
	cancel()
	outcome, typed := classify(runErr)
	desc = describe(desc, fmt.Sprintf("faults fired %d+%d", e.srv.FaultsFired(), e.tamper.Fired()))

	var vs []violation
	if !typed {
		vs = append(vs, violation{vUntyped, fmt.Sprintf("%T: %v", runErr, runErr)})
	}
	if runErr == nil {
		vs = append(vs, compareSums(truth, rows, sums, n)...)
	} else if _, err := os.Stat(path); save && err == nil {
		vs = append(vs, violation{vPartial, "SaveCSV failed but left a file: " + runErr.Error()})
	}
	vs = append(vs, scanTemp(dir)...)
	if runErr != nil && recoverable(faults) && deadline == 0 {
		vs = append(vs, violation{vUnexpected, fmt.Sprintf("recoverable faults, yet: %v", runErr)})
	}
	if e.srv.SawAuthorizationOnBlob() {
		vs = append(vs, violation{vAuthOnBlob, "a blob request carried Authorization"})
	}

	if !stuck && runErr != nil {
		e.uninstall()
		rctx, rcancel := context.WithTimeout(context.Background(), time.Minute)
		sums2, n2, err2 := fetchUsage(rctx, uc, scope, uopts, save, path)
		rcancel()
		if err2 != nil {
			vs = append(vs, violation{vRecovery, fmt.Sprintf("re-run failed: %v", err2)})
		} else {
			for _, v := range compareSums(truth, rows, sums2, n2) {
				vs = append(vs, violation{vRecovery, v.String()})
			}
		}
		vs = append(vs, scanTemp(dir)...)
	}

	e.close()
	if left := leakcheck.Leaked(before, leakcheck.DefaultSettle); len(left) > 0 {
		vs = append(vs, violation{vLeak, fmt.Sprintf("%d goroutines left:\n%s", len(left), strings.Join(left, "\n\n"))})
	}
	return outcome, faultNames(faults), vs, desc
}

// fetchUsage sums Cost per currency over Records, or over the file SaveCSV wrote.
func fetchUsage(ctx context.Context, uc *usage.Client, scope billing.Scope, o *usage.Options, save bool, path string) (map[string]billing.Decimal, int, error) {
	if !save {
		return sumRecords(uc.Records(ctx, scope, o))
	}
	if _, err := uc.SaveCSV(ctx, scope, o, path); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if st.Size() == 0 {
		return map[string]billing.Decimal{}, 0, nil // no usage: an empty file
	}
	return sumRecords(usage.NewReader(f, &usage.ReaderOptions{File: path}).All())
}

func sumRecords(seq func(func(usage.Record, error) bool)) (map[string]billing.Decimal, int, error) {
	sums := map[string]billing.Decimal{}
	n := 0
	for rec, err := range seq {
		if err != nil {
			return nil, 0, err
		}
		sums[rec.Currency] = sums[rec.Currency].Add(rec.Cost)
		n++
	}
	return sums, n, nil
}

// compareSums checks the sums and the row count against the ground truth, exactly.
func compareSums(truth map[string]string, rows int, sums map[string]billing.Decimal, n int) []violation {
	var vs []violation
	if n != rows {
		vs = append(vs, violation{vWrongSum, fmt.Sprintf("%d records, the ground truth has %d rows", n, rows)})
	}
	for cur, want := range truth {
		w, err := billing.ParseDecimal(want)
		if err != nil {
			return append(vs, violation{vWrongSum, err.Error()})
		}
		if g := sums[cur]; !w.Equal(g) {
			vs = append(vs, violation{vWrongSum, fmt.Sprintf("%s: sum %s, ground truth %s", cur, g, want)})
		}
	}
	for cur, g := range sums {
		if _, ok := truth[cur]; !ok && !g.IsZero() {
			vs = append(vs, violation{vWrongSum, fmt.Sprintf("%s: sum %s, the ground truth has none", cur, g)})
		}
	}
	return vs
}

// scanTemp reports temporary files left in dir.
func scanTemp(dir string) []violation {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []violation{{vPartial, err.Error()}}
	}
	var vs []violation
	for _, en := range entries {
		if name := en.Name(); strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part") {
			vs = append(vs, violation{vPartial, "temporary file left: " + name})
		}
	}
	return vs
}
