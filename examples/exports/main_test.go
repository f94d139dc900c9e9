package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/internal/azurite"
)

func TestRunThreeFormatsAgree(t *testing.T) {
	if azurite.Binary() == "" {
		azurite.Start(t) // skips, or fails under AZBILLING_REQUIRE_AZURITE
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, config{as: billingtest.EAEnterpriseAdmin, months: 2, root: "ex"}))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var s summary
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &s), out.String())
	require.Equal(t, []string{"csv", "csv.gz", "parquet"}, s.Formats)
	require.Equal(t, 6, s.Runs)

	// The emulator's ground truth for the same two months.
	srv := billingtest.NewServer(t)
	span := billing.LastMonthsAt(srv.Now(), 2)
	p := billingtest.Period{Start: span.Start.Time(), End: span.End.Time()}
	scope := "/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount
	require.Equal(t, srv.UsageRowCount(scope, p, "ActualCost"), s.Rows)
	for cur, want := range srv.UsageTotal(scope, p, "ActualCost") {
		wd, _ := billing.ParseDecimal(want)
		gd, err := billing.ParseDecimal(s.Cost[cur])
		require.NoError(t, err)
		require.Zero(t, wd.Cmp(gd), "%s: %s vs %s", cur, want, s.Cost[cur])
	}
	require.Contains(t, out.String(), "parquet")
}

func TestRunWithoutAzuriteSaysWhatItNeeds(t *testing.T) {
	t.Setenv("AZURITE_BIN", "")
	t.Setenv("PATH", t.TempDir())
	err := run(context.Background(), &bytes.Buffer{}, config{as: billingtest.EAEnterpriseAdmin, months: 1})
	require.ErrorContains(t, err, "npm install")
}
