package roles

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// definitionPath builds a full role definition id at a scope of the role's own level, the way a
// role assignment's roleDefinitionId looks.
func definitionPath(r Role) string {
	if r.Agreement() == AgreementMOSP {
		return "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/" + r.DefinitionID()
	}
	scope := "/providers/Microsoft.Billing/billingAccounts/6575495"
	if r.Agreement() == AgreementMCA {
		scope = "/providers/Microsoft.Billing/billingAccounts/10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31"
	}
	switch r.Level() {
	case LevelProfile:
		scope += "/billingProfiles/AB12-CD34"
	case LevelInvoiceSection:
		scope += "/billingProfiles/AB12-CD34/invoiceSections/EF56"
	case LevelDepartment:
		scope += "/departments/7368531"
	case LevelEnrollmentAccount:
		scope += "/enrollmentAccounts/4568789"
	}
	return scope + "/billingRoleDefinitions/" + r.DefinitionID()
}

func TestEveryRoleHasItsFacts(t *testing.T) {
	for _, r := range Roles() {
		t.Run(string(r), func(t *testing.T) {
			assert.True(t, r.Known())
			assert.NotEqual(t, string(r), r.DisplayName(), "display name must be the service's, not our id")
			assert.True(t, r.Agreement().Known())
			assert.NotEmpty(t, r.Level())
			assert.NotEmpty(t, r.Description())
			assert.True(t, strings.HasPrefix(string(r), strings.ToLower(r.Agreement().String())+"-"),
				"identifier starts with its agreement")
		})
	}
}

func TestOnlyTheMOSPAccountAdminHasNoDefinitionID(t *testing.T) {
	for _, r := range Roles() {
		if r == MOSPAccountAdmin {
			assert.Empty(t, r.DefinitionID())
			continue
		}
		assert.True(t, isGUID(r.DefinitionID()), "%s: %q", r, r.DefinitionID())
	}
}

func TestDefinitionIDsAreUnique(t *testing.T) {
	seen := map[string]Role{}
	for _, r := range Roles() {
		id := strings.ToLower(r.DefinitionID())
		if id == "" {
			continue
		}
		prev, dup := seen[id]
		assert.False(t, dup, "%s and %s share %s", prev, r, id)
		seen[id] = r
	}
}

func TestEveryDefinitionIDRoundTrips(t *testing.T) {
	for _, r := range Roles() {
		if r.DefinitionID() == "" {
			continue
		}
		t.Run(string(r), func(t *testing.T) {
			for _, id := range []string{
				r.DefinitionID(),
				strings.ToUpper(r.DefinitionID()),
				"  " + r.DefinitionID() + "\n",
				definitionPath(r),
				strings.ToUpper(definitionPath(r)),
				definitionPath(r) + "/",
			} {
				got, ok := RoleByDefinitionID(id)
				require.True(t, ok, id)
				assert.Equal(t, r, got, id)
			}
		})
	}
}

