package billingtest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Wire values of billingAccount.properties.agreementType used by the seeded world.
const (
	AgreementMOSP = "MicrosoftOnlineServicesProgram"
	AgreementEA   = "EnterpriseAgreement"
	AgreementMCA  = "MicrosoftCustomerAgreement"
)

// Fixed names of the seeded world. They do not depend on the seed; see the package documentation.
const (
	// MOSPAccount is the MOSP (legacy pay-as-you-go) billing account.
	MOSPAccount = "20000000-0000-0000-0000-000000000001"
	// SubscriptionPayAsYouGo is the MOSP subscription created two years before Now, with 24
	// monthly invoice periods behind it.
	SubscriptionPayAsYouGo = "11111111-1111-1111-1111-111111111111"
	// SubscriptionNew is the MOSP subscription created 12 days before Now: no invoice yet.
	SubscriptionNew = "22222222-2222-2222-2222-222222222222"
	// SubscriptionCredit is the MOSP subscription on a monthly-credit offer whose usage never
	// exceeded the credit: it has never had an invoice.
	SubscriptionCredit = "33333333-3333-3333-3333-333333333333"

	// EAAccount is the EA enrollment (billing account).
	EAAccount = "6575495"
	// EADepartmentEngineering and EADepartmentFinance are the enrollment's departments.
	EADepartmentEngineering = "101"
	EADepartmentFinance     = "102"
	// EAEnrollmentAccountEngineering (department 101) and EAEnrollmentAccountFinance
	// (department 102) are the enrollment accounts.
	EAEnrollmentAccountEngineering = "201"
	EAEnrollmentAccountFinance     = "202"
	// EA subscriptions.
	SubscriptionEAEngProd    = "44444444-4444-4444-4444-444444444444"
	SubscriptionEAEngDevTest = "55555555-5555-5555-5555-555555555555"
	SubscriptionEAFinance    = "66666666-6666-6666-6666-666666666666"
	// EAInvoiceRecipient is the enrollment's (read-only) invoice recipient.
	EAInvoiceRecipient = "invoices@contoso.example"

	// MCAAccount is the MCA billing account.
	MCAAccount = "10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31"
	// MCAProfileUS is opted in to invoice e-mail (two recipients), USD, invoice day 5.
	MCAProfileUS = "AB12-CD34-BG7-PGB"
	// MCAProfileEU is opted out of invoice e-mail, EUR.
	MCAProfileEU = "EF56-GH78-BG7-PGB"
	// Invoice sections: 1111 and 2222 under MCAProfileUS, 3333 under MCAProfileEU.
	MCASectionEngineering = "ISEC-1111-PJA-PGB"
	MCASectionMarketing   = "ISEC-2222-PJA-PGB"
	MCASectionEurope      = "ISEC-3333-PJA-PGB"
	// MCA subscriptions.
	SubscriptionMCAWeb       = "77777777-7777-7777-7777-777777777777"
	SubscriptionMCAData      = "88888888-8888-8888-8888-888888888888"
	SubscriptionMCAMarketing = "99999999-9999-9999-9999-999999999999"
	SubscriptionMCAEurope    = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"

	// TenantID is the billing tenant of every seeded account.
	TenantID = "72f988bf-0000-0000-0000-00000000c0de"
)

// World is the emulator's ground truth: the accounts and everything below them, the principals'
// role assignments and the EA policies. Server.World returns a copy of it.
type World struct {
	Seed int64
	// Anchor is the instant the world is laid out from: WithNow's, or noon UTC of the date the
	// server started.
	Anchor        time.Time
	Accounts      []*Account
	Subscriptions []*Subscription
	Assignments   []RoleAssignment
	EAPolicy      EAPolicy
}

// Account is a billing account.
type Account struct {
	Name, DisplayName  string
	Agreement          string // AgreementMOSP, AgreementEA or AgreementMCA
	AccountType        string // wire accountType: Individual, Enterprise, Business
	AccountSubType     string // wire accountSubType
	Status             string // wire accountStatus
	NotificationEmail  string // MOSP notificationEmailAddress (not invoice e-mail)
	Currency           string // EA enrollment currency
	InvoiceRecipient   string // EA enrollmentDetails.invoiceRecipient
	EnrollmentStart    time.Time
	EnrollmentEnd      time.Time
	SoldTo             Address
	Profiles           []*Profile
	Departments        []*Department
	EnrollmentAccounts []*EnrollmentAccount
}

