package replay_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/usage"
)

func TestMOSPConsumptionOlderShapeEveryPage(t *testing.T) {
	f := start(t, time.Date(2018, 2, 15, 0, 0, 0, 0, time.UTC), "mosp_consumption_usage")
	sub, err := billing.SubscriptionScope("00000000-0000-0000-0000-000000000000")
	require.NoError(t, err)
	uc := usage.NewClient(f.bc)
	opts := &usage.Options{Agreement: billing.AgreementMOSP,
		Period: billing.Period{Start: billing.NewDate(2017, time.October, 11), End: billing.NewDate(2018, time.February, 1)}}
	recs := collect(t, uc.Records(ctx(t), sub, opts))
	require.Len(t, recs, 10)

	r := recs[0]
	assert.Equal(t, billing.NewDate(2017, time.October, 11), r.Date)
	assert.Equal(t, "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/TESTRG/providers/Microsoft.Compute/virtualMachines/std2swindows", r.ResourceID)
	assert.Equal(t, "std2swindows", r.ResourceName)
	assert.Equal(t, "ukwest", r.ResourceLocation)
	assert.True(t, r.Cost.Equal(dec(t, "2.20792035517835")), "cost %s", r.Cost)
	assert.True(t, r.Quantity.Equal(dec(t, "24")), "quantity %s", r.Quantity)
	assert.Equal(t, "USD", r.Currency)
	assert.Equal(t, "b99d40ae-41fe-4d1d-842b-56d72f3d15ee", r.MeterID)
	assert.Equal(t, "a98d6dc5-eb8f-46cf-8938-f1fb08f03706", r.SubscriptionID)
	assert.Equal(t, "Microsoft Azure Enterprise - A98", r.SubscriptionName)
	assert.Equal(t, "Microsoft.Compute", r.ConsumedService)

	assert.True(t, recs[1].Cost.Equal(dec(t, "0.000003239442285")), "cost %s", recs[1].Cost)
	assert.True(t, recs[1].Quantity.Equal(dec(t, "0.000072")), "quantity %s", recs[1].Quantity)

	// Page 2, reached through a nextLink with raw spaces and quotes in $filter.
	assert.Equal(t, billing.NewDate(2018, time.February, 1), recs[5].Date)
	assert.Equal(t, "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/test1234centeraluscanaey/providers/Microsoft.Storage/storageAccounts/test1234centeraluscan871", recs[5].ResourceID)
	assert.True(t, recs[5].Cost.IsZero())
	assert.True(t, recs[5].Quantity.Equal(dec(t, "0.0146")))
	assert.True(t, recs[8].Cost.Equal(dec(t, "7.62599211747605")), "cost %s", recs[8].Cost)
	team, ok := recs[8].Tags.Get("team")
	assert.True(t, ok)
	assert.Equal(t, "Test", team)
	assert.Equal(t, "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/westeur/providers/Microsoft.Storage/storageAccounts/westeur9973", recs[9].ResourceID)

	reqs := f.requests("/usageDetails")
	require.Len(t, reqs, 2)
	next := reqs[1].URL
	assert.NotContains(t, next, " ")
	assert.Contains(t, next, "skiptoken=317C357C357C46616C73657C547275657C30")
	assert.Contains(t, next, "sessiontoken=0")
	assert.True(t, strings.Contains(next, "%20ge%20") || strings.Contains(next, "+ge+"), next)
}
