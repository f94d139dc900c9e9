package usage

import (
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/roles"
)

// Record is one row of a usage file, typed. Field names follow the EA and MCA
// export columns; each is filled from whichever synonym the file's dialect
// uses (e.g. Cost from CostInBillingCurrency, Cost, PreTaxCost or BilledCost)
// and left at its zero value when the file has no such column.
//
// Strings point into one block of memory per row, which also keeps the text
// of every column, so Raw and Column reach columns the record does not name;
// records built from columns (RecordBuilder.BuildColumns) share their batch's
// columns instead. A Record is a value: keep it as long as needed, it does not
// change when the Reader moves on.
type Record struct {
	Layout Layout // dialect and version of the file
	Line   int    // line in the file where the row starts

	Date               billing.Date // the usage day (FOCUS: ChargePeriodStart)
	BillingPeriodStart billing.Date // zero while the MCA billing month is open
	BillingPeriodEnd   billing.Date // inclusive, in every dialect (FOCUS's exclusive end is moved back a day)
	// ServicePeriodStart is the first day of the service period the charge covers (MCA
	// servicePeriodStartDate, FOCUS x_ServicePeriodStart); zero in layouts without the column (EA, PAYG).
	ServicePeriodStart billing.Date
	ServicePeriodEnd   billing.Date // as written in the file

	// BillingAccountID is the billing account (EA enrollment number, MCA account id) as written;
	// empty in PAYG layouts.
	BillingAccountID string
	// BillingAccountName is the billing account's display name; empty in PAYG layouts.
	BillingAccountName string
	// BillingProfileID is the MCA billing profile id, or for EA the enrollment number again; empty
	// in PAYG layouts.
	BillingProfileID string
	// BillingProfileName is the billing profile's display name; empty in PAYG layouts.
	BillingProfileName string
	// InvoiceSectionID is the invoice section id (invoiceSectionId, FOCUS x_InvoiceSectionId); empty
	// when the layout has no such column.
	InvoiceSectionID   string
	InvoiceSectionName string // EA: InvoiceSection / DepartmentName
	// InvoiceID is the MCA invoice that bills the row (invoiceId, FOCUS x_InvoiceId); empty while
	// the billing month is open and in EA and PAYG layouts.
	InvoiceID   string
	AccountName string // EA enrollment account
	// AccountOwnerID is the EA enrollment account owner's sign-in address; empty for other agreements.
	AccountOwnerID string
	// CostCenter is the cost center set on the subscription or EA account; empty when none.
	CostCenter string

	// SubscriptionID is the Azure subscription GUID (SubscriptionGuid in older layouts; FOCUS's
	// SubAccountId "/subscriptions/{id}" is reduced to the id).
	SubscriptionID string
	// SubscriptionName is the subscription's display name.
	SubscriptionName string
	// ResourceGroup is the resource group name as written (case varies between rows of one file);
	// empty for charges outside any resource group (purchases, support).
	ResourceGroup string
	ResourceID    string // ARM id (InstanceId / InstanceName in older layouts)
	// ResourceName is the resource's name; empty in older layouts, which only write ResourceID.
	ResourceName     string
	ResourceLocation string // as written: "uksouth", "EastUS2", "US East 2"
	// ResourceType is the ARM resource type ("Microsoft.Compute/virtualMachines") where the layout has
	// the column (PAYG, FOCUS); empty otherwise.
	ResourceType string

	// MeterID is the meter's GUID.
	MeterID string
	// MeterName is the meter's name, such as "D2s v3".
	MeterName string
	// MeterCategory is the service the meter belongs to, such as "Virtual Machines" or "Storage";
	// Breakdown can group by it.
	MeterCategory string
	// MeterSubcategory is the meter's subcategory, such as "Dsv3 Series"; may be empty.
	MeterSubcategory string
	// MeterRegion is the meter's region in friendly form ("US East", "UK South"); empty for global meters.
	MeterRegion string
	// ServiceFamily is the broad service family, such as "Compute" or "Storage" (FOCUS
	// x_SkuServiceFamily); empty in layouts without the column (PAYG).
	ServiceFamily string
	// ProductName is the product as the price sheet names it ("Virtual Machines Dsv3 Series - D2s v3 - US East").
	ProductName string
	// ProductID is the product id (MCA ProductId, FOCUS SkuId); empty in EA and PAYG layouts.
	ProductID string
	// PartNumber is the price sheet part number (EA PartNumber, FOCUS x_SkuPartNumber); empty otherwise.
	PartNumber string
	// ConsumedService is the resource provider that emitted the usage, such as "Microsoft.Compute".
	ConsumedService string
	UnitOfMeasure   string // carries the block size: "1 Hour", "10K", "1 GB/Month"

	Quantity       billing.Decimal // in UnitOfMeasure blocks
	EffectivePrice billing.Decimal // price per unit after discounts
	UnitPrice      billing.Decimal // contracted price per unit
	PayGPrice      billing.Decimal // retail (list) price per unit
	Cost           billing.Decimal // in Currency; actual or amortized as the file was requested
	Currency       string          // billing currency, e.g. "USD"

	// Open enumerations, kept as written (values differ between dialects,
	// e.g. PricingModel "OnDemand" vs "On Demand", Term "36" vs "3Years").
	ChargeType string
	// PricingModel is how the row is priced: OnDemand (or "On Demand"), Reservation, SavingsPlan, Spot.
	PricingModel string
	// Frequency is how often the charge recurs: UsageBased, Recurring or OneTime.
	Frequency string
	// Term is the commitment length of a reservation or savings plan purchase, in months ("12",
	// "36") or as words ("1Year"); empty otherwise.
	Term string

	ReservationID string // for a reservation purchase: the reservation order id
	// ReservationName is the reservation's display name; empty when ReservationID is.
	ReservationName string
	BenefitID       string // reservation or savings plan ARM id
	// BenefitName is the reservation's or savings plan's display name; empty when BenefitID is.
	BenefitName string
	// ProductOrderID is the id of the order behind a purchase (reservation or savings plan order);
	// empty otherwise.
	ProductOrderID string
	// ProductOrderName is the display name of that order.
	ProductOrderName string
	// OfferID is the Azure offer of the subscription ("MS-AZR-0017P" for EA, "MS-AZR-0003P" for
	// pay-as-you-go); empty in MCA layouts, which have no such column.
	OfferID string
	// PublisherName is who published the charged product ("Microsoft", or a Marketplace publisher).
	PublisherName string
	// PublisherType is Microsoft, Azure (first party) or Marketplace (third party).
	PublisherType  string
	CreditEligible bool // IsAzureCreditEligible; false when the column is empty or absent

	Tags           Tags           // raw text; Tags.Get and Tags.All parse on demand
	AdditionalInfo AdditionalInfo // raw JSON text; parsed on demand

	raw    string       // row text then field offsets, see Reader.store
	rowLen int          // length of the row text within raw; with batch, the row in the batch
	schema *schema      // header of the file, shared by its records
	batch  *columnBatch // the columns the record was built from (BuildColumns), or nil
}

