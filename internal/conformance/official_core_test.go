package conformance

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/billing/armbilling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	bt "github.com/azbilling/azbilling/billing/billingtest"
)

// Billing core operations (accounts, profiles, sections, departments, enrollment accounts,
// billing subscriptions, permissions, checkAccess, role definitions and assignments, policies,
// billing property) driven by armbilling v1.0.0 (api-version 2024-04-01) against the emulator.
// Every response is also round-tripped through the official model (see roundTrip).

const accountsPrefix = "/providers/Microsoft.Billing/billingAccounts/"

func (o *official) billing(t *testing.T, subscriptionID string) *armbilling.ClientFactory {
	t.Helper()
	f, err := armbilling.NewClientFactory(subscriptionID, o.cred, o.opts)
	require.NoError(t, err)
	return f
}

// drain walks a pager to its end, round-tripping every page, and returns the pages.
func drain[T any](t *testing.T, o *official, what string, p *runtime.Pager[T]) []T {
	t.Helper()
	var out []T
	for p.More() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err, what)
		roundTrip(t, what, o.rec.last(t).Body, page)
		out = append(out, page)
	}
	return out
}

// checkAddress compares an official address (any of the generated AddressDetails copies, through
// JSON) with the world's.
func checkAddress(t *testing.T, what string, want bt.Address, got any) {
	t.Helper()
	var a armbilling.AddressDetails
	b, err := json.Marshal(got)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &a))
	assert.Equal(t, want.AddressLine1, str(a.AddressLine1), what+" addressLine1")
	assert.Equal(t, want.City, str(a.City), what+" city")
	assert.Equal(t, want.CompanyName, str(a.CompanyName), what+" companyName")
	assert.Equal(t, want.Country, str(a.Country), what+" country")
	assert.Equal(t, want.Email, str(a.Email), what+" email")
	assert.Equal(t, want.PostalCode, str(a.PostalCode), what+" postalCode")
	assert.Equal(t, want.Region, str(a.Region), what+" region")
}

func checkAccount(t *testing.T, want *bt.Account, got *armbilling.Account) {
	t.Helper()
	require.NotNil(t, got.Properties)
	p := got.Properties
	assert.Equal(t, want.Name, str(got.Name))
	assert.Equal(t, accountsPrefix+want.Name, str(got.ID))
	assert.Equal(t, "Microsoft.Billing/billingAccounts", str(got.Type))
	assert.Equal(t, want.DisplayName, str(p.DisplayName))
	assert.Equal(t, want.Agreement, strOf(p.AgreementType))
	assert.Equal(t, want.AccountType, strOf(p.AccountType))
	assert.Equal(t, want.AccountSubType, strOf(p.AccountSubType))
	assert.Equal(t, want.Status, strOf(p.AccountStatus))
	assert.True(t, boolOf(p.HasReadAccess), "hasReadAccess")
	checkAddress(t, want.Name+" soldTo", want.SoldTo, p.SoldTo)
	switch want.Agreement {
	case bt.AgreementMOSP:
		assert.Equal(t, want.NotificationEmail, str(p.NotificationEmailAddress))
		assert.Nil(t, p.EnrollmentDetails)
	case bt.AgreementEA:
		e := p.EnrollmentDetails
		require.NotNil(t, e, "EA enrollmentDetails")
		require.NotNil(t, e.StartDate)
		require.NotNil(t, e.EndDate)
		assert.True(t, want.EnrollmentStart.Equal(*e.StartDate), "startDate %v", e.StartDate)
		assert.True(t, want.EnrollmentEnd.Equal(*e.EndDate), "endDate %v", e.EndDate)
		assert.Equal(t, want.Currency, str(e.Currency))
		assert.Equal(t, want.InvoiceRecipient, str(e.InvoiceRecipient))
	case bt.AgreementMCA:
		assert.Equal(t, bt.TenantID, str(p.PrimaryBillingTenantID))
		require.NotNil(t, p.HasNoBillingProfiles)
		assert.False(t, *p.HasNoBillingProfiles)
		assert.Nil(t, p.EnrollmentDetails)
	}
}

// dotNetDateFailure is how armbilling v1.0.0 fails on an EA account as the service really sends
// it: enrollmentDetails.startDate and endDate are .NET text ("6/1/2020 12:00:00 AM +00:00") and
// the model decodes them as RFC 3339 timestamps, so the whole list (or get) fails (on whichever
// of the two it reads first).
const dotNetDateFailure = `struct field EnrollmentDetails: unmarshalling type \*armbilling.AccountPropertiesEnrollmentDetails: ` +
	`struct field (StartDate|EndDate): parsing time "\\"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d [AP]M \+00:00\\"" as "\\"2006-01-02 15:04:05.999999999Z07:00\\""`

// TestOfficialAccountsRecordedShapes: on the recorded shapes armbilling reads MOSP and MCA
// accounts but fails on every EA account, list and get alike (README: where azbilling works and
// the official client does not).
func TestOfficialAccountsRecordedShapes(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t)
	w := srv.World()
	for _, c := range []struct {
		p       bt.Principal
		account string
	}{{bt.MOSPAccountAdmin, bt.MOSPAccount}, {bt.MCAAccountOwner, bt.MCAAccount}} {
		o := newOfficial(t, srv, c.p)
		got, err := o.billing(t, "").NewAccountsClient().Get(context.Background(), c.account, nil)
		require.NoError(t, err)
		checkAccount(t, w.Account(c.account), &got.Account)
	}
	o := newOfficial(t, srv, bt.EAEnterpriseAdmin)
	ac := o.billing(t, "").NewAccountsClient()
	_, err := ac.NewListPager(nil).NextPage(context.Background())
	require.Error(t, err)
	assert.Regexp(t, dotNetDateFailure, err.Error())
	_, err = ac.Get(context.Background(), bt.EAAccount, nil)
	require.Error(t, err)
	assert.Regexp(t, dotNetDateFailure, err.Error())

	// azbilling on the same answers: the enrollment's dates read, its padded country trimmed.
	bc, err := billing.NewClient(srv.Credential(bt.EAEnterpriseAdmin), srv.ClientOptions())
	require.NoError(t, err)
	var accounts []billing.Account
	for a, err := range bc.Accounts(context.Background()) {
		require.NoError(t, err)
		accounts = append(accounts, a)
	}
	require.Len(t, accounts, 1)
	want := w.Account(bt.EAAccount)
	require.NotNil(t, accounts[0].Enrollment)
	assert.True(t, want.EnrollmentStart.Truncate(time.Second).Equal(accounts[0].Enrollment.Start), "%v", accounts[0].Enrollment.Start)
	assert.True(t, want.EnrollmentEnd.Truncate(time.Second).Equal(accounts[0].Enrollment.End), "%v", accounts[0].Enrollment.End)
	assert.Equal(t, "US", accounts[0].Enrollment.CountryCode)
	assert.Nil(t, accounts[0].UnreadDates)
}

