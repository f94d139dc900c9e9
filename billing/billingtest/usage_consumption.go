package billingtest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Wire shapes of Consumption usageDetails (Microsoft.Consumption 2024-08-01, kind "legacy").

type wireUsageDetail struct {
	ID         string                `json:"id"`
	Name       string                `json:"name"`
	Type       string                `json:"type"`
	Kind       string                `json:"kind"`
	Tags       map[string]string     `json:"tags,omitempty"`
	Properties wireLegacyUsageDetail `json:"properties"`
}

type wireMeterDetailsResponse struct {
	MeterName        string `json:"meterName,omitempty"`
	MeterCategory    string `json:"meterCategory,omitempty"`
	MeterSubCategory string `json:"meterSubCategory,omitempty"`
	UnitOfMeasure    string `json:"unitOfMeasure,omitempty"`
	ServiceFamily    string `json:"serviceFamily,omitempty"`
}

type wireLegacyUsageDetail struct {
	BillingAccountID       string                    `json:"billingAccountId"`
	BillingAccountName     string                    `json:"billingAccountName"`
	BillingPeriodStartDate string                    `json:"billingPeriodStartDate"`
	BillingPeriodEndDate   string                    `json:"billingPeriodEndDate"`
	BillingProfileID       string                    `json:"billingProfileId"`
	BillingProfileName     string                    `json:"billingProfileName"`
	AccountOwnerID         string                    `json:"accountOwnerId,omitempty"`
	AccountName            string                    `json:"accountName,omitempty"`
	SubscriptionID         string                    `json:"subscriptionId"`
	SubscriptionName       string                    `json:"subscriptionName"`
	Date                   string                    `json:"date"`
	Product                string                    `json:"product"`
	PartNumber             string                    `json:"partNumber"`
	MeterID                string                    `json:"meterId"`
	MeterDetails           *wireMeterDetailsResponse `json:"meterDetails,omitempty"`
	Quantity               wireNum                   `json:"quantity"`
	EffectivePrice         wireNum                   `json:"effectivePrice"`
	Cost                   wireNum                   `json:"cost"`
	UnitPrice              wireNum                   `json:"unitPrice"`
	BillingCurrency        string                    `json:"billingCurrency"`
	ResourceLocation       string                    `json:"resourceLocation"`
	ConsumedService        string                    `json:"consumedService"`
	ResourceID             string                    `json:"resourceId"`
	ResourceName           string                    `json:"resourceName"`
	ServiceInfo1           string                    `json:"serviceInfo1,omitempty"`
	ServiceInfo2           string                    `json:"serviceInfo2,omitempty"`
	AdditionalInfo         string                    `json:"additionalInfo,omitempty"`
	InvoiceSection         string                    `json:"invoiceSection,omitempty"`
	CostCenter             string                    `json:"costCenter,omitempty"`
	ResourceGroup          string                    `json:"resourceGroup"`
	ReservationID          string                    `json:"reservationId,omitempty"`
	ReservationName        string                    `json:"reservationName,omitempty"`
	ProductOrderID         string                    `json:"productOrderId,omitempty"`
	ProductOrderName       string                    `json:"productOrderName,omitempty"`
	OfferID                string                    `json:"offerId"`
	IsAzureCreditEligible  bool                      `json:"isAzureCreditEligible"`
	Term                   string                    `json:"term,omitempty"`
	PublisherName          string                    `json:"publisherName,omitempty"`
	PublisherType          string                    `json:"publisherType,omitempty"`
	ChargeType             string                    `json:"chargeType"`
	Frequency              string                    `json:"frequency"`
	PayGPrice              wireNum                   `json:"payGPrice"`
	BenefitID              string                    `json:"benefitId,omitempty"`
	BenefitName            string                    `json:"benefitName,omitempty"`
	PricingModel           string                    `json:"pricingModel"`
}

