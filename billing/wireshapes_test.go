package billing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/roles"
)

// The bodies below reproduce the shapes (not the data) of real 2024-04-01 answers recorded from
// live Azure: EA enrollment dates in .NET text, padded text values, relative nextLinks, dates
// without a zone or with seven fractional digits, and the 0001-01-01 "none" sentinel.

type fixedCred struct{}

func (fixedCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fixedARM serves body by request URI (path and query as sent); anything else is a 404. It
// records the URIs it was asked for.
type fixedARM struct {
	mu     sync.Mutex
	bodies map[string]string
	asked  []string
}

func (f *fixedARM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.asked = append(f.asked, r.RequestURI)
	body, ok := f.bodies[r.RequestURI]
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":"NotFound","message":"no fixture for ` + r.RequestURI + `"}}`))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte(body))
}

func fixedClient(t *testing.T, bodies map[string]string) (*billing.Client, *fixedARM) {
	t.Helper()
	f := &fixedARM{bodies: bodies}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	c, err := billing.NewClient(fixedCred{}, &billing.ClientOptions{
		ClientOptions: azarm.ClientOptions{ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: srv.URL},
			}},
			Transport: srv.Client(),
			Retry:     policy.RetryOptions{MaxRetries: -1},
		}},
	})
	require.NoError(t, err)
	return c, f
}

const eaAccountsBody = `{"value":[
 {"id":"/providers/Microsoft.Billing/billingAccounts/7654321","name":"7654321","type":"Microsoft.Billing/billingAccounts",
  "properties":{"accountStatus":"Active","accountType":"Enterprise","agreementType":"EnterpriseAgreement","displayName":"Contoso EA",
   "enrollmentDetails":{"billingCycle":"Monthly","channel":"EaDirect","countryCode":"IN ","currency":"INR","language":"en",
    "startDate":"6/1/2020 12:00:00 AM +00:00","endDate":"5/31/2023 12:00:00 AM +00:00","poNumber":"","supportCoverage":" - ",
    "invoiceRecipient":"billing@contoso.example"},"hasReadAccess":true}},
 {"id":"/providers/Microsoft.Billing/billingAccounts/1234567","name":"1234567","type":"Microsoft.Billing/billingAccounts",
  "properties":{"accountStatus":"Active","accountType":"Enterprise","agreementType":"EnterpriseAgreement","displayName":"Fabrikam EA",
   "enrollmentDetails":{"countryCode":"US","currency":"USD","startDate":"some day","endDate":"0001-01-01T00:00:00.0000000Z"}}}
]}`

func TestAccountsReadEADotNetDatesAndNeverFailOnAnUnreadableOne(t *testing.T) {
	bc, _ := fixedClient(t, map[string]string{"/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01": eaAccountsBody})
	var got []billing.Account
	for a, err := range bc.Accounts(context.Background()) {
		require.NoError(t, err)
		got = append(got, a)
	}
	require.Len(t, got, 2)
	e := got[0].Enrollment
	require.NotNil(t, e)
	assert.Equal(t, "2020-06-01T00:00:00Z", e.Start.Format(time.RFC3339))
	assert.Equal(t, "2023-05-31T00:00:00Z", e.End.Format(time.RFC3339))
	assert.Nil(t, got[0].UnreadDates)
	assert.Equal(t, "IN", e.CountryCode, "padded text is trimmed")
	assert.Equal(t, "INR", e.Currency)

	e = got[1].Enrollment
	require.NotNil(t, e)
	assert.True(t, e.Start.IsZero(), "an unreadable date is left zero")
	assert.True(t, e.End.IsZero(), "0001-01-01 means none")
	assert.Equal(t, map[string]string{"enrollmentDetails.startDate": "some day"}, got[1].UnreadDates,
		"its text stays reachable; the none sentinel is not unread")
}

