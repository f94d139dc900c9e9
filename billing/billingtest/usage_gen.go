package billingtest

import (
	"fmt"
	"math/big"
	"math/bits"
	"strings"
	"time"
)

// Usage is generated on the fly, never stored: every row is a pure function of the seed, the
// subscription, the day and the row's index within that day, so a report of millions of rows
// can be planned (blob boundaries, sizes, MD5), served and re-served identically, and the
// ground truth (UsageTotal) is computed from the same integers the rows are printed from.
//
// Fixed-point scales: quantities are in 1e-4 units, prices in 1e-8 units, so a row's cost
// (quantity × effective price) is exact in 1e-12 units.
const (
	qtyScale   = 4
	priceScale = 8
	costScale  = qtyScale + priceScale
)

// usageMeter is one entry of the emulator's meter catalogue.
type usageMeter struct {
	id, name, category, subCategory, region, unit, family, consumedService      string
	product, partNumber, resourceType, serviceName, serviceTier, additionalInfo string
	price                                                                       int64 // effective price per unit, 1e-8
	qtyMax                                                                      int64 // largest daily quantity, 1e-4
}

// usageMeters is the catalogue. Prices are plausible list prices, not real ones.
func usageMeters() []usageMeter {
	return []usageMeter{
		{id: "d2b9a1a3-7c7e-4d3f-9d4e-000000000001", name: "D2s v3", category: "Virtual Machines", subCategory: "Dsv3 Series",
			region: "US East", unit: "1 Hour", family: "Compute", consumedService: "Microsoft.Compute",
			product: "Virtual Machines Dsv3 Series - D2s v3 - US East", partNumber: "AAA-00001",
			resourceType: "Microsoft.Compute/virtualMachines", serviceName: "Virtual Machines", serviceTier: "Dsv3 Series",
			additionalInfo: `{"ServiceType":"Standard_D2s_v3","VCPUs":2,"UsageType":"ComputeHR"}`,
			price:          9600000, qtyMax: 240000},
		{id: "d2b9a1a3-7c7e-4d3f-9d4e-000000000002", name: "P10 LRS Disk", category: "Storage", subCategory: "Premium SSD Managed Disks",
			region: "US East", unit: "1/Month", family: "Storage", consumedService: "Microsoft.Compute",
			product: "Premium SSD Managed Disks - P10 LRS - US East", partNumber: "AAA-00002",
			resourceType: "Microsoft.Compute/disks", serviceName: "Storage", serviceTier: "Premium SSD Managed Disks",
			price: 1971200000, qtyMax: 323},
		{id: "d2b9a1a3-7c7e-4d3f-9d4e-000000000003", name: "Hot LRS Data Stored", category: "Storage", subCategory: "Blob Storage",
			region: "US East", unit: "1 GB/Month", family: "Storage", consumedService: "Microsoft.Storage",
			product: "Blob Storage - Hot LRS - US East", partNumber: "AAA-00003",
			resourceType: "Microsoft.Storage/storageAccounts", serviceName: "Storage", serviceTier: "Blob Storage",
			price: 1840000, qtyMax: 35000},
		{id: "d2b9a1a3-7c7e-4d3f-9d4e-000000000004", name: "Standard Data Transfer Out", category: "Bandwidth", subCategory: "Inter-Region",
			region: "Zone 1", unit: "1 GB", family: "Networking", consumedService: "Microsoft.Network",
			product: "Bandwidth - Standard Data Transfer Out - Zone 1", partNumber: "AAA-00004",
			resourceType: "Microsoft.Network/publicIPAddresses", serviceName: "Bandwidth", serviceTier: "Inter-Region",
			price: 8700000, qtyMax: 120000},
		{id: "d2b9a1a3-7c7e-4d3f-9d4e-000000000005", name: "vCore", category: "SQL Database", subCategory: "General Purpose - Compute Gen5",
			region: "US East", unit: "1 Hour", family: "Databases", consumedService: "Microsoft.Sql",
			product: "SQL Database General Purpose - Compute Gen5 - US East", partNumber: "AAA-00005",
			resourceType: "Microsoft.Sql/servers", serviceName: "SQL Database", serviceTier: "General Purpose - Compute Gen5",
			additionalInfo: `{"vCores":2}`,
			price:          25250000, qtyMax: 480000},
		{id: "d2b9a1a3-7c7e-4d3f-9d4e-000000000006", name: "P1 v3 App", category: "Azure App Service", subCategory: "Premium v3 Plan",
			region: "US East", unit: "1 Hour", family: "Compute", consumedService: "Microsoft.Web",
			product: "Azure App Service Premium v3 Plan - P1 v3 - US East", partNumber: "AAA-00006",
			resourceType: "Microsoft.Web/serverfarms", serviceName: "Azure App Service", serviceTier: "Premium v3 Plan",
			price: 16900000, qtyMax: 240000},
		{id: "d2b9a1a3-7c7e-4d3f-9d4e-000000000007", name: "Analytics Logs Data Ingestion", category: "Log Analytics", subCategory: "",
			region: "US East", unit: "1 GB", family: "Management and Governance", consumedService: "Microsoft.OperationalInsights",
			product: "Log Analytics - Analytics Logs - US East", partNumber: "AAA-00007",
			resourceType: "Microsoft.OperationalInsights/workspaces", serviceName: "Log Analytics", serviceTier: "",
			price: 276000000, qtyMax: 25000},
		{id: "d2b9a1a3-7c7e-4d3f-9d4e-000000000008", name: "Operations", category: "Key Vault", subCategory: "Standard",
			region: "US East", unit: "10K", family: "Security", consumedService: "Microsoft.KeyVault",
			product: "Key Vault - Standard - Operations", partNumber: "AAA-00008",
			resourceType: "Microsoft.KeyVault/vaults", serviceName: "Key Vault", serviceTier: "Standard",
			price: 3000000, qtyMax: 90000},
	}
}

