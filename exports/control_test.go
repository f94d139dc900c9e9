package exports_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/exports"
	"github.com/azbilling/azbilling/roles"
)

func TestExportLifecycle(t *testing.T) {
	srv := billingtest.NewServer(t)
	e := &env{srv: srv}
	ec := e.client(t, billingtest.MCAProfileOwner)
	ctx := context.Background()
	s := scopeOf(t, mcaProfile)
	def := exports.Definition{Dataset: exports.FocusCost, Format: exports.Parquet, Compression: exports.Snappy,
		Schedule:    &exports.Schedule{Recurrence: exports.Daily, From: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		Overwrite:   exports.OverwritePreviousReport,
		Destination: exports.Destination{ResourceID: storageID, Container: ctr, RootFolder: "focus"}, Description: "daily FOCUS"}
	got, err := ec.CreateOrUpdate(ctx, s, "daily-focus", def)
	require.NoError(t, err)
	require.Equal(t, "daily-focus", got.Name)
	require.NotEmpty(t, got.ETag)
	require.Equal(t, exports.FocusCost, got.Definition.Dataset)
	require.Equal(t, "1.0r2", got.Definition.DataVersion)
	require.Equal(t, exports.MonthToDate, got.Definition.Timeframe)
	require.Equal(t, exports.Parquet, got.Definition.Format)
	require.Equal(t, exports.Snappy, got.Definition.Compression)
	require.Equal(t, exports.Daily, got.Definition.Schedule.Recurrence)
	require.Equal(t, def.Destination, got.Definition.Destination)
	require.True(t, got.NextRun.IsZero(), "the PUT answer has no next run estimate (as recorded)")
	again, err := ec.Get(ctx, s, "daily-focus", &exports.GetOptions{History: true})
	require.NoError(t, err)
	require.False(t, again.NextRun.IsZero(), "a GET has it")
	require.Equal(t, got.ETag, again.ETag)

	// Update: the SDK sends the current eTag; the emulator refuses a stale one.
	def.Description = "changed"
	got2, err := ec.CreateOrUpdate(ctx, s, "daily-focus", def)
	require.NoError(t, err)
	require.NotEqual(t, got.ETag, got2.ETag)
	require.Equal(t, "changed", got2.Definition.Description)

	_, err = ec.CreateOrUpdate(ctx, s, "monthly", exports.Definition{Dataset: exports.AmortizedCost, Schedule: &exports.Schedule{Recurrence: exports.Monthly},
		Timeframe: exports.TheLastMonth, Destination: exports.Destination{ResourceID: storageID, Container: ctr}})
	require.NoError(t, err)
	list, err := ec.List(ctx, s)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "daily-focus", list[0].Name)
	require.Equal(t, "monthly", list[1].Name)

	// No storage behind this emulator: a run is refused by the service, typed.
	err = ec.Run(ctx, s, "monthly", billing.Month(2026, time.October))
	var se *billing.ServiceError
	require.True(t, errors.As(err, &se), "%v", err)

	h, err := ec.History(ctx, s, "monthly")
	require.NoError(t, err)
	require.Empty(t, h)

	require.NoError(t, ec.Delete(ctx, s, "monthly"))
	require.NoError(t, ec.Delete(ctx, s, "monthly"), "deleting twice is not an error")
	_, err = ec.Get(ctx, s, "monthly", nil)
	var nf *billing.NotFoundError
	require.True(t, errors.As(err, &nf), "%v", err)
}