func TestOfficialAccountsListAndGet(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithPageSize(1), bt.WithSpecShapes())
	w := srv.World()
	for _, c := range []struct {
		p       bt.Principal
		account string
	}{{bt.MOSPAccountAdmin, bt.MOSPAccount}, {bt.EAEnterpriseAdmin, bt.EAAccount}, {bt.MCAAccountOwner, bt.MCAAccount}} {
		t.Run(string(c.p), func(t *testing.T) {
			o := newOfficial(t, srv, c.p)
			ac := o.billing(t, "").NewAccountsClient()
			var names []string
			for _, page := range drain(t, o, "AccountsClient.NewListPager", ac.NewListPager(nil)) {
				for _, a := range page.Value {
					names = append(names, str(a.Name))
					checkAccount(t, w.Account(str(a.Name)), a)
				}
			}
			assert.Equal(t, []string{c.account}, names)

			got, err := ac.Get(context.Background(), c.account, nil)
			require.NoError(t, err)
			roundTrip(t, "AccountsClient.Get", o.rec.last(t).Body, got)
			checkAccount(t, w.Account(c.account), &got.Account)
		})
	}
}

func checkProfile(t *testing.T, acct *bt.Account, want *bt.Profile, got *armbilling.Profile) {
	t.Helper()
	require.NotNil(t, got.Properties)
	p := got.Properties
	assert.Equal(t, want.Name, str(got.Name))
	assert.Equal(t, accountsPrefix+acct.Name+"/billingProfiles/"+want.Name, str(got.ID))
	assert.Equal(t, "Microsoft.Billing/billingAccounts/billingProfiles", str(got.Type))
	assert.Equal(t, want.DisplayName, str(p.DisplayName))
	assert.Equal(t, want.Currency, str(p.Currency))
	assert.Equal(t, want.Status, strOf(p.Status))
	assert.Equal(t, want.SystemID, str(p.SystemID))
	require.NotNil(t, p.InvoiceDay)
	assert.EqualValues(t, want.InvoiceDay, *p.InvoiceDay)
	require.NotNil(t, p.InvoiceEmailOptIn, "invoiceEmailOptIn is always sent to a reader")
	assert.Equal(t, want.InvoiceEmailOptIn, *p.InvoiceEmailOptIn)
	wantRecips := want.InvoiceRecipients
	if wantRecips == nil {
		wantRecips = []string{}
	}
	assert.Equal(t, wantRecips, strs(p.InvoiceRecipients))
	assert.Equal(t, want.PONumber, str(p.PoNumber))
	assert.True(t, boolOf(p.HasReadAccess))
	checkAddress(t, want.Name+" billTo", want.BillTo, p.BillTo)
	checkAddress(t, want.Name+" soldTo", acct.SoldTo, p.SoldTo)
	var plans []bt.AzurePlan
	for _, pl := range p.EnabledAzurePlans {
		plans = append(plans, bt.AzurePlan{SkuID: str(pl.SKUID), SkuDescription: str(pl.SKUDescription)})
	}
	assert.Equal(t, want.EnabledAzurePlans, plans)
	tags := map[string]string{}
	for k, v := range p.Tags {
		tags[k] = str(v)
	}
	if len(want.Tags) == 0 {
		assert.Empty(t, tags)
	} else {
		assert.Equal(t, want.Tags, tags)
	}
}

func TestOfficialProfilesListAndGet(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithPageSize(1))
	w := srv.World()
	mca := w.Account(bt.MCAAccount)
	o := newOfficial(t, srv, bt.MCAAccountOwner)
	pc := o.billing(t, "").NewProfilesClient()
	var names []string
	for _, page := range drain(t, o, "ProfilesClient.NewListByBillingAccountPager", pc.NewListByBillingAccountPager(bt.MCAAccount, nil)) {
		for _, p := range page.Value {
			names = append(names, str(p.Name))
			checkProfile(t, mca, mca.Profile(str(p.Name)), p)
		}
	}
	assert.Equal(t, []string{bt.MCAProfileUS, bt.MCAProfileEU}, names)
	for _, name := range names {
		got, err := pc.Get(context.Background(), bt.MCAAccount, name, nil)
		require.NoError(t, err)
		roundTrip(t, "ProfilesClient.Get", o.rec.last(t).Body, got)
		checkProfile(t, mca, mca.Profile(name), &got.Profile)
	}

	// An invoice section owner sees its profile without read access: name, display name,
	// currency and status only.
	so := newOfficial(t, srv, bt.MCAInvoiceSectionOwner)
	got, err := so.billing(t, "").NewProfilesClient().Get(context.Background(), bt.MCAAccount, bt.MCAProfileUS, nil)
	require.NoError(t, err)
	roundTrip(t, "ProfilesClient.Get (no read access)", so.rec.last(t).Body, got)
	require.NotNil(t, got.Properties)
	assert.False(t, boolOf(got.Properties.HasReadAccess))
	assert.Equal(t, "Contoso US", str(got.Properties.DisplayName))
	assert.Nil(t, got.Properties.InvoiceRecipients)
}

func TestOfficialProfileCreateOrUpdatePoller(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithLRODelay(0, 2))
	o := newOfficial(t, srv, bt.MCAProfileOwner)
	pc := o.billing(t, "").NewProfilesClient()
	ctx := context.Background()
	cur, err := pc.Get(ctx, bt.MCAAccount, bt.MCAProfileUS, nil)
	require.NoError(t, err)

	// Read-modify-write, the way a user of armbilling changes the invoice e-mail preference:
	// the whole profile (read-only fields included) goes back with two fields changed.
	next := cur.Profile
	next.Properties.InvoiceRecipients = to.SliceOfPtrs("billing@contoso.example", "cfo@contoso.example")
	next.Properties.PoNumber = to.Ptr("PO-2027-042")
	poller, err := pc.BeginCreateOrUpdate(ctx, bt.MCAAccount, bt.MCAProfileUS, next, nil)
	require.NoError(t, err)
	first := o.rec.last(t)
	assert.Equal(t, http.StatusAccepted, first.Status)
	assert.NotEmpty(t, first.Header.Get("Location"))
	assert.Equal(t, "0", first.Header.Get("Retry-After"))

	res, err := poller.PollUntilDone(ctx, poll)
	require.NoError(t, err)
	roundTrip(t, "ProfilesClient.BeginCreateOrUpdate result", o.rec.last(t).Body, res)
	polls := 0
	for _, x := range o.rec.all() {
		if x.Method == http.MethodGet && strings.Contains(x.URL, "/operationResults/") {
			polls++
		}
	}
	assert.Equal(t, 3, polls, "two 202 polls, then the 200")

	w := srv.World()
	mca := w.Account(bt.MCAAccount)
	stored := mca.Profile(bt.MCAProfileUS)
	assert.Equal(t, []string{"billing@contoso.example", "cfo@contoso.example"}, stored.InvoiceRecipients)
	assert.Equal(t, "PO-2027-042", stored.PONumber)
	assert.True(t, stored.InvoiceEmailOptIn)
	checkProfile(t, mca, stored, &res.Profile)
}