// Reservation facts of the one reserved VM per EA and MCA account.
const (
	reservationOrderID = "7e6a3a1c-0000-4000-8000-00000000a001"
	reservationID      = "7e6a3a1c-0000-4000-8000-00000000b001"
	reservationName    = "VM_RI_Standard_D2s_v3"
	reservationRate    = 6164400    // amortized effective price per hour, 1e-8
	reservationFee     = 4500000000 // monthly purchase, 1e-8 (45.00)
	unusedHours        = 5000       // unused reserved hours per day, 1e-4 (0.5)
	zeroGUID           = "00000000-0000-0000-0000-000000000000"
)

// rowKind tells usage rows from reservation rows.
type rowKind int

const (
	rowUsage    rowKind = iota
	rowReserved         // usage covered by the reservation
	rowPurchase         // the monthly reservation fee (actual cost only)
	rowUnused           // unused reservation hours (amortized cost only)
)

// usageResource is a resource a subscription's usage is attributed to.
type usageResource struct {
	meter               *usageMeter
	group, name, id     string
	location            string
	tagsBraced, tagsRaw string // MCA/JSON form and the EA braceless form
	tags                [][2]string
}

// usageSub holds a subscription and the strings its rows repeat, computed once.
type usageSub struct {
	s          *Subscription
	idx        int
	acct       *Account
	agreement  string
	first      time.Time // day of creation: no usage before it
	designated bool      // carries the account's reservation
	resources  []usageResource

	deptName, deptCostCenter, enrollName, owner string
	profileName, profileDisplay, sectionDisplay string
	reservationArmID, benefitID                 string
}

const resourcesPerSub = 12

