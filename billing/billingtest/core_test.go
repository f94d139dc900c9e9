package billingtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAccountListShowsOnlyVisibleAccounts(t *testing.T) {
	s := NewServer(t)
	cases := map[Principal][]string{
		MOSPAccountAdmin:       {MOSPAccount},
		EAEnterpriseAdmin:      {EAAccount},
		EADepartmentAdmin:      {EAAccount},
		MCAProfileReader:       {MCAAccount},
		MCAInvoiceSectionOwner: {MCAAccount},
		NoRole:                 nil,
	}
	for p, want := range cases {
		items, _ := listAll(t, s, p, "/providers/Microsoft.Billing/billingAccounts"+apiV)
		assert.Equal(t, want, names(items), p)
	}
}

func TestAccountShapes(t *testing.T) {
	s := NewServer(t)
	mosp := getJSON(t, s, MOSPAccountAdmin, mospPath+apiV)
	assert.Equal(t, mospPath, mosp["id"])
	assert.Equal(t, "Microsoft.Billing/billingAccounts", mosp["type"])
	mp := props(mosp)
	assert.Equal(t, "MicrosoftOnlineServicesProgram", mp["agreementType"])
	assert.Equal(t, "Individual", mp["accountType"])
	assert.Equal(t, "alex@contoso.example", mp["notificationEmailAddress"])
	assert.Equal(t, true, mp["hasReadAccess"])

	ea := props(getJSON(t, s, EAEnterpriseAdmin, eaPath+apiV))
	assert.Equal(t, "EnterpriseAgreement", ea["agreementType"])
	assert.Equal(t, "Enterprise", ea["accountType"])
	ed := ea["enrollmentDetails"].(map[string]any)
	assert.Equal(t, EAInvoiceRecipient, ed["invoiceRecipient"])
	assert.Equal(t, "USD", ed["currency"])
	assert.NotContains(t, ea, "policies")

	mca := props(getJSON(t, s, MCAAccountOwner, mcaPath+apiV))
	assert.Equal(t, "MicrosoftCustomerAgreement", mca["agreementType"])
	assert.Equal(t, "Business", mca["accountType"])
	assert.Equal(t, "Enterprise", mca["accountSubType"])

	// A profile-level role sees the account without read access to it.
	assert.Equal(t, false, props(getJSON(t, s, MCAProfileOwner, mcaPath+apiV))["hasReadAccess"])
}

func TestMCAAccountNameAcceptsEncodedColon(t *testing.T) {
	s := NewServer(t)
	enc := "/providers/Microsoft.Billing/BillingAccounts/" + strings.ReplaceAll(MCAAccount, ":", "%3A") + apiV
	m := getJSON(t, s, MCAAccountOwner, enc)
	assert.Equal(t, MCAAccount, m["name"])
}

func TestProfileShapeAndETag(t *testing.T) {
	s := NewServer(t)
	resp, b := get(t, s, MCAProfileOwner, usPath+apiV)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	assert.NotEmpty(t, resp.Header.Get("ETag"))
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, "Microsoft.Billing/billingAccounts/billingProfiles", m["type"])
	assert.Equal(t, usPath, m["id"])
	p := props(m)
	assert.Equal(t, true, p["invoiceEmailOptIn"])
	assert.Equal(t, []any{"billing@contoso.example", "finance@contoso.example"}, p["invoiceRecipients"])
	assert.Equal(t, "USD", p["currency"])
	assert.EqualValues(t, 5, p["invoiceDay"])

	eu := props(getJSON(t, s, MCAAccountOwner, mcaPath+"/billingProfiles/"+MCAProfileEU+apiV))
	assert.Equal(t, false, eu["invoiceEmailOptIn"])
	assert.Equal(t, "EUR", eu["currency"])

	// An invoice section owner sees its profile's name but not its e-mail settings.
	limited := props(getJSON(t, s, MCAInvoiceSectionOwner, usPath+apiV))
	assert.Equal(t, false, limited["hasReadAccess"])
	assert.NotContains(t, limited, "invoiceRecipients")
}