func TestOfficialInvoiceSectionsListAndGet(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithPageSize(1))
	mca := srv.World().Account(bt.MCAAccount)
	o := newOfficial(t, srv, bt.MCAAccountOwner)
	sc := o.billing(t, "").NewInvoiceSectionsClient()
	for _, prof := range mca.Profiles {
		var names []string
		for _, page := range drain(t, o, "InvoiceSectionsClient.NewListByBillingProfilePager", sc.NewListByBillingProfilePager(bt.MCAAccount, prof.Name, nil)) {
			for _, s := range page.Value {
				names = append(names, str(s.Name))
			}
		}
		var want []string
		for _, s := range prof.Sections {
			want = append(want, s.Name)
		}
		assert.Equal(t, want, names)
		for _, s := range prof.Sections {
			got, err := sc.Get(context.Background(), bt.MCAAccount, prof.Name, s.Name, nil)
			require.NoError(t, err)
			roundTrip(t, "InvoiceSectionsClient.Get", o.rec.last(t).Body, got)
			assert.Equal(t, accountsPrefix+bt.MCAAccount+"/billingProfiles/"+prof.Name+"/invoiceSections/"+s.Name, str(got.ID))
			assert.Equal(t, "Microsoft.Billing/billingAccounts/billingProfiles/invoiceSections", str(got.Type))
			require.NotNil(t, got.Properties)
			assert.Equal(t, s.DisplayName, str(got.Properties.DisplayName))
			assert.Equal(t, s.State, strOf(got.Properties.State))
			assert.Equal(t, s.SystemID, str(got.Properties.SystemID))
		}
	}
}

// dateOnlyFailure is how armbilling v1.0.0 fails on an EA billing subscription as the service
// really sends it: enrollmentAccountSubscriptionDetails.enrollmentAccountStartDate is a bare date
// ("2023-12-01") and the model decodes it as a timestamp, so the whole page fails.
const dateOnlyFailure = `struct field EnrollmentAccountSubscriptionDetails: unmarshalling type \*armbilling.EnrollmentAccountSubscriptionDetails: ` +
	`struct field EnrollmentAccountStartDate: parsing time "\\"\d{4}-\d\d-\d\d\\"" as "\\"2006-01-02 15:04:05.999999999\\""`

// TestOfficialDepartmentsRecordedShapes: on the recorded shapes armbilling cannot page
// departments, enrollment accounts or MOSP billing subscriptions (relative nextLinks), cannot
// read a single page of EA billing subscriptions (bare dates), and hands a padded cost center
// over untrimmed.
func TestOfficialDepartmentsRecordedShapes(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithPageSize(1))
	ea := srv.World().Account(bt.EAAccount)
	o := newOfficial(t, srv, bt.EAEnterpriseAdmin)
	f := o.billing(t, "")
	first := secondPageFails(t, "DepartmentsClient.NewListByBillingAccountPager", f.NewDepartmentsClient().NewListByBillingAccountPager(bt.EAAccount, nil))
	require.Len(t, first.Value, 1)
	ef := secondPageFails(t, "EnrollmentAccountsClient.NewListByBillingAccountPager", f.NewEnrollmentAccountsClient().NewListByBillingAccountPager(bt.EAAccount, nil))
	require.Len(t, ef.Value, 1)
	e := ea.EnrollmentAccount(str(ef.Value[0].Name))
	require.NotNil(t, ef.Value[0].Properties)
	assert.Equal(t, "  "+e.CostCenter, str(ef.Value[0].Properties.CostCenter))
	require.NotNil(t, ef.Value[0].Properties.StartDate) // seven-digit dates decode
	assert.True(t, e.Start.Equal(*ef.Value[0].Properties.StartDate))
	_, err := f.NewSubscriptionsClient().NewListByEnrollmentAccountPager(bt.EAAccount, bt.EAEnrollmentAccountEngineering, nil).NextPage(context.Background())
	require.Error(t, err)
	assert.Regexp(t, dateOnlyFailure, err.Error())
	_, err = f.NewSubscriptionsClient().NewListByBillingAccountPager(bt.EAAccount, nil).NextPage(context.Background())
	require.Error(t, err)
	assert.Regexp(t, dateOnlyFailure, err.Error())
	mo := newOfficial(t, srv, bt.MOSPAccountAdmin)
	secondPageFails(t, "SubscriptionsClient.NewListByBillingAccountPager (MOSP)",
		mo.billing(t, "").NewSubscriptionsClient().NewListByBillingAccountPager(bt.MOSPAccount, nil))

	// azbilling on the same answers: every page, trimmed cost centers, every subscription.
	ctx := context.Background()
	bc, err := billing.NewClient(srv.Credential(bt.EAEnterpriseAdmin), srv.ClientOptions())
	require.NoError(t, err)
	var depts []string
	for d, err := range bc.Departments(ctx, bt.EAAccount) {
		require.NoError(t, err)
		depts = append(depts, d.Name)
	}
	assert.Equal(t, []string{bt.EADepartmentEngineering, bt.EADepartmentFinance}, depts)
	var accts []string
	for e, err := range bc.EnrollmentAccounts(ctx, bt.EAAccount) {
		require.NoError(t, err)
		accts = append(accts, e.Name)
		assert.Equal(t, ea.EnrollmentAccount(e.Name).CostCenter, e.CostCenter)
		assert.True(t, ea.EnrollmentAccount(e.Name).Start.Equal(e.Start))
	}
	assert.Equal(t, []string{bt.EAEnrollmentAccountEngineering, bt.EAEnrollmentAccountFinance}, accts)
	scope, err := billing.AccountScope(bt.EAAccount)
	require.NoError(t, err)
	n := 0
	for sub, err := range bc.BillingSubscriptions(ctx, scope) {
		require.NoError(t, err)
		assert.NotEmpty(t, sub.SubscriptionID)
		n++
	}
	eaSubs := 0
	for _, sub := range srv.World().Subscriptions {
		if sub.Account == bt.EAAccount {
			eaSubs++
		}
	}
	assert.Equal(t, eaSubs, n)
}

