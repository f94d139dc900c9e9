package usage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/wire"
	"github.com/azbilling/azbilling/roles"
)

// consumptionRecordLayout is the Layout of records from the Consumption API: the pay-as-you-go
// dialect (the agreement whose usage the SDK reads from that API), with the API as Version.
func consumptionRecordLayout() Layout {
	return Layout{Dialect: DialectPAYG, Version: "usageDetails " + ConsumptionAPIVersion}
}

// consumptionLayout is the layout WriteCSV writes for Consumption usage: pay-as-you-go "usage
// only" 2019-11-01, which is what pay-as-you-go exports and downloads contain.
func consumptionLayout() Layout { return Layout{Dialect: DialectPAYG, Version: "2019-11-01"} }

// consumptionHeader is the pay-as-you-go usage-only header (usage-data.md §4.5, as real files
// spell it: MeterSubcategory).
const consumptionHeader = "SubscriptionGuid,ResourceGroup,ResourceLocation,UsageDateTime,MeterCategory,MeterSubcategory," +
	"MeterId,MeterName,MeterRegion,UsageQuantity,ResourceRate,PreTaxCost,ConsumedService,ResourceType,InstanceId,Tags," +
	"OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ServiceName,ServiceTier,Currency,UnitOfMeasure"

// usageDetails walks the Consumption usage details of the plan's subscription, page by page,
// following nextLink (resolved and made valid by arm.ResolveLink). item gets each usage detail (reused between calls) and its
// 1-based position; it returns false to stop. A 204 answer is an empty list.
func (c *Client) usageDetails(ctx context.Context, p *plan, pt part, item func(it *usageItem, n int) (bool, error)) error {
	q := url.Values{}
	q.Set("metric", strings.ToLower(string(p.metric)))
	q.Set("$expand", "properties/meterDetails,properties/additionalInfo")
	if !pt.period.IsZero() {
		q.Set("$filter", fmt.Sprintf("properties/usageStart ge '%s' and properties/usageEnd le '%s'", pt.period.Start, pt.period.End))
	}
	call := arm.Call{Action: roles.ViewUsage, Scope: p.scope.ID(), Agreement: p.agreement}
	// Pages are decoded as they stream in (Stream: no buffering of a page), so a connection that
	// breaks mid-page is retried here: the same page is requested again and the items already
	// delivered from it are skipped.
	req := arm.Request{Method: http.MethodGet, Path: p.scope.ID() + "/providers/Microsoft.Consumption/usageDetails",
		APIVersion: ConsumptionAPIVersion, Query: q, Call: call, Stream: true}
	seen := map[string]bool{}
	n := 0
	pageItems, retries := 0, 0
	for {
		resp, err := c.cc.ARM.Do(ctx, req)
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusNoContent {
			resp.Body.Close()
			return nil
		}
		skip, k := pageItems, 0
		next, stopped, err := decodeUsagePage(resp.Body, func(it *usageItem) (bool, error) {
			k++
			if k <= skip {
				return true, nil // delivered before the connection broke
			}
			pageItems++
			n++
			return item(it, n)
		})
		resp.Body.Close()
		var pe *pageError
		if errors.As(err, &pe) && pe.read && ctx.Err() == nil && retries < maxPageRetries {
			retries++
			if werr := arm.Sleep(ctx, time.Duration(retries)*100*time.Millisecond); werr != nil {
				return werr
			}
			continue
		}
		if errors.As(err, &pe) {
			return &billing.ProtocolError{StatusCode: resp.StatusCode, RequestID: arm.RequestID(resp.Header),
				Reason: "the usage details page: " + pe.Reason, ContentType: resp.Header.Get("Content-Type"), Err: pe.Err}
		}
		if err != nil || stopped || next == "" {
			return err
		}
		if next, err = c.cc.ARM.ResolveLink(next); err != nil {
			return err
		}
		if seen[next] {
			return &billing.ProtocolError{StatusCode: resp.StatusCode, RequestID: arm.RequestID(resp.Header), Reason: "the service returned the same nextLink twice"}
		}
		seen[next] = true
		req = arm.Request{Method: http.MethodGet, Path: next, Call: call, Stream: true}
		pageItems, retries = 0, 0
	}
}

// consumptionRecords yields the plan's usage details as Records.
func (c *Client) consumptionRecords(ctx context.Context, p *plan, pt part, yield func(Record, error) bool) {
	var rec Record
	err := c.usageDetails(ctx, p, pt, func(it *usageItem, n int) (bool, error) {
		if err := it.record(&rec, n); err != nil {
			return false, err
		}
		return yield(rec, nil), nil
	})
	if err != nil {
		yield(Record{}, err)
	}
}