func TestProfilesAndSectionsLists(t *testing.T) {
	s := NewServer(t)
	items, _ := listAll(t, s, MCAAccountOwner, mcaPath+"/billingProfiles"+apiV)
	assert.Equal(t, []string{MCAProfileUS, MCAProfileEU}, names(items))
	items, _ = listAll(t, s, MCAProfileOwner, mcaPath+"/billingProfiles"+apiV)
	assert.Equal(t, []string{MCAProfileUS}, names(items))
	items, _ = listAll(t, s, MCAProfileOwner, usPath+"/invoiceSections"+apiV)
	assert.Equal(t, []string{MCASectionEngineering, MCASectionMarketing}, names(items))
	assert.Equal(t, "Microsoft.Billing/billingAccounts/billingProfiles/invoiceSections", items[0]["type"])
	items, _ = listAll(t, s, MCAInvoiceSectionOwner, usPath+"/invoiceSections"+apiV)
	assert.Equal(t, []string{MCASectionEngineering}, names(items))
	sec := getJSON(t, s, MCAInvoiceSectionOwner, usPath+"/invoiceSections/"+MCASectionEngineering+apiV)
	assert.Equal(t, "Engineering", props(sec)["displayName"])
	// EA and MOSP accounts have no profiles: an empty list.
	items, _ = listAll(t, s, EAEnterpriseAdmin, eaPath+"/billingProfiles"+apiV)
	assert.Empty(t, items)
}

func TestDepartmentsAndEnrollmentAccounts(t *testing.T) {
	s := NewServer(t)
	items, _ := listAll(t, s, EAEnterpriseAdmin, eaPath+"/departments"+apiV)
	assert.Equal(t, []string{EADepartmentEngineering, EADepartmentFinance}, names(items))
	assert.Equal(t, "Engineering", props(items[0])["displayName"])
	assert.Equal(t, "Microsoft.Billing/billingAccounts/departments", items[0]["type"])
	items, _ = listAll(t, s, EADepartmentAdmin, eaPath+"/departments"+apiV)
	assert.Equal(t, []string{EADepartmentEngineering}, names(items))

	items, _ = listAll(t, s, EAEnterpriseAdmin, eaPath+"/enrollmentAccounts"+apiV)
	assert.Equal(t, []string{EAEnrollmentAccountEngineering, EAEnrollmentAccountFinance}, names(items))
	p := props(items[0])
	assert.Equal(t, "eng-owner@contoso.example", p["accountOwner"])
	assert.Equal(t, EADepartmentEngineering, p["departmentId"])
	assert.Equal(t, "Engineering", p["departmentDisplayName"])

	items, _ = listAll(t, s, EAAccountOwner, eaPath+"/enrollmentAccounts"+apiV)
	assert.Equal(t, []string{EAEnrollmentAccountEngineering}, names(items))

	byDept := getJSON(t, s, EAEnterpriseAdmin, eaPath+"/departments/101/enrollmentAccounts/201"+apiV)
	assert.Equal(t, "Microsoft.Billing/billingAccounts/departments/enrollmentAccounts", byDept["type"])
	resp, _ := get(t, s, EAEnterpriseAdmin, eaPath+"/departments/102/enrollmentAccounts/201"+apiV)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestBillingSubscriptions(t *testing.T) {
	s := NewServer(t)
	items, _ := listAll(t, s, MOSPAccountAdmin, mospPath+"/billingSubscriptions"+apiV)
	assert.Equal(t, []string{SubscriptionPayAsYouGo, SubscriptionNew, SubscriptionCredit}, names(items))
	p := props(items[0])
	assert.Equal(t, "Contoso Pay-As-You-Go", p["displayName"])
	assert.Equal(t, "MS-AZR-0003P", p["offerId"])
	assert.Equal(t, "USD", p["lastMonthCharges"].(map[string]any)["currency"])

	items, _ = listAll(t, s, MCAInvoiceSectionOwner, mcaPath+"/billingSubscriptions"+apiV)
	assert.Equal(t, []string{SubscriptionMCAWeb, SubscriptionMCAData}, names(items))
	items, _ = listAll(t, s, MCAProfileOwner, usPath+"/billingSubscriptions"+apiV)
	assert.Len(t, items, 3)
	items, _ = listAll(t, s, MCAAccountOwner, usPath+"/invoiceSections/"+MCASectionMarketing+"/billingSubscriptions"+apiV)
	assert.Equal(t, []string{SubscriptionMCAMarketing}, names(items))
	assert.Equal(t, usPath+"/invoiceSections/"+MCASectionMarketing, props(items[0])["invoiceSectionId"])
	items, _ = listAll(t, s, EAAccountOwner, eaPath+"/enrollmentAccounts/201/billingSubscriptions"+apiV)
	assert.Equal(t, []string{SubscriptionEAEngProd, SubscriptionEAEngDevTest}, names(items))

	def := getJSON(t, s, MOSPAccountAdmin, "/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/"+SubscriptionNew+apiV)
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/"+SubscriptionNew, def["id"])
	resp, b := get(t, s, MCAProfileOwner, "/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/"+SubscriptionNew+apiV)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, string(b))
	one := getJSON(t, s, EAEnterpriseReader, eaPath+"/billingSubscriptions/"+SubscriptionEAFinance+apiV)
	assert.Equal(t, "Finance Analytics", props(one)["displayName"])
}