func TestOfficialDepartmentsAndEnrollmentAccounts(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithPageSize(1), bt.WithSpecShapes())
	ea := srv.World().Account(bt.EAAccount)
	o := newOfficial(t, srv, bt.EAEnterpriseAdmin)
	f := o.billing(t, "")
	ctx := context.Background()

	dc := f.NewDepartmentsClient()
	var depts []string
	for _, page := range drain(t, o, "DepartmentsClient.NewListByBillingAccountPager", dc.NewListByBillingAccountPager(bt.EAAccount, nil)) {
		for _, d := range page.Value {
			depts = append(depts, str(d.Name))
		}
	}
	assert.Equal(t, []string{bt.EADepartmentEngineering, bt.EADepartmentFinance}, depts)
	for _, d := range ea.Departments {
		got, err := dc.Get(ctx, bt.EAAccount, d.Name, nil)
		require.NoError(t, err)
		roundTrip(t, "DepartmentsClient.Get", o.rec.last(t).Body, got)
		assert.Equal(t, accountsPrefix+bt.EAAccount+"/departments/"+d.Name, str(got.ID))
		require.NotNil(t, got.Properties)
		assert.Equal(t, d.DisplayName, str(got.Properties.DisplayName))
		assert.Equal(t, d.CostCenter, str(got.Properties.CostCenter))
		assert.Equal(t, d.Status, str(got.Properties.Status))
	}

	ec := f.NewEnrollmentAccountsClient()
	check := func(what string, want *bt.EnrollmentAccount, got *armbilling.EnrollmentAccount) {
		t.Helper()
		require.NotNil(t, got.Properties, what)
		p := got.Properties
		assert.Equal(t, want.Name, str(got.Name), what)
		assert.Equal(t, want.DisplayName, str(p.DisplayName), what)
		assert.Equal(t, want.AccountOwner, str(p.AccountOwner), what)
		assert.Equal(t, want.CostCenter, str(p.CostCenter), what)
		assert.Equal(t, want.AuthType, str(p.AuthType), what)
		assert.Equal(t, want.Status, str(p.Status), what)
		assert.Equal(t, want.DevTestEnabled, boolOf(p.IsDevTestEnabled), what)
		assert.Equal(t, want.Department, str(p.DepartmentID), what)
		assert.Equal(t, ea.Department(want.Department).DisplayName, str(p.DepartmentDisplayName), what)
		require.NotNil(t, p.StartDate, what)
		require.NotNil(t, p.EndDate, what)
		assert.True(t, want.Start.Equal(*p.StartDate), what)
		assert.True(t, want.End.Equal(*p.EndDate), what)
	}
	var accts []string
	for _, page := range drain(t, o, "EnrollmentAccountsClient.NewListByBillingAccountPager", ec.NewListByBillingAccountPager(bt.EAAccount, nil)) {
		for _, e := range page.Value {
			accts = append(accts, str(e.Name))
			check("list", ea.EnrollmentAccount(str(e.Name)), e)
		}
	}
	assert.Equal(t, []string{bt.EAEnrollmentAccountEngineering, bt.EAEnrollmentAccountFinance}, accts)
	for _, e := range ea.EnrollmentAccounts {
		got, err := ec.Get(ctx, bt.EAAccount, e.Name, nil)
		require.NoError(t, err)
		roundTrip(t, "EnrollmentAccountsClient.Get", o.rec.last(t).Body, got)
		check("get", e, &got.EnrollmentAccount)
		assert.Equal(t, accountsPrefix+bt.EAAccount+"/enrollmentAccounts/"+e.Name, str(got.ID))

		byDept, err := ec.GetByDepartment(ctx, bt.EAAccount, e.Department, e.Name, nil)
		require.NoError(t, err)
		roundTrip(t, "EnrollmentAccountsClient.GetByDepartment", o.rec.last(t).Body, byDept)
		check("get by department", e, &byDept.EnrollmentAccount)
		assert.Equal(t, accountsPrefix+bt.EAAccount+"/departments/"+e.Department+"/enrollmentAccounts/"+e.Name, str(byDept.ID))

		var names []string
		for _, page := range drain(t, o, "EnrollmentAccountsClient.NewListByDepartmentPager", ec.NewListByDepartmentPager(bt.EAAccount, e.Department, nil)) {
			for _, x := range page.Value {
				names = append(names, str(x.Name))
			}
		}
		assert.Equal(t, []string{e.Name}, names)
	}
}

func checkBillingSubscription(t *testing.T, w *bt.World, want *bt.Subscription, got *armbilling.Subscription) {
	t.Helper()
	require.NotNil(t, got.Properties)
	p := got.Properties
	what := want.ID
	assert.Equal(t, want.ID, str(got.Name), what)
	assert.Equal(t, want.ID, str(p.SubscriptionID), what)
	assert.Equal(t, want.DisplayName, str(p.DisplayName), what)
	assert.Equal(t, want.Status, strOf(p.Status), what)
	assert.Equal(t, want.OfferID, str(p.OfferID), what)
	assert.Equal(t, want.SkuID, str(p.SKUID), what)
	assert.Equal(t, want.SkuDescription, str(p.SKUDescription), what)
	assert.Equal(t, want.CostCenter, str(p.ConsumptionCostCenter), what)
	require.NotNil(t, p.PurchaseDate, what)
	assert.True(t, want.Created.Equal(*p.PurchaseDate), "%s purchaseDate %v, created %v", what, p.PurchaseDate, want.Created)
	for name, c := range map[string]struct {
		amt  *armbilling.Amount
		want string
	}{"lastMonthCharges": {p.LastMonthCharges, want.LastMonthCharges}, "monthToDateCharges": {p.MonthToDateCharges, want.MonthToDateCharges}} {
		require.NotNil(t, c.amt, "%s %s", what, name)
		assert.Equal(t, want.Currency, str(c.amt.Currency), "%s %s", what, name)
		require.NotNil(t, c.amt.Value, "%s %s", what, name)
		assert.True(t, sameNumber(json.Number(c.want), json.Number(jsonFloat32(*c.amt.Value))), "%s %s: %v, want %s", what, name, *c.amt.Value, c.want)
	}
	acct := w.Account(want.Account)
	if want.Profile != "" {
		pr := acct.Profile(want.Profile)
		assert.Equal(t, accountsPrefix+acct.Name+"/billingProfiles/"+pr.Name, str(p.BillingProfileID), what)
		assert.Equal(t, pr.Name, str(p.BillingProfileName), what)
		assert.Equal(t, pr.DisplayName, str(p.BillingProfileDisplayName), what)
		is := pr.Section(want.InvoiceSection)
		assert.Equal(t, accountsPrefix+acct.Name+"/billingProfiles/"+pr.Name+"/invoiceSections/"+is.Name, str(p.InvoiceSectionID), what)
		assert.Equal(t, is.Name, str(p.InvoiceSectionName), what)
		assert.Equal(t, is.DisplayName, str(p.InvoiceSectionDisplayName), what)
	}
	if want.EnrollmentAccount != "" {
		e := acct.EnrollmentAccount(want.EnrollmentAccount)
		assert.Equal(t, accountsPrefix+acct.Name+"/enrollmentAccounts/"+e.Name, str(p.EnrollmentAccountID), what)
		assert.Equal(t, e.DisplayName, str(p.EnrollmentAccountDisplayName), what)
	}
}