// check refuses an item that lacks a date or a cost under every name the SDK knows: read as
// it is, it would be a row of zeros.
func (it *usageItem) check(n int) error {
	for _, c := range [...]struct {
		f    itemField
		what string
	}{{ciDate, "date (date, usageStart)"}, {ciCost, "cost (cost, costInBillingCurrency, pretaxCost)"}} {
		if it.f[c.f] == "" {
			name := it.name
			if name == "" {
				name = "without a name"
			}
			return &ParseError{File: "usage details", Line: n, Header: c.f.jsonName(), Text: truncateText([]byte(it.name)),
				Err: fmt.Errorf("%w: usage detail %s (kind %q) has no %s", ErrMissingField, name, it.kind, c.what)}
		}
	}
	return nil
}

// resource returns the item's resource id and name. instanceId is an ARM id; instanceName is
// the short name in the older item shape (next to instanceId) and the ARM id in the modern one.
func (it *usageItem) resource() (id, name string) {
	id, name = it.f[ciResourceID], it.f[ciResourceName]
	inst := it.f[ciInstanceName]
	switch {
	case inst == "":
	case id == "" && isARMID(inst):
		id = inst
	case name == "" && !isARMID(inst):
		name = inst
	}
	return id, name
}

// isARMID reports whether s looks like an Azure Resource Manager id.
func isARMID(s string) bool {
	s = strings.TrimPrefix(s, "/")
	return len(s) > 14 && (strings.EqualFold(s[:14], "subscriptions/") || strings.HasPrefix(strings.ToLower(s), "providers/"))
}

// record fills rec from the item; n is the item's position, used in errors.
func (it *usageItem) record(rec *Record, n int) error {
	if err := it.check(n); err != nil {
		return err
	}
	f := &it.f
	resourceID, resourceName := it.resource()
	*rec = Record{
		Layout:             consumptionRecordLayout(),
		BillingAccountID:   f[ciBillingAccountID],
		BillingAccountName: f[ciBillingAccountName],
		BillingProfileID:   f[ciBillingProfileID],
		BillingProfileName: f[ciBillingProfileName],
		InvoiceSectionID:   f[ciInvoiceSectionID],
		InvoiceSectionName: f[ciInvoiceSectionName],
		InvoiceID:          f[ciInvoiceID],
		AccountName:        f[ciAccountName],
		AccountOwnerID:     f[ciAccountOwnerID],
		CostCenter:         f[ciCostCenter],
		SubscriptionID:     f[ciSubscriptionID],
		SubscriptionName:   f[ciSubscriptionName],
		ResourceGroup:      f[ciResourceGroup],
		ResourceID:         resourceID,
		ResourceName:       resourceName,
		ResourceLocation:   f[ciResourceLocation],
		MeterID:            f[ciMeterID],
		MeterName:          f[ciMeterName],
		MeterCategory:      f[ciMeterCategory],
		MeterSubcategory:   f[ciMeterSubcategory],
		MeterRegion:        f[ciMeterRegion],
		ServiceFamily:      f[ciServiceFamily],
		ProductName:        f[ciProduct],
		ProductID:          f[ciProductID],
		PartNumber:         f[ciPartNumber],
		ConsumedService:    f[ciConsumedService],
		UnitOfMeasure:      f[ciUnitOfMeasure],
		Currency:           f[ciCurrency],
		ChargeType:         f[ciChargeType],
		PricingModel:       f[ciPricingModel],
		Frequency:          f[ciFrequency],
		Term:               f[ciTerm],
		ReservationID:      f[ciReservationID],
		ReservationName:    f[ciReservationName],
		BenefitID:          f[ciBenefitID],
		BenefitName:        f[ciBenefitName],
		ProductOrderID:     f[ciProductOrderID],
		ProductOrderName:   f[ciProductOrderName],
		OfferID:            f[ciOfferID],
		PublisherName:      f[ciPublisherName],
		PublisherType:      f[ciPublisherType],
		CreditEligible:     strings.EqualFold(f[ciCreditEligible], "true"),
		Tags:               Tags(it.tags),
		AdditionalInfo:     AdditionalInfo(f[ciAdditionalInfo]),
	}
	for _, d := range [...]struct {
		f   itemField
		dst *billing.Date
	}{
		{ciDate, &rec.Date}, {ciBillingPeriodStart, &rec.BillingPeriodStart}, {ciBillingPeriodEnd, &rec.BillingPeriodEnd},
		{ciServicePeriodStart, &rec.ServicePeriodStart}, {ciServicePeriodEnd, &rec.ServicePeriodEnd},
	} {
		v := f[d.f]
		if v == "" {
			continue
		}
		t, ok := wire.ParseTime(v) // 2019-04-09T00:00:00.0000000Z, 2017-10-01T00:00:00Z, ...
		if !ok {
			return itemError(n, d.f, v, ErrBadDate, billing.ErrInvalidDate)
		}
		if t.IsZero() && d.f == ciDate { // 0001-01-01 or blanks: no usage date after all
			return itemError(n, d.f, v, ErrMissingField, fmt.Errorf("usage detail %s says its usage date is none", it.name))
		}
		if !t.IsZero() { // other dates may be none
			*d.dst = billing.DateOf(t)
		}
	}
	for _, d := range [...]struct {
		f   itemField
		dst *billing.Decimal
	}{
		{ciQuantity, &rec.Quantity}, {ciEffectivePrice, &rec.EffectivePrice}, {ciCost, &rec.Cost},
		{ciUnitPrice, &rec.UnitPrice}, {ciPayGPrice, &rec.PayGPrice},
	} {
		v := f[d.f]
		if v == "" {
			continue
		}
		x, err := billing.ParseDecimal(v)
		if err != nil {
			return itemError(n, d.f, v, ErrBadDecimal, err)
		}
		*d.dst = x
	}
	return nil
}

