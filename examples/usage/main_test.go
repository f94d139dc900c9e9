package main

import (
	"bytes"
	"context"
	"github.com/azbilling/azbilling/billing"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/examples/internal/target"
	"github.com/azbilling/azbilling/roles"
)

func TestRunPrintsLastMonthDayByDay(t *testing.T) {
	var out bytes.Buffer

	require.NoError(t, run(context.Background(), &out, config{target: target.Flags{As: string(billingtest.EAEnterpriseAdmin)}, metric: "actual"}))

	s := out.String()
	assert.Contains(t, s, "Cost Details report of /providers/Microsoft.Billing/billingAccounts/"+billingtest.EAAccount)
	last := billing.LastMonths(1) // the emulator follows today's date
	assert.Contains(t, s, last.Start.String()+" ")
	assert.Contains(t, s, last.End.String()+" ")
	assert.Regexp(t, `total\s+\d+\s+\d+\.\d\d USD`, s)
}

func TestRunSavesTheCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.csv")
	var out bytes.Buffer
	scope := "/providers/Microsoft.Billing/billingAccounts/" + billingtest.MCAAccount + "/billingProfiles/" + billingtest.MCAProfileUS

	require.NoError(t, run(context.Background(), &out, config{target: target.Flags{As: string(billingtest.MCAProfileOwner)}, scope: scope, mtd: true, metric: "amortized", out: path}))

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "\ufeffinvoiceId,"))
	assert.Contains(t, out.String(), "saved ")
	assert.Contains(t, out.String(), "total")
}

func TestRunPayAsYouGo(t *testing.T) {
	var out bytes.Buffer

	require.NoError(t, run(context.Background(), &out, config{target: target.Flags{As: string(billingtest.MOSPAccountAdmin)},
		scope: "/subscriptions/" + billingtest.SubscriptionPayAsYouGo, metric: "actual"}))

	assert.Contains(t, out.String(), "Consumption usage details of /subscriptions/"+billingtest.SubscriptionPayAsYouGo)
	assert.Contains(t, out.String(), "total")
}

func TestRunReportsTheViewChargesPolicy(t *testing.T) {
	var out bytes.Buffer
	scope := "/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount + "/enrollmentAccounts/" + billingtest.EAEnrollmentAccountEngineering

	err := run(context.Background(), &out, config{target: target.Flags{As: string(billingtest.EAAccountOwner)}, scope: scope, metric: "actual"})

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, roles.PolicyEAAccountOwnerViewCharges, perr.Policy)
}

func TestFlagsAreCheckedBeforeAnyRequest(t *testing.T) {
	for _, args := range [][]string{
		{"-metric", "bogus"}, {"-live"}, {"-scope", "nope"}, {"-emulator", "https://127.0.0.1:1"}, {"stray"},
	} {
		var out, errOut bytes.Buffer
		assert.Equal(t, 2, realMain(args, &out, &errOut), "%v", args)
		assert.Empty(t, out.String(), "%v", args)
	}
}

// shape is the output with every number replaced by N, so that a run on another date (other
// amounts, dates, invoice counts of the same length) compares equal when it behaves the same.
func shape(s string) string {
	return regexp.MustCompile(` +`).ReplaceAllString(regexp.MustCompile(`[0-9]+`).ReplaceAllString(s, "N"), " ")
}

// The program behaves the same with the world clock months ahead.
func TestRunMonthsAhead(t *testing.T) {
	for _, c := range []config{
		{target: target.Flags{As: string(billingtest.EAEnterpriseAdmin)}, metric: "actual"},
		{target: target.Flags{As: string(billingtest.MOSPAccountAdmin)}, scope: "/subscriptions/" + billingtest.SubscriptionPayAsYouGo, mtd: true, metric: "actual"},
	} {
		var today, ahead bytes.Buffer
		require.NoError(t, run(context.Background(), &today, c))
		c.target.Options = []billingtest.Option{billingtest.WithNow(monthsAhead(4))}
		require.NoError(t, run(context.Background(), &ahead, c))
		// Month lengths differ, so compare what each line says, not how many days there are.
		assert.Equal(t, firstAndLast(shape(today.String())), firstAndLast(shape(ahead.String())))
	}
}

func firstAndLast(s string) [2]string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return [2]string{lines[0], lines[len(lines)-1]}
}

// monthsAhead is noon UTC, n months ahead, on today's day of the month (at most the 28th, so
// that the date stays on the same side of invoice days and billing period starts as today's):
// the instant an unpinned emulator lays its world out from on that date.
func monthsAhead(n int) time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month()+time.Month(n), min(now.Day(), 28), 12, 0, 0, 0, time.UTC)
}