func jsonFloat32(f float32) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func TestOfficialBillingSubscriptions(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithPageSize(2), bt.WithSpecShapes())
	w := srv.World()
	ctx := context.Background()
	subsOf := func(match func(*bt.Subscription) bool) []string {
		var out []string
		for _, s := range w.Subscriptions {
			if match(s) {
				out = append(out, s.ID)
			}
		}
		return out
	}
	names := func(pages []armbilling.SubscriptionsClientListByBillingAccountResponse) []string {
		var out []string
		for _, page := range pages {
			for _, s := range page.Value {
				out = append(out, str(s.Name))
				checkBillingSubscription(t, w, w.Subscription(str(s.Name)), s)
			}
		}
		return out
	}
	for _, c := range []struct {
		p       bt.Principal
		account string
	}{{bt.MOSPAccountAdmin, bt.MOSPAccount}, {bt.EAEnterpriseAdmin, bt.EAAccount}, {bt.MCAAccountOwner, bt.MCAAccount}} {
		o := newOfficial(t, srv, c.p)
		sc := o.billing(t, "").NewSubscriptionsClient()
		got := names(drain(t, o, "SubscriptionsClient.NewListByBillingAccountPager", sc.NewListByBillingAccountPager(c.account, nil)))
		assert.Equal(t, subsOf(func(s *bt.Subscription) bool { return s.Account == c.account }), got, c.account)
		for _, id := range got {
			res, err := sc.Get(ctx, c.account, id, nil)
			require.NoError(t, err)
			roundTrip(t, "SubscriptionsClient.Get", o.rec.last(t).Body, res)
			checkBillingSubscription(t, w, w.Subscription(id), &res.Subscription)
			assert.Equal(t, accountsPrefix+c.account+"/billingSubscriptions/"+id, str(res.ID))
		}
	}

	o := newOfficial(t, srv, bt.MCAAccountOwner)
	sc := o.billing(t, "").NewSubscriptionsClient()
	var byProfile []string
	for _, page := range drain(t, o, "SubscriptionsClient.NewListByBillingProfilePager", sc.NewListByBillingProfilePager(bt.MCAAccount, bt.MCAProfileUS, nil)) {
		for _, s := range page.Value {
			byProfile = append(byProfile, str(s.Name))
			checkBillingSubscription(t, w, w.Subscription(str(s.Name)), s)
		}
	}
	assert.Equal(t, subsOf(func(s *bt.Subscription) bool { return s.Profile == bt.MCAProfileUS }), byProfile)
	var bySection []string
	for _, page := range drain(t, o, "SubscriptionsClient.NewListByInvoiceSectionPager", sc.NewListByInvoiceSectionPager(bt.MCAAccount, bt.MCAProfileUS, bt.MCASectionEngineering, nil)) {
		for _, s := range page.Value {
			bySection = append(bySection, str(s.Name))
		}
	}
	assert.Equal(t, subsOf(func(s *bt.Subscription) bool { return s.InvoiceSection == bt.MCASectionEngineering }), bySection)

	eo := newOfficial(t, srv, bt.EAEnterpriseAdmin)
	var byEnrollment []string
	for _, page := range drain(t, eo, "SubscriptionsClient.NewListByEnrollmentAccountPager",
		eo.billing(t, "").NewSubscriptionsClient().NewListByEnrollmentAccountPager(bt.EAAccount, bt.EAEnrollmentAccountEngineering, nil)) {
		for _, s := range page.Value {
			byEnrollment = append(byEnrollment, str(s.Name))
		}
	}
	assert.Equal(t, subsOf(func(s *bt.Subscription) bool { return s.EnrollmentAccount == bt.EAEnrollmentAccountEngineering }), byEnrollment)
}

// mcaPermission is an MCA permission id (prefix: the scope's first block; nn: the last digits).
func mcaPermission(prefix, nn string) string { return prefix + "-aaaa-bbbb-cccc-2000000000" + nn }

func mcaPermissions(prefix string, nns ...string) []string {
	out := make([]string, len(nns))
	for i, nn := range nns {
		out[i] = mcaPermission(prefix, nn)
	}
	return out
}