// Address is the subset of AddressDetails the world uses.
type Address struct {
	CompanyName, AddressLine1, City, Region, PostalCode, Country, Email string
}

// Profile is an MCA billing profile.
type Profile struct {
	Name, DisplayName string
	Currency          string
	InvoiceDay        int
	InvoiceEmailOptIn bool
	InvoiceRecipients []string
	PONumber          string
	SystemID          string
	Status            string
	BillTo            Address
	Tags              map[string]string
	EnabledAzurePlans []AzurePlan
	Sections          []*InvoiceSection
}

// AzurePlan is an entry of enabledAzurePlans.
type AzurePlan struct{ SkuID, SkuDescription string }

// InvoiceSection is an MCA invoice section.
type InvoiceSection struct {
	Name, DisplayName, SystemID, State string
}

// Department is an EA department.
type Department struct {
	Name, DisplayName, CostCenter, Status string
}

// EnrollmentAccount is an EA enrollment account (an "account" in EA portal terms).
type EnrollmentAccount struct {
	Name, DisplayName string
	Department        string // parent department name
	AccountOwner      string // the owner's sign-in address
	CostCenter        string
	AuthType          string
	Status            string
	DevTestEnabled    bool
	Start, End        time.Time
}

// Subscription is an Azure subscription and the billing facts that explain its invoices.
type Subscription struct {
	ID, DisplayName       string
	Account               string // billing account name
	Profile               string // MCA
	InvoiceSection        string // MCA
	Department            string // EA
	EnrollmentAccount     string // EA
	OfferID               string // e.g. MS-AZR-0003P (pay-as-you-go); MCA: empty, see SkuID
	OfferName             string
	SkuID, SkuDescription string
	Created               time.Time
	Status                string // wire subscriptionBillingStatus
	Currency              string
	CostCenter            string
	// Credit is the offer's credit, nil if none.
	Credit *Credit
	// InvoicePeriods are the closed billing periods that produced an invoice, oldest first.
	InvoicePeriods []Period
	// NoInvoiceReason explains, for a subscription without invoices, why.
	NoInvoiceReason string
	// LastMonthCharges and MonthToDateCharges are decimal strings in Currency.
	LastMonthCharges, MonthToDateCharges string
}

// Credit is an offer credit, such as a free trial's or a Visual Studio subscription's.
type Credit struct {
	Amount   string // decimal
	Currency string
	Monthly  bool
	// UsageExceeded says whether usage ever exceeded the credit (which would produce an invoice).
	UsageExceeded bool
}

// Period is a closed range of calendar days; Start and End are midnight UTC, End inclusive.
type Period struct{ Start, End time.Time }

// RoleAssignment gives a principal a role at a scope.
type RoleAssignment struct {
	Principal Principal
	Role      Role
	Scope     string // ARM id of the scope
	Name      string // the assignment's resource name

	scope scopeRef
}

