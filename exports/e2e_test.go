package exports_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/exports"
	"github.com/azbilling/azbilling/internal/azurite"
	"github.com/azbilling/azbilling/usage"
)

const (
	eaAccount  = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount
	mcaProfile = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.MCAAccount + "/billingProfiles/" + billingtest.MCAProfileUS
	eaSub      = "/subscriptions/" + billingtest.SubscriptionEAFinance
	storageID  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/finops/providers/Microsoft.Storage/storageAccounts/costexports"
	ctr        = "exports"
)

// env is an emulator whose export runs write into a fresh Azurite.
type env struct {
	srv *billingtest.Server
	az  *azurite.Server
}

func newEnv(t *testing.T, opts ...billingtest.Option) *env {
	t.Helper()
	az := azurite.Start(t)
	srv := billingtest.NewServer(t, append([]billingtest.Option{billingtest.WithUsageRowsPerDay(2)}, opts...)...)
	srv.SetExportStorage(az.Client(t), &billingtest.ExportStorageOptions{PartitionBytes: 16 << 10, RowGroupRows: 100})
	return &env{srv: srv, az: az}
}

func (e *env) client(t *testing.T, p billingtest.Principal) *exports.Client {
	t.Helper()
	opts := e.srv.ClientOptions()
	opts.Retry.RetryDelay = 5 * time.Millisecond
	bc, err := billing.NewClient(e.srv.Credential(p), opts)
	require.NoError(t, err)
	return exports.NewClient(bc)
}

func (e *env) reader(t *testing.T, opts *exports.ReaderOptions) *exports.Reader {
	return exports.NewReader(e.az.Container(t, ctr), opts)
}

func scopeOf(t *testing.T, id string) billing.Scope {
	t.Helper()
	s, err := billing.ParseScope(id)
	require.NoError(t, err)
	return s
}

func truth(t *testing.T, srv *billingtest.Server, scope string, p billing.Period, ds exports.Dataset) (map[string]string, int) {
	metric := "ActualCost"
	if ds == exports.AmortizedCost {
		metric = "AmortizedCost"
	}
	bp := billingtest.DayRange{Start: p.Start.Time(), End: p.End.Time()}
	return srv.UsageTotal(scope, bp, metric), srv.UsageRowCount(scope, bp, metric)
}

func sum(t *testing.T, seq func(func(usage.Record, error) bool)) (map[string]string, int) {
	t.Helper()
	sums := map[string]billing.Decimal{}
	n := 0
	for rec, err := range seq {
		require.NoError(t, err)
		sums[rec.Currency] = sums[rec.Currency].Add(rec.Cost)
		n++
	}
	out := map[string]string{}
	for k, v := range sums {
		out[k] = v.String()
	}
	return out, n
}

// requireSums compares exact decimal sums, whatever the trailing zeros.
func requireSums(t *testing.T, want, got map[string]string) {
	t.Helper()
	require.Equal(t, len(want), len(got), "currencies: want %v got %v", want, got)
	for cur, w := range want {
		wd, err := billing.ParseDecimal(w)
		require.NoError(t, err)
		gd, err := billing.ParseDecimal(got[cur])
		require.NoError(t, err, "currency %s missing in %v", cur, got)
		require.Zero(t, wd.Cmp(gd), "%s: want %s got %s", cur, w, got[cur])
	}
}

var oct2026 = billing.Month(2026, time.October)

func TestCreateRunReadEveryScopeDatasetFormat(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	formats := []struct {
		name string
		f    exports.Format
		c    exports.Compression
	}{{"csv", exports.CSV, ""}, {"csv.gz", exports.CSV, exports.Gzip}, {"parquet", exports.Parquet, exports.Snappy}}
	scopes := []struct {
		id string
		p  billingtest.Principal
	}{{eaAccount, billingtest.PrincipalEAEnterpriseAdmin}, {mcaProfile, billingtest.PrincipalMCAProfileOwner}, {eaSub, billingtest.PrincipalEAEnterpriseAdmin}}
	for si, sc := range scopes {
		ec := e.client(t, sc.p)
		for _, ds := range []exports.Dataset{exports.ActualCost, exports.AmortizedCost, exports.FocusCost} {
			for _, f := range formats {
				name := fmt.Sprintf("s%d-%s-%s", si, ds, strings.ReplaceAll(f.name, ".", "-"))
				t.Run(fmt.Sprintf("%s/%s/%s", sc.id, ds, f.name), func(t *testing.T) {
					s := scopeOf(t, sc.id)
					_, err := ec.CreateOrUpdate(ctx, s, name, exports.Definition{Dataset: ds, Format: f.f, Compression: f.c,
						Destination: exports.Destination{ResourceID: storageID, Container: ctr, RootFolder: "cost"}})
					require.NoError(t, err)
					require.NoError(t, ec.Run(ctx, s, name, oct2026))
					l, err := e.reader(t, nil).Runs(ctx, "cost/"+name)
					require.NoError(t, err)
					require.Len(t, l.Runs, 1)
					run := l.Runs[0]
					require.Equal(t, "20261001-20261031", run.PeriodFolder)
					require.Equal(t, oct2026, run.Period)
					require.Greater(t, len(run.Blobs), 1, "small partitions: several blobs")
					want, wantRows := truth(t, e.srv, sc.id, oct2026, ds)
					require.Positive(t, wantRows)
					got, n := sum(t, e.reader(t, nil).Records(ctx, l.Runs))
					require.Equal(t, wantRows, n)
					require.EqualValues(t, wantRows, run.RowCount)
					requireSums(t, want, got)
				})
			}
		}
	}
}