func TestPagingFollowsNextLinkAcrossPages(t *testing.T) {
	s := NewServer(t, WithPageSize(1))
	items, pages := listAll(t, s, MOSPAccountAdmin, mospPath+"/billingSubscriptions"+apiV)
	assert.Equal(t, 3, pages)
	assert.Equal(t, []string{SubscriptionPayAsYouGo, SubscriptionNew, SubscriptionCredit}, names(items))

	// As recorded, billing subscription nextLinks are relative, with skiptoken (no '$').
	first := getJSON(t, s, MOSPAccountAdmin, mospPath+"/billingSubscriptions"+apiV)
	next := first["nextLink"].(string)
	assert.True(t, strings.HasPrefix(next, mospPath+"/billingSubscriptions?"), next)
	u, err := url.Parse(next)
	require.NoError(t, err)
	assert.Equal(t, "", u.Scheme)
	assert.Equal(t, "2024-04-01", u.Query().Get("api-version"))
	assert.NotEmpty(t, u.Query().Get("skiptoken"))

	// WithSpecShapes: absolute, $skiptoken.
	spec := NewServer(t, WithPageSize(1), WithSpecShapes())
	first = getJSON(t, spec, MOSPAccountAdmin, mospPath+"/billingSubscriptions"+apiV)
	u, err = url.Parse(first["nextLink"].(string))
	require.NoError(t, err)
	assert.Equal(t, "https", u.Scheme)
	assert.NotEmpty(t, u.Query().Get("$skiptoken"))
	items, pages = listAll(t, spec, MOSPAccountAdmin, mospPath+"/billingSubscriptions"+apiV)
	assert.Equal(t, 3, pages)
	assert.Len(t, items, 3)

	// top and skip select a window before paging.
	items, pages = listAll(t, s, MOSPAccountAdmin, mospPath+"/billingSubscriptions"+apiV+"&skip=1&top=1")
	assert.Equal(t, []string{SubscriptionNew}, names(items))
	assert.Equal(t, 1, pages)

	resp, b := get(t, s, MOSPAccountAdmin, mospPath+"/billingSubscriptions"+apiV+"&$skiptoken=garbage")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	code, _ := armError(t, b)
	assert.Equal(t, "InvalidSkipToken", code)
}

func TestErrorsHaveARMBodies(t *testing.T) {
	s := NewServer(t)
	resp, b := get(t, s, "", mcaPath+apiV)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	code, _ := armError(t, b)
	assert.Equal(t, "AuthenticationFailed", code)

	resp, b = call(t, s, "", http.MethodGet, mcaPath+apiV, nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, string(b))

	resp, b = get(t, s, NoRole, mcaPath+apiV)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	code, msg := armError(t, b)
	assert.Equal(t, "AuthorizationFailed", code)
	assert.Contains(t, msg, mcaPath)

	resp, b = get(t, s, MCAAccountOwner, mcaPath+"/billingProfiles/XX99-XX99-XX9-XXX"+apiV)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	code, _ = armError(t, b)
	assert.Equal(t, "ResourceNotFound", code)

	resp, b = get(t, s, MCAAccountOwner, "/providers/Microsoft.Billing/nonsense"+apiV)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	code, _ = armError(t, b)
	assert.Equal(t, "NotFound", code)

	resp, b = get(t, s, MCAAccountOwner, mcaPath+"?api-version=2099-01-01")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	code, msg = armError(t, b)
	assert.Equal(t, "InvalidApiVersionParameter", code)
	assert.Contains(t, msg, "2024-04-01")

	resp, b = get(t, s, MCAAccountOwner, mcaPath)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	code, _ = armError(t, b)
	assert.Equal(t, "MissingApiVersionParameter", code)

	for _, h := range []string{"x-ms-request-id", "x-ms-correlation-request-id", "x-ms-ratelimit-remaining-tenant-reads"} {
		assert.NotEmpty(t, resp.Header.Get(h), h)
	}
}