// Account returns the account with that name (case-insensitive), or nil.
func (w *World) Account(name string) *Account {
	for _, a := range w.Accounts {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// Subscription returns the subscription with that id (case-insensitive), or nil.
func (w *World) Subscription(id string) *Subscription {
	for _, s := range w.Subscriptions {
		if strings.EqualFold(s.ID, id) {
			return s
		}
	}
	return nil
}

// Profile returns the billing profile, or nil.
func (a *Account) Profile(name string) *Profile {
	for _, p := range a.Profiles {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// Section returns the invoice section, or nil.
func (p *Profile) Section(name string) *InvoiceSection {
	for _, s := range p.Sections {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// Department returns the department, or nil.
func (a *Account) Department(name string) *Department {
	for _, d := range a.Departments {
		if strings.EqualFold(d.Name, name) {
			return d
		}
	}
	return nil
}

// EnrollmentAccount returns the enrollment account, or nil.
func (a *Account) EnrollmentAccount(name string) *EnrollmentAccount {
	for _, e := range a.EnrollmentAccounts {
		if strings.EqualFold(e.Name, name) {
			return e
		}
	}
	return nil
}

// AssignmentsOf returns the role assignments of a principal.
func (w *World) AssignmentsOf(p Principal) []RoleAssignment {
	var out []RoleAssignment
	for _, a := range w.Assignments {
		if a.Principal == p {
			out = append(out, a)
		}
	}
	return out
}

func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

// monthlyPeriods returns the monthly billing periods starting at created's day that have ended
// before now's day.
func monthlyPeriods(created, now time.Time) []Period {
	var out []Period
	start := day(created)
	today := day(now)
	for i := 1; ; i++ {
		next := day(created).AddDate(0, i, 0)
		end := next.AddDate(0, 0, -1)
		if !end.Before(today) {
			return out
		}
		out = append(out, Period{Start: start, End: end})
		start = next
	}
}

// newWorld builds the seeded world. Fixed names never depend on the seed; amounts and system ids do.
func newWorld(seed int64, now time.Time, pol EAPolicy) *World {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x776f726c64)) // "world"
	money := func(lo, hi int) string {
		cents := lo*100 + rng.IntN((hi-lo)*100+1)
		return fmt.Sprintf("%d.%02d", cents/100, cents%100)
	}
	sysID := func() string {
		const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
		b := make([]byte, 0, 17)
		for i, n := range []int{4, 4, 3, 3} {
			if i > 0 {
				b = append(b, '-')
			}
			for range n {
				b = append(b, alnum[rng.IntN(len(alnum))])
			}
		}
		return string(b)
	}
	w := &World{Seed: seed, Anchor: now, EAPolicy: pol.withDefaults()}
	today := day(now)

	// MOSP.
	mosp := &Account{
		Name: MOSPAccount, DisplayName: "Alex Contoso", Agreement: AgreementMOSP,
		AccountType: "Individual", AccountSubType: "Individual", Status: "Active",
		NotificationEmail: "alex@contoso.example", Currency: "USD",
		SoldTo: Address{AddressLine1: "1 Main Street", City: "Redmond", Region: "WA", PostalCode: "98052", Country: "US"},
	}
	createdA := time.Date(now.Year()-2, now.Month(), 3, 9, 30, 0, 0, time.UTC)
	createdB := now.AddDate(0, 0, -12).Add(-2 * time.Hour)
	createdC := time.Date(now.Year(), now.Month(), 8, 10, 0, 0, 0, time.UTC).AddDate(0, -8, 0)
	w.Subscriptions = append(w.Subscriptions,
		&Subscription{
			ID: SubscriptionPayAsYouGo, DisplayName: "Contoso Pay-As-You-Go", Account: MOSPAccount,
			OfferID: "MS-AZR-0003P", OfferName: "Pay-As-You-Go", Created: createdA, Status: "Active", Currency: "USD",
			InvoicePeriods:   monthlyPeriods(createdA, now),
			LastMonthCharges: money(20, 120), MonthToDateCharges: money(5, 60),
		},
		&Subscription{
			ID: SubscriptionNew, DisplayName: "Contoso New Project", Account: MOSPAccount,
			OfferID: "MS-AZR-0003P", OfferName: "Pay-As-You-Go", Created: createdB, Status: "Active", Currency: "USD",
			NoInvoiceReason:  "the subscription was created less than 30 days ago; its first billing period has not ended",
			LastMonthCharges: "0.00", MonthToDateCharges: money(1, 15),
		},
		&Subscription{
			ID: SubscriptionCredit, DisplayName: "Visual Studio Enterprise", Account: MOSPAccount,
			OfferID: "MS-AZR-0063P", OfferName: "Visual Studio Enterprise", Created: createdC, Status: "Active", Currency: "USD",
			Credit:           &Credit{Amount: "150.00", Currency: "USD", Monthly: true},
			NoInvoiceReason:  "usage stayed within the offer's monthly credit, so no invoice was produced",
			LastMonthCharges: "0.00", MonthToDateCharges: "0.00",
		},
	)

	// EA.
	ea := &Account{
		Name: EAAccount, DisplayName: "Contoso Enterprise Enrollment", Agreement: AgreementEA,
		AccountType: "Enterprise", AccountSubType: "Other", Status: "Active", Currency: "USD",
		InvoiceRecipient: EAInvoiceRecipient,
		EnrollmentStart:  time.Date(now.Year()-2, time.July, 1, 0, 0, 0, 0, time.UTC),
		EnrollmentEnd:    time.Date(now.Year()+1, time.June, 30, 23, 59, 59, 0, time.UTC),
		SoldTo:           Address{CompanyName: "Contoso Ltd", AddressLine1: "1 Contoso Way", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"},
		Departments: []*Department{
			{Name: EADepartmentEngineering, DisplayName: "Engineering", CostCenter: "ENG-100", Status: "Active"},
			{Name: EADepartmentFinance, DisplayName: "Finance", CostCenter: "FIN-200", Status: "Active"},
		},
	}
	ea.EnrollmentAccounts = []*EnrollmentAccount{
		{Name: EAEnrollmentAccountEngineering, DisplayName: "Engineering Account", Department: EADepartmentEngineering,
			AccountOwner: "eng-owner@contoso.example", CostCenter: "ENG-100", AuthType: "Organization", Status: "Active",
			DevTestEnabled: true, Start: ea.EnrollmentStart, End: ea.EnrollmentEnd},
		{Name: EAEnrollmentAccountFinance, DisplayName: "Finance Account", Department: EADepartmentFinance,
			AccountOwner: "fin-owner@contoso.example", CostCenter: "FIN-200", AuthType: "Organization", Status: "Active",
			Start: ea.EnrollmentStart, End: ea.EnrollmentEnd},
	}
	eaSub := func(id, name, dept, acct, offer, offerName string, created time.Time) *Subscription {
		return &Subscription{
			ID: id, DisplayName: name, Account: EAAccount, Department: dept, EnrollmentAccount: acct,
			OfferID: offer, OfferName: offerName, Created: created, Status: "Active", Currency: "USD",
			CostCenter: ea.Department(dept).CostCenter, InvoicePeriods: monthlyPeriods(firstOfMonth(created), now),
			LastMonthCharges: money(1000, 9000), MonthToDateCharges: money(200, 3000),
		}
	}
	w.Subscriptions = append(w.Subscriptions,
		eaSub(SubscriptionEAEngProd, "Engineering Production", EADepartmentEngineering, EAEnrollmentAccountEngineering,
			"MS-AZR-0017P", "Enterprise Agreement", ea.EnrollmentStart.AddDate(0, 1, 4)),
		eaSub(SubscriptionEAEngDevTest, "Engineering Dev/Test", EADepartmentEngineering, EAEnrollmentAccountEngineering,
			"MS-AZR-0148P", "Enterprise Dev/Test", ea.EnrollmentStart.AddDate(0, 3, 10)),
		eaSub(SubscriptionEAFinance, "Finance Analytics", EADepartmentFinance, EAEnrollmentAccountFinance,
			"MS-AZR-0017P", "Enterprise Agreement", ea.EnrollmentStart.AddDate(0, 2, 0)),
	)

	// MCA.
	mca := &Account{
		Name: MCAAccount, DisplayName: "Contoso Ltd", Agreement: AgreementMCA,
		AccountType: "Business", AccountSubType: "Enterprise", Status: "Active",
		SoldTo: Address{CompanyName: "Contoso Ltd", AddressLine1: "1 Contoso Way", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"},
	}
	plans := []AzurePlan{{SkuID: "0001", SkuDescription: "Microsoft Azure Plan"}, {SkuID: "0002", SkuDescription: "Microsoft Azure Plan for DevTest"}}
	mca.Profiles = []*Profile{
		{
			Name: MCAProfileUS, DisplayName: "Contoso US", Currency: "USD", InvoiceDay: 5,
			InvoiceEmailOptIn: true, InvoiceRecipients: []string{"billing@contoso.example", "finance@contoso.example"},
			PONumber: "PO-2026-001", SystemID: sysID(), Status: "Active", EnabledAzurePlans: slices.Clone(plans),
			BillTo: Address{CompanyName: "Contoso Ltd", AddressLine1: "1 Contoso Way", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US", Email: "billing@contoso.example"},
			Sections: []*InvoiceSection{
				{Name: MCASectionEngineering, DisplayName: "Engineering", SystemID: sysID(), State: "Active"},
				{Name: MCASectionMarketing, DisplayName: "Marketing", SystemID: sysID(), State: "Active"},
			},
		},
		{
			Name: MCAProfileEU, DisplayName: "Contoso Europe", Currency: "EUR", InvoiceDay: 5,
			SystemID: sysID(), Status: "Active", EnabledAzurePlans: slices.Clone(plans[:1]),
			BillTo: Address{CompanyName: "Contoso GmbH", AddressLine1: "Contosostrasse 1", City: "Berlin", PostalCode: "10115", Country: "DE"},
			Sections: []*InvoiceSection{
				{Name: MCASectionEurope, DisplayName: "Europe", SystemID: sysID(), State: "Active"},
			},
		},
	}
	mcaSub := func(id, name, profile, section, currency string, created time.Time) *Subscription {
		return &Subscription{
			ID: id, DisplayName: name, Account: MCAAccount, Profile: profile, InvoiceSection: section,
			SkuID: "0001", SkuDescription: "Microsoft Azure Plan", Created: created, Status: "Active", Currency: currency,
			LastMonthCharges: money(300, 5000), MonthToDateCharges: money(50, 2000),
		}
	}
	w.Subscriptions = append(w.Subscriptions,
		mcaSub(SubscriptionMCAWeb, "Contoso Web", MCAProfileUS, MCASectionEngineering, "USD", today.AddDate(-1, -6, 0)),
		mcaSub(SubscriptionMCAData, "Contoso Data", MCAProfileUS, MCASectionEngineering, "USD", today.AddDate(-1, 0, -3)),
		mcaSub(SubscriptionMCAMarketing, "Contoso Marketing", MCAProfileUS, MCASectionMarketing, "USD", today.AddDate(0, -9, 0)),
		mcaSub(SubscriptionMCAEurope, "Contoso Europe", MCAProfileEU, MCASectionEurope, "EUR", today.AddDate(-1, -2, 0)),
	)
	w.Accounts = []*Account{mosp, ea, mca}
	w.Assignments = seedAssignments()
	return w
}

func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// clone deep-copies the world so callers can read it without locks.
func (w *World) clone() *World {
	c := *w
	c.Accounts = make([]*Account, len(w.Accounts))
	for i, a := range w.Accounts {
		ac := *a
		ac.Profiles = make([]*Profile, len(a.Profiles))
		for j, p := range a.Profiles {
			pc := *p
			pc.InvoiceRecipients = slices.Clone(p.InvoiceRecipients)
			pc.EnabledAzurePlans = slices.Clone(p.EnabledAzurePlans)
			if p.Tags != nil {
				pc.Tags = make(map[string]string, len(p.Tags))
				for k, v := range p.Tags {
					pc.Tags[k] = v
				}
			}
			pc.Sections = make([]*InvoiceSection, len(p.Sections))
			for k, s := range p.Sections {
				sc := *s
				pc.Sections[k] = &sc
			}
			ac.Profiles[j] = &pc
		}
		ac.Departments = make([]*Department, len(a.Departments))
		for j, d := range a.Departments {
			dc := *d
			ac.Departments[j] = &dc
		}
		ac.EnrollmentAccounts = make([]*EnrollmentAccount, len(a.EnrollmentAccounts))
		for j, e := range a.EnrollmentAccounts {
			ec := *e
			ac.EnrollmentAccounts[j] = &ec
		}
		c.Accounts[i] = &ac
	}
	c.Subscriptions = make([]*Subscription, len(w.Subscriptions))
	for i, s := range w.Subscriptions {
		sc := *s
		sc.InvoicePeriods = slices.Clone(s.InvoicePeriods)
		if s.Credit != nil {
			cr := *s.Credit
			sc.Credit = &cr
		}
		c.Subscriptions[i] = &sc
	}
	c.Assignments = slices.Clone(w.Assignments)
	return &c
}