func TestEnrollmentAccountsAndSubscriptionsReadEveryDateForm(t *testing.T) {
	const acct = "/providers/Microsoft.Billing/billingAccounts/7654321"
	bc, f := fixedClient(t, map[string]string{
		acct + "/enrollmentAccounts?api-version=2024-04-01": `{"value":[{"id":"` + acct + `/enrollmentAccounts/111","name":"111",
			"properties":{"accountName":"Dev","accountOwner":"owner@contoso.example","costCenter":"  ABCD","departmentId":"222","status":"Active",
			"startDate":"2020-05-01T00:00:00","endDate":"2020-05-31T23:59:59.9999999"}}],
			"nextLink":"/providers/Microsoft.Billing/billingAccounts/7654321/enrollmentAccounts?api-version=2024-04-01&skiptoken=eyJh%3D"}`,
		acct + "/enrollmentAccounts?api-version=2024-04-01&skiptoken=eyJh%3D": `{"value":[{"id":"` + acct + `/enrollmentAccounts/112","name":"112",
			"properties":{"accountName":"Ops","startDate":"6/1/2020 12:00:00 AM +00:00","endDate":"2021-06-01T00:00:00+00:00"}}]}`,
		acct + "/billingSubscriptions?api-version=2024-04-01": `{"value":[
			{"id":"` + acct + `/billingSubscriptions/s1","name":"s1","properties":{"subscriptionId":"s1","purchaseDate":"0001-01-01T00:00:00.0000000Z",
			 "enrollmentAccountId":"1","enrollmentAccountSubscriptionDetails":{"enrollmentAccountStartDate":"2023-12-01","subscriptionEnrollmentAccountStatus":"Deleted"}}},
			{"id":"` + acct + `/billingSubscriptions/s2","name":"s2","properties":{"subscriptionId":"s2","purchaseDate":"2021-11-02T10:00:00.0000000Z"}},
			{"id":"` + acct + `/billingSubscriptions/s3","name":"s3","properties":{"subscriptionId":"s3","purchaseDate":42}}]}`,
	})
	ctx := context.Background()
	var eas []billing.EnrollmentAccount
	for ea, err := range bc.EnrollmentAccounts(ctx, "7654321") {
		require.NoError(t, err)
		eas = append(eas, ea)
	}
	require.Len(t, eas, 2, "the relative nextLink is followed: %v", f.asked)
	assert.Equal(t, "2020-05-01T00:00:00Z", eas[0].Start.Format(time.RFC3339Nano))
	assert.Equal(t, "2020-05-31T23:59:59.9999999Z", eas[0].End.Format(time.RFC3339Nano))
	assert.Equal(t, "2020-06-01T00:00:00Z", eas[1].Start.Format(time.RFC3339Nano))
	assert.Equal(t, "2021-06-01T00:00:00Z", eas[1].End.Format(time.RFC3339Nano))
	assert.Equal(t, "ABCD", eas[0].CostCenter, "padded text is trimmed")
	assert.Equal(t, "Dev", eas[0].DisplayName)

	scope, err := billing.AccountScope("7654321")
	require.NoError(t, err)
	var subs []billing.Subscription
	for s, err := range bc.BillingSubscriptions(ctx, scope) {
		require.NoError(t, err)
		subs = append(subs, s)
	}
	require.Len(t, subs, 3)
	assert.True(t, subs[0].CreatedAt.IsZero())
	assert.Nil(t, subs[0].UnreadDates)
	assert.Equal(t, "2023-12-01T00:00:00Z", subs[0].EnrollmentAccountStart.Format(time.RFC3339), "a bare date")
	assert.Equal(t, "Deleted", subs[0].EnrollmentAccountStatus)
	assert.Equal(t, "2021-11-02T10:00:00Z", subs[1].CreatedAt.Format(time.RFC3339))
	assert.True(t, subs[2].CreatedAt.IsZero())
	assert.Equal(t, map[string]string{"purchaseDate": "42"}, subs[2].UnreadDates)
}

func TestDepartmentsFollowRelativeNextLinkAndTrimText(t *testing.T) {
	const acct = "/providers/Microsoft.Billing/billingAccounts/7654321"
	bc, f := fixedClient(t, map[string]string{
		acct + "/departments?api-version=2024-04-01": `{"value":[{"id":"` + acct + `/departments/1","name":"1",
			"properties":{"costCenter":"  ABCD","displayName":"Finance ","status":"Active"}}],
			"nextLink":"/providers/Microsoft.Billing/billingAccounts/7654321/departments?api-version=2024-04-01&skiptoken=MTA%3D"}`,
		acct + "/departments?api-version=2024-04-01&skiptoken=MTA%3D": `{"value":[{"id":"` + acct + `/departments/2","name":"2",
			"properties":{"costCenter":"","displayName":"Dev","status":"Active"}}]}`,
	})
	var got []billing.Department
	for d, err := range bc.Departments(context.Background(), "7654321") {
		require.NoError(t, err)
		got = append(got, d)
	}
	require.Len(t, got, 2, "asked %v", f.asked)
	assert.Equal(t, billing.Department{ID: acct + "/departments/1", Name: "1", DisplayName: "Finance", CostCenter: "ABCD", Status: "Active"}, got[0])
	assert.Equal(t, "2", got[1].Name)
}

