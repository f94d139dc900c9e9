package usage

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

// legacyItem is a legacy usage detail shaped like the 2024-08-01 spec examples (values ours).
const legacyItem = `{
  "id": "/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Billing/billingPeriods/20261003/providers/Microsoft.Consumption/usageDetails/ud1",
  "name": "ud1", "type": "Microsoft.Consumption/usageDetails", "kind": "legacy",
  "tags": {"env": "prod", "team": "web \"blue\""},
  "properties": {
    "billingAccountId": "20000000-0000-0000-0000-000000000001", "billingAccountName": "Alex Contoso",
    "billingPeriodStartDate": "2026-10-03T00:00:00.0000000Z", "billingPeriodEndDate": "2026-11-02T00:00:00.0000000Z",
    "subscriptionId": "11111111-1111-1111-1111-111111111111", "subscriptionName": "Contoso \u00e9 PAYG",
    "date": "2026-10-05T00:00:00.0000000Z", "product": "Blob Storage - Hot LRS - US East", "partNumber": "AAA-00003",
    "meterId": "d2b9a1a3-7c7e-4d3f-9d4e-000000000003",
    "meterDetails": {"meterName": "Hot LRS Data Stored", "meterCategory": "Storage", "meterSubCategory": "Blob Storage",
      "unitOfMeasure": "1 GB/Month", "serviceFamily": "Storage"},
    "quantity": 2.3574, "effectivePrice": 0.0184, "cost": 0.043376160000000000000001, "unitPrice": 1.84E-2, "payGPrice": 0.0184,
    "billingCurrency": "USD", "resourceLocation": "eastus", "consumedService": "Microsoft.Storage",
    "resourceId": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-web/providers/Microsoft.Storage/storageAccounts/st1",
    "resourceName": "st1", "resourceGroup": "rg-web", "offerId": "MS-AZR-0003P", "isAzureCreditEligible": true,
    "chargeType": "Usage", "frequency": "UsageBased", "pricingModel": "On Demand",
    "additionalInfo": "{\"UsageType\":\"DataStored\",\"VCPUs\":2}",
    "unknownFutureField": {"nested": [1, {"a": "]"}]}
  }
}`

func TestParseUsageDetailReadsEveryField(t *testing.T) {
	var it usageItem
	require.NoError(t, parseUsageDetail(legacyItem, &it))

	var rec Record
	require.NoError(t, it.record(&rec, 1))
	assert.Equal(t, "legacy", it.kind)
	assert.Equal(t, billing.NewDate(2026, 10, 5), rec.Date)
	assert.Equal(t, billing.NewDate(2026, 10, 3), rec.BillingPeriodStart)
	assert.Equal(t, "Contoso é PAYG", rec.SubscriptionName)
	assert.Equal(t, "Storage", rec.MeterCategory)
	assert.Equal(t, "Blob Storage", rec.MeterSubcategory)
	assert.Equal(t, "1 GB/Month", rec.UnitOfMeasure)
	assert.Equal(t, "0.043376160000000000000001", rec.Cost.String(), "24 fractional digits survive")
	assert.Equal(t, "0.0184", rec.UnitPrice.String())
	assert.True(t, rec.CreditEligible)
	assert.Equal(t, "On Demand", rec.PricingModel)
	team, ok := rec.Tags.Get("team")
	require.True(t, ok)
	assert.Equal(t, `web "blue"`, team)
	vcpus, ok := rec.AdditionalInfo.Get("VCPUs")
	require.True(t, ok)
	assert.Equal(t, "2", vcpus)
	assert.Equal(t, "Microsoft.Storage/storageAccounts", resourceType(rec.ResourceID))
}

func TestParseUsageDetailModernSynonyms(t *testing.T) {
	var it usageItem
	require.NoError(t, parseUsageDetail(`{"kind":"modern","properties":{"subscriptionGuid":"s","costInBillingCurrency":1.5,
		"billingCurrencyCode":"EUR","instanceName":"/subscriptions/s/resourceGroups/r/providers/A.B/c/d","meterName":"m","date":"2026-10-01T00:00:00Z"}}`, &it))
	var rec Record
	require.NoError(t, it.record(&rec, 1))
	assert.Equal(t, "s", rec.SubscriptionID)
	assert.Equal(t, "1.5", rec.Cost.String())
	assert.Equal(t, "EUR", rec.Currency)
	assert.Equal(t, "m", rec.MeterName)
}

