package usage

import (
	"cmp"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/azbilling/azbilling/billing"
)

// BreakdownOptions chooses what a Breakdown groups by besides the day and the
// currency. The zero value groups by day and currency only.
//
// The categories a FinOps user filters on each have their own switch, so a
// breakdown by service family and charge type needs no meter detail; ByMeter
// groups by the whole meter (id, category, subcategory, name and unit), which
// is what makes quantities add up.
type BreakdownOptions struct {
	// ByMeter groups by the full meter; DailyTotal.Quantity is meaningful only then.
	ByMeter bool
	// ByMeterCategory groups by Record.MeterCategory ("Virtual Machines", "Storage").
	ByMeterCategory bool
	// ByServiceFamily groups by Record.ServiceFamily ("Compute", "Networking").
	ByServiceFamily bool
	// ByLocation groups by Record.ResourceLocation as written in the file.
	ByLocation bool
	// ByChargeType groups by Record.ChargeType ("Usage", "Purchase", "Refund").
	ByChargeType bool
	// ByPricingModel groups by Record.PricingModel ("OnDemand", "Reservation", "Spot").
	ByPricingModel bool
	// ByPublisherType groups by Record.PublisherType ("Azure", "Marketplace").
	ByPublisherType bool
	// ByResourceGroup groups by Record.ResourceGroup.
	ByResourceGroup bool
	// BySubscription groups by Record.SubscriptionID.
	BySubscription bool
	// ByTag, if set, groups by the value of this tag (matched as Tags.Get
	// does); rows without the tag group under "".
	ByTag string
}

// Meter identifies a meter in a DailyKey. Unit is part of it because
// quantities only add up within one unit of measure.
type Meter struct {
	ID          string // Record.MeterID
	Category    string // Record.MeterCategory
	Subcategory string // Record.MeterSubcategory
	Name        string // Record.MeterName
	Unit        string // Record.UnitOfMeasure
}

// String returns "Category / Subcategory / Name (Unit)", leaving out empty parts.
func (m Meter) String() string {
	var parts []string
	for _, p := range []string{m.Category, m.Subcategory, m.Name} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	s := strings.Join(parts, " / ")
	if m.Unit != "" {
		s += " (" + m.Unit + ")"
	}
	return s
}

// DailyKey is one group of a Breakdown. Fields the options do not group by
// are empty.
type DailyKey struct {
	Date           billing.Date // the usage date; always set
	Currency       string       // the cost's currency; always set, costs never add across currencies
	SubscriptionID string       // with BySubscription
	ResourceGroup  string       // with ByResourceGroup
	Meter          Meter        // with ByMeter
	MeterCategory  string       // with ByMeterCategory (also in Meter.Category with ByMeter)
	ServiceFamily  string       // with ByServiceFamily
	Location       string       // with ByLocation
	ChargeType     string       // with ByChargeType
	PricingModel   string       // with ByPricingModel
	PublisherType  string       // with ByPublisherType
	Tag            string       // value of BreakdownOptions.ByTag
}

// DailyTotal sums the records of one group. Quantity is meaningful only
// when grouping by meter (units differ between meters); Cost always is.
type DailyTotal struct {
	DailyKey
	Rows     int             // how many records the group holds
	Quantity billing.Decimal // the exact sum of their quantities
	Cost     billing.Decimal // the exact sum of their costs, in DailyKey.Currency
}

// Amount returns the group's Cost with its currency.
func (t DailyTotal) Amount() billing.Amount {
	return billing.Amount{Value: t.Cost, Currency: t.Currency}
}

// Breakdown aggregates records by day, exactly (decimal sums, never
// float64), keeping currencies apart. The zero value is not usable; create
// one with NewBreakdown. It is not safe for concurrent use.
type Breakdown struct {
	opts   BreakdownOptions
	groups map[DailyKey]*DailyTotal
	prev   *DailyTotal // the previous record's group: records of one day and key come in runs
	rows   int
	first  billing.Date
	last   billing.Date
}

