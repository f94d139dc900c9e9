package usage

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

func TestDailyBreakdownOfAmortizedSample(t *testing.T) {
	r := NewReader(strings.NewReader(string(readSample(t, sharedSample(t, "EA_amortized_c360-costdetails_finops-toolkit.csv")))), nil)
	b, err := DailyBreakdown(r.All(), nil)
	require.NoError(t, err)
	days := b.Totals()
	require.Len(t, days, 9)
	// Sums computed independently with Python's decimal module.
	assert.Equal(t, billing.NewDate(2023, time.September, 3), days[0].Date)
	assert.Equal(t, 2, days[0].Rows)
	assertDec(t, "0.663052560468", days[0].Cost)
	assert.Equal(t, billing.NewDate(2023, time.September, 4), days[1].Date)
	assert.Equal(t, 13, days[1].Rows)
	assertDec(t, "11.7456867826373568", days[1].Cost)
	assertDec(t, "0.2126836872922557592391990000", days[2].Cost, "28 fractional digits survive the sum")
	assert.Equal(t, "USD", days[0].Currency)
	assert.Equal(t, 28, b.Rows())
	assert.Equal(t, billing.NewDate(2023, time.September, 3), b.FirstDate())
	assert.Equal(t, billing.NewDate(2023, time.September, 22), b.LastDate())
	cost := b.Cost()
	require.Len(t, cost, 1)
	assertDec(t, "16.2969321366366446274854190000", cost["USD"])
}

func TestDailyBreakdownByTagAndMeter(t *testing.T) {
	_, recs := readFile(t, sharedSample(t, "EA_amortized_c360-costdetails_finops-toolkit.csv"))
	seq := func(yield func(Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
	b, err := DailyBreakdown(seq, &BreakdownOptions{ByTag: "ENV"})
	require.NoError(t, err)
	byTag := map[string]billing.Decimal{}
	for _, d := range b.Totals() {
		byTag[d.Tag] = byTag[d.Tag].Add(d.Cost)
	}
	assertDec(t, "4.2888649618686196371366", byTag["prod"])
	assertDec(t, "4.96758623836503", byTag["trey"])
	assertDec(t, "7.040480936402994990348819000", byTag[""], "rows without the tag")

	b, err = DailyBreakdown(seq, &BreakdownOptions{ByMeter: true, BySubscription: true, ByResourceGroup: true})
	require.NoError(t, err)
	last := b.Totals()[len(b.Totals())-1]
	assert.Equal(t, billing.NewDate(2023, time.September, 22), last.Date)
	assert.Equal(t, "Virtual Machines / Dv2/DSv2 Series / D2 v2/DS2 v2 (1 Hour)", last.Meter.String())
	assertDec(t, "8", last.Quantity)
	assertDec(t, "0.493152", last.Cost)
	assert.Equal(t, "MC_ANALYTICSENGINE_ANALYTICSENGINE_EASTUS", last.ResourceGroup)
	assert.NotEmpty(t, last.SubscriptionID)
}

func TestDailyBreakdownKeepsCurrenciesApart(t *testing.T) {
	data := paygFile(paygRow("2024-01-01", "1", "1.10"), paygRow("2024-01-01", "1", "2.20"),
		strings.Replace(paygRow("2024-01-01", "1", "5"), ",USD,", ",EUR,", 1))
	b, err := DailyBreakdown(NewReader(strings.NewReader(data), nil).All(), nil)
	require.NoError(t, err)
	days := b.Totals()
	require.Len(t, days, 2)
	assert.Equal(t, "EUR", days[0].Currency)
	assert.Equal(t, "USD", days[1].Currency)
	assert.Equal(t, "3.30", days[1].Cost.String())
	assert.Equal(t, "5", b.Cost()["EUR"].String())
}

func TestDailyBreakdownReportsBadTagsAndReadErrors(t *testing.T) {
	data := paygFile(strings.Replace(paygRow("2024-01-01", "1", "1"), `"{""env"":""dev""}"`, `"{""env"":"`, 1))
	_, err := DailyBreakdown(NewReader(strings.NewReader(data), nil).All(), &BreakdownOptions{ByTag: "env"})
	assert.ErrorIs(t, err, ErrBadTags)
	assert.Contains(t, err.Error(), "line 2")

	b, err := DailyBreakdown(NewReader(strings.NewReader(paygFile(paygRow("2024-01-01", "1", "1"), paygRow("bad", "1", "1"))), nil).All(), nil)
	assert.ErrorIs(t, err, ErrBadDate)
	assert.Equal(t, 1, b.Rows(), "the breakdown so far")
}

func TestMeterString(t *testing.T) {
	assert.Equal(t, "Storage / Tables (1 GB/Month)", Meter{Category: "Storage", Name: "Tables", Unit: "1 GB/Month"}.String())
	assert.Equal(t, "", Meter{}.String())
}
