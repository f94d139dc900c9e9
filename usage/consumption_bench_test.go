package usage

import (
	"bytes"
	"encoding/json"
	"testing"
)

// usagePage is a Consumption page of n legacy usage details.
func usagePage(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"value":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(legacyItem)
	}
	b.WriteString(`],"nextLink":"https://management.azure.com/subscriptions/x/providers/Microsoft.Consumption/usageDetails?$skiptoken=abc"}`)
	return b.Bytes()
}

// BenchmarkDecodeUsagePage measures the Consumption page decoder on a 1000-item page, to
// Records, against decoding the same page with encoding/json into typed structs the way
// generated clients do (all items of the page at once). The decoder holds one item at a time.
//
//	go test ./usage -run '^$' -bench DecodeUsagePage
func BenchmarkDecodeUsagePage(b *testing.B) {
	page := usagePage(1000)
	b.Run("records", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		var rec Record
		n := 0
		for range b.N {
			_, _, err := decodeUsagePage(bytes.NewReader(page), func(it *usageItem) (bool, error) {
				n++
				return true, it.record(&rec, n)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
	})
	b.Run("encoding-json-typed", func(b *testing.B) {
		type meter struct {
			MeterName, MeterCategory, MeterSubCategory, UnitOfMeasure, ServiceFamily string
		}
		type props struct {
			BillingAccountID, BillingAccountName, BillingPeriodStartDate, BillingPeriodEndDate string
			SubscriptionID, SubscriptionName, Date, Product, PartNumber, MeterID               string
			MeterDetails                                                                       *meter
			Quantity, EffectivePrice, Cost, UnitPrice, PayGPrice                               json.Number
			BillingCurrency, ResourceLocation, ConsumedService, ResourceID, ResourceName       string
			ResourceGroup, OfferID, ChargeType, Frequency, PricingModel, AdditionalInfo        string
			IsAzureCreditEligible                                                              bool
		}
		type item struct {
			ID, Name, Type, Kind string
			Tags                 map[string]string
			Properties           props
		}
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		n := 0
		for range b.N {
			var p struct {
				Value    []item
				NextLink string
			}
			dec := json.NewDecoder(bytes.NewReader(page))
			dec.UseNumber()
			if err := dec.Decode(&p); err != nil {
				b.Fatal(err)
			}
			n += len(p.Value)
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
	})
}