// NewBreakdown returns an empty Breakdown. opts may be nil; it is copied.
func NewBreakdown(opts *BreakdownOptions) *Breakdown {
	b := &Breakdown{groups: map[DailyKey]*DailyTotal{}}
	if opts != nil {
		b.opts = *opts
	}
	return b
}

// DailyBreakdown reads all records and aggregates them. It stops at the
// first error, which it returns with the Breakdown so far.
func DailyBreakdown(records iter.Seq2[Record, error], opts *BreakdownOptions) (*Breakdown, error) {
	b := NewBreakdown(opts)
	for rec, err := range records {
		if err != nil {
			return b, err
		}
		if err := b.Add(&rec); err != nil {
			return b, err
		}
	}
	return b, nil
}

// Add adds one record. It fails only when grouping by tag and the record's
// Tags do not parse (a *RecordError wrapping ErrBadTags); the record is then not
// added, so totals never silently miss part of a row.
func (b *Breakdown) Add(rec *Record) error {
	if err := b.add(rec); err != nil {
		return &RecordError{Line: rec.Line, Err: err}
	}
	return nil
}

// AddAll adds every record r has left, as Add would one by one. When r parses on several
// cores, each core adds the records it parses to a Breakdown of its own, merged into b at the
// end: no record travels between cores, which makes AddAll faster than a loop over r.All()
// adding each record (see BENCHMARKS.md). It returns the first error in file order: r's (a
// *ParseError for bad input) or a *RecordError for tags that do not parse; then b is unchanged
// and r is not to be read further.
func (b *Breakdown) AddAll(r *Reader) error {
	parts, err := Fold(r, func() *Breakdown { return NewBreakdown(&b.opts) }, (*Breakdown).add)
	if err != nil {
		return err
	}
	for _, p := range parts {
		b.merge(p)
	}
	return nil
}

// merge adds o's groups to b; o is not to be used afterwards (its groups may be b's now).
func (b *Breakdown) merge(o *Breakdown) {
	for k, g := range o.groups {
		mine := b.groups[k]
		if mine == nil {
			b.groups[k] = g
			continue
		}
		mine.Rows += g.Rows
		mine.Quantity = mine.Quantity.Add(g.Quantity)
		mine.Cost = mine.Cost.Add(g.Cost)
	}
	b.rows += o.rows
	if !o.first.IsZero() && (b.first.IsZero() || o.first.Before(b.first)) {
		b.first = o.first
	}
	if o.last.After(b.last) {
		b.last = o.last
	}
}