func TestAPIVersionTable(t *testing.T) {
	s := NewServer(t)
	for _, v := range []string{"2024-04-01", "2020-05-01", "2019-10-01-preview"} {
		resp, b := get(t, s, MCAAccountOwner, mcaPath+"?api-version="+v)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", v, b)
	}
	// checkAccess exists only since 2024-04-01.
	resp, _ := call(t, s, MCAAccountOwner, http.MethodPost, usPath+"/checkAccess?api-version=2020-05-01", map[string]any{"actions": []string{}})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestCorrelationIDIsEchoed(t *testing.T) {
	s := NewServer(t)
	req, err := http.NewRequest(http.MethodGet, s.ARMEndpoint()+mcaPath+apiV, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+string(MCAAccountOwner))
	req.Header.Set("x-ms-correlation-request-id", "corr-123")
	resp, err := s.HTTPClient().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "corr-123", resp.Header.Get("x-ms-correlation-request-id"))
}

func TestPermissionsPerAgreement(t *testing.T) {
	s := NewServer(t)
	items, _ := listAll(t, s, MCAInvoiceManager, usPath+"/billingPermissions"+apiV)
	require.Len(t, items, 1)
	actions := items[0]["actions"].([]any)
	assert.Contains(t, actions, "40000000-aaaa-bbbb-cccc-200000000007")    // download invoices
	assert.Contains(t, actions, "40000000-aaaa-bbbb-cccc-200000000008")    // view charges of the profile
	assert.NotContains(t, actions, "40000000-aaaa-bbbb-cccc-200000000001") // no write
	assert.Equal(t, []any{}, items[0]["notActions"])

	items, _ = listAll(t, s, EAAccountOwner, eaPath+"/enrollmentAccounts/201/billingPermissions"+apiV)
	require.Len(t, items, 1)
	assert.Contains(t, items[0]["actions"], "Microsoft.Billing/billingAccounts/enrollmentAccounts/billingSubscriptions/read")
	// Account owners do not see charges under the default policy.
	assert.NotContains(t, items[0]["actions"], "Microsoft.Consumption/usageDetails/read")

	items, _ = listAll(t, s, MOSPAccountAdmin, mospPath+"/billingPermissions"+apiV)
	require.Len(t, items, 1)
	assert.Contains(t, items[0]["actions"], "Microsoft.Billing/billingAccounts/invoices/download/action")

	resp, _ := get(t, s, NoRole, eaPath+"/billingPermissions"+apiV)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestCheckAccess(t *testing.T) {
	s := NewServer(t)
	body := map[string]any{"actions": []string{
		"40000000-aaaa-bbbb-cccc-200000000007", // download invoices
		"40000000-aaaa-bbbb-cccc-200000000011", // update invoice e-mail
		"not-an-action",
	}}
	check := func(p Principal) []string {
		resp, b := call(t, s, p, http.MethodPost, usPath+"/checkAccess"+apiV, body)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		var out []struct{ AccessDecision, Action string }
		require.NoError(t, json.Unmarshal(b, &out), string(b))
		var d []string
		for _, o := range out {
			d = append(d, o.AccessDecision)
		}
		return d
	}
	assert.Equal(t, []string{"Allowed", "Allowed", "NotAllowed"}, check(MCAProfileOwner))
	assert.Equal(t, []string{"Allowed", "NotAllowed", "NotAllowed"}, check(MCAProfileReader))
	assert.Equal(t, []string{"Allowed", "Allowed", "NotAllowed"}, check(MCAInvoiceManager))
	assert.Equal(t, []string{"NotAllowed", "NotAllowed", "NotAllowed"}, check(MCAInvoiceSectionOwner))

	resp, _ := call(t, s, NoRole, http.MethodPost, usPath+"/checkAccess"+apiV, body)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, b := call(t, s, MCAProfileOwner, http.MethodPost, usPath+"/checkAccess"+apiV, "not an object")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, string(b))
}