// olderItem has the shape of usage details from api-version 2018-01-31 as recorded from live
// Azure (azure-cli consumption recordings): no kind, usageStart/usageEnd, instanceId with the ARM
// id and instanceName with the short name, usageQuantity, pretaxCost, currency, meterDetails with
// unit and meterLocation, additionalProperties as a JSON string. Values are made up.
const olderItem = `{"id":"subscriptions/s1/providers/Microsoft.Billing/billingPeriods/20180201/providers/Microsoft.Consumption/usageDetails/9d1c",
 "name":"9d1c","type":"Microsoft.Consumption/usageDetails","tags":{"env":"test"},"properties":{
 "billingPeriodId":"subscriptions/s1/providers/Microsoft.Billing/billingPeriods/20180201",
 "usageStart":"2018-02-01T00:00:00.0000000Z","usageEnd":"2018-02-01T23:59:59.0000000Z",
 "instanceId":"/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1",
 "instanceName":"vm1","instanceLocation":"ukwest","meterId":"m-1","usageQuantity":24,"pretaxCost":7.62599211747605,
 "currency":"USD","additionalProperties":"{\"ServiceType\":\"Standard_DS2_v2\",\"UsageType\":\"ComputeHR\"}",
 "isEstimated":true,"subscriptionGuid":"s1","subscriptionName":"Sub one","accountName":"Acct","departmentName":"Unassigned",
 "product":"Standard_D2_v2 VM (Windows) - UK West","consumedService":"Microsoft.Compute","costCenter":"",
 "meterDetails":{"meterName":"Compute Hours","meterCategory":"Virtual Machines","unit":"Hours","meterLocation":"ukwest","meterSubCategory":"Standard_D2_v2 VM (Windows)"}}}`

func TestOlderItemShapeDecodesIntoTheSameRecord(t *testing.T) {
	var it usageItem
	require.NoError(t, parseUsageDetail(olderItem, &it))
	var rec Record
	require.NoError(t, it.record(&rec, 1))
	assert.Equal(t, billing.NewDate(2018, 2, 1), rec.Date)
	assert.Equal(t, "24", rec.Quantity.String())
	assert.Equal(t, "7.62599211747605", rec.Cost.String(), "pretaxCost, exact")
	assert.Equal(t, "USD", rec.Currency)
	assert.Equal(t, "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1", rec.ResourceID, "from instanceId")
	assert.Equal(t, "vm1", rec.ResourceName, "instanceName is the short name")
	assert.Equal(t, "ukwest", rec.ResourceLocation)
	assert.Equal(t, "s1", rec.SubscriptionID)
	assert.Equal(t, "Compute Hours", rec.MeterName)
	assert.Equal(t, "ukwest", rec.MeterRegion)
	assert.Equal(t, "Hours", rec.UnitOfMeasure)
	assert.Equal(t, "Unassigned", rec.InvoiceSectionName)
	st, ok := rec.AdditionalInfo.Get("ServiceType")
	require.True(t, ok)
	assert.Equal(t, "Standard_DS2_v2", st)
	env, ok := rec.Tags.Get("env")
	require.True(t, ok)
	assert.Equal(t, "test", env)
}

func TestItemWithoutDateOrCostIsATypedErrorNamingIt(t *testing.T) {
	for _, tc := range []struct{ item, header string }{
		{`{"name":"a1b2","kind":"unknownShape","properties":{"amount":3,"day":"2026-10-01"}}`, "properties.date"},
		{`{"name":"a1b2","properties":{"date":"2026-10-01","quantity":3}}`, "properties.cost"},
		{`{"name":"a1b2","properties":{"date":"0001-01-01T00:00:00.0000000Z","cost":3}}`, "properties.date"},
	} {
		var it usageItem
		require.NoError(t, parseUsageDetail(tc.item, &it))
		var rec Record
		err := it.record(&rec, 4)
		var perr *ParseError
		require.ErrorAs(t, err, &perr, tc.item)
		assert.ErrorIs(t, err, ErrMissingField)
		assert.Equal(t, 4, perr.Line)
		assert.Equal(t, tc.header, perr.Header)
		assert.Contains(t, err.Error(), "a1b2", "the item is named")
	}
}

func TestUsageDetailBadNumberIsParseError(t *testing.T) {
	var it usageItem
	require.NoError(t, parseUsageDetail(`{"properties":{"date":"2026-10-01","cost":"12,5"}}`, &it))
	var rec Record
	err := it.record(&rec, 7)
	var perr *ParseError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, 7, perr.Line)
	assert.Equal(t, "properties.cost", perr.Header)
	assert.ErrorIs(t, err, ErrBadDecimal)
}