// listUsageDetails answers GET /subscriptions/{id}/providers/Microsoft.Consumption/usageDetails.
func (s *Server) listUsageDetails(rc *reqCtx) response {
	s.mu.RLock()
	sc, acct, fail := rc.usageScope()
	if fail == nil {
		fail = rc.require(sc, opViewCharges)
	}
	if fail != nil {
		s.mu.RUnlock()
		return *fail
	}
	subs := s.usageSubsIn(sc)
	s.mu.RUnlock()
	if acct.Agreement == AgreementMCA {
		return badRequest("BadRequest", "The emulator serves Consumption usage details (kind legacy) for pay-as-you-go and EA subscriptions only; use Cost Details for MCA.")
	}

	amortized := false
	switch m := strings.ToLower(rc.query.Get("metric")); m {
	case "", "actualcost", "usage":
	case "amortizedcost":
		amortized = true
	default:
		return badRequest("BadRequest", fmt.Sprintf("Invalid metric '%s'. Valid values are actualcost, amortizedcost, usage.", rc.query.Get("metric")))
	}
	today := day(s.Now())
	start, end, ok := time.Time{}, time.Time{}, true
	if f := rc.query.Get("$filter"); strings.TrimSpace(f) != "" {
		start, end, ok = parseUsageFilter(f)
		if !ok {
			return badRequest("BadRequest", "The $filter '"+f+"' is not supported by the emulator: use properties/usageStart ge 'YYYY-MM-DD' and properties/usageEnd le 'YYYY-MM-DD'.")
		}
	}
	if start.IsZero() || end.IsZero() {
		// No date filter: the current billing period.
		ps, pe := usageBillingPeriod(subs, acct, today)
		if start.IsZero() {
			start = ps
		}
		if end.IsZero() {
			end = pe
		}
	}
	expand := strings.ToLower(rc.query.Get("$expand"))
	withMeter, withInfo := strings.Contains(expand, "meterdetails"), strings.Contains(expand, "additionalinfo")

	plan := s.newUsagePlan(subs, start, end, amortized)
	n := plan.count()
	if n == 0 {
		return response{status: http.StatusNoContent}
	}
	size := s.usage.cfg.pageSize
	if v, ok := rc.queryInt("top"); ok && v > 0 {
		size = v // clients use $top as the page size; nextLink continues
	}
	off := 0
	if tok := rc.query.Get("$skiptoken"); tok != "" {
		o, err := decodeSkipToken(tok)
		if err != nil || o < 0 || o >= n {
			return badRequest("InvalidSkipToken", "The skip token in the request is invalid or has expired.")
		}
		off = o
	}
	items := make([]wireUsageDetail, 0, min(size, n-off))
	pos, _ := plan.locate(off)
	plan.each(pos, func(_ rowPos, r *usageRow) bool {
		items = append(items, legacyUsageDetail(r, withMeter, withInfo))
		return len(items) < size
	})
	nextLink := ""
	if off+len(items) < n {
		nextLink = rc.nextLink(encodeSkipToken(off + len(items)))
	}
	if s.cfg.usage.olderShape {
		return jsonResp(http.StatusOK, olderUsagePage(items, nextLink))
	}
	return response{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		raw: appendUsagePage(make([]byte, 0, len(items)*2200), items, nextLink)}
}

// parseUsageFilter reads "properties/usageStart ge 'A' and properties/usageEnd le 'B'" (the
// clauses in any order, either absent, dates with or without a time part); anything else is
// not understood.
func parseUsageFilter(f string) (start, end time.Time, ok bool) {
	words := strings.Fields(f)
	for i := 0; i < len(words); i += 4 {
		if i+3 > len(words) || (i+3 < len(words) && !strings.EqualFold(words[i+3], "and")) {
			return time.Time{}, time.Time{}, false
		}
		prop, op, val := strings.ToLower(words[i]), strings.ToLower(words[i+1]), words[i+2]
		if len(val) < 12 || val[0] != '\'' || val[len(val)-1] != '\'' {
			return time.Time{}, time.Time{}, false
		}
		d, err := time.Parse(time.DateOnly, val[1:11])
		if err != nil || d.Year() < 1900 {
			// Usage data starts in 2014; a year like 0000 is a bad request, not a date.
			return time.Time{}, time.Time{}, false
		}
		switch {
		case prop == "properties/usagestart" && (op == "ge" || op == "eq"):
			start = d
		case prop == "properties/usagestart" && op == "gt":
			start = d.AddDate(0, 0, 1)
		case prop == "properties/usageend" && (op == "le" || op == "eq"):
			end = d
		case prop == "properties/usageend" && op == "lt":
			end = d.AddDate(0, 0, -1)
		default:
			return time.Time{}, time.Time{}, false
		}
	}
	return start, end, len(words) > 0
}

// usageBillingPeriod is the billing period containing today: the calendar month for EA, the
// monthly cycle that starts on the subscription's creation day for MOSP.
func usageBillingPeriod(subs []*usageSub, acct *Account, today time.Time) (time.Time, time.Time) {
	if acct.Agreement == AgreementMOSP && len(subs) == 1 {
		return mospPeriod(subs[0].first, today)
	}
	m := firstOfMonth(today)
	return m, m.AddDate(0, 1, -1)
}