func newUsageSubs(w *World) []*usageSub {
	meters := usageMeters()
	var out []*usageSub
	for i, s := range w.Subscriptions {
		a := w.Account(s.Account)
		if a == nil {
			continue
		}
		us := &usageSub{s: s, idx: i, acct: a, agreement: a.Agreement, first: day(s.Created)}
		switch a.Agreement {
		case AgreementEA:
			us.designated = strings.EqualFold(s.ID, SubscriptionEAEngProd)
			if d := a.Department(s.Department); d != nil {
				us.deptName, us.deptCostCenter = d.DisplayName, d.CostCenter
			}
			if e := a.EnrollmentAccount(s.EnrollmentAccount); e != nil {
				us.enrollName, us.owner = e.DisplayName, e.AccountOwner
			}
		case AgreementMCA:
			us.designated = strings.EqualFold(s.ID, SubscriptionMCAWeb)
			if p := a.Profile(s.Profile); p != nil {
				us.profileName, us.profileDisplay = p.Name, p.DisplayName
				if sec := p.Section(s.InvoiceSection); sec != nil {
					us.sectionDisplay = sec.DisplayName
				}
			}
		}
		us.reservationArmID = "/providers/Microsoft.Capacity/reservationOrders/" + reservationOrderID + "/reservations/" + reservationID
		us.benefitID = us.reservationArmID
		team := usageTeam(s.DisplayName)
		for r := range resourcesPerSub {
			m := &meters[r%len(meters)]
			env := "prod"
			if r%3 == 2 {
				env = "dev"
			}
			group := fmt.Sprintf("rg-%s-%s", team, env)
			short := m.resourceType[strings.LastIndexByte(m.resourceType, '/')+1:]
			name := fmt.Sprintf("%s-%s-%02d", team, strings.TrimSuffix(strings.ToLower(short), "s"), r)
			tags := [][2]string{{"env", env}, {"team", team}}
			if r%4 == 3 {
				tags = append(tags, [2]string{"owner", ""}) // an empty tag value, as real files have
			}
			res := usageResource{
				meter: m, group: group, name: name, location: "eastus", tags: tags,
				id: "/subscriptions/" + s.ID + "/resourceGroups/" + group + "/providers/" + m.resourceType + "/" + name,
			}
			var br, raw strings.Builder
			br.WriteByte('{')
			for j, t := range tags {
				if j > 0 {
					br.WriteByte(',')
					raw.WriteByte(',')
				}
				fmt.Fprintf(&br, "%q:%q", t[0], t[1])
				fmt.Fprintf(&raw, "%q: %q", t[0], t[1])
			}
			br.WriteByte('}')
			res.tagsBraced, res.tagsRaw = br.String(), raw.String()
			us.resources = append(us.resources, res)
		}
		out = append(out, us)
	}
	return out
}

// usageTeam turns a subscription's display name into a short lower-case name for resource
// groups, resource names and tags: its last word, letters and digits only.
func usageTeam(display string) string {
	f := strings.Fields(display)
	if len(f) == 0 {
		return "team"
	}
	var b strings.Builder
	for _, c := range strings.ToLower(f[len(f)-1]) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "team"
	}
	return b.String()
}

// usageRow is one generated row. Strings point into usageSub/usageMeter: rendering a row
// allocates nothing.
type usageRow struct {
	sub      *usageSub
	date     time.Time
	kind     rowKind
	res      *usageResource // nil for purchase and unused rows
	qty      int64          // 1e-4
	price    int64          // effective price, 1e-8
	payg     int64          // pay-as-you-go price, 1e-8
	costLo   uint64         // cost = qty × price, 1e-12, as a 128-bit value
	costHi   uint64
	ordinal  int // index of the row within its (subscription, day)
	dayIndex int
}

// usagePlan is the row sequence of one request: days × subscriptions in scope × rows.
type usagePlan struct {
	seed       uint64
	start      time.Time // first day
	days       int
	subs       []*usageSub
	rowsPerDay int
	amortized  bool
	openFrom   time.Time               // first day of the open month
	invoices   map[invoiceMonth]string // MCA: the invoice of each profile's closed month
	// dropped are rows DropUsageRow hides (actual cost only): ordinals per subscription and day.
	dropped map[dropKey][]int
}

// dropKey names a subscription's day (its index in the world, the day's Unix day number).
type dropKey struct {
	sub int
	day int64
}

// drops returns the ordinals hidden on that day, ascending.
func (p *usagePlan) drops(us *usageSub, date time.Time) []int {
	if len(p.dropped) == 0 || p.amortized {
		return nil
	}
	return p.dropped[dropKey{us.idx, date.Unix() / 86400}]
}

// actualOrdinal maps the k-th visible row to its ordinal among all the day's rows.
func actualOrdinal(k int, drops []int) int {
	for _, d := range drops {
		if d <= k {
			k++
		}
	}
	return k
}

// rowPos is a position in the sequence: day index, subscription index, row within the pair.
type rowPos struct{ day, sub, k int }

func (p *usagePlan) date(d int) time.Time { return p.start.AddDate(0, 0, d) }

// rowsOf is how many rows a subscription has on a day (without hidden ones).
func (p *usagePlan) rowsOf(us *usageSub, date time.Time) int {
	return p.allRowsOf(us, date) - len(p.drops(us, date))
}