func TestEAViewChargesPolicy(t *testing.T) {
	ea := func(s *Server, p Principal, scope string) string {
		resp, b := call(t, s, p, http.MethodPost, scope+"/checkAccess"+apiV, map[string]any{"actions": []string{"Microsoft.Consumption/usageDetails/read"}})
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		var out []struct{ AccessDecision string }
		require.NoError(t, json.Unmarshal(b, &out))
		return out[0].AccessDecision
	}
	s := NewServer(t)
	pol := props(getJSON(t, s, EADepartmentAdmin, eaPath+"/policies/default"+apiV))
	eap := pol["enterpriseAgreementPolicies"].(map[string]any)
	assert.Equal(t, "Allowed", eap["departmentAdminViewCharges"])
	assert.Equal(t, "Disabled", eap["accountOwnerViewCharges"])
	assert.Equal(t, "Allowed", ea(s, EADepartmentAdmin, eaPath+"/departments/101"))
	assert.Equal(t, "NotAllowed", ea(s, EAAccountOwner, eaPath+"/enrollmentAccounts/201"))

	s2 := NewServer(t, WithPolicy(EAPolicy{AccountOwnerViewCharges: PolicyAllowed, DepartmentAdminViewCharges: PolicyNotAllowed}))
	assert.Equal(t, "NotAllowed", ea(s2, EADepartmentAdmin, eaPath+"/departments/101"))
	assert.Equal(t, "Allowed", ea(s2, EAAccountOwner, eaPath+"/enrollmentAccounts/201"))
	s2.SetEAPolicy(EAPolicy{AccountOwnerViewCharges: PolicyDisabled})
	assert.Equal(t, "NotAllowed", ea(s2, EAAccountOwner, eaPath+"/enrollmentAccounts/201"))

	resp, _ := get(t, s, MCAAccountOwner, mcaPath+"/policies/default"+apiV)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestRoleDefinitionsAndAssignments(t *testing.T) {
	s := NewServer(t)
	defs, _ := listAll(t, s, MCAProfileOwner, usPath+"/billingRoleDefinitions"+apiV)
	assert.Contains(t, names(defs), "40000000-aaaa-bbbb-cccc-100000000004")
	for _, d := range defs {
		if d["name"] == "40000000-aaaa-bbbb-cccc-100000000004" {
			assert.Equal(t, "Invoice manager", props(d)["roleName"])
			assert.Equal(t, "Microsoft.Billing/billingAccounts/billingProfiles/billingRoleDefinitions", d["type"])
		}
	}
	ras, _ := listAll(t, s, MCAProfileOwner, usPath+"/billingRoleAssignments"+apiV)
	assert.Len(t, ras, 4)
	p := props(ras[0])
	assert.Equal(t, usPath+"/billingRoleDefinitions/40000000-aaaa-bbbb-cccc-100000000000", p["roleDefinitionId"])
	assert.Equal(t, MCAProfileOwner.ObjectID(), p["principalId"])
	assert.Equal(t, "40000000-aaaa-bbbb-cccc-100000000000_"+MCAProfileOwner.ObjectID(), ras[0]["name"])

	one := getJSON(t, s, MCAProfileOwner, usPath+"/billingRoleAssignments/"+ras[0]["name"].(string)+apiV)
	assert.Equal(t, ras[0]["id"], one["id"])

	eaDefs, _ := listAll(t, s, EAEnterpriseAdmin, eaPath+"/billingRoleDefinitions"+apiV)
	assert.ElementsMatch(t, []string{"9f1983cb-2574-400c-87e9-34cf8e2280db", "24f8edb6-1668-4659-b5e2-40bb5f3a7d7e",
		"da6647fb-7651-49ee-be91-c43c4877f0c4"}, names(eaDefs))
	for _, d := range eaDefs {
		if d["name"] == "da6647fb-7651-49ee-be91-c43c4877f0c4" {
			assert.Equal(t, "EaRoleId_da6647fb765149eebe91c43c4877f0c4", props(d)["roleName"]) // unlocalized, as recorded
		}
	}
	deptRAs, _ := listAll(t, s, EAEnterpriseAdmin, eaPath+"/departments/101/billingRoleAssignments"+apiV)
	require.Len(t, deptRAs, 1)
	assert.Equal(t, EADepartmentAdmin.Email(), props(deptRAs[0])["userEmailAddress"])

	resp, _ := get(t, s, MCAInvoiceManager, usPath+"/billingRoleAssignments"+apiV)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = get(t, s, MOSPAccountAdmin, mospPath+"/billingRoleDefinitions"+apiV)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestBillingProperty(t *testing.T) {
	s := NewServer(t)
	path := func(sub string) string {
		return "/subscriptions/" + sub + "/providers/Microsoft.Billing/billingProperty/default" + apiV
	}
	m := props(getJSON(t, s, MOSPAccountAdmin, path(SubscriptionPayAsYouGo)))
	assert.Equal(t, "MicrosoftOnlineServicesProgram", m["billingAccountAgreementType"])
	assert.Equal(t, true, m["isAccountAdmin"])
	assert.Equal(t, "alex@contoso.example", m["accountAdminNotificationEmailAddress"])

	m = props(getJSON(t, s, EAAccountOwner, path(SubscriptionEAEngProd)))
	assert.Equal(t, eaPath+"/enrollmentAccounts/201", m["enrollmentDetails"].(map[string]any)["enrollmentAccountId"])

	m = props(getJSON(t, s, MCAInvoiceSectionOwner, path(SubscriptionMCAWeb)))
	assert.Equal(t, usPath, m["billingProfileId"])
	assert.Equal(t, usPath+"/invoiceSections/"+MCASectionEngineering, m["invoiceSectionId"])

	resp, b := get(t, s, NoRole, path(SubscriptionMCAWeb))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	code, _ := armError(t, b)
	assert.Equal(t, "AuthorizationFailed", code)
	assert.NotEmpty(t, resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads"))
	resp, b = get(t, s, NoRole, path("12345678-1234-1234-1234-123456789012"))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	code, _ = armError(t, b)
	assert.Equal(t, "SubscriptionNotFound", code)
}

// TestEAPermissionsAsRecorded: an enrollment administrator's permissions at the enrollment, a
// department and an enrollment account are the lists recorded at 2024-04-01
// (Azure/azure-cli-extensions test_billing_permission_list_and_check_access.yaml), and
// checkAccess answers a bare array, allowing a listed action and refusing an unknown one.
func TestEAPermissionsAsRecorded(t *testing.T) {
	s := NewServer(t)
	const ba = "Microsoft.Billing/billingAccounts"
	listed := func(scope string) []any {
		items, _ := listAll(t, s, EAEnterpriseAdmin, scope+"/billingPermissions"+apiV)
		require.Len(t, items, 1)
		return items[0]["actions"].([]any)
	}
	dept := []any{ba + "/departments/read", ba + "/departments/write", ba + "/departments/action", ba + "/departments/delete",
		ba + "/enrollmentAccounts/read", ba + "/enrollmentAccounts/write", ba + "/enrollmentAccounts/action", ba + "/enrollmentAccounts/delete",
		ba + "/enrollmentAccounts/billingSubscriptions/read", ba + "/enrollmentAccounts/billingSubscriptions/write", ba + "/enrollmentAccounts/billingSubscriptions/action"}
	assert.Equal(t, dept, listed(eaPath+"/departments/"+EADepartmentEngineering))
	assert.Equal(t, append(dept[4:], "Microsoft.Subscription/subscriptions/write"), listed(eaPath+"/enrollmentAccounts/"+EAEnrollmentAccountEngineering))
	all := listed(eaPath)
	assert.Len(t, all, 23)
	assert.Contains(t, all, ba+"/purchase/action")

	resp, b := call(t, s, EAEnterpriseReader, http.MethodPost, eaPath+"/checkAccess"+apiV,
		map[string]any{"actions": []string{ba + "/read", ba + "/noAction", ba + "/write"}})
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	assert.JSONEq(t, `[{"accessDecision":"Allowed","action":"`+ba+`/read"},{"accessDecision":"NotAllowed","action":"`+ba+`/noAction"},`+
		`{"accessDecision":"NotAllowed","action":"`+ba+`/write"}]`, string(b))
}