func TestOfficialPermissionsAndCheckAccess(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t)
	ctx := context.Background()
	actionsOf := func(pages []armbilling.PermissionsClientListByBillingProfileResponse) []string {
		var out []string
		for _, page := range pages {
			for _, p := range page.Value {
				out = append(out, strs(p.Actions)...)
				assert.NotNil(t, p.NotActions)
			}
		}
		return out
	}

	// MCA billing profile owner at its profile: the recorded owner permissions (00-08 and 11).
	o := newOfficial(t, srv, bt.MCAProfileOwner)
	pc := o.billing(t, "").NewPermissionsClient()
	pages := drain(t, o, "PermissionsClient.NewListByBillingProfilePager", pc.NewListByBillingProfilePager(bt.MCAAccount, bt.MCAProfileUS, nil))
	got := actionsOf(pages)
	assert.Equal(t, mcaPermissions("40000000", "00", "01", "02", "03", "04", "05", "06", "07", "08", "11"), got)
	ask := append(slices.Clone(got), "Microsoft.Subscription/subscriptions/write")
	res, err := pc.CheckAccessByBillingProfile(ctx, bt.MCAAccount, bt.MCAProfileUS, armbilling.CheckAccessRequest{Actions: to.SliceOfPtrs(ask...)}, nil)
	require.NoError(t, err)
	roundTrip(t, "PermissionsClient.CheckAccessByBillingProfile", o.rec.last(t).Body, res.CheckAccessResponseArray)
	require.Len(t, res.CheckAccessResponseArray, len(ask))
	for i, d := range res.CheckAccessResponseArray {
		assert.Equal(t, ask[i], str(d.Action))
		want := armbilling.AccessDecisionAllowed
		if i == len(ask)-1 {
			want = armbilling.AccessDecisionNotAllowed
		}
		assert.Equal(t, want, *d.AccessDecision, ask[i])
	}

	// A profile reader may not change the invoice e-mail preference (11) nor write (01).
	ro := newOfficial(t, srv, bt.MCAProfileReader)
	rpc := ro.billing(t, "").NewPermissionsClient()
	readerActions := actionsOf(drain(t, ro, "PermissionsClient.NewListByBillingProfilePager (reader)", rpc.NewListByBillingProfilePager(bt.MCAAccount, bt.MCAProfileUS, nil)))
	assert.Equal(t, mcaPermissions("40000000", "06", "07", "08"), readerActions) // as recorded
	rres, err := rpc.CheckAccessByBillingProfile(ctx, bt.MCAAccount, bt.MCAProfileUS, armbilling.CheckAccessRequest{
		Actions: to.SliceOfPtrs(mcaPermission("40000000", "06"), mcaPermission("40000000", "11"))}, nil)
	require.NoError(t, err)
	require.Len(t, rres.CheckAccessResponseArray, 2)
	assert.Equal(t, armbilling.AccessDecisionAllowed, *rres.CheckAccessResponseArray[0].AccessDecision)
	assert.Equal(t, armbilling.AccessDecisionNotAllowed, *rres.CheckAccessResponseArray[1].AccessDecision)

	// Every scope kind answers the list and checkAccess.
	for _, c := range []struct {
		name   string
		p      bt.Principal
		action string
		list   func(*official, *armbilling.PermissionsClient) []string
		check  func(*armbilling.PermissionsClient, armbilling.CheckAccessRequest) ([]*armbilling.CheckAccessResponse, error)
	}{
		{"account", bt.MCAAccountOwner, mcaPermission("50000000", "00"),
			func(o *official, pc *armbilling.PermissionsClient) []string {
				var out []string
				for _, pg := range drain(t, o, "PermissionsClient.NewListByBillingAccountPager", pc.NewListByBillingAccountPager(bt.MCAAccount, nil)) {
					for _, p := range pg.Value {
						out = append(out, strs(p.Actions)...)
					}
				}
				return out
			},
			func(pc *armbilling.PermissionsClient, r armbilling.CheckAccessRequest) ([]*armbilling.CheckAccessResponse, error) {
				res, err := pc.CheckAccessByBillingAccount(ctx, bt.MCAAccount, r, nil)
				return res.CheckAccessResponseArray, err
			}},
		{"invoice section", bt.MCAInvoiceSectionOwner, mcaPermission("30000000", "08"),
			func(o *official, pc *armbilling.PermissionsClient) []string {
				var out []string
				for _, pg := range drain(t, o, "PermissionsClient.NewListByInvoiceSectionPager", pc.NewListByInvoiceSectionPager(bt.MCAAccount, bt.MCAProfileUS, bt.MCASectionEngineering, nil)) {
					for _, p := range pg.Value {
						out = append(out, strs(p.Actions)...)
					}
				}
				return out
			},
			func(pc *armbilling.PermissionsClient, r armbilling.CheckAccessRequest) ([]*armbilling.CheckAccessResponse, error) {
				res, err := pc.CheckAccessByInvoiceSection(ctx, bt.MCAAccount, bt.MCAProfileUS, bt.MCASectionEngineering, r, nil)
				return res.CheckAccessResponseArray, err
			}},
		{"department", bt.EADepartmentAdmin, "Microsoft.Billing/billingAccounts/departments/read",
			func(o *official, pc *armbilling.PermissionsClient) []string {
				var out []string
				for _, pg := range drain(t, o, "PermissionsClient.NewListByDepartmentPager", pc.NewListByDepartmentPager(bt.EAAccount, bt.EADepartmentEngineering, nil)) {
					for _, p := range pg.Value {
						out = append(out, strs(p.Actions)...)
					}
				}
				return out
			},
			func(pc *armbilling.PermissionsClient, r armbilling.CheckAccessRequest) ([]*armbilling.CheckAccessResponse, error) {
				res, err := pc.CheckAccessByDepartment(ctx, bt.EAAccount, bt.EADepartmentEngineering, r, nil)
				return res.CheckAccessResponseArray, err
			}},
		{"enrollment account", bt.EAAccountOwner, "Microsoft.Billing/billingAccounts/enrollmentAccounts/read",
			func(o *official, pc *armbilling.PermissionsClient) []string {
				var out []string
				for _, pg := range drain(t, o, "PermissionsClient.NewListByEnrollmentAccountPager", pc.NewListByEnrollmentAccountPager(bt.EAAccount, bt.EAEnrollmentAccountEngineering, nil)) {
					for _, p := range pg.Value {
						out = append(out, strs(p.Actions)...)
					}
				}
				return out
			},
			func(pc *armbilling.PermissionsClient, r armbilling.CheckAccessRequest) ([]*armbilling.CheckAccessResponse, error) {
				res, err := pc.CheckAccessByEnrollmentAccount(ctx, bt.EAAccount, bt.EAEnrollmentAccountEngineering, r, nil)
				return res.CheckAccessResponseArray, err
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := newOfficial(t, srv, c.p)
			pc := o.billing(t, "").NewPermissionsClient()
			actions := c.list(o, pc)
			assert.Contains(t, actions, c.action)
			for _, a := range actions {
				// As recorded, EA permission lists name none of these.
				assert.NotRegexp(t, `invoices/read$|billingPermissions/read$|billingRoleAssignments/read$|^Microsoft.Consumption/usageDetails/read$`, a)
			}
			res, err := c.check(pc, armbilling.CheckAccessRequest{Actions: to.SliceOfPtrs(c.action)})
			require.NoError(t, err)
			roundTrip(t, "PermissionsClient.CheckAccessBy "+c.name, o.rec.last(t).Body, res)
			require.Len(t, res, 1)
			assert.Equal(t, c.action, str(res[0].Action))
			assert.Equal(t, armbilling.AccessDecisionAllowed, *res[0].AccessDecision)
		})
	}
}