// TestParquetTextAndTypedAgree reads the same month exported as CSV, as Parquet with typed
// (DECIMAL) cost columns, the emulator's default, and as Parquet holding text only: the same
// records in the same order, every text column as the CSV has it, amounts equal.
func TestParquetTextAndTypedAgree(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ec := e.client(t, billingtest.PrincipalEAEnterpriseAdmin)
	s := scopeOf(t, eaAccount)
	read := func(name string, f exports.Format, c exports.Compression, text bool) []usage.Record {
		e.srv.SetExportStorage(e.az.Client(t), &billingtest.ExportStorageOptions{PartitionBytes: 16 << 10, RowGroupRows: 100, ParquetText: text})
		_, err := ec.CreateOrUpdate(ctx, s, name, exports.Definition{Dataset: exports.FocusCost, Format: f, Compression: c,
			Destination: exports.Destination{ResourceID: storageID, Container: ctr, RootFolder: "cost"}})
		require.NoError(t, err)
		require.NoError(t, ec.Run(ctx, s, name, oct2026))
		l, err := e.reader(t, nil).Runs(ctx, "cost/"+name)
		require.NoError(t, err)
		var recs []usage.Record
		for rec, err := range e.reader(t, nil).Records(ctx, l.Runs) {
			require.NoError(t, err)
			recs = append(recs, rec)
		}
		return recs
	}
	csv := read("agree-csv", exports.CSV, "", false)
	typed := read("agree-typed", exports.Parquet, exports.Snappy, false)
	text := read("agree-text", exports.Parquet, exports.Snappy, true)
	require.NotEmpty(t, csv)
	require.Len(t, typed, len(csv))
	require.Len(t, text, len(csv))
	for i := range csv {
		require.Equal(t, csv[i].Fields(nil), text[i].Fields(nil), "row %d", i)
		require.Equal(t, csv[i].Line, typed[i].Line)
		require.Zero(t, csv[i].Cost.Cmp(typed[i].Cost), "row %d: %s vs %s", i, csv[i].Cost, typed[i].Cost)
		require.Zero(t, csv[i].Quantity.Cmp(typed[i].Quantity))
		require.Equal(t, csv[i].Date, typed[i].Date)
		require.Equal(t, csv[i].BillingPeriodEnd, typed[i].BillingPeriodEnd)
		require.Equal(t, csv[i].MeterCategory, typed[i].MeterCategory)
		require.Equal(t, csv[i].SubscriptionID, typed[i].SubscriptionID)
		require.Equal(t, csv[i].Tags, typed[i].Tags)
		require.Equal(t, int32(18), typed[i].Cost.Scale(), "DECIMAL(38,18)")
	}
}

// TestAnyOrder reads a run of many partitions in any order: the same rows and sums as in
// order, and an early break stops cleanly.
func TestAnyOrder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ec := e.client(t, billingtest.PrincipalEAEnterpriseAdmin)
	s := scopeOf(t, eaAccount)
	for _, f := range []struct {
		name string
		f    exports.Format
		c    exports.Compression
	}{{"any-csv", exports.CSV, ""}, {"any-pq", exports.Parquet, exports.Snappy}} {
		_, err := ec.CreateOrUpdate(ctx, s, f.name, exports.Definition{Dataset: exports.ActualCost, Format: f.f, Compression: f.c,
			Destination: exports.Destination{ResourceID: storageID, Container: ctr, RootFolder: "cost"}})
		require.NoError(t, err)
		require.NoError(t, ec.Run(ctx, s, f.name, oct2026))
		l, err := e.reader(t, nil).Runs(ctx, "cost/"+f.name)
		require.NoError(t, err)
		require.Greater(t, len(l.Runs[0].Blobs), 2)
		want, wantRows := sum(t, e.reader(t, nil).Records(ctx, l.Runs))
		rd := e.reader(t, &exports.ReaderOptions{AnyOrder: true, Concurrency: 3})
		got, n := sum(t, rd.Records(ctx, l.Runs))
		require.Equal(t, wantRows, n)
		requireSums(t, want, got)
		k := 0
		for _, err := range rd.Records(ctx, l.Runs) {
			require.NoError(t, err)
			if k++; k == 5 {
				break
			}
		}
	}
}