func TestParseTimeReadsAzureForms(t *testing.T) {
	for in, want := range map[string]string{
		"6/1/2020 12:00:00 AM +00:00":  "2020-06-01T00:00:00Z",
		"5/31/2021 11:59:59 PM -08:00": "2021-05-31T23:59:59-08:00",
		"2020-05-31T23:59:59.9999999":  "2020-05-31T23:59:59.9999999Z",
		"2020-05-01T00:00:00":          "2020-05-01T00:00:00Z",
		"2024-04-01T00:00:00+00:00":    "2024-04-01T00:00:00Z",
		"2023-01-16T00:00:00.0000000Z": "2023-01-16T00:00:00Z",
	} {
		got, err := billing.ParseTime(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got.Format(time.RFC3339Nano), in)
	}
	for _, none := range []string{"", "0001-01-01T00:00:00.0000000Z", "1/1/0001 12:00:00 AM +00:00"} {
		got, err := billing.ParseTime(none)
		require.NoError(t, err)
		assert.True(t, got.IsZero(), none)
	}
	_, err := billing.ParseTime("2/30/2020 12:00:00 AM +00:00")
	assert.ErrorIs(t, err, billing.ErrInvalidDate)
	assert.True(t, strings.Contains(err.Error(), "2/30/2020"), err.Error())
}

// An EA department lists its roles with the MCA billing account GUIDs under EA names, and EA
// permission lists hold none of invoices/read, billingPermissions/read,
// billingRoleAssignments/read or Microsoft.Consumption/usageDetails/read. checkAccess answers
// a bare array.
func TestDepartmentRolesAreEARolesNotMCAOnes(t *testing.T) {
	const dept = "/providers/Microsoft.Billing/billingAccounts/7654321/departments/77"
	bc, _ := fixedClient(t, map[string]string{
		dept + "/billingRoleDefinitions?api-version=2024-04-01": `{"value":[
			{"id":"` + dept + `/billingRoleDefinitions/50000000-aaaa-bbbb-cccc-100000000000","name":"50000000-aaaa-bbbb-cccc-100000000000",
			 "properties":{"roleName":"Department Admin","permissions":[{"actions":["Microsoft.Billing/billingAccounts/departments/read","Microsoft.Billing/billingAccounts/departments/write","Microsoft.Billing/billingAccounts/departments/enrollmentAccounts/read"]}]}},
			{"id":"` + dept + `/billingRoleDefinitions/50000000-aaaa-bbbb-cccc-100000000001","name":"50000000-aaaa-bbbb-cccc-100000000001",
			 "properties":{"roleName":"Department Reader","permissions":[{"actions":["Microsoft.Billing/billingAccounts/departments/read","Microsoft.Billing/billingAccounts/departments/enrollmentAccounts/read"]}]}}]}`,
		dept + "/checkAccess?api-version=2024-04-01": `[
			{"accessDecision":"Allowed","action":"microsoft.billing/billingaccounts/departments/read"},
			{"accessDecision":"Allowed","action":"Microsoft.Billing/billingAccounts/departments/write"},
			{"accessDecision":"Allowed","action":"Microsoft.Billing/billingAccounts/departments/enrollmentAccounts/read"}]`,
	})
	ctx := context.Background()
	scope, err := billing.DepartmentScope("7654321", "77")
	require.NoError(t, err)
	var got []roles.Role
	for d, err := range bc.RoleDefinitions(ctx, scope) {
		require.NoError(t, err)
		got = append(got, d.Role)
	}
	assert.Equal(t, []roles.Role{roles.EADepartmentAdmin, roles.EADepartmentReader}, got)

	acc, err := bc.Access(ctx, scope)
	require.NoError(t, err)
	assert.Equal(t, []roles.Role{roles.EADepartmentAdmin}, acc.Roles, "the reader's actions are covered by the admin's")
	assert.True(t, acc.Allows(roles.ManageRoleAssignments))
	assert.NoError(t, bc.CheckAccess(ctx, scope, roles.ViewPermissions, roles.ViewUsage, roles.ManageRoleAssignments),
		"EA decisions do not need billingPermissions/read, billingRoleAssignments/read or usageDetails/read to be listed")
	var perr *roles.PermissionError
	require.ErrorAs(t, bc.CheckAccess(ctx, scope, roles.DownloadInvoice), &perr, "a department admin gets no invoices")
	assert.Equal(t, roles.DownloadInvoice, perr.Action)
}