func TestOfficialRoleDefinitionsAndAssignments(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithPageSize(2))
	w := srv.World()
	ctx := context.Background()
	o := newOfficial(t, srv, bt.MCAProfileOwner)
	f := o.billing(t, "")
	rd := f.NewRoleDefinitionClient()

	profileRoles := []bt.Role{bt.RoleMCAProfileOwner, bt.RoleMCAProfileContrib, bt.RoleMCAProfileReader, bt.RoleMCAInvoiceManager}
	var ids []string
	for _, page := range drain(t, o, "RoleDefinitionClient.NewListByBillingProfilePager", rd.NewListByBillingProfilePager(bt.MCAAccount, bt.MCAProfileUS, nil)) {
		for _, d := range page.Value {
			ids = append(ids, str(d.Name))
		}
	}
	var want []string
	for _, r := range profileRoles {
		want = append(want, r.DefinitionID())
	}
	assert.Equal(t, want, ids)
	for _, r := range profileRoles {
		got, err := rd.GetByBillingProfile(ctx, bt.MCAAccount, bt.MCAProfileUS, r.DefinitionID(), nil)
		require.NoError(t, err)
		roundTrip(t, "RoleDefinitionClient.GetByBillingProfile", o.rec.last(t).Body, got)
		assert.Equal(t, accountsPrefix+bt.MCAAccount+"/billingProfiles/"+bt.MCAProfileUS+"/billingRoleDefinitions/"+r.DefinitionID(), str(got.ID))
		assert.Equal(t, "Microsoft.Billing/billingAccounts/billingProfiles/billingRoleDefinitions", str(got.Type))
		require.NotNil(t, got.Properties)
		assert.Equal(t, r.DisplayName(), str(got.Properties.RoleName))
		require.Len(t, got.Properties.Permissions, 1)
		assert.NotEmpty(t, got.Properties.Permissions[0].Actions)
	}

	// Role definitions at the other scope kinds.
	ao := newOfficial(t, srv, bt.MCAAccountOwner)
	for _, page := range drain(t, ao, "RoleDefinitionClient.NewListByBillingAccountPager", ao.billing(t, "").NewRoleDefinitionClient().NewListByBillingAccountPager(bt.MCAAccount, nil)) {
		for _, d := range page.Value {
			assert.True(t, strings.HasPrefix(str(d.Name), "50000000-"), str(d.Name))
		}
	}
	for _, page := range drain(t, ao, "RoleDefinitionClient.NewListByInvoiceSectionPager", ao.billing(t, "").NewRoleDefinitionClient().NewListByInvoiceSectionPager(bt.MCAAccount, bt.MCAProfileUS, bt.MCASectionEngineering, nil)) {
		for _, d := range page.Value {
			assert.True(t, strings.HasPrefix(str(d.Name), "30000000-"), str(d.Name))
		}
	}
	eo := newOfficial(t, srv, bt.EAEnterpriseAdmin)
	erd := eo.billing(t, "").NewRoleDefinitionClient()
	var deptRoles []string
	for _, page := range drain(t, eo, "RoleDefinitionClient.NewListByDepartmentPager", erd.NewListByDepartmentPager(bt.EAAccount, bt.EADepartmentEngineering, nil)) {
		for _, d := range page.Value {
			deptRoles = append(deptRoles, str(d.Properties.RoleName))
		}
	}
	assert.Equal(t, []string{bt.RoleEADepartmentAdmin.DisplayName(), bt.RoleEADepartmentReader.DisplayName()}, deptRoles)
	got, err := erd.GetByDepartment(ctx, bt.EAAccount, bt.EADepartmentEngineering, bt.RoleEADepartmentAdmin.DefinitionID(), nil)
	require.NoError(t, err)
	roundTrip(t, "RoleDefinitionClient.GetByDepartment", eo.rec.last(t).Body, got)
	ea, err := erd.GetByEnrollmentAccount(ctx, bt.EAAccount, bt.EAEnrollmentAccountEngineering, bt.RoleEAAccountOwner.DefinitionID(), nil)
	require.NoError(t, err)
	roundTrip(t, "RoleDefinitionClient.GetByEnrollmentAccount", eo.rec.last(t).Body, ea)
	assert.Equal(t, bt.RoleEAAccountOwner.DisplayName(), str(ea.Properties.RoleName))
	acct, err := erd.GetByBillingAccount(ctx, bt.EAAccount, bt.RoleEAEnterpriseAdmin.DefinitionID(), nil)
	require.NoError(t, err)
	roundTrip(t, "RoleDefinitionClient.GetByBillingAccount", eo.rec.last(t).Body, acct)
	assert.Equal(t, bt.RoleEAEnterpriseAdmin.DisplayName(), str(acct.Properties.RoleName))

	// Role assignments at the US profile: the seeded ones, each naming its role definition.
	ra := f.NewRoleAssignmentsClient()
	profileID := accountsPrefix + bt.MCAAccount + "/billingProfiles/" + bt.MCAProfileUS
	wantAssignments := map[string]bt.RoleAssignment{}
	for _, a := range w.Assignments {
		if strings.EqualFold(a.Scope, profileID) {
			wantAssignments[a.Name] = a
		}
	}
	seen := 0
	for _, page := range drain(t, o, "RoleAssignmentsClient.NewListByBillingProfilePager", ra.NewListByBillingProfilePager(bt.MCAAccount, bt.MCAProfileUS, nil)) {
		for _, a := range page.Value {
			seen++
			wa, ok := wantAssignments[str(a.Name)]
			require.True(t, ok, "unexpected assignment %s", str(a.Name))
			require.NotNil(t, a.Properties)
			assert.Equal(t, wa.Principal.ObjectID(), str(a.Properties.PrincipalID))
			assert.Equal(t, profileID+"/billingRoleDefinitions/"+wa.Role.DefinitionID(), str(a.Properties.RoleDefinitionID))
			assert.Equal(t, profileID, str(a.Properties.Scope))
			assert.Equal(t, profileID+"/billingRoleAssignments/"+wa.Name, str(a.ID))
		}
	}
	assert.Equal(t, len(wantAssignments), seen)
	name := bt.RoleMCAProfileOwner.DefinitionID() + "_" + bt.MCAProfileOwner.ObjectID()
	one, err := ra.GetByBillingProfile(ctx, bt.MCAAccount, bt.MCAProfileUS, name, nil)
	require.NoError(t, err)
	roundTrip(t, "RoleAssignmentsClient.GetByBillingProfile", o.rec.last(t).Body, one)
	assert.Equal(t, name, str(one.Name))
	require.NotNil(t, one.Properties.CreatedOn)
	assert.Equal(t, armbilling.PrincipalTypeUser, *one.Properties.PrincipalType)
}

