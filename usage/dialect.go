package usage

import (
	"fmt"
	"strings"

	"github.com/azbilling/azbilling/roles"
)

// Dialect names a family of usage file layouts. It is detected from the header
// row; the exact schema version is in Layout.Version.
type Dialect string

// Dialects the Reader recognises.
const (
	// DialectEAC360 is the Enterprise Agreement "c360" layout (portal
	// "Usage + charges" download, Cost Management connector): PascalCase,
	// cost in Cost, currency in BillingCurrency, department in InvoiceSection.
	DialectEAC360 Dialect = "ea-c360"
	// DialectEAExport is the Enterprise Agreement Cost Details / Exports
	// layout (cost in CostInBillingCurrency), versions 2019-10-01 to 2024-08-01.
	DialectEAExport Dialect = "ea-export"
	// DialectMCA is the Microsoft Customer Agreement "Azure usage and
	// charges" layout (mostly camelCase), versions 2019-10-01 to 2023-12-01-preview.
	DialectMCA Dialect = "mca"
	// DialectMPA is the Microsoft Partner Agreement (CSP customer) layout.
	DialectMPA Dialect = "mpa"
	// DialectPAYG is the pay-as-you-go (MOSP) "usage only" layout, also with
	// localized "Name (EnglishName)" headers.
	DialectPAYG Dialect = "payg"
	// DialectFOCUS is the FinOps Open Cost and Usage Specification export.
	// SQL-style NULL in any column reads as empty.
	DialectFOCUS Dialect = "focus"
	// DialectEAReporting is the Enterprise Agreement Reporting API v3
	// usage-details CSV (columns in alphabetical order, AccountId first;
	// retired in May 2024). It has no currency column: see
	// ReaderOptions.Currency. Version is "v3".
	DialectEAReporting Dialect = "ea-reporting"
	// DialectSponsorship is the usage download of Azure Sponsorship and
	// Azure for Students subscriptions (SubscriptionGuid, Date, ResourceGuid,
	// ServiceName, ServiceType, ServiceRegion, ServiceResource, Quantity,
	// Cost). It has no currency column: see ReaderOptions.Currency.
	// ServiceName, ServiceType, ServiceRegion and ServiceResource fill
	// MeterCategory, MeterSubcategory, MeterRegion and MeterName, ResourceGuid
	// MeterID; GUIDs lose the braces older files write around them.
	DialectSponsorship Dialect = "sponsorship"
)

// Agreement reports the billing agreement whose files use this dialect.
// FOCUS files can come from any agreement, so it reports AgreementOther.
func (d Dialect) Agreement() roles.Agreement {
	switch d {
	case DialectEAC360, DialectEAExport, DialectEAReporting:
		return roles.AgreementEA
	case DialectMCA:
		return roles.AgreementMCA
	case DialectMPA:
		return roles.AgreementMPA
	case DialectPAYG:
		return roles.AgreementMOSP
	}
	return roles.AgreementOther
}

// Layout is a dialect and the schema version inferred from the header, and
// how the file was written when that is not Azure's own way (comma-separated
// UTF-8): the zero values of Separator, DecimalComma and Encoding mean that.
type Layout struct {
	// Dialect is the family of the header.
	Dialect Dialect
	// Version is the api-version or dataset version of the matching
	// documented header, e.g. "2023-12-01-preview" or "1.0"; it is empty
	// when the header matches the dialect but no documented version exactly.
	Version string
	// Localized reports that header names were written as
	// "Localized (EnglishName)".
	Localized bool
	// Separator is the field separator when it is not a comma: ';' (Excel
	// saving with a locale whose decimal mark is a comma) or '\t' (Excel's
	// "Unicode text"). 0 means a comma.
	Separator rune
	// DecimalComma reports that numbers may be written with a decimal
	// comma ("0,075"), which the Reader assumes in semicolon-separated files.
	DecimalComma bool
	// Encoding is "UTF-16LE" or "UTF-16BE" for UTF-16 input (with a byte
	// order mark); empty means UTF-8.
	Encoding string
}

