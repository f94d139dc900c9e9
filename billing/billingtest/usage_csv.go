package billingtest

import (
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Cost Details CSV layouts the emulator writes (usage-data.md §4): EA reports use the EA
// Cost Details 2024-08-01 PascalCase layout, MCA reports the camelCase MCA 2023-12-01-preview
// layout preceded by a UTF-8 BOM, as live MCA output reportedly is.

const eaUsageHeader = "InvoiceSectionName,AccountName,AccountOwnerId,SubscriptionId,SubscriptionName,ResourceGroup," +
	"ResourceLocation,Date,ProductName,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UnitOfMeasure," +
	"Quantity,EffectivePrice,CostInBillingCurrency,CostCenter,ConsumedService,ResourceId,Tags,OfferId,AdditionalInfo," +
	"ServiceInfo1,ServiceInfo2,ResourceName,ReservationId,ReservationName,UnitPrice,ProductOrderId,ProductOrderName," +
	"Term,PublisherType,PublisherName,ChargeType,Frequency,PricingModel,AvailabilityZone,BillingAccountId," +
	"BillingAccountName,BillingCurrencyCode,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId," +
	"BillingProfileName,InvoiceSectionId,IsAzureCreditEligible,PartNumber,PayGPrice,PlanName,ServiceFamily," +
	"CostAllocationRuleName,benefitId,benefitName,AccountId,ResourceLocationNormalized"

const mcaUsageHeader = "invoiceId,previousInvoiceId,billingAccountId,billingAccountName,billingProfileId," +
	"billingProfileName,invoiceSectionId,invoiceSectionName,resellerName,resellerMpnId,costCenter," +
	"billingPeriodEndDate,billingPeriodStartDate,servicePeriodEndDate,servicePeriodStartDate,date,serviceFamily," +
	"productOrderId,productOrderName,consumedService,meterId,meterName,meterCategory,meterSubCategory,meterRegion," +
	"ProductId,ProductName,SubscriptionId,subscriptionName,publisherType,publisherId,publisherName," +
	"resourceGroupName,ResourceId,resourceLocation,location,effectivePrice,quantity,unitOfMeasure,chargeType," +
	"billingCurrency,pricingCurrency,costInBillingCurrency,costInPricingCurrency,costInUsd," +
	"paygCostInBillingCurrency,paygCostInUsd,exchangeRatePricingToBilling,exchangeRateDate," +
	"isAzureCreditEligible,serviceInfo1,serviceInfo2,additionalInfo,tags,PayGPrice,frequency,term," +
	"reservationId,reservationName,pricingModel,unitPrice,costAllocationRuleName,benefitId,benefitName,provider"

const utf8BOM = "\ufeff"

// usagePreamble is what each blob of a report starts with: BOM (MCA) and header row.
func usagePreamble(agreement string) string {
	if agreement == AgreementMCA {
		return utf8BOM + mcaUsageHeader + "\r\n"
	}
	return eaUsageHeader + "\r\n"
}

const purchaseProduct = "Reserved VM Instance, Standard_D2s_v3, US East, 1 Year"

// appendUsageRow renders r in the layout of agreement, CRLF-terminated.
func (p *usagePlan) appendUsageRow(b []byte, r *usageRow) []byte {
	if r.sub.agreement == AgreementMCA {
		return p.appendMCARow(b, r)
	}
	return p.appendEARow(b, r)
}

// rowMeter is the meter a row reports (the reserved VM's for reservation rows).
func rowMeter(r *usageRow) *usageMeter {
	if r.res != nil {
		return r.res.meter
	}
	return r.sub.resources[0].meter
}

func (p *usagePlan) appendEARow(b []byte, r *usageRow) []byte {
	us, m := r.sub, rowMeter(r)
	c := csvRow{b: b}
	c.field(us.deptName)
	c.field(us.enrollName)
	c.field(us.owner)
	c.field(us.s.ID)
	c.field(us.s.DisplayName)
	c.resField(r, func(res *usageResource) string { return res.group })
	c.str(locationOf(r, "EastUS"))
	c.date(r.date)
	switch r.kind {
	case rowPurchase:
		c.field(purchaseProduct)
		c.str("Unassigned")
		c.str("")
		c.str(zeroGUID)
		c.str("Unassigned")
		c.str("")
		c.str("1 Hour")
	default:
		c.field(m.product)
		c.field(m.category)
		c.field(m.subCategory)
		c.str(m.id)
		c.field(m.name)
		c.field(m.region)
		c.field(m.unit)
	}
	c.fixed(r.qty, qtyScale)
	c.fixed(r.price, priceScale)
	c.cost(r)
	c.field(us.deptCostCenter)
	c.str(consumedService(r))
	c.resField(r, func(res *usageResource) string { return res.id })
	c.resField(r, func(res *usageResource) string { return res.tagsRaw })
	c.str(us.s.OfferID)
	c.resField(r, func(res *usageResource) string { return res.meter.additionalInfo })
	c.str("")
	c.str("")
	c.resField(r, func(res *usageResource) string { return res.name })
	p.reservationFields(&c, r, true)
	c.str("Azure")
	c.str("Microsoft")
	c.str(chargeType(r))
	c.str(frequency(r))
	c.str(pricingModel(r, "OnDemand"))
	c.str("")
	c.str(us.acct.Name)
	c.field(us.acct.DisplayName)
	c.str(us.s.Currency)
	month := firstOfMonth(r.date)
	c.date(month)
	c.date(month.AddDate(0, 1, -1))
	c.str(us.acct.Name)
	c.field(us.acct.DisplayName)
	c.str(us.s.Department)
	c.str("True")
	c.str(partNumber(r, m))
	c.fixed(r.payg, priceScale)
	c.str("")
	c.field(m.family)
	c.str("")
	p.benefitFields(&c, r)
	c.str(us.s.EnrollmentAccount)
	c.last(locationOf(r, "eastus"))
	return c.b
}

func (p *usagePlan) appendMCARow(b []byte, r *usageRow) []byte {
	us, m := r.sub, rowMeter(r)
	c := csvRow{b: b}
	month := firstOfMonth(r.date)
	open := !r.date.Before(p.openFrom)
	c.str(p.invoices[invoiceMonth{strings.ToLower(us.profileName), month}]) // "" until the invoice is out
	c.str("")
	c.str(us.acct.Name)
	c.field(us.acct.DisplayName)
	c.str(us.profileName)
	c.field(us.profileDisplay)
	c.str(us.s.InvoiceSection)
	c.field(us.sectionDisplay)
	c.str("")
	c.str("")
	c.str("")
	if open {
		c.str("")
		c.str("")
	} else {
		c.date(month.AddDate(0, 1, -1))
		c.date(month)
	}
	c.date(month.AddDate(0, 1, 0))
	c.date(month)
	c.date(r.date)
	c.field(m.family)
	switch r.kind {
	case rowPurchase:
		c.str(reservationOrderID)
		c.field(purchaseProduct)
	default:
		c.str("bdd0331d-0000-4000-8000-0000000a2a2a")
		c.str("Azure plan")
	}
	c.str(consumedService(r))
	if r.kind == rowPurchase {
		c.str(zeroGUID)
		c.str("Unassigned")
		c.str("Unassigned")
		c.str("")
		c.str("")
	} else {
		c.str(m.id)
		c.field(m.name)
		c.field(m.category)
		c.field(m.subCategory)
		c.field(m.region)
	}
	c.str(partNumber(r, m))
	if r.kind == rowPurchase {
		c.field(purchaseProduct)
	} else {
		c.field(m.product)
	}
	c.str(us.s.ID)
	c.field(us.s.DisplayName)
	c.str("Microsoft")
	c.str("")
	c.str("Microsoft")
	c.resField(r, func(res *usageResource) string { return res.group })
	c.resField(r, func(res *usageResource) string { return res.id })
	c.str(locationOf(r, "eastus"))
	c.field(m.region)
	c.fixed(r.price, priceScale)
	c.fixed(r.qty, qtyScale)
	if r.kind == rowPurchase {
		c.str("1 Hour")
	} else {
		c.field(m.unit)
	}
	c.str(chargeType(r))
	c.str(us.s.Currency)
	c.str(us.s.Currency)
	c.cost(r)
	c.cost(r)
	c.usd(r)
	pHi, pLo := bits.Mul64(uint64(r.qty), uint64(r.payg))
	c.fixed128(pHi, pLo, costScale)
	c.usdOf(pHi, pLo, us.s.Currency)
	c.str("1")
	c.date(month)
	c.str("True")
	c.str("")
	c.str("")
	c.resField(r, func(res *usageResource) string { return res.meter.additionalInfo })
	c.resField(r, func(res *usageResource) string { return res.tagsBraced })
	c.fixed(r.payg, priceScale)
	c.str(frequency(r))
	if r.kind == rowPurchase {
		c.str("12")
	} else {
		c.str("")
	}
	switch r.kind {
	case rowReserved, rowUnused:
		c.str(reservationID)
		c.str(reservationName)
	default:
		c.str("")
		c.str("")
	}
	c.str(pricingModel(r, "OnDemand"))
	c.fixed(r.payg, priceScale)
	c.str("")
	p.benefitFields(&c, r)
	c.last("Azure")
	return c.b
}

// reservationFields writes EA ReservationId, ReservationName, UnitPrice, ProductOrderId,
// ProductOrderName, Term.
func (p *usagePlan) reservationFields(c *csvRow, r *usageRow, _ bool) {
	switch r.kind {
	case rowPurchase:
		c.str(reservationOrderID) // purchase rows carry the order id here, as real EA files do
		c.str(reservationName)
		c.fixed(r.payg, priceScale)
		c.str(reservationOrderID)
		c.field(purchaseProduct)
		c.str("12")
	case rowReserved, rowUnused:
		c.str(reservationID)
		c.str(reservationName)
		c.fixed(r.payg, priceScale)
		c.str(reservationOrderID)
		c.field(purchaseProduct)
		c.str("")
	default:
		c.str("")
		c.str("")
		c.fixed(r.payg, priceScale)
		c.str("")
		c.str("")
		c.str("")
	}
}

func (p *usagePlan) benefitFields(c *csvRow, r *usageRow) {
	switch r.kind {
	case rowPurchase:
		c.str("/providers/Microsoft.Capacity/reservationOrders/" + reservationOrderID + "/reservations/")
		c.str(reservationName)
	case rowReserved, rowUnused:
		c.str(r.sub.benefitID)
		c.str(reservationName)
	default:
		c.str("")
		c.str("")
	}
}

func chargeType(r *usageRow) string {
	switch r.kind {
	case rowPurchase:
		return "Purchase"
	case rowUnused:
		return "UnusedReservation"
	}
	return "Usage"
}

func frequency(r *usageRow) string {
	if r.kind == rowPurchase {
		return "Recurring"
	}
	return "UsageBased"
}

func pricingModel(r *usageRow, onDemand string) string {
	if r.kind == rowUsage {
		return onDemand
	}
	return "Reservation"
}

func consumedService(r *usageRow) string {
	if r.kind == rowPurchase {
		return "Microsoft.Capacity"
	}
	return rowMeter(r).consumedService
}

func partNumber(r *usageRow, m *usageMeter) string {
	if r.kind == rowPurchase {
		return "RI-D2SV3-1Y"
	}
	return m.partNumber
}

func locationOf(r *usageRow, loc string) string {
	if r.kind == rowPurchase {
		return "Unassigned"
	}
	return loc
}

// csvRow appends RFC 4180 fields to b.
type csvRow struct {
	b []byte
	n int
}

func (c *csvRow) sep() {
	if c.n > 0 {
		c.b = append(c.b, ',')
	}
	c.n++
}

// str appends a value known to need no quoting.
func (c *csvRow) str(s string) {
	c.sep()
	c.b = append(c.b, s...)
}

// field appends a value, quoting it when it holds a comma, quote or line break.
func (c *csvRow) field(s string) {
	c.sep()
	if !needsQuotes(s) {
		c.b = append(c.b, s...)
		return
	}
	c.b = append(c.b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			c.b = append(c.b, '"')
		}
		c.b = append(c.b, s[i])
	}
	c.b = append(c.b, '"')
}

