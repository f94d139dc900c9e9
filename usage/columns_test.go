package usage_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/usage"
)

// dictColumns turns rows of text into dictionary columns, as a Parquet reader hands them over:
// each distinct text once, rows as indexes; empty texts as nulls.
func dictColumns(rows [][]string, ncols int) []usage.Column {
	cols := make([]usage.Column, ncols)
	for c := range cols {
		seen := map[string]int32{}
		cols[c].Dict = []string{}
		cols[c].Index = make([]int32, len(rows))
		for r, row := range rows {
			v := row[c]
			if v == "" {
				cols[c].Index[r] = -1
				continue
			}
			i, ok := seen[v]
			if !ok {
				i = int32(len(cols[c].Dict))
				seen[v] = i
				cols[c].Dict = append(cols[c].Dict, v)
			}
			cols[c].Index[r] = i
		}
	}
	return cols
}

// TestBuildColumnsMatchesReader types every fixture twice, through the CSV Reader and column by
// column through BuildColumns (in batches, so that a dictionary serves several calls), and
// requires the same Records, text of every column included.
func TestBuildColumnsMatchesReader(t *testing.T) {
	eachFixture(t, func(t *testing.T, rd *usage.Reader, header []string) {
		var want []usage.Record
		var rows [][]string
		for rec, err := range rd.All() {
			require.NoError(t, err)
			want = append(want, rec)
			rows = append(rows, rec.Fields(nil))
		}
		require.NotEmpty(t, want)
		b, err := usage.NewRecordBuilder(header, nil)
		require.NoError(t, err)
		cols := dictColumns(rows, len(header))
		var got, prev []usage.Record
		for lo := 0; lo < len(rows); lo += 3 {
			hi := min(lo+3, len(rows))
			part := make([]usage.Column, len(cols))
			for c := range cols {
				part[c] = usage.Column{Dict: cols[c].Dict, Index: cols[c].Index[lo:hi]}
			}
			recs, err := b.BuildColumns(prev, part, hi-lo, want[lo].Line) // the previous batch's memory
			require.NoError(t, err)
			require.Len(t, recs, hi-lo)
			got = append(got, recs...)
			prev = recs
		}
		require.Equal(t, len(want), b.Rows())
		for i := range want {
			require.Equal(t, want[i].Line, got[i].Line)
			require.Equal(t, want[i].Fields(nil), got[i].Fields(nil), "line %d", want[i].Line)
			require.True(t, reflect.DeepEqual(exported(want[i]), exported(got[i])), "line %d", want[i].Line)
			for c, name := range header {
				require.Equal(t, want[i].Raw(c), got[i].Raw(c))
				v, ok := got[i].Column(name)
				require.True(t, ok)
				require.Equal(t, want[i].Raw(c), v)
			}
		}
	})
}

// focusHeader is a FOCUS header with a decimal, a date and an exclusive period end.
var focusHeader = []string{"BilledCost", "BillingCurrency", "ChargePeriodStart", "BillingPeriodStart", "BillingPeriodEnd",
	"SubAccountId", "x_SkuMeterCategory", "ConsumedQuantity"}