// itemFieldNames are the JSON names of the fields, for errors.
func (f itemField) jsonName() string {
	switch f {
	case ciDate:
		return "properties.date"
	case ciBillingPeriodStart:
		return "properties.billingPeriodStartDate"
	case ciBillingPeriodEnd:
		return "properties.billingPeriodEndDate"
	case ciServicePeriodStart:
		return "properties.servicePeriodStartDate"
	case ciServicePeriodEnd:
		return "properties.servicePeriodEndDate"
	case ciQuantity:
		return "properties.quantity"
	case ciEffectivePrice:
		return "properties.effectivePrice"
	case ciCost:
		return "properties.cost"
	case ciUnitPrice:
		return "properties.unitPrice"
	case ciPayGPrice:
		return "properties.payGPrice"
	}
	return "properties"
}

// itemError is the *ParseError of a usage detail field: Line is the item's position in the list.
func itemError(n int, f itemField, text string, sentinel, cause error) error {
	if len(text) > 80 {
		text = text[:80]
	}
	return &ParseError{File: "usage details", Line: n, Header: f.jsonName(), Text: text, Err: fmt.Errorf("%w: %w", sentinel, cause)}
}

// consumptionCSV writes the plan's usage details as pay-as-you-go usage-only CSV.
func (c *Client) consumptionCSV(ctx context.Context, p *plan, pt part, cw *csvConcat) error {
	var buf []byte
	started := false
	return c.usageDetails(ctx, p, pt, func(it *usageItem, n int) (bool, error) {
		if !started {
			if err := cw.begin(consumptionHeader); err != nil {
				return false, err
			}
			started = true
		}
		if err := it.check(n); err != nil {
			return false, err
		}
		f := &it.f
		t, ok := wire.ParseTime(f[ciDate])
		if !ok {
			return false, itemError(n, ciDate, f[ciDate], ErrBadDate, billing.ErrInvalidDate)
		}
		if t.IsZero() {
			return false, itemError(n, ciDate, f[ciDate], ErrMissingField, fmt.Errorf("usage detail %s says its usage date is none", it.name))
		}
		date := billing.DateOf(t).String()
		resourceID, _ := it.resource()
		buf = buf[:0]
		for i, v := range [...]string{
			f[ciSubscriptionID], f[ciResourceGroup], f[ciResourceLocation], date,
			f[ciMeterCategory], f[ciMeterSubcategory], f[ciMeterID], f[ciMeterName], f[ciMeterRegion],
			f[ciQuantity], f[ciEffectivePrice], f[ciCost], f[ciConsumedService], resourceType(resourceID),
			resourceID, it.tags, f[ciOfferID], f[ciAdditionalInfo], f[ciServiceInfo1], f[ciServiceInfo2],
			f[ciServiceName], f[ciServiceTier], f[ciCurrency], f[ciUnitOfMeasure],
		} {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendCSVField(buf, v)
		}
		buf = append(buf, cw.eol...)
		return true, cw.write(buf)
	})
}

// resourceType derives "Microsoft.Compute/virtualMachines" from an ARM resource id.
func resourceType(id string) string {
	i := strings.LastIndex(strings.ToLower(id), "/providers/")
	if i < 0 {
		return ""
	}
	segs := strings.SplitN(id[i+len("/providers/"):], "/", 3)
	if len(segs) < 2 {
		return ""
	}
	return segs[0] + "/" + segs[1]
}

// appendCSVField appends v, quoted when it holds a comma, quote or line break (RFC 4180).
func appendCSVField(b []byte, v string) []byte {
	if !strings.ContainsAny(v, ",\"\r\n") {
		return append(b, v...)
	}
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, v[i])
	}
	return append(b, '"')
}

// maxPageRetries bounds how often one usage details page is requested again after its
// connection broke mid-body.
const maxPageRetries = 3