func TestParseUsageDetailRejectsMalformed(t *testing.T) {
	for _, s := range []string{``, `[]`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"properties":{"cost":tru}}`, `{"kind":"\x"}`, `{"a":"b"} x`, `{"a":"unterminated}`} {
		var it usageItem
		assert.ErrorIs(t, parseUsageDetail(s, &it), errItemSyntax, s)
	}
}

func TestDecodeUsagePageInAnyKeyOrder(t *testing.T) {
	page := `{"nextLink":"https://example/next?$skiptoken=x","extra":{"v":[1,2]},"value":[` + legacyItem + `,` + legacyItem + `]}`
	n := 0
	next, stopped, err := decodeUsagePage(strings.NewReader(page), func(it *usageItem) (bool, error) {
		n++
		assert.Equal(t, "USD", it.f[ciCurrency])
		return true, nil
	})
	require.NoError(t, err)
	assert.False(t, stopped)
	assert.Equal(t, 2, n)
	assert.Equal(t, "https://example/next?$skiptoken=x", next)
}

func TestDecodeUsagePageStopsEarly(t *testing.T) {
	page := `{"value":[` + legacyItem + `,` + legacyItem + `]}`
	n := 0
	_, stopped, err := decodeUsagePage(strings.NewReader(page), func(*usageItem) (bool, error) { n++; return false, nil })
	require.NoError(t, err)
	assert.True(t, stopped)
	assert.Equal(t, 1, n)
}

func TestDecodeUsagePageProtocolErrors(t *testing.T) {
	for _, s := range []string{`<html>`, `[]`, `{"value":{}}`, `{"value":[1]}`, `{"value":[{}`, `{"nextLink":3}`} {
		_, _, err := decodeUsagePage(strings.NewReader(s), func(*usageItem) (bool, error) { return true, nil })
		var pe *pageError
		assert.True(t, errors.As(err, &pe), "%s: %v", s, err)
	}
	_, _, err := decodeUsagePage(strings.NewReader(`{"value":null,"nextLink":null}`), func(*usageItem) (bool, error) { return true, nil })
	assert.NoError(t, err)
}

func TestParseCostDetailsResult(t *testing.T) {
	ok := `{"id":"subscriptions/x/providers/Microsoft.CostManagement/costDetailsOperationResults/1","name":"1","status":"Completed",
	  "manifest":{"manifestVersion":"2025-03-01","dataFormat":"Csv","blobCount":2,"byteCount":30,"compressData":false,
	    "requestContext":{"requestScope":"subscriptions/x","requestBody":{"metric":"ActualCost","billingPeriod":"202610"}},
	    "blobs":[{"blobLink":"https://h/a?sig=s","byteCount":10},{"blobLink":"https://h/b?sig=s","byteCount":20}]},
	  "validTill":"2026-11-25T13:00:00.1234567Z"}`
	r, err := parseCostDetailsResult([]byte(ok))
	require.NoError(t, err)
	assert.Len(t, r.Manifest.Blobs, 2)
	_, err = parseCostDetailsResult([]byte(`{"status":"Completed","manifest":{"blobs":[]},"validTill":"tomorrow"}`))
	require.NoError(t, err, "an unreadable validTill is an unknown expiry (Manifest.UnreadDates), not a failure")

	for _, bad := range []string{
		`{"status":"Completed"}`,
		`{"status":"Completed","manifest":{"blobCount":3,"blobs":[{"blobLink":"https://h/a","byteCount":1}]}}`,
		`{"status":"Completed","manifest":{"blobs":[{"blobLink":"","byteCount":1}]}}`,
		`{"status":"Completed","manifest":{"byteCount":5,"blobs":[{"blobLink":"https://h/a","byteCount":1}]}}`,
		`{"status":"Completed","manifest":{"dataFormat":"Parquet","blobs":[]}}`,
		`not json`,
	} {
		_, err := parseCostDetailsResult([]byte(bad))
		var perr *billing.ProtocolError
		assert.ErrorAs(t, err, &perr, bad)
	}
	r, err = parseCostDetailsResult([]byte(`{"status":"NoDataFound"}`))
	require.NoError(t, err)
	assert.Equal(t, "NoDataFound", r.Status)
}