// add is Add without the line in its error.
func (b *Breakdown) add(rec *Record) error {
	k := DailyKey{Date: rec.Date, Currency: rec.Currency}
	if b.opts.BySubscription {
		k.SubscriptionID = rec.SubscriptionID
	}
	if b.opts.ByResourceGroup {
		k.ResourceGroup = rec.ResourceGroup
	}
	if b.opts.ByMeter {
		k.Meter = Meter{ID: rec.MeterID, Category: rec.MeterCategory, Subcategory: rec.MeterSubcategory, Name: rec.MeterName, Unit: rec.UnitOfMeasure}
	}
	if b.opts.ByMeterCategory {
		k.MeterCategory = rec.MeterCategory
	}
	if b.opts.ByServiceFamily {
		k.ServiceFamily = rec.ServiceFamily
	}
	if b.opts.ByLocation {
		k.Location = rec.ResourceLocation
	}
	if b.opts.ByChargeType {
		k.ChargeType = rec.ChargeType
	}
	if b.opts.ByPricingModel {
		k.PricingModel = rec.PricingModel
	}
	if b.opts.ByPublisherType {
		k.PublisherType = rec.PublisherType
	}
	if b.opts.ByTag != "" {
		v, ok := rec.Tags.Get(b.opts.ByTag)
		if !ok {
			if _, err := rec.Tags.Map(); err != nil {
				return err
			}
		}
		k.Tag = v
	}
	g := b.prev
	if g == nil || g.DailyKey != k {
		g = b.groups[k]
	}
	if g == nil {
		// Keys are cloned: they point into their record's storage, which a
		// long-lived map would otherwise keep alive, one row per group.
		k.Currency = strings.Clone(k.Currency)
		k.SubscriptionID = strings.Clone(k.SubscriptionID)
		k.ResourceGroup = strings.Clone(k.ResourceGroup)
		k.Meter = Meter{ID: strings.Clone(k.Meter.ID), Category: strings.Clone(k.Meter.Category),
			Subcategory: strings.Clone(k.Meter.Subcategory), Name: strings.Clone(k.Meter.Name), Unit: strings.Clone(k.Meter.Unit)}
		k.MeterCategory = strings.Clone(k.MeterCategory)
		k.ServiceFamily = strings.Clone(k.ServiceFamily)
		k.Location = strings.Clone(k.Location)
		k.ChargeType = strings.Clone(k.ChargeType)
		k.PricingModel = strings.Clone(k.PricingModel)
		k.PublisherType = strings.Clone(k.PublisherType)
		k.Tag = strings.Clone(k.Tag)
		g = &DailyTotal{DailyKey: k}
		b.groups[k] = g
	}
	b.prev = g
	g.Rows++
	g.Quantity = g.Quantity.Add(rec.Quantity)
	g.Cost = g.Cost.Add(rec.Cost)
	b.rows++
	if !rec.Date.IsZero() {
		if b.first.IsZero() || rec.Date.Before(b.first) {
			b.first = rec.Date
		}
		if rec.Date.After(b.last) {
			b.last = rec.Date
		}
	}
	return nil
}

// Totals returns a copy of the sorted groups: by date, currency,
// subscription, resource group, meter, the categories and tag.
func (b *Breakdown) Totals() []DailyTotal {
	out := make([]DailyTotal, 0, len(b.groups))
	for _, g := range b.groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(x, y DailyTotal) int {
		return cmp.Or(
			x.Date.Compare(y.Date),
			cmp.Compare(x.Currency, y.Currency),
			cmp.Compare(x.SubscriptionID, y.SubscriptionID),
			cmp.Compare(x.ResourceGroup, y.ResourceGroup),
			cmp.Compare(x.Meter.Category, y.Meter.Category),
			cmp.Compare(x.Meter.Subcategory, y.Meter.Subcategory),
			cmp.Compare(x.Meter.Name, y.Meter.Name),
			cmp.Compare(x.Meter.Unit, y.Meter.Unit),
			cmp.Compare(x.Meter.ID, y.Meter.ID),
			cmp.Compare(x.MeterCategory, y.MeterCategory),
			cmp.Compare(x.ServiceFamily, y.ServiceFamily),
			cmp.Compare(x.Location, y.Location),
			cmp.Compare(x.ChargeType, y.ChargeType),
			cmp.Compare(x.PricingModel, y.PricingModel),
			cmp.Compare(x.PublisherType, y.PublisherType),
			cmp.Compare(x.Tag, y.Tag),
		)
	})
	return out
}

// Cost returns the exact total cost of the records added: one Amount per currency, sorted by
// currency code (costs never add across currencies); nil when no record was added.
func (b *Breakdown) Cost() []billing.Amount {
	// Summed from the groups when asked rather than per record: exact sums
	// do not depend on the order of the additions.
	cost := map[string]billing.Decimal{}
	for _, g := range b.groups {
		cost[g.Currency] = cost[g.Currency].Add(g.Cost)
	}
	var out []billing.Amount
	for _, c := range slices.Sorted(maps.Keys(cost)) {
		out = append(out, billing.Amount{Value: cost[c], Currency: c})
	}
	return out
}

// Rows returns the number of records added.
func (b *Breakdown) Rows() int { return b.rows }

// FirstDate returns the earliest record date, or the zero Date if no
// record had one.
func (b *Breakdown) FirstDate() billing.Date { return b.first }

// LastDate returns the latest record date, or the zero Date if no record
// had one.
func (b *Breakdown) LastDate() billing.Date { return b.last }
