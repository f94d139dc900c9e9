package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	assert.Contains(t, s, "2026-10-01 ")
	assert.Contains(t, s, "2026-10-31 ")
	assert.Regexp(t, `total\s+373\s+\d+\.\d\d USD`, s)
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