func FuzzParseUsageDetail(f *testing.F) {
	f.Add(legacyItem)
	f.Add(`{"kind":"modern","properties":{"meterDetails":null,"cost":1e-7,"date":"2026"}}`)
	f.Add(`{"properties":{"subscriptionName":"\ud83d\ude00 \ud800 \u00"}}`)
	f.Add(`{"tags":{"a":[{"b":"}"}]},"properties":{"meterDetails":{"unit":"1 Hour"}}}`)
	f.Fuzz(func(t *testing.T, s string) {
		var it usageItem
		err := parseUsageDetail(s, &it)
		if err != nil {
			return
		}
		var rec Record
		_ = it.record(&rec, 1) // must not panic
		// Where encoding/json agrees the text is an object, the fields we read must match it.
		var ref struct {
			Kind       *string `json:"kind"`
			Properties map[string]json.RawMessage
		}
		// (Invalid UTF-8 is kept as it is, where encoding/json substitutes U+FFFD: skip those.)
		if json.Unmarshal([]byte(s), &ref) != nil || !json.Valid([]byte(s)) || !utf8.ValidString(s) {
			return
		}
		exact := func(key string) bool { // encoding/json matches keys case-insensitively, Azure does not vary
			return strings.Count(s, key) == 1 && strings.Count(strings.ToLower(s), strings.ToLower(key)) == 1
		}
		if ref.Kind != nil && exact(`"kind"`) {
			assert.Equal(t, *ref.Kind, it.kind)
		}
		if raw, ok := ref.Properties["subscriptionName"]; ok && exact(`"subscriptionName"`) && exact(`"properties"`) {
			var v string
			if json.Unmarshal(raw, &v) == nil {
				assert.Equal(t, v, it.f[ciSubscriptionName])
			}
		}
	})
}

func FuzzDecodeUsagePage(f *testing.F) {
	f.Add([]byte(`{"value":[` + legacyItem + `],"nextLink":"https://x/y"}`))
	f.Add([]byte(`{"value":null}`))
	f.Add([]byte(`{"value":[{"properties":{"cost":"x"}}]}`))
	f.Add([]byte(`{"nextLink":null,"value":[{},{"kind":"legacy"}],"x":[1,"]",{"a":"}"}]}`))
	f.Add([]byte(` { "value" : [ ] , "nextLink" : "a\"b" } `))
	f.Add([]byte(`null`)) // valid JSON, not a page: refused
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		next, _, err := decodeUsagePage(bytes.NewReader(b), func(it *usageItem) (bool, error) {
			n++
			var rec Record
			_ = it.record(&rec, n) // must not panic
			return true, nil
		})
		// Differential check against encoding/json where the page is a well-formed object
		// (encoding/json also accepts a bare null into a struct; a page is never null).
		if !json.Valid(b) || !bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{")) || !utf8.Valid(b) || bytes.Count(b, []byte(`"value"`)) > 1 || bytes.Count(b, []byte(`"nextLink"`)) > 1 {
			return
		}
		var ref struct {
			Value    []json.RawMessage
			NextLink *string
		}
		if json.Unmarshal(b, &ref) != nil || bytes.Contains(bytes.ToLower(b), []byte(`"value"`)) != bytes.Contains(b, []byte(`"value"`)) ||
			bytes.Contains(bytes.ToLower(b), []byte(`"nextlink"`)) != bytes.Contains(b, []byte(`"nextLink"`)) {
			return // keys matched case-insensitively by encoding/json only
		}
		var it usageItem
		for _, raw := range ref.Value {
			if parseUsageDetail(string(raw), &it) != nil {
				return // an item we reject on purpose
			}
		}
		require.NoError(t, err)
		assert.Equal(t, len(ref.Value), n)
		if ref.NextLink != nil {
			assert.Equal(t, *ref.NextLink, next)
		}
	})
}

func FuzzParseCostDetailsResult(f *testing.F) {
	f.Add([]byte(`{"status":"Completed","manifest":{"blobCount":1,"byteCount":3,"blobs":[{"blobLink":"https://h/a?sig=x","byteCount":3}]},"validTill":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"status":"Failed","error":{"code":"X","message":"y"}}`))
	f.Add([]byte(`{"status":"NoDataFound","manifest":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseCostDetailsResult(b)
		if err != nil || !strings.EqualFold(r.Status, statusCompleted) {
			return
		}
		// A result we accept is one we can use: a manifest whose sizes add up.
		require.NotNil(t, r.Manifest)
		var total int64
		for _, bl := range r.Manifest.Blobs {
			require.NotEmpty(t, bl.BlobLink)
			require.GreaterOrEqual(t, bl.ByteCount, int64(0))
			total += bl.ByteCount
		}
		if r.Manifest.ByteCount > 0 && total > 0 {
			require.Equal(t, r.Manifest.ByteCount, total)
		}
	})
}