func TestOfficialPolicies(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithPolicy(bt.EAPolicy{AccountOwnerViewCharges: bt.PolicyAllowed, DepartmentAdminViewCharges: bt.PolicyNotAllowed}))
	ctx := context.Background()
	w := srv.World()
	for _, p := range []bt.Principal{bt.EAEnterpriseAdmin, bt.EADepartmentAdmin, bt.EAAccountOwner} {
		o := newOfficial(t, srv, p)
		got, err := o.billing(t, "").NewPoliciesClient().GetByBillingAccount(ctx, bt.EAAccount, nil)
		require.NoError(t, err, p)
		roundTrip(t, "PoliciesClient.GetByBillingAccount", o.rec.last(t).Body, got)
		assert.Equal(t, accountsPrefix+bt.EAAccount+"/policies/default", str(got.ID))
		assert.Equal(t, "Microsoft.Billing/billingAccounts/policies", str(got.Type))
		require.NotNil(t, got.Properties)
		ep := got.Properties.EnterpriseAgreementPolicies
		require.NotNil(t, ep)
		assert.Equal(t, w.EAPolicy.AccountOwnerViewCharges, strOf(ep.AccountOwnerViewCharges))
		assert.Equal(t, w.EAPolicy.DepartmentAdminViewCharges, strOf(ep.DepartmentAdminViewCharges))
	}
	// A change made while the server runs is what the next read returns.
	srv.SetEAPolicy(bt.EAPolicy{DepartmentAdminViewCharges: bt.PolicyAllowed})
	o := newOfficial(t, srv, bt.EAEnterpriseReader)
	got, err := o.billing(t, "").NewPoliciesClient().GetByBillingAccount(ctx, bt.EAAccount, nil)
	require.NoError(t, err)
	assert.Equal(t, armbilling.EnrollmentDepartmentAdminViewChargesAllowed, *got.Properties.EnterpriseAgreementPolicies.DepartmentAdminViewCharges)

	mo := newOfficial(t, srv, bt.MCAProfileOwner)
	pp, err := mo.billing(t, "").NewPoliciesClient().GetByBillingProfile(ctx, bt.MCAAccount, bt.MCAProfileUS, nil)
	require.NoError(t, err)
	roundTrip(t, "PoliciesClient.GetByBillingProfile", mo.rec.last(t).Body, pp)
	assert.Equal(t, accountsPrefix+bt.MCAAccount+"/billingProfiles/"+bt.MCAProfileUS+"/policies/default", str(pp.ID))
}

func TestOfficialBillingProperty(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t)
	w := srv.World()
	owner := map[string]bt.Principal{bt.MOSPAccount: bt.MOSPAccountAdmin, bt.EAAccount: bt.EAEnterpriseAdmin, bt.MCAAccount: bt.MCAAccountOwner}
	for _, sub := range w.Subscriptions {
		o := newOfficial(t, srv, owner[sub.Account])
		got, err := o.billing(t, sub.ID).NewPropertyClient().Get(context.Background(), nil)
		require.NoError(t, err, sub.ID)
		roundTrip(t, "PropertyClient.Get "+sub.ID, o.rec.last(t).Body, got)
		assert.Equal(t, "/subscriptions/"+sub.ID+"/providers/Microsoft.Billing/billingProperty/default", str(got.ID))
		require.NotNil(t, got.Properties)
		p := got.Properties
		a := w.Account(sub.Account)
		assert.Equal(t, a.Agreement, strOf(p.BillingAccountAgreementType), sub.ID)
		assert.Equal(t, accountsPrefix+a.Name, str(p.BillingAccountID), sub.ID)
		assert.Equal(t, a.DisplayName, str(p.BillingAccountDisplayName), sub.ID)
		assert.Equal(t, a.AccountType, strOf(p.BillingAccountType), sub.ID)
		assert.Equal(t, bt.TenantID, str(p.BillingTenantID), sub.ID)
		assert.Equal(t, sub.Status, strOf(p.SubscriptionBillingStatus), sub.ID)
		switch a.Agreement {
		case bt.AgreementMOSP:
			assert.Equal(t, a.NotificationEmail, str(p.AccountAdminNotificationEmailAddress))
			assert.True(t, boolOf(p.IsAccountAdmin))
			assert.Equal(t, sub.OfferID, str(p.ProductID))
		case bt.AgreementEA:
			require.NotNil(t, p.EnrollmentDetails, sub.ID)
			e := a.EnrollmentAccount(sub.EnrollmentAccount)
			assert.Equal(t, accountsPrefix+a.Name+"/enrollmentAccounts/"+e.Name, str(p.EnrollmentDetails.EnrollmentAccountID))
			assert.Equal(t, accountsPrefix+a.Name+"/departments/"+e.Department, str(p.EnrollmentDetails.DepartmentID))
		case bt.AgreementMCA:
			assert.Equal(t, accountsPrefix+a.Name+"/billingProfiles/"+sub.Profile, str(p.BillingProfileID))
			assert.Equal(t, accountsPrefix+a.Name+"/billingProfiles/"+sub.Profile+"/invoiceSections/"+sub.InvoiceSection, str(p.InvoiceSectionID))
			assert.Equal(t, sub.SkuID, str(p.SKUID))
		}
	}
}

// TestOfficialErrorsAreARMErrors checks that the emulator's refusals are ARM errors the generated
// clients understand: *azcore.ResponseError with the error code from the body.
func TestOfficialErrorsAreARMErrors(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t)
	ctx := context.Background()
	o := newOfficial(t, srv, bt.NoRole)
	_, err := o.billing(t, "").NewAccountsClient().Get(ctx, bt.MCAAccount, nil)
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusForbidden, re.StatusCode)
	assert.Equal(t, "AuthorizationFailed", re.ErrorCode)

	oo := newOfficial(t, srv, bt.MCAAccountOwner)
	_, err = oo.billing(t, "").NewProfilesClient().Get(ctx, bt.MCAAccount, "NOPE-NOPE-BG7-PGB", nil)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusNotFound, re.StatusCode)
	assert.Equal(t, "ResourceNotFound", re.ErrorCode)

	// Empty lists are still lists.
	pages := drain(t, o, "AccountsClient.NewListPager (no role)", o.billing(t, "").NewAccountsClient().NewListPager(nil))
	n := 0
	for _, p := range pages {
		n += len(p.Value)
	}
	assert.Zero(t, n)
}