// String returns "dialect version", e.g. "ea-export 2023-12-01-preview",
// followed by how the file differs from Azure's own format, if it does,
// e.g. "ea-c360 (separator ';', decimal comma, UTF-16LE)".
func (l Layout) String() string {
	s := string(l.Dialect)
	if l.Version != "" {
		s += " " + l.Version
	}
	var extra []string
	if l.Separator != 0 {
		extra = append(extra, fmt.Sprintf("separator %q", l.Separator))
	}
	if l.DecimalComma {
		extra = append(extra, "decimal comma")
	}
	if l.Encoding != "" {
		extra = append(extra, l.Encoding)
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// normalizeHeader turns a header cell into the key used for binding:
// "Zusätzliche Informationen (AdditionalInfo)" -> "additionalinfo",
// "CostInBillingCurrency" -> "costinbillingcurrency". Localized exports
// append the English name in parentheses; unlocalized columns have none.
func normalizeHeader(h string) (key string, localized bool) {
	h = strings.TrimSpace(h)
	if strings.HasSuffix(h, ")") {
		if i := strings.LastIndex(h, "("); i > 0 {
			if inner := strings.TrimSpace(h[i+1 : len(h)-1]); inner != "" && !strings.ContainsAny(inner, " ") {
				h, localized = inner, true
			}
		}
	}
	return strings.ToLower(h), localized
}

// signature is what detect looks for; the table order matters because many
// EA and MCA names coincide once case is ignored (see usage-data.md §4.7).
var signatures = []struct {
	dialect Dialect
	all     []string // every one must be present
	anyOf   []string // if set, at least one must be present
}{
	{DialectFOCUS, []string{"billedcost", "chargeperiodstart"}, nil},
	{DialectSponsorship, []string{"subscriptionguid", "date", "resourceguid", "servicetype", "serviceresource", "cost"}, nil},
	{DialectEAReporting, []string{"accountowneremail", "consumedquantity", "cost", "date", "subscriptionguid"}, nil},
	{DialectMPA, nil, []string{"partnername", "customertenantid"}},
	{DialectEAExport, []string{"costinbillingcurrency", "accountownerid"}, nil},
	{DialectMCA, []string{"costinbillingcurrency", "invoiceid"}, nil},
	{DialectEAC360, []string{"cost", "billingcurrency", "invoicesection"}, nil},
	{DialectEAExport, []string{"departmentname", "pretaxcost"}, nil}, // EA 2019-10-01 usage export
	{DialectPAYG, []string{"subscriptionguid", "usagedatetime", "pretaxcost"}, nil},
}

// expectedHeaders is the text of the unknown-header error: what each dialect
// needs, so the user can see which column is missing or misspelled.
const expectedHeaders = "expected one of: FOCUS (BilledCost, ChargePeriodStart); " +
	"MPA (partnerName or customerTenantId); EA export (CostInBillingCurrency, AccountOwnerId); " +
	"MCA (costInBillingCurrency, invoiceId); EA c360 (Cost, BillingCurrency, InvoiceSection); " +
	"EA 2019 usage (DepartmentName, PreTaxCost); pay-as-you-go (SubscriptionGuid, UsageDateTime, PreTaxCost); " +
	"EA Reporting API v3 (AccountOwnerEmail, ConsumedQuantity, Cost); Sponsorship (SubscriptionGuid, ResourceGuid, ServiceResource, Cost)"

// detect finds the layout of a header given its normalized keys and the
// names as written (for the few versions that differ only in case).
func detect(keys, names []string) (Layout, bool) {
	has := make(map[string]bool, len(keys))
	for _, k := range keys {
		has[k] = true
	}
	for _, s := range signatures {
		ok := true
		for _, k := range s.all {
			ok = ok && has[k]
		}
		if len(s.anyOf) > 0 {
			anyOK := false
			for _, k := range s.anyOf {
				anyOK = anyOK || has[k]
			}
			ok = ok && anyOK
		}
		if ok {
			return Layout{Dialect: s.dialect, Version: version(s.dialect, has, keys, names)}, true
		}
	}
	return Layout{}, false
}

// version infers the documented schema version from the columns present.
// The tests pin each rule to the header lines in reference/usage-data.md §4.
func version(d Dialect, has map[string]bool, keys, names []string) string {
	switch d {
	case DialectFOCUS:
		switch {
		case has["invoiceid"] && has["x_amortizationclass"]:
			return "1.2-preview"
		case has["x_invoiceid"] && has["x_skuterm"]:
			// 1.0 and 1.0r2 share this header and differ only in the date
			// format of the values, which the reader accepts per value.
			return "1.0"
		}
	case DialectEAExport:
		switch {
		case has["departmentname"]:
			return "2019-10-01"
		case has["accountid"] && has["resourcelocationnormalized"] && has["benefitid"]:
			return "2024-08-01"
		case has["benefitid"] && keys[0] == "costinbillingcurrency":
			return "2021-10-01"
		case has["benefitid"]:
			return "2023-12-01-preview"
		case has["costallocationrulename"]:
			return "2021-01-01"
		default:
			return "2020-01-01"
		}
	case DialectMCA:
		switch {
		case has["instancename"] && has["product"]:
			return "2019-11-01"
		case has["subscriptionguid"] || has["billingcurrencycode"]:
			return "2019-10-01"
		case has["benefitid"] && has["provider"]:
			// 2021-10-01 is documented with "PricingModel", the preview with
			// "pricingModel": the only difference between the two.
			for _, n := range names {
				if n == "PricingModel" {
					return "2021-10-01"
				}
			}
			return "2023-12-01-preview"
		case has["costallocationrulename"]:
			return "2021-01-01"
		}
	case DialectPAYG:
		if has["servicename"] && has["servicetier"] {
			return "2019-11-01"
		}
	case DialectEAReporting:
		return "v3"
	}
	return ""
}

// candidates maps each typed Record field to the header keys that can feed
// it, best first. One table serves all dialects because their names for the
// same thing do not collide (FOCUS x_ names come first where FOCUS reuses a
// plain name with another meaning, e.g. BillingAccountId = billing profile).
var candidates = []struct {
	f     field
	names []string
}{
	{fDate, []string{"date", "usagedatetime", "chargeperiodstart", "usagedate"}},
	{fBillingPeriodStart, []string{"billingperiodstartdate", "billingperiodstart"}},
	{fBillingPeriodEnd, []string{"billingperiodenddate", "billingperiodend"}},
	{fServicePeriodStart, []string{"serviceperiodstartdate", "x_serviceperiodstart"}},
	{fServicePeriodEnd, []string{"serviceperiodenddate", "x_serviceperiodend"}},

	{fBillingAccountID, []string{"x_billingaccountid", "billingaccountid"}},
	{fBillingAccountName, []string{"x_billingaccountname", "billingaccountname"}},
	{fBillingProfileID, []string{"billingprofileid", "x_billingprofileid"}},
	{fBillingProfileName, []string{"billingprofilename", "x_billingprofilename"}},
	{fInvoiceSectionID, []string{"invoicesectionid", "x_invoicesectionid"}},
	{fInvoiceSectionName, []string{"invoicesectionname", "invoicesection", "departmentname", "x_invoicesectionname"}},
	{fInvoiceID, []string{"invoiceid", "x_invoiceid"}},
	{fAccountName, []string{"accountname", "x_accountname"}},
	{fAccountOwnerID, []string{"accountownerid", "x_accountownerid"}},
	{fCostCenter, []string{"costcenter", "x_costcenter"}},
	{fSubscriptionID, []string{"subscriptionid", "subscriptionguid", "subaccountid"}},
	{fSubscriptionName, []string{"subscriptionname", "subaccountname"}},
	{fResourceGroup, []string{"resourcegroup", "resourcegroupname", "x_resourcegroupname"}},
	{fResourceID, []string{"resourceid", "instanceid", "instancename"}},
	{fResourceName, []string{"resourcename"}},
	{fResourceLocation, []string{"resourcelocation", "regionid", "resourcelocationnormalized"}},
	{fResourceType, []string{"resourcetype", "x_resourcetype"}},
	{fMeterID, []string{"meterid", "x_skumeterid"}},
	{fMeterName, []string{"metername", "x_skumetername"}},
	{fMeterCategory, []string{"metercategory", "x_skumetercategory"}},
	{fMeterSubcategory, []string{"metersubcategory", "x_skumetersubcategory"}},
	{fMeterRegion, []string{"meterregion", "x_skuregion"}},
	{fServiceFamily, []string{"servicefamily", "x_skuservicefamily"}},
	{fProductName, []string{"productname", "product", "chargedescription"}},
	{fProductID, []string{"productid", "skuid"}},
	{fPartNumber, []string{"partnumber", "x_skupartnumber"}},
	{fConsumedService, []string{"consumedservice"}},
	{fUnitOfMeasure, []string{"unitofmeasure", "x_pricingunitdescription", "pricingunit"}},
	{fQuantity, []string{"quantity", "usagequantity", "pricingquantity", "consumedquantity"}},
	{fEffectivePrice, []string{"effectiveprice", "resourcerate", "x_effectiveunitprice"}},
	{fUnitPrice, []string{"unitprice", "contractedunitprice"}},
	{fPayGPrice, []string{"paygprice", "listunitprice", "marketprice"}},
	{fCost, []string{"costinbillingcurrency", "cost", "pretaxcost", "billedcost"}},
	{fCurrency, []string{"billingcurrency", "billingcurrencycode", "currency"}},
	{fChargeType, []string{"chargetype", "chargecategory"}},
	{fPricingModel, []string{"pricingmodel", "pricingcategory"}},
	{fFrequency, []string{"frequency", "chargefrequency"}},
	{fTerm, []string{"term", "x_skuterm"}},
	{fReservationID, []string{"reservationid"}},
	{fReservationName, []string{"reservationname"}},
	{fBenefitID, []string{"benefitid", "commitmentdiscountid"}},
	{fBenefitName, []string{"benefitname", "commitmentdiscountname"}},
	{fProductOrderID, []string{"productorderid", "x_skuorderid"}},
	{fProductOrderName, []string{"productordername", "x_skuordername"}},
	{fOfferID, []string{"offerid", "x_skuofferid"}},
	{fPublisherName, []string{"publishername"}},
	{fPublisherType, []string{"publishertype", "x_publishercategory"}},
	{fCreditEligible, []string{"isazurecrediteligible", "x_skuiscrediteligible"}},
	{fTags, []string{"tags"}},
	{fAdditionalInfo, []string{"additionalinfo", "x_skudetails"}},
}

// dialectCandidates come before the general table for one dialect, where
// its names mean something else than in the others.
var dialectCandidates = map[Dialect][]struct {
	f     field
	names []string
}{
	DialectSponsorship: {
		{fBracedSubscriptionID, []string{"subscriptionguid"}},
		{fBracedMeterID, []string{"resourceguid"}},
		{fMeterCategory, []string{"servicename"}},
		{fMeterSubcategory, []string{"servicetype"}},
		{fMeterRegion, []string{"serviceregion"}},
		{fMeterName, []string{"serviceresource"}},
	},
	DialectEAReporting: {
		// SubscriptionId is a number there; the GUID is SubscriptionGuid.
		{fSubscriptionID, []string{"subscriptionguid"}},
		{fAccountOwnerID, []string{"accountowneremail"}},
		{fInvoiceSectionID, []string{"departmentid"}},
		{fInvoiceSectionName, []string{"departmentname"}},
		{fEffectivePrice, []string{"resourcerate"}},
		{fResourceID, []string{"instanceid"}},
	},
}

// binding says which column feeds which Record field.
type binding struct {
	col  int
	f    field
	kind fieldKind
	last lastDate // for date fields, see Reader.typeRow
}

// bind resolves the candidates against a header. costColumn, if not empty,
// replaces the dialect's cost column (ReaderOptions.CostColumn).
func bind(keys []string, d Dialect, costColumn string) ([]binding, error) {
	costKey := ""
	if costColumn != "" {
		costKey, _ = normalizeHeader(costColumn)
	}
	index := make(map[string]int, len(keys))
	for i := len(keys) - 1; i >= 0; i-- { // the first of duplicate names wins
		index[keys[i]] = i
	}
	var bs []binding
	done := map[field]bool{}
	for _, c := range dialectCandidates[d] {
		for _, n := range c.names {
			if i, ok := index[n]; ok {
				bs = append(bs, binding{col: i, f: c.f, kind: c.f.kind()})
				done[c.f] = true
				if c.f == fBracedSubscriptionID {
					done[fSubscriptionID] = true
				}
				if c.f == fBracedMeterID {
					done[fMeterID] = true
				}
				break
			}
		}
	}
	for _, c := range candidates {
		if done[c.f] {
			continue
		}
		names := c.names
		if c.f == fCost && costKey != "" {
			if _, ok := index[costKey]; !ok {
				return nil, fmt.Errorf("%w: cost column %q is not in the header", ErrUnknownHeader, costColumn)
			}
			names = []string{costKey}
		}
		for _, n := range names {
			if i, ok := index[n]; ok {
				f := c.f
				if d == DialectFOCUS {
					f = focusVariant(f)
				}
				bs = append(bs, binding{col: i, f: f, kind: f.kind()})
				break
			}
		}
	}
	for _, need := range []struct {
		f    field
		name string
	}{{fDate, "date (Date, UsageDateTime or ChargePeriodStart)"}, {fCost, "cost"}} {
		found := false
		for _, b := range bs {
			found = found || b.f == need.f
		}
		if !found {
			return nil, fmt.Errorf("%w: no %s column", ErrUnknownHeader, need.name)
		}
	}
	return bs, nil
}

// focusVariant swaps in the FOCUS readings of a few fields: exclusive period
// ends become inclusive and SubAccountId "/subscriptions/{id}" becomes the id,
// so that records of all dialects compare alike.
func focusVariant(f field) field {
	switch f {
	case fBillingPeriodEnd:
		return fFocusPeriodEnd
	case fSubscriptionID:
		return fFocusSubscriptionID
	}
	return f
}
