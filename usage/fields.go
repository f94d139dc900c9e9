package usage

import (
	"unsafe"

	"github.com/azbilling/azbilling/billing"
)

// field identifies a typed Record field that a column can feed. The kind of
// parsing a field needs follows from its range (see kind).
type field uint8

const (
	fNone field = iota
	// string fields
	fBillingAccountID
	fBillingAccountName
	fBillingProfileID
	fBillingProfileName
	fInvoiceSectionID
	fInvoiceSectionName
	fInvoiceID
	fAccountName
	fAccountOwnerID
	fCostCenter
	fSubscriptionID
	fSubscriptionName
	fResourceGroup
	fResourceID
	fResourceName
	fResourceLocation
	fResourceType
	fMeterID
	fMeterName
	fMeterCategory
	fMeterSubcategory
	fMeterRegion
	fServiceFamily
	fProductName
	fProductID
	fPartNumber
	fConsumedService
	fUnitOfMeasure
	fCurrency
	fChargeType
	fPricingModel
	fFrequency
	fTerm
	fReservationID
	fReservationName
	fBenefitID
	fBenefitName
	fProductOrderID
	fProductOrderName
	fOfferID
	fPublisherName
	fPublisherType
	fTags
	fAdditionalInfo
	fFocusSubscriptionID  // SubAccountId: /subscriptions/{id}
	fBracedSubscriptionID // SubscriptionGuid, maybe "{GUID}"
	fBracedMeterID        // ResourceGuid, maybe "{GUID}"
	firstDecimal          // marker

	fQuantity
	fEffectivePrice
	fUnitPrice
	fPayGPrice
	fCost
	firstDate // marker

	fDate
	fBillingPeriodStart
	fBillingPeriodEnd
	fServicePeriodStart
	fServicePeriodEnd
	fFocusPeriodEnd // exclusive end
	fCreditEligible
)

// decimal returns the decimal field f of rec.
func (rec *Record) decimal(f field) *billing.Decimal {
	switch f {
	case fQuantity:
		return &rec.Quantity
	case fEffectivePrice:
		return &rec.EffectivePrice
	case fUnitPrice:
		return &rec.UnitPrice
	case fPayGPrice:
		return &rec.PayGPrice
	case fCost:
		return &rec.Cost
	}
	return nil
}

// date returns the date field f of rec (fFocusPeriodEnd is BillingPeriodEnd).
func (rec *Record) date(f field) *billing.Date {
	switch f {
	case fDate:
		return &rec.Date
	case fBillingPeriodStart:
		return &rec.BillingPeriodStart
	case fBillingPeriodEnd:
		return &rec.BillingPeriodEnd
	case fServicePeriodStart:
		return &rec.ServicePeriodStart
	case fServicePeriodEnd:
		return &rec.ServicePeriodEnd
	case fFocusPeriodEnd:
		return &rec.BillingPeriodEnd
	}
	return nil
}

type fieldKind uint8

const (
	kindString fieldKind = iota
	kindDecimal
	kindDate
	kindBool
)

func (f field) kind() fieldKind {
	switch {
	case f == fCreditEligible:
		return kindBool
	case f > firstDate:
		return kindDate
	case f > firstDecimal:
		return kindDecimal
	}
	return kindString
}

// stringOffset returns the offset of a plain string field in Record, so the
// reader's hot loop can store strings through unsafe.Add without a switch per
// column (the switch cost 13% of the reading time). The offsets are
// compile-time constants from unsafe.Offsetof; nothing else uses package unsafe.
func stringOffset(f field) (uintptr, bool) {
	var r Record
	switch f {
	case fBillingAccountID:
		return unsafe.Offsetof(r.BillingAccountID), true
	case fBillingAccountName:
		return unsafe.Offsetof(r.BillingAccountName), true
	case fBillingProfileID:
		return unsafe.Offsetof(r.BillingProfileID), true
	case fBillingProfileName:
		return unsafe.Offsetof(r.BillingProfileName), true
	case fInvoiceSectionID:
		return unsafe.Offsetof(r.InvoiceSectionID), true
	case fInvoiceSectionName:
		return unsafe.Offsetof(r.InvoiceSectionName), true
	case fInvoiceID:
		return unsafe.Offsetof(r.InvoiceID), true
	case fAccountName:
		return unsafe.Offsetof(r.AccountName), true
	case fAccountOwnerID:
		return unsafe.Offsetof(r.AccountOwnerID), true
	case fCostCenter:
		return unsafe.Offsetof(r.CostCenter), true
	case fSubscriptionID:
		return unsafe.Offsetof(r.SubscriptionID), true
	case fSubscriptionName:
		return unsafe.Offsetof(r.SubscriptionName), true
	case fResourceGroup:
		return unsafe.Offsetof(r.ResourceGroup), true
	case fResourceID:
		return unsafe.Offsetof(r.ResourceID), true
	case fResourceName:
		return unsafe.Offsetof(r.ResourceName), true
	case fResourceLocation:
		return unsafe.Offsetof(r.ResourceLocation), true
	case fResourceType:
		return unsafe.Offsetof(r.ResourceType), true
	case fMeterID:
		return unsafe.Offsetof(r.MeterID), true
	case fMeterName:
		return unsafe.Offsetof(r.MeterName), true
	case fMeterCategory:
		return unsafe.Offsetof(r.MeterCategory), true
	case fMeterSubcategory:
		return unsafe.Offsetof(r.MeterSubcategory), true
	case fMeterRegion:
		return unsafe.Offsetof(r.MeterRegion), true
	case fServiceFamily:
		return unsafe.Offsetof(r.ServiceFamily), true
	case fProductName:
		return unsafe.Offsetof(r.ProductName), true
	case fProductID:
		return unsafe.Offsetof(r.ProductID), true
	case fPartNumber:
		return unsafe.Offsetof(r.PartNumber), true
	case fConsumedService:
		return unsafe.Offsetof(r.ConsumedService), true
	case fUnitOfMeasure:
		return unsafe.Offsetof(r.UnitOfMeasure), true
	case fChargeType:
		return unsafe.Offsetof(r.ChargeType), true
	case fPricingModel:
		return unsafe.Offsetof(r.PricingModel), true
	case fFrequency:
		return unsafe.Offsetof(r.Frequency), true
	case fTerm:
		return unsafe.Offsetof(r.Term), true
	case fReservationID:
		return unsafe.Offsetof(r.ReservationID), true
	case fReservationName:
		return unsafe.Offsetof(r.ReservationName), true
	case fBenefitID:
		return unsafe.Offsetof(r.BenefitID), true
	case fBenefitName:
		return unsafe.Offsetof(r.BenefitName), true
	case fProductOrderID:
		return unsafe.Offsetof(r.ProductOrderID), true
	case fProductOrderName:
		return unsafe.Offsetof(r.ProductOrderName), true
	case fOfferID:
		return unsafe.Offsetof(r.OfferID), true
	case fPublisherName:
		return unsafe.Offsetof(r.PublisherName), true
	case fPublisherType:
		return unsafe.Offsetof(r.PublisherType), true
	case fTags:
		return unsafe.Offsetof(r.Tags), true
	case fAdditionalInfo:
		return unsafe.Offsetof(r.AdditionalInfo), true
	}
	return 0, false
}