// mospPeriod is the MOSP billing period containing d for a subscription created on created.
func mospPeriod(created, d time.Time) (time.Time, time.Time) {
	months := (d.Year()-created.Year())*12 + int(d.Month()) - int(created.Month())
	start := created.AddDate(0, months, 0)
	for start.After(d) {
		months--
		start = created.AddDate(0, months, 0)
	}
	return start, created.AddDate(0, months+1, -1)
}

func consumptionTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// legacyUsageDetail renders a row as a legacy usage detail.
func legacyUsageDetail(r *usageRow, withMeter, withInfo bool) wireUsageDetail {
	us, m := r.sub, rowMeter(r)
	var ps, pe time.Time
	if us.agreement == AgreementMOSP {
		ps, pe = mospPeriod(us.first, r.date)
	} else {
		ps = firstOfMonth(r.date)
		pe = ps.AddDate(0, 1, -1)
	}
	name := formatGUID(splitmix64(uint64(us.idx)<<32^uint64(r.date.Unix()/86400)), splitmix64(uint64(r.ordinal)+uint64(r.kind)<<40))
	d := wireUsageDetail{
		ID: "/subscriptions/" + us.s.ID + "/providers/Microsoft.Billing/billingPeriods/" + ps.Format("20060102") +
			"/providers/Microsoft.Consumption/usageDetails/" + name,
		Name: name, Type: "Microsoft.Consumption/usageDetails", Kind: "legacy",
	}
	p := wireLegacyUsageDetail{
		BillingAccountID: us.acct.Name, BillingAccountName: us.acct.DisplayName,
		BillingPeriodStartDate: consumptionTime(ps), BillingPeriodEndDate: consumptionTime(pe),
		BillingProfileID: us.acct.Name, BillingProfileName: us.acct.DisplayName,
		AccountOwnerID: us.owner, AccountName: us.enrollName,
		SubscriptionID: us.s.ID, SubscriptionName: us.s.DisplayName, Date: consumptionTime(r.date),
		Product: m.product, PartNumber: partNumber(r, m), MeterID: m.id,
		Quantity:         wireNum(appendFixed(nil, 0, uint64(r.qty), qtyScale)),
		EffectivePrice:   wireNum(appendFixed(nil, 0, uint64(r.price), priceScale)),
		Cost:             wireNum(appendFixed(nil, r.costHi, r.costLo, costScale)),
		UnitPrice:        wireNum(appendFixed(nil, 0, uint64(r.payg), priceScale)),
		PayGPrice:        wireNum(appendFixed(nil, 0, uint64(r.payg), priceScale)),
		BillingCurrency:  us.s.Currency,
		ResourceLocation: locationOf(r, "eastus"), ConsumedService: consumedService(r),
		InvoiceSection: us.deptName, CostCenter: us.deptCostCenter, OfferID: us.s.OfferID,
		IsAzureCreditEligible: true, PublisherType: "Azure", PublisherName: "Microsoft",
		ChargeType: chargeType(r), Frequency: frequency(r), PricingModel: pricingModel(r, "On Demand"),
	}
	if r.res != nil {
		p.ResourceID, p.ResourceName, p.ResourceGroup = r.res.id, r.res.name, r.res.group
		d.Tags = make(map[string]string, len(r.res.tags))
		for _, t := range r.res.tags {
			d.Tags[t[0]] = t[1]
		}
		if withInfo {
			p.AdditionalInfo = r.res.meter.additionalInfo
		}
	}
	if withMeter {
		p.MeterDetails = &wireMeterDetailsResponse{MeterName: m.name, MeterCategory: m.category,
			MeterSubCategory: m.subCategory, UnitOfMeasure: m.unit, ServiceFamily: m.family}
	}
	switch r.kind {
	case rowPurchase:
		p.Product, p.MeterID, p.ReservationID, p.ReservationName = purchaseProduct, zeroGUID, reservationOrderID, reservationName
		p.ProductOrderID, p.ProductOrderName, p.Term = reservationOrderID, purchaseProduct, "12"
		p.BenefitID, p.BenefitName = "/providers/Microsoft.Capacity/reservationOrders/"+reservationOrderID+"/reservations/", reservationName
	case rowReserved, rowUnused:
		p.ReservationID, p.ReservationName = reservationID, reservationName
		p.ProductOrderID, p.ProductOrderName = reservationOrderID, purchaseProduct
		p.BenefitID, p.BenefitName = us.benefitID, reservationName
	}
	d.Properties = p
	return d
}