func TestMPACustomerRolesAreNoInvoiceSectionRolesAndCheckAccessTakesAnEnvelope(t *testing.T) {
	const acct = "/providers/Microsoft.Billing/billingAccounts/00000000-0000-0000-0000-000000000001:00000000-0000-0000-0000-000000000002_2019-05-31"
	const cust = acct + "/billingProfiles/P1/customers/C1"
	bc, _ := fixedClient(t, map[string]string{
		cust + "/billingRoleDefinitions?api-version=2024-04-01": `{"value":[
			{"id":"` + cust + `/billingRoleDefinitions/30000000-aaaa-bbbb-cccc-100000000000","name":"30000000-aaaa-bbbb-cccc-100000000000",
			 "properties":{"roleName":"Customer owner","permissions":[{"actions":["30000000-aaaa-bbbb-cccc-200000000000"]}]}},
			{"id":"` + cust + `/billingRoleDefinitions/30000000-aaaa-bbbb-cccc-100000000002","name":"30000000-aaaa-bbbb-cccc-100000000002",
			 "properties":{"roleName":"Customer reader","permissions":[{"actions":["30000000-aaaa-bbbb-cccc-200000000001"]}]}}]}`,
		acct + "/billingProfiles/P1/checkAccess?api-version=2024-04-01": `{"value":[
			{"accessDecision":"Allowed","action":"40000000-aaaa-bbbb-cccc-200000000006"},
			{"accessDecision":"NotAllowed","action":"40000000-aaaa-bbbb-cccc-200000000011"}]}`,
	})
	ctx := context.Background()
	scope, err := billing.CustomerScope("00000000-0000-0000-0000-000000000001:00000000-0000-0000-0000-000000000002_2019-05-31", "P1", "C1")
	require.NoError(t, err)
	var got []roles.Role
	for d, err := range bc.RoleDefinitions(ctx, scope) {
		require.NoError(t, err)
		got = append(got, d.Role)
	}
	assert.Equal(t, []roles.Role{"", ""}, got, "no role rather than an invoice section role")

	profile, err := billing.ProfileScope("00000000-0000-0000-0000-000000000001:00000000-0000-0000-0000-000000000002_2019-05-31", "P1")
	require.NoError(t, err)
	ds, err := bc.CheckServiceAccess(ctx, profile, "40000000-aaaa-bbbb-cccc-200000000006", "40000000-aaaa-bbbb-cccc-200000000011")
	require.NoError(t, err)
	assert.Equal(t, []billing.AccessDecision{
		{Action: "40000000-aaaa-bbbb-cccc-200000000006", Allowed: true, Decision: "Allowed"},
		{Action: "40000000-aaaa-bbbb-cccc-200000000011", Decision: "NotAllowed"},
	}, ds)
}

// A billing subscription without subscriptionId is an Azure subscription named by its id when
// its product is Azure (or unnamed, as EA sends them), and no Azure subscription otherwise: a
// seat-based product's GUID-shaped name must not pass for a subscription id.
func TestSubscriptionIDOnlyForAzureProducts(t *testing.T) {
	const acct = "/providers/Microsoft.Billing/billingAccounts/e261ef40-3517-515d-3680-8be4252ae148:efd45d14-e459-4bd7-a883-f3b176d0c335_2019-05-31"
	sub := func(name, props string) string {
		return `{"id":"` + acct + `/billingSubscriptions/` + name + `","name":"` + name + `","properties":{` + props + `}}`
	}
	bc, _ := fixedClient(t, map[string]string{
		acct + "/billingSubscriptions?api-version=2024-04-01": `{"value":[` + strings.Join([]string{
			sub("11111111-1111-1111-1111-111111111111", `"subscriptionId":"22222222-2222-2222-2222-222222222222","productCategory":"Azure"`),
			sub("33333333-3333-3333-3333-333333333333", `"productCategory":"Azure"`),
			sub("44444444-4444-4444-4444-444444444444", `"displayName":"EA, no category"`),
			sub("55555555-5555-5555-5555-555555555555", `"productCategory":"SeatBased"`),
			sub("66666666-6666-6666-6666-666666666666", `"productCategory":"ReservationOrder"`),
		}, ",") + `]}`,
	})
	scope, err := billing.AccountScope("e261ef40-3517-515d-3680-8be4252ae148:efd45d14-e459-4bd7-a883-f3b176d0c335_2019-05-31")
	require.NoError(t, err)
	var got []string
	for s, err := range bc.BillingSubscriptions(context.Background(), scope) {
		require.NoError(t, err)
		got = append(got, s.SubscriptionID)
	}
	assert.Equal(t, []string{"22222222-2222-2222-2222-222222222222", "33333333-3333-3333-3333-333333333333",
		"44444444-4444-4444-4444-444444444444", "", ""}, got)
}
