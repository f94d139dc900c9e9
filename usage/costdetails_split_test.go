package usage_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/usage"
)

var splitMonth = billing.Month(2026, time.October)

// monthBytes is the size of the EA enrollment's October report on an emulator without a size
// limit: the base for limits that refuse it.
func monthBytes(t *testing.T) int64 {
	t.Helper()
	srv := billingtest.NewServer(t)
	rep, err := newClient(t, srv, billingtest.EAEnterpriseAdmin).Report(context.Background(), scope(t, eaAccountID), &usage.Options{Period: splitMonth})
	require.NoError(t, err)
	require.Greater(t, rep.Manifest.ByteCount, int64(0))
	return rep.Manifest.ByteCount
}

func truthOf(t *testing.T, srv *billingtest.Server, scopeID string, p billing.Period) (int, billing.Decimal) {
	t.Helper()
	tp := billingtest.Period{Start: p.Start.Time(), End: p.End.Time()}
	tot := srv.UsageTotal(scopeID, tp, "ActualCost")
	require.Len(t, tot, 1)
	var want billing.Decimal
	for _, v := range tot {
		d, err := billing.ParseDecimal(v)
		require.NoError(t, err)
		want = d
	}
	return srv.UsageRowCount(scopeID, tp, "ActualCost"), want
}

// posts counts the generateCostDetailsReport requests the emulator received.
func posts(srv *billingtest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/generateCostDetailsReport") {
			n++
		}
	}
	return n
}

func TestRecordsSplitsATooLargeReportByDate(t *testing.T) {
	size := monthBytes(t)
	srv := billingtest.NewServer(t, billingtest.WithUsageReportLimit(size/3), billingtest.WithUsageBlobSize(16<<10))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	wantRows, wantCost := truthOf(t, srv, eaAccountID, splitMonth)

	var rows int
	var cost billing.Decimal
	var last billing.Date
	for rec, err := range c.Records(context.Background(), scope(t, eaAccountID), &usage.Options{Period: splitMonth}) {
		require.NoError(t, err)
		require.False(t, rec.Date.Before(last), "records come in date order across the parts: %s after %s", rec.Date, last)
		last = rec.Date
		rows++
		cost = cost.Add(rec.Cost)
	}
	assert.Equal(t, wantRows, rows)
	assert.True(t, wantCost.Equal(cost), "total %s, ground truth %s", cost, wantCost)
	assert.Positive(t, srv.TooLarge(), "the month was refused at least once")
	// A third of the size: the month (1) and its halves (2) are refused, the quarters (4) fit.
	assert.Equal(t, 7, posts(srv))
}

func TestSaveCSVStitchesTheSplitParts(t *testing.T) {
	size := monthBytes(t)
	srv := billingtest.NewServer(t, billingtest.WithUsageReportLimit(size/5))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	wantRows, wantCost := truthOf(t, srv, eaAccountID, splitMonth)
	path := filepath.Join(t.TempDir(), "month.csv")

	n, err := c.SaveCSV(context.Background(), scope(t, eaAccountID), &usage.Options{Period: splitMonth}, path)
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.EqualValues(t, len(b), n)

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var rows int
	var cost billing.Decimal
	for rec, err := range usage.NewReader(f, nil).All() {
		require.NoError(t, err, "one header row, then every part's rows")
		rows++
		cost = cost.Add(rec.Cost)
	}
	assert.Equal(t, wantRows, rows)
	assert.True(t, wantCost.Equal(cost), "total %s, ground truth %s", cost, wantCost)
	assert.Positive(t, srv.TooLarge())
}

func TestTooLargeWhereNoSplitHelps(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageReportLimit(2000)) // smaller than one day
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	ctx := context.Background()
	sc := scope(t, eaAccountID)

	t.Run("a single day", func(t *testing.T) {
		var err error
		for _, e := range c.Records(ctx, sc, &usage.Options{Period: splitMonth}) {
			err = e
		}
		var re *usage.ReportError
		require.ErrorAs(t, err, &re)
		assert.True(t, re.TooLarge)
		assert.Equal(t, 1, re.Period.Days())
		assert.Equal(t, splitMonth.Start, re.Period.Start, "the first day is the first refused")
		var se *billing.ServiceError
		require.ErrorAs(t, err, &se, "the service's 413 stays reachable")
		assert.Equal(t, http.StatusRequestEntityTooLarge, se.StatusCode)
	})
	t.Run("a billing period", func(t *testing.T) {
		var err error
		for _, e := range c.Records(ctx, sc, &usage.Options{BillingPeriod: "202610"}) {
			err = e
		}
		var re *usage.ReportError
		require.ErrorAs(t, err, &re)
		assert.True(t, re.TooLarge)
		assert.Contains(t, re.Error(), "202610")
	})
	t.Run("a Report handle", func(t *testing.T) {
		_, err := c.Report(ctx, sc, &usage.Options{Period: splitMonth})
		var re *usage.ReportError
		require.ErrorAs(t, err, &re)
		assert.True(t, re.TooLarge)
	})
	t.Run("SaveCSV leaves no file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.csv")
		_, err := c.SaveCSV(ctx, sc, &usage.Options{Period: splitMonth}, path)
		var re *usage.ReportError
		require.ErrorAs(t, err, &re)
		assert.NoFileExists(t, path)
	})
}

func TestOpenMonthSplitsToItsDays(t *testing.T) {
	srv := billingtest.NewServer(t)
	open := srv.UsageOpenMonth()
	if open.End.Sub(open.Start) < 48*time.Hour {
		t.Skip("the open month has fewer than three days")
	}
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	rep, err := c.Report(context.Background(), scope(t, eaAccountID), nil)
	require.NoError(t, err)

	srv2 := billingtest.NewServer(t, billingtest.WithUsageReportLimit(rep.Manifest.ByteCount/2))
	c2 := newClient(t, srv2, billingtest.EAEnterpriseAdmin)
	p := billing.Period{Start: billing.DateOf(open.Start), End: billing.DateOf(open.End)}
	wantRows, wantCost := truthOf(t, srv2, eaAccountID, p)
	var rows int
	var cost billing.Decimal
	for rec, err := range c2.Records(context.Background(), scope(t, eaAccountID), nil) {
		require.NoError(t, err)
		rows++
		cost = cost.Add(rec.Cost)
	}
	assert.Equal(t, wantRows, rows)
	assert.True(t, wantCost.Equal(cost))
	assert.Positive(t, srv2.TooLarge())
}

// A 413 whose body breaks off is a network error azcore does not retry for a POST; the SDK
// requests the report again, then splits it.
func TestTooLargeAnswerCutMidway(t *testing.T) {
	size := monthBytes(t)
	srv := billingtest.NewServer(t, billingtest.WithUsageReportLimit(size/3),
		billingtest.WithFaults(billingtest.ResetAfterBytes(20).OnARM().Method(http.MethodPost).Path("/generateCostDetailsReport").Times(2)))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	wantRows, wantCost := truthOf(t, srv, eaAccountID, splitMonth)
	var rows int
	var cost billing.Decimal
	for rec, err := range c.Records(context.Background(), scope(t, eaAccountID), &usage.Options{Period: splitMonth}) {
		require.NoError(t, err)
		rows++
		cost = cost.Add(rec.Cost)
	}
	assert.Equal(t, wantRows, rows)
	assert.True(t, wantCost.Equal(cost))
	assert.Equal(t, 2, srv.FaultsFired())
}