func TestExportTypedErrors(t *testing.T) {
	srv := billingtest.NewServer(t)
	e := &env{srv: srv}
	ctx := context.Background()
	dest := exports.Destination{ResourceID: storageID, Container: ctr}

	t.Run("input checked before any request", func(t *testing.T) {
		ec := e.client(t, billingtest.EAEnterpriseAdmin)
		s := scopeOf(t, eaAccount)
		for _, c := range []struct {
			name string
			def  exports.Definition
		}{
			{"bad name!", exports.Definition{Destination: dest}},
			{"ok", exports.Definition{}},
			{"ok", exports.Definition{Destination: dest, Format: exports.Parquet, Compression: exports.Gzip}},
			{"ok", exports.Definition{Destination: dest, Compression: exports.Snappy}},
			{"ok", exports.Definition{Destination: dest, Period: billing.Period{Start: billing.NewDate(2026, 1, 1), End: billing.NewDate(2026, 3, 1)}}},
		} {
			_, err := ec.CreateOrUpdate(ctx, s, c.name, c.def)
			require.ErrorIs(t, err, billing.ErrInvalidInput, "%+v", c)
		}
		require.Empty(t, srv.Requests())
	})

	t.Run("FOCUS where it is not offered", func(t *testing.T) {
		ec := e.client(t, billingtest.MOSPAccountAdmin)
		mosp := scopeOf(t, "/subscriptions/"+billingtest.SubscriptionPayAsYouGo)
		_, err := ec.CreateOrUpdate(ctx, mosp, "focus", exports.Definition{Dataset: exports.FocusCost, Destination: dest})
		var ue *billing.UnsupportedError
		require.True(t, errors.As(err, &ue), "%v", err)
		require.ErrorIs(t, err, billing.ErrUnsupported)

		mg := scopeOf(t, "/providers/Microsoft.Management/managementGroups/finance")
		_, err = ec.CreateOrUpdate(ctx, mg, "focus", exports.Definition{Dataset: exports.FocusCost, Destination: dest})
		require.True(t, errors.As(err, &ue), "%v", err)
	})

	t.Run("storage the service cannot write to", func(t *testing.T) {
		ec := e.client(t, billingtest.EAEnterpriseAdmin)
		s := scopeOf(t, eaAccount)
		fw := exports.Destination{ResourceID: storageID + "-firewalled", Container: ctr}
		_, err := ec.CreateOrUpdate(ctx, s, "fw", exports.Definition{Destination: fw})
		var de *exports.DestinationError
		require.True(t, errors.As(err, &de), "%v", err)
		require.Equal(t, exports.DestinationFirewall, de.Reason)
		_, err = ec.CreateOrUpdate(ctx, s, "fw", exports.Definition{Destination: fw, Location: "westeurope"})
		require.NoError(t, err, "a managed identity gets past the firewall")

		_, err = ec.CreateOrUpdate(ctx, s, "unreg", exports.Definition{Destination: exports.Destination{ResourceID: storageID + "-unregistered", Container: ctr}})
		require.True(t, errors.As(err, &de), "%v", err)
		require.Equal(t, exports.DestinationNotRegistered, de.Reason)
	})

	t.Run("no role", func(t *testing.T) {
		ec := e.client(t, billingtest.NoRole)
		_, err := ec.List(ctx, scopeOf(t, eaAccount))
		var pe *roles.PermissionError
		require.True(t, errors.As(err, &pe), "%v", err)
	})
}

func TestBackfillInterruptedAndResumed(t *testing.T) {
	e := newEnv(t, billingtest.WithUsageRowsPerDay(1))
	ctx := context.Background()
	ec := e.client(t, billingtest.EAEnterpriseAdmin)
	s := scopeOf(t, eaAccount)
	define(t, ec, eaAccount, "history", exports.Parquet, exports.Snappy, exports.CreateNewReport)
	span := billing.Period{Start: billing.NewDate(2024, time.November, 1), End: billing.NewDate(2026, time.October, 31)}
	cp := filepath.Join(t.TempDir(), "backfill.json")

	// Interrupted half-way: the context ends after the 12th month.
	ctx1, cancel := context.WithCancel(ctx)
	ran := 0
	res, err := ec.Backfill(ctx1, s, "history", span, &exports.BackfillOptions{Checkpoint: cp, PollInterval: time.Millisecond,
		Progress: func(m billing.Period, didRun bool) {
			if didRun {
				ran++
			}
			if ran == 12 {
				cancel()
			}
		}})
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, res.Ran, 12)
	require.Len(t, e.srv.ExportRuns(eaAccount, "history"), 12)
	_, err = os.Stat(cp)
	require.NoError(t, err)

	// Restarted: only the missing months run.
	res, err = ec.Backfill(ctx, s, "history", span, &exports.BackfillOptions{Checkpoint: cp, PollInterval: time.Millisecond})
	require.NoError(t, err)
	require.Len(t, res.Skipped, 12)
	require.Len(t, res.Ran, 12)
	require.Equal(t, billing.Month(2025, time.November), res.Ran[0])
	runs := e.srv.ExportRuns(eaAccount, "history")
	require.Len(t, runs, 24, "no month ran twice")
	seen := map[billing.Date]bool{}
	for _, r := range runs {
		d := billing.DateOf(r.Period.Start)
		require.False(t, seen[d], "month %s ran twice", d)
		seen[d] = true
	}

	// Without the checkpoint the run history says the same.
	res, err = ec.Backfill(ctx, s, "history", span, &exports.BackfillOptions{PollInterval: time.Millisecond})
	require.NoError(t, err)
	require.Empty(t, res.Ran)
	require.Len(t, e.srv.ExportRuns(eaAccount, "history"), 24)

	// And the 24 months read back exactly.
	l, err := e.reader(t, nil).Runs(ctx, "faults/history")
	require.NoError(t, err)
	require.Len(t, l.Runs, 24)
	want, wantRows := truth(t, e.srv, eaAccount, span, exports.ActualCost)
	got, n := sum(t, e.reader(t, nil).Records(ctx, l.Runs))
	require.Equal(t, wantRows, n)
	requireSums(t, want, got)
}