// needsQuotes reports whether a CSV field must be quoted (a byte loop: strings.ContainsAny
// builds its set on every call, which showed in profiles of million-row reports).
func needsQuotes(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

func (c *csvRow) resField(r *usageRow, f func(*usageResource) string) {
	if r.res == nil {
		c.str("")
		return
	}
	c.field(f(r.res))
}

func (c *csvRow) last(s string) {
	c.field(s)
	c.b = append(c.b, '\r', '\n')
}

func (c *csvRow) date(t time.Time) {
	c.sep()
	y, m, d := t.Date()
	c.b = append(c.b, byte('0'+int(m)/10), byte('0'+int(m)%10), '/', byte('0'+d/10), byte('0'+d%10), '/')
	c.b = strconv.AppendInt(c.b, int64(y), 10)
}

func (c *csvRow) fixed(v int64, scale int) {
	c.sep()
	c.b = appendFixed(c.b, 0, uint64(v), scale)
}

func (c *csvRow) fixed128(hi, lo uint64, scale int) {
	c.sep()
	c.b = appendFixed(c.b, hi, lo, scale)
}

func (c *csvRow) cost(r *usageRow) { c.fixed128(r.costHi, r.costLo, costScale) }

// usdRate is the EUR→USD rate the emulator prints in costInUsd (1.08, two decimals).
const usdRate = 108

func (c *csvRow) usd(r *usageRow) { c.usdOf(r.costHi, r.costLo, r.sub.s.Currency) }

func (c *csvRow) usdOf(hi, lo uint64, currency string) {
	if currency == "USD" {
		c.fixed128(hi, lo, costScale)
		return
	}
	// × 1.08: multiply by 108 and print two more decimals.
	h1, l := bits.Mul64(lo, usdRate)
	h2 := hi * usdRate
	c.fixed128(h1+h2, l, costScale+2)
}

// appendFixed appends the 128-bit value hi:lo as a decimal with exactly scale fractional digits.
func appendFixed(b []byte, hi, lo uint64, scale int) []byte {
	var digits []byte
	var buf [40]byte
	if hi == 0 {
		digits = strconv.AppendUint(buf[:0], lo, 10)
	} else {
		v := new(big.Int).SetUint64(hi)
		v.Lsh(v, 64)
		v.Or(v, new(big.Int).SetUint64(lo))
		digits = v.Append(buf[:0], 10)
	}
	if len(digits) <= scale {
		b = append(b, '0', '.')
		for range scale - len(digits) {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	ip := len(digits) - scale
	b = append(b, digits[:ip]...)
	if scale > 0 {
		b = append(b, '.')
		b = append(b, digits[ip:]...)
	}
	return b
}