func TestRoleByDefinitionIDAcceptsIDsFromTheSpecAndDocs(t *testing.T) {
	cases := map[string]Role{
		// SPEC24 billingRoleDefinitionGetByBillingAccount.json
		"/providers/Microsoft.Billing/billingAccounts/10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31/billingRoleDefinitions/50000000-aaaa-bbbb-cccc-100000000000": MCABillingAccountOwner,
		// SPEC24 billingRoleDefinitionListByBillingProfile.json (placeholder profile name)
		"/providers/Microsoft.Billing/billingAccounts/10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31/billingProfiles/xxxx-xxxx-xxx-xxx/billingRoleDefinitions/40000000-aaaa-bbbb-cccc-100000000004": MCAInvoiceManager,
		// DOCS: department reader assigned with an account-level definition id
		"/providers/Microsoft.Billing/billingAccounts/1111111/billingRoleDefinitions/db609904-a47f-4794-9be8-9bd86fbffd8a": EADepartmentReader,
		// SPEC19P EnrollmentAccountRoleAssignmentList.json
		"/providers/Microsoft.Billing/billingAccounts/7898901/enrollmentAccounts/225314/billingRoleDefinitions/c15c22c0-9faf-424c-9b7e-bd91c06a240b": EAAccountOwner,
		// partner EA account name
		"/providers/Microsoft.Billing/billingAccounts/pcn.94077792/billingRoleDefinitions/9f1983cb-2574-400c-87e9-34cf8e2280db": EAEnterpriseAdmin,
		// Azure RBAC, tenant-rooted form
		"/providers/Microsoft.Authorization/roleDefinitions/fa23ad8b-c56e-40d8-ac0c-ce449e1d2c64": MOSPBillingReader,
		// ids mix the case of segment names
		"/providers/Microsoft.Billing/BillingAccounts/6575495/BillingRoleDefinitions/24F8EDB6-1668-4659-B5E2-40BB5F3A7D7E": EAEnterpriseAdminReadOnly,
	}
	for id, want := range cases {
		got, ok := RoleByDefinitionID(id)
		require.True(t, ok, id)
		assert.Equal(t, want, got, id)
	}
}

func TestRoleByDefinitionIDRejects(t *testing.T) {
	for name, id := range map[string]string{
		"empty":                     "",
		"not a GUID":                "billing-profile-owner",
		"GUID with braces":          "{40000000-aaaa-bbbb-cccc-100000000000}",
		"unknown GUID":              "11111111-2222-3333-4444-555555555555",
		"not a role definition":     "/providers/Microsoft.Billing/billingAccounts/6575495/billingRoleAssignments/9f1983cb-2574-400c-87e9-34cf8e2280db",
		"empty last segment":        "/providers/Microsoft.Billing/billingAccounts/6575495/billingRoleDefinitions/",
		"RBAC GUID as billing role": "/providers/Microsoft.Billing/billingAccounts/6575495/billingRoleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
		"billing GUID as RBAC role": "/providers/Microsoft.Authorization/roleDefinitions/9f1983cb-2574-400c-87e9-34cf8e2280db",
		// SPEC24 billingRoleDefinitionGetByDepartment.json reuses the MCA account owner GUID.
		"MCA GUID on EA department": "/providers/Microsoft.Billing/billingAccounts/123456/departments/7368531/billingRoleDefinitions/50000000-aaaa-bbbb-cccc-100000000000",
		"MCA GUID on EA account":    "/providers/Microsoft.Billing/billingAccounts/123456/billingRoleDefinitions/50000000-aaaa-bbbb-cccc-100000000000",
		"EA GUID on MCA profile":    "/providers/Microsoft.Billing/billingAccounts/a:b_2019-05-31/billingProfiles/AB12/billingRoleDefinitions/fb2cf67f-be5b-42e7-8025-4683c668f840",
		"self-contradicting path":   "/providers/Microsoft.Billing/billingAccounts/x/departments/1/billingProfiles/2/billingRoleDefinitions/fb2cf67f-be5b-42e7-8025-4683c668f840",
		"MOSP account has no defs":  "/providers/Microsoft.Billing/billingAccounts/20000000-0000-0000-0000-000000000001/billingRoleDefinitions/9f1983cb-2574-400c-87e9-34cf8e2280db",
	} {
		r, ok := RoleByDefinitionID(id)
		assert.False(t, ok, name)
		assert.Empty(t, r, name)
	}
}

func TestNamesAreUniqueIgnoringCaseAndPunctuation(t *testing.T) {
	seen := map[string]Role{}
	for _, info := range roleInfos() {
		for _, n := range append([]string{info.name, string(info.role)}, info.aliases...) {
			key := nameKey(n)
			require.NotEmpty(t, key, n)
			prev, dup := seen[key]
			assert.False(t, dup && prev != info.role, "%q names both %s and %s", n, prev, info.role)
			seen[key] = info.role
		}
	}
}