// schema is what the records of one file share.
type schema struct {
	names []string // header cells as written (BOM removed)
	keys  []string // normalized: localized names unwrapped, lower case
	sep   byte     // field separator
}

// Agreement returns the billing agreement of the file's dialect (see
// Dialect.Agreement).
func (rec *Record) Agreement() roles.Agreement { return rec.Layout.Dialect.Agreement() }

// Amount returns Cost with its currency.
func (rec *Record) Amount() billing.Amount {
	return billing.Amount{Value: rec.Cost, Currency: rec.Currency}
}

// NumColumns returns the number of columns in the record's file.
func (rec *Record) NumColumns() int {
	if rec.schema == nil {
		return 0
	}
	return len(rec.schema.names)
}

// Raw returns the text of column i (0-based, in header order) as the file
// holds it after CSV unquoting, or "" if i is out of range. It splits the
// stored row again, so it costs a scan of the row but no allocation; to get
// every column at once use Fields. For a record built from typed columns
// (RecordBuilder.BuildColumns), the text of a decimal or date column is
// printed on each call.
func (rec *Record) Raw(i int) string {
	if i < 0 || i >= rec.NumColumns() {
		return ""
	}
	if rec.batch != nil {
		return rec.batch.cols[i].text(rec.rowLen)
	}
	var v string
	rec.walk(func(k int, f string) bool {
		if k == i {
			v = f
			return false
		}
		return true
	})
	return v
}

// Fields appends the text of every column, in header order, to dst and
// returns the extended slice. It allocates only if dst lacks room.
func (rec *Record) Fields(dst []string) []string {
	rec.walk(func(_ int, f string) bool {
		dst = append(dst, f)
		return true
	})
	return dst
}

// walk calls fn with each field of the stored row until fn returns false.
// The row was split successfully once, so its quoting is known to be valid.
func (rec *Record) walk(fn func(k int, f string) bool) {
	if rec.batch != nil {
		for k := range rec.batch.cols {
			if !fn(k, rec.batch.cols[k].text(rec.rowLen)) {
				return
			}
		}
		return
	}
	row := rec.raw[:rec.rowLen]
	for k, pos := 0, 0; k < rec.NumColumns(); k++ {
		var f string
		if pos < len(row) && row[pos] == '"' {
			q := pos + 1
			for {
				j := strings.IndexByte(row[q:], '"')
				if j < 0 {
					return
				}
				q += j
				if q+1 < len(row) && row[q+1] == '"' {
					q += 2
					continue
				}
				break
			}
			f = row[pos+1 : q]
			if esc, ok := rec.unquoted(k); ok {
				f = esc
			}
			pos = q + 2 // past the closing quote and the separator
		} else {
			end := len(row)
			if pos < len(row) {
				if j := strings.IndexByte(row[pos:], rec.schema.sep); j >= 0 {
					end = pos + j
				}
			} else {
				pos = len(row)
			}
			f = row[pos:end]
			pos = end + 1
		}
		if !fn(k, f) {
			return
		}
	}
}

// unquoted finds the unescaped text of column k stored after the row.
func (rec *Record) unquoted(k int) (string, bool) {
	tail := rec.raw[rec.rowLen:]
	for len(tail) >= 6 {
		idx := int(tail[0]) | int(tail[1])<<8
		n := int(tail[2]) | int(tail[3])<<8 | int(tail[4])<<16 | int(tail[5])<<24
		if idx == k {
			return tail[6 : 6+n], true
		}
		tail = tail[6+n:]
	}
	return "", false
}

// Column returns the text of the column with the given header name, compared
// case-insensitively and with localized names matched by their English name
// ("AdditionalInfo" finds "Zusätzliche Informationen (AdditionalInfo)").
// It reports false if the file has no such column.
func (rec *Record) Column(name string) (string, bool) {
	if rec.schema == nil {
		return "", false
	}
	i := rec.schema.index(name)
	if i < 0 {
		return "", false
	}
	return rec.Raw(i), true
}

// index finds a column by name without allocating: exact match first, then
// case-insensitive against both the written and the English name.
func (s *schema) index(name string) int {
	for i, n := range s.names {
		if n == name {
			return i
		}
	}
	name = strings.TrimSpace(name)
	for i, k := range s.keys {
		if strings.EqualFold(k, name) || strings.EqualFold(s.names[i], name) {
			return i
		}
	}
	return -1
}
