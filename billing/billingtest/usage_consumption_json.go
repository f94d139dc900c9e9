package billingtest

import (
	"slices"
	"unicode/utf8"
)

// Consumption pages carry thousands of items of about fifty fields each. Encoding them with
// encoding/json (reflection, plus a validating pass over every wireNum's MarshalJSON) was most
// of the emulator's time serving a page, so a page is written by hand here. The output is
// byte for byte what writeResponse's encoder (HTML characters not escaped) writes for the same
// values; TestUsageDetailJSONMatchesEncodingJSON and FuzzAppendJSONString hold it to that.

// appendUsagePage appends {"value":[items...],"nextLink":...} (nextLink omitted when empty).
func appendUsagePage(b []byte, items []wireUsageDetail, nextLink string) []byte {
	b = append(b, `{"value":[`...)
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = items[i].appendJSON(b)
	}
	b = append(b, ']')
	if nextLink != "" {
		b = append(b, `,"nextLink":`...)
		b = appendJSONString(b, nextLink)
	}
	return append(b, '}')
}

// appendJSON appends d as encoding/json encodes a wireUsageDetail.
func (d *wireUsageDetail) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, d.ID)
	b = appendField(b, "name", d.Name)
	b = appendField(b, "type", d.Type)
	b = appendField(b, "kind", d.Kind)
	if len(d.Tags) > 0 {
		b = append(b, `,"tags":{`...)
		var small [8]string // resources carry a few tags: sort their keys without allocating
		keys := small[:0]
		for k := range d.Tags {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json writes map keys sorted
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, d.Tags[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"properties":`...)
	b = d.Properties.appendJSON(b)
	return append(b, '}')
}

// appendJSON appends p as encoding/json encodes a wireLegacyUsageDetail: the fields in
// declaration order, omitempty ones left out when empty.
func (p *wireLegacyUsageDetail) appendJSON(b []byte) []byte {
	b = append(b, `{"billingAccountId":`...)
	b = appendJSONString(b, p.BillingAccountID)
	b = appendField(b, "billingAccountName", p.BillingAccountName)
	b = appendField(b, "billingPeriodStartDate", p.BillingPeriodStartDate)
	b = appendField(b, "billingPeriodEndDate", p.BillingPeriodEndDate)
	b = appendField(b, "billingProfileId", p.BillingProfileID)
	b = appendField(b, "billingProfileName", p.BillingProfileName)
	b = appendOptional(b, "accountOwnerId", p.AccountOwnerID)
	b = appendOptional(b, "accountName", p.AccountName)
	b = appendField(b, "subscriptionId", p.SubscriptionID)
	b = appendField(b, "subscriptionName", p.SubscriptionName)
	b = appendField(b, "date", p.Date)
	b = appendField(b, "product", p.Product)
	b = appendField(b, "partNumber", p.PartNumber)
	b = appendField(b, "meterId", p.MeterID)
	if m := p.MeterDetails; m != nil {
		b = append(b, `,"meterDetails":{`...)
		n := len(b)
		b = appendOptional(b, "meterName", m.MeterName)
		b = appendOptional(b, "meterCategory", m.MeterCategory)
		b = appendOptional(b, "meterSubCategory", m.MeterSubCategory)
		b = appendOptional(b, "unitOfMeasure", m.UnitOfMeasure)
		b = appendOptional(b, "serviceFamily", m.ServiceFamily)
		if len(b) > n {
			b = append(b[:n], b[n+1:]...) // the first member's comma
		}
		b = append(b, '}')
	}
	b = appendNumber(b, "quantity", p.Quantity)
	b = appendNumber(b, "effectivePrice", p.EffectivePrice)
	b = appendNumber(b, "cost", p.Cost)
	b = appendNumber(b, "unitPrice", p.UnitPrice)
	b = appendField(b, "billingCurrency", p.BillingCurrency)
	b = appendField(b, "resourceLocation", p.ResourceLocation)
	b = appendField(b, "consumedService", p.ConsumedService)
	b = appendField(b, "resourceId", p.ResourceID)
	b = appendField(b, "resourceName", p.ResourceName)
	b = appendOptional(b, "serviceInfo1", p.ServiceInfo1)
	b = appendOptional(b, "serviceInfo2", p.ServiceInfo2)
	b = appendOptional(b, "additionalInfo", p.AdditionalInfo)
	b = appendOptional(b, "invoiceSection", p.InvoiceSection)
	b = appendOptional(b, "costCenter", p.CostCenter)
	b = appendField(b, "resourceGroup", p.ResourceGroup)
	b = appendOptional(b, "reservationId", p.ReservationID)
	b = appendOptional(b, "reservationName", p.ReservationName)
	b = appendOptional(b, "productOrderId", p.ProductOrderID)
	b = appendOptional(b, "productOrderName", p.ProductOrderName)
	b = appendField(b, "offerId", p.OfferID)
	b = append(b, `,"isAzureCreditEligible":`...)
	if p.IsAzureCreditEligible {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	b = appendOptional(b, "term", p.Term)
	b = appendOptional(b, "publisherName", p.PublisherName)
	b = appendOptional(b, "publisherType", p.PublisherType)
	b = appendField(b, "chargeType", p.ChargeType)
	b = appendField(b, "frequency", p.Frequency)
	b = appendNumber(b, "payGPrice", p.PayGPrice)
	b = appendOptional(b, "benefitId", p.BenefitID)
	b = appendOptional(b, "benefitName", p.BenefitName)
	b = appendField(b, "pricingModel", p.PricingModel)
	return append(b, '}')
}

// appendField appends ,"key":"v". Keys are plain ASCII names that need no escaping.
func appendField(b []byte, key, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendJSONString(b, v)
}

// appendOptional is appendField for an omitempty field: nothing when v is empty.
func appendOptional(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendField(b, key, v)
}

// appendNumber appends ,"key":n as wireNum.MarshalJSON writes it (0 when empty).
func appendNumber(b []byte, key string, n wireNum) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	if n == "" {
		return append(b, '0')
	}
	return append(b, n...)
}

// appendJSONString appends s quoted as encoding/json does with HTML escaping off: quote,
// backslash and control characters escaped (\b \f \n \r \t by name, others as \u00XX), invalid
// UTF-8 replaced by \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