func TestEveryDisplayNameRoundTrips(t *testing.T) {
	for _, r := range Roles() {
		for _, name := range []string{r.DisplayName(), strings.ToUpper(r.DisplayName()), strings.ToLower(r.DisplayName()), string(r)} {
			got, ok := RoleByName(name)
			require.True(t, ok, name)
			assert.Equal(t, r, got, name)
		}
	}
}

func TestRoleByNameKnowsTheAliases(t *testing.T) {
	for name, want := range map[string]Role{
		"Department Admin":                     EADepartmentAdmin,
		"department administrator":             EADepartmentAdmin,
		"Account Owner":                        EAAccountOwner,
		"Enrollment administrator":             EAEnterpriseAdmin,
		"Enterprise Administrator":             EAEnterpriseAdmin,
		"EnrollmentReader":                     EAEnterpriseAdminReadOnly,
		"Enterprise Administrator (read only)": EAEnterpriseAdminReadOnly,
		"enterprise administrator read-only":   EAEnterpriseAdminReadOnly,
		"Department Reader":                    EADepartmentReader,
		"DepartmentReader":                     EADepartmentReader,
		"Department Administrator (read only)": EADepartmentReader,
		"SubscriptionCreator":                  EASubscriptionCreator,
		"EA purchaser":                         EAPurchaser,
		"Billing profile owner":                MCABillingProfileOwner,
		"BILLING PROFILE READER":               MCABillingProfileReader,
		"Invoice manager":                      MCAInvoiceManager,
		"Azure subscription creator":           MCAAzureSubscriptionCreator,
		"Account Administrator":                MOSPAccountAdmin,
		"Billing Reader":                       MOSPBillingReader,
		"owner":                                MOSPSubscriptionOwner,
		"mca-invoice-manager":                  MCAInvoiceManager,
	} {
		got, ok := RoleByName(name)
		require.True(t, ok, name)
		assert.Equal(t, want, got, name)
	}
}

func TestRoleByNameRejectsUnknownNames(t *testing.T) {
	for _, name := range []string{"", "   ", "---", "Global admin", "Admin agent", "Billing profile", "owner owner"} {
		r, ok := RoleByName(name)
		assert.False(t, ok, name)
		assert.Empty(t, r, name)
	}
}

func TestUnknownRoleHasZeroFacts(t *testing.T) {
	r := Role("Billing account administrator")
	assert.False(t, r.Known())
	assert.Equal(t, "Billing account administrator", r.DisplayName())
	assert.Empty(t, r.DefinitionID())
	assert.Empty(t, r.Agreement())
	assert.Empty(t, r.Level())
	assert.Empty(t, r.Description())
}

func TestRolesReturnsAFreshSlice(t *testing.T) {
	a := Roles()
	a[0] = "changed"
	assert.Equal(t, MOSPAccountAdmin, Roles()[0])
}

func TestRoleLevels(t *testing.T) {
	assert.Equal(t, LevelAccount, MCABillingAccountOwner.Level())
	assert.Equal(t, LevelProfile, MCAInvoiceManager.Level())
	assert.Equal(t, LevelInvoiceSection, MCAAzureSubscriptionCreator.Level())
	assert.Equal(t, LevelAccount, EAEnterpriseAdminReadOnly.Level())
	assert.Equal(t, LevelDepartment, EADepartmentReader.Level())
	assert.Equal(t, LevelEnrollmentAccount, EAAccountOwner.Level())
	assert.Equal(t, LevelEnrollmentAccount, EASubscriptionCreator.Level())
	assert.Equal(t, LevelSubscription, MOSPBillingReader.Level())
	assert.Equal(t, LevelAccount, MOSPAccountAdmin.Level())
}