func TestBuildColumnsTyped(t *testing.T) {
	b, err := usage.NewRecordBuilder(focusHeader, nil)
	require.NoError(t, err)
	d := func(s string) billing.Decimal {
		v, err := billing.ParseDecimal(s)
		require.NoError(t, err)
		return v
	}
	oct1, nov1 := billing.NewDate(2026, 10, 1), billing.NewDate(2026, 11, 1)
	cols := []usage.Column{
		{Decimals: []billing.Decimal{d("1.500000000000000000"), {}}, Null: []bool{false, true}},
		{Dict: []string{"EUR"}, Index: []int32{0, 0}},
		{Dates: []billing.Date{oct1, billing.NewDate(2026, 10, 2)}},
		{Dates: []billing.Date{oct1, oct1}},
		{Dates: []billing.Date{nov1, nov1}},
		{Dict: []string{"/subscriptions/s1", "NULL"}},
		{Dict: []string{"Storage", "Storage"}, Index: nil},
		{Dict: []string{"2.5", "x"}, Index: []int32{0, -1}},
	}
	recs, err := b.BuildColumns(nil, cols, 2, 2)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	require.Equal(t, "1.500000000000000000", recs[0].Cost.String(), "the column's scale is kept")
	require.True(t, recs[1].Cost.IsZero(), "null is zero")
	require.Equal(t, "", recs[1].Raw(0), "null is an empty field")
	require.Equal(t, "1.500000000000000000", recs[0].Raw(0))
	require.Equal(t, "EUR", recs[1].Currency)
	require.Equal(t, "2026-10-02", recs[1].Date.String())
	require.Equal(t, "2026-10-31", recs[0].BillingPeriodEnd.String(), "FOCUS's exclusive end moved back a day")
	require.Equal(t, "2026-11-01", recs[0].Raw(4))
	require.Equal(t, "s1", recs[0].SubscriptionID)
	require.Equal(t, "", recs[1].SubscriptionID, "FOCUS NULL")
	require.Equal(t, "Storage", recs[1].MeterCategory)
	require.Equal(t, "2.5", recs[0].Quantity.String())
	require.Equal(t, 3, recs[1].Line)

	// Records of another kind in dst are cleared before their memory is reused; this
	// builder's are overwritten, nulls included.
	stale := []usage.Record{{ResourceGroup: "stale", MeterCategory: "stale"}, recs[0]}
	again, err := b.BuildColumns(stale, cols, 2, 2)
	require.NoError(t, err)
	require.Same(t, &stale[0], &again[0], "dst's memory reused")
	require.Equal(t, "", again[0].ResourceGroup)
	require.Equal(t, "Storage", again[0].MeterCategory)
	require.True(t, again[1].Cost.IsZero(), "a null overwrites the earlier record's cost")
	require.Equal(t, "2026-10-02", again[1].Date.String())

	// A bad text is reported where it is, after the records before it.
	cols[7].Index = []int32{0, 1}
	recs, err = b.BuildColumns(nil, cols, 2, 10)
	require.Len(t, recs, 1)
	var pe *usage.ParseError
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, 11, pe.Line)
	require.Equal(t, 8, pe.Column)
	require.Equal(t, "ConsumedQuantity", pe.Header)
	require.True(t, errors.Is(err, usage.ErrBadDecimal))

	// Malformed columns are errors, not panics.
	for _, bad := range []func([]usage.Column){
		func(c []usage.Column) { c[1].Index = []int32{0, 5} },
		func(c []usage.Column) { c[0].Decimals = c[0].Decimals[:1] },
		func(c []usage.Column) { c[0].Null = []bool{true} },
		func(c []usage.Column) { c[2] = usage.Column{} },
		func(c []usage.Column) { c[6].Dict = c[6].Dict[:1] },
	} {
		c := append([]usage.Column(nil), cols...)
		c[7].Index = []int32{0, 0}
		bad(c)
		_, err := b.BuildColumns(nil, c, 2, 2)
		require.True(t, errors.Is(err, usage.ErrBadColumn), "%v", err)
	}
	_, err = b.BuildColumns(nil, cols[:3], 2, 2)
	require.True(t, errors.Is(err, usage.ErrFieldCount), "%v", err)
}

// FuzzBuildColumns builds records from dictionary columns made of arbitrary texts and
// indexes: BuildColumns must return records whose fields are the columns' texts, or a
// *ParseError after the records before the bad row, never panic.
func FuzzBuildColumns(f *testing.F) {
	f.Add([]byte("1.5\n2026-10-01\nEUR\n/subscriptions/x\nNULL"), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("x\n\n\"q\",\n"), []byte{255, 0, 3})
	f.Fuzz(func(t *testing.T, texts, idx []byte) {
		b, err := usage.NewRecordBuilder(focusHeader, nil)
		require.NoError(t, err)
		dict := []string{}
		start := 0
		for i := 0; i <= len(texts) && len(dict) < 16; i++ {
			if i == len(texts) || texts[i] == '\n' {
				dict = append(dict, string(texts[start:i]))
				start = i + 1
			}
		}
		n := len(idx) / len(focusHeader)
		cols := make([]usage.Column, len(focusHeader))
		for c := range cols {
			cols[c].Dict = dict
			cols[c].Index = make([]int32, n)
			for r := range n {
				cols[c].Index[r] = int32(idx[r*len(focusHeader)+c]) - 1 // may fall outside dict
			}
		}
		recs, err := b.BuildColumns(nil, cols, n, 2)
		if err != nil {
			var pe *usage.ParseError
			require.True(t, errors.As(err, &pe), "%v", err)
			if !errors.Is(err, usage.ErrBadColumn) {
				require.Equal(t, pe.Line-2, len(recs), "the records before the bad row")
			}
		} else {
			require.Len(t, recs, n)
		}
		for r := range recs {
			fields := recs[r].Fields(nil)
			for c := range cols {
				want := ""
				if i := cols[c].Index[r]; i >= 0 {
					want = dict[i]
				}
				require.Equal(t, want, fields[c])
			}
		}
	})
}
