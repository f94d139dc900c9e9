package usage_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/usage"
)

// TestRecordBuilderMatchesReader types every row of every fixture twice, once
// through the CSV Reader and once from its fields through a RecordBuilder, and
// requires the same Record, text of every column included.
func TestRecordBuilderMatchesReader(t *testing.T) {
	eachFixture(t, func(t *testing.T, rd *usage.Reader, header []string) {
		b, err := usage.NewRecordBuilder(header, nil)
		require.NoError(t, err)
		layout, _ := rd.Layout()
		require.Equal(t, layout, b.Layout())
		n := 0
		for want, err := range rd.All() {
			require.NoError(t, err)
			got, err := b.Build(want.Fields(nil), want.Line)
			require.NoError(t, err)
			require.Equal(t, want.Fields(nil), got.Fields(nil))
			require.True(t, reflect.DeepEqual(exported(want), exported(got)), "line %d", want.Line)
			tags, _ := want.Column("Tags")
			gtags, _ := got.Column("Tags")
			require.Equal(t, tags, gtags)
			n++
		}
		require.Positive(t, n)
		require.Equal(t, n, b.Rows())
	})
}

// eachFixture runs check, as a subtest named after the file, on a Reader of every CSV fixture
// whose header has been read.
func eachFixture(t *testing.T, check func(t *testing.T, rd *usage.Reader, header []string)) {
	files, err := filepath.Glob(filepath.Join("testdata", "fixtures", "*.csv"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			rd := usage.NewReader(f, nil)
			header, err := rd.Header()
			require.NoError(t, err)
			check(t, rd, header)
		})
	}
}

// exported copies a record's exported fields (the unexported ones hold the
// row's storage, which differs in layout but not in content).
func exported(r usage.Record) map[string]any {
	v := reflect.ValueOf(r)
	m := map[string]any{}
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).IsExported() {
			m[v.Type().Field(i).Name] = v.Field(i).Interface()
		}
	}
	return m
}

func TestRecordBuilderErrors(t *testing.T) {
	_, err := usage.NewRecordBuilder([]string{"a", "b", "c"}, nil)
	require.ErrorIs(t, err, usage.ErrUnknownHeader)

	header := []string{"Date", "CostInBillingCurrency", "Quantity", "MeterCategory", "BillingCurrencyCode", "SubscriptionId", "ResourceId", "MeterId", "AccountOwnerId"}
	b, err := usage.NewRecordBuilder(header, &usage.ReaderOptions{File: "part_0_0001.parquet"})
	require.NoError(t, err)
	_, err = b.Build([]string{"2026-01-02"}, 7)
	require.ErrorIs(t, err, usage.ErrFieldCount)

	_, err = b.Build([]string{"2026-01-02", "1.5x", "1", "VM", "USD", "s", "r", "m", "a"}, 8)
	var perr *usage.ParseError
	require.True(t, errors.As(err, &perr))
	require.Equal(t, 8, perr.Line)
	require.Equal(t, "CostInBillingCurrency", perr.Header)
	require.ErrorIs(t, err, usage.ErrBadDecimal)

	rec, err := b.Build([]string{"2026-01-02", "1.50", "2", "a,\"b\"", "USD", "s", "r", "m", "a"}, 9)
	require.NoError(t, err)
	require.Equal(t, "a,\"b\"", rec.MeterCategory)
	require.Equal(t, "a,\"b\"", rec.Raw(3))
	require.Equal(t, "1.50", rec.Cost.String())
}