// Role definitions as the live service lists them at 2024-04-01: EA departments reuse the MCA
// billing account GUIDs under the names "Department Admin" / "Department Reader", MPA customers
// reuse the invoice section GUIDs, and some EA definitions are named "EaRoleId_{guid}".
func TestRoleOfDefinitionByFullIDAndScopeLevel(t *testing.T) {
	const ea = "/providers/Microsoft.Billing/billingAccounts/7654321"
	const mca = "/providers/Microsoft.Billing/billingAccounts/a1:b2_2019-05-31"
	for _, tc := range []struct {
		id, name string
		want     Role
	}{
		{ea + "/departments/77/billingRoleDefinitions/50000000-aaaa-bbbb-cccc-100000000000", "Department Admin", EADepartmentAdmin},
		{ea + "/departments/77/billingRoleDefinitions/50000000-aaaa-bbbb-cccc-100000000001", "Department Reader", EADepartmentReader},
		{ea + "/departments/77/billingRoleDefinitions/50000000-aaaa-bbbb-cccc-100000000002", "Billing account reader", ""},
		{ea + "/billingRoleDefinitions/da6647fb-7651-49ee-be91-c43c4877f0c4", "EaRoleId_da6647fb-7651-49ee-be91-c43c4877f0c4", EAPurchaser},
		{ea + "/billingRoleDefinitions/11111111-2222-3333-4444-555555555555", "EaRoleId_11111111-2222-3333-4444-555555555555", ""},
		{ea + "/billingRoleDefinitions/11111111-2222-3333-4444-555555555555", "EaRoleId_da6647fb765149eebe91c43c4877f0c4", EAPurchaser},
		{ea + "/departments/77/billingRoleDefinitions/11111111-2222-3333-4444-555555555555", "EaRoleId_da6647fb765149eebe91c43c4877f0c4", ""},
		{ea + "/billingRoleDefinitions/9f1983cb-2574-400c-87e9-34cf8e2280db", "Enrollment Administrator", EAEnterpriseAdmin},
		{ea + "/billingRoleDefinitions/11111111-2222-3333-4444-555555555555", "Department Admin", ""},
		{ea + "/enrollmentAccounts/88/billingRoleDefinitions/11111111-2222-3333-4444-555555555555", "Account Owner", EAAccountOwner},
		{mca + "/customers/c1/billingRoleDefinitions/30000000-aaaa-bbbb-cccc-100000000000", "Customer owner", ""},
		{mca + "/customers/c1/billingRoleDefinitions/30000000-aaaa-bbbb-cccc-100000000002", "Invoice section reader", ""},
		{mca + "/billingProfiles/P1/invoiceSections/S1/billingRoleDefinitions/30000000-aaaa-bbbb-cccc-100000000000", "Invoice section owner", MCAInvoiceSectionOwner},
		{mca + "/billingProfiles/P1/billingRoleDefinitions/40000000-aaaa-bbbb-cccc-100000000004", "Invoice manager", MCAInvoiceManager},
		{mca + "/billingProfiles/P1/billingRoleDefinitions/30000000-aaaa-bbbb-cccc-100000000000", "Invoice section owner", ""},
		{mca + "/billingRoleDefinitions/50000000-aaaa-bbbb-cccc-100000000000", "Billing account owner", MCABillingAccountOwner},
		{"50000000-aaaa-bbbb-cccc-100000000000", "Department Admin", MCABillingAccountOwner}, // a bare GUID says nothing more
		{"not-an-id", "Department Admin", ""},
	} {
		got, ok := RoleOfDefinition(tc.id, tc.name)
		assert.Equal(t, tc.want != "", ok, "%s %q", tc.id, tc.name)
		assert.Equal(t, tc.want, got, "%s %q", tc.id, tc.name)
	}
	_, ok := RoleByDefinitionID(mca + "/customers/c1/billingRoleDefinitions/30000000-aaaa-bbbb-cccc-100000000000")
	assert.False(t, ok, "an invoice section GUID under an MPA customer is no invoice section role")
}