// allRowsOf is how many rows a subscription has on a day.
func (p *usagePlan) allRowsOf(us *usageSub, date time.Time) int {
	if date.Before(us.first) {
		return 0
	}
	n := p.rowsPerDay
	if us.designated {
		if !p.amortized && date.Day() == 1 {
			n++ // purchase
		}
		if p.amortized {
			n++ // unused hours
		}
	}
	return n
}

// count is the number of rows in the plan.
func (p *usagePlan) count() int {
	n := 0
	for d := range p.days {
		dt := p.date(d)
		for _, us := range p.subs {
			n += p.rowsOf(us, dt)
		}
	}
	return n
}

// locate returns the position of the i-th row (0-based), false when out of range.
func (p *usagePlan) locate(i int) (rowPos, bool) {
	if i < 0 {
		return rowPos{}, false
	}
	for d := range p.days {
		dt := p.date(d)
		for s, us := range p.subs {
			n := p.rowsOf(us, dt)
			if i < n {
				return rowPos{day: d, sub: s, k: i}, true
			}
			i -= n
		}
	}
	return rowPos{}, false
}

// each calls fn for every row from pos on, in order, until fn returns false. The row is reused.
func (p *usagePlan) each(from rowPos, fn func(pos rowPos, r *usageRow) bool) {
	var r usageRow
	for d := from.day; d < p.days; d++ {
		dt := p.date(d)
		s0 := 0
		if d == from.day {
			s0 = from.sub
		}
		for s := s0; s < len(p.subs); s++ {
			us := p.subs[s]
			n := p.rowsOf(us, dt)
			k0 := 0
			if d == from.day && s == from.sub {
				k0 = from.k
			}
			all, drops := p.allRowsOf(us, dt), p.drops(us, dt)
			for k := k0; k < n; k++ {
				p.fill(&r, us, dt, d, actualOrdinal(k, drops), all)
				if !fn(rowPos{day: d, sub: s, k: k}, &r) {
					return
				}
			}
		}
	}
}

// splitmix64 is a small, good mixing function: rows are random-accessible by their key.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// fill computes row k (of n) of subscription us on day dt.
func (p *usagePlan) fill(r *usageRow, us *usageSub, dt time.Time, dayIdx, k, n int) {
	*r = usageRow{sub: us, date: dt, ordinal: k, dayIndex: dayIdx}
	u := k // index among the usage rows
	if us.designated && !p.amortized && dt.Day() == 1 {
		if k == 0 {
			r.kind = rowPurchase
			r.qty, r.price, r.payg = 10000, reservationFee, reservationFee
			r.setCost()
			return
		}
		u = k - 1
	}
	if us.designated && p.amortized && k == n-1 {
		r.kind = rowUnused
		r.qty, r.price, r.payg = unusedHours, reservationRate, reservationRate
		r.setCost()
		return
	}
	days := dt.Unix() / 86400
	h := splitmix64(p.seed ^ uint64(us.idx)<<48 ^ uint64(days)<<20 ^ uint64(u))
	res := &us.resources[u%len(us.resources)]
	r.res = res
	r.qty = 1 + int64(h%uint64(res.meter.qtyMax))
	r.price, r.payg = res.meter.price, res.meter.price
	if us.designated && u == 0 {
		r.res = &us.resources[0] // the reserved VM
		r.kind = rowReserved
		r.qty = 240000 // 24 hours
		r.payg = r.res.meter.price
		if p.amortized {
			r.price = reservationRate
		} else {
			r.price = 0
		}
	}
	r.setCost()
}

func (r *usageRow) setCost() {
	r.costHi, r.costLo = bits.Mul64(uint64(r.qty), uint64(r.price))
}

// u128 is an unsigned 128-bit accumulator for exact totals.
type u128 struct{ hi, lo uint64 }

func (a *u128) add(hi, lo uint64) {
	var c uint64
	a.lo, c = bits.Add64(a.lo, lo, 0)
	a.hi, _ = bits.Add64(a.hi, hi, c)
}

// decimal renders a at the given scale, with trailing fractional zeros trimmed.
func (a u128) decimal(scale int) string {
	v := new(big.Int).SetUint64(a.hi)
	v.Lsh(v, 64)
	v.Or(v, new(big.Int).SetUint64(a.lo))
	s := v.String()
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
