package roles

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRulesHaveNoDuplicates(t *testing.T) {
	type key struct {
		ag Agreement
		r  Role
		a  Action
	}
	seen := map[key]bool{}
	for _, rl := range Rules() {
		k := key{rl.Agreement, rl.Role, rl.Action}
		assert.False(t, seen[k], "duplicate rule %+v", rl)
		seen[k] = true
	}
}

func TestRulesOnlyUseRolesOfTheirAgreement(t *testing.T) {
	for _, rl := range Rules() {
		assert.Contains(t, rl.Agreement.Roles(), rl.Role, "%+v", rl)
		assert.Contains(t, Actions(), rl.Action, "%+v", rl)
		assert.Contains(t, []Policy{PolicyNone, PolicyEAAccountOwnerViewCharges, PolicyEADepartmentAdminViewCharges, PolicyMOSPInvoiceAccess}, rl.Policy)
	}
}

func TestEveryRoleAllowsSomethingAndEveryActionHasARole(t *testing.T) {
	for _, r := range Roles() {
		allowed := slices.ContainsFunc(Actions(), func(a Action) bool { return Allows(r, a) })
		assert.True(t, allowed, "%s allows nothing", r)
	}
	for _, a := range Actions() {
		assert.True(t, slices.ContainsFunc(Rules(), func(rl Rule) bool { return rl.Action == a }), "no rule for %s", a)
	}
}

func TestRulesReturnsAFreshSlice(t *testing.T) {
	r := Rules()
	r[0].Role = "changed"
	assert.NotEqual(t, Role("changed"), Rules()[0].Role)
}

func TestPoliciesGateOnlyTheDocumentedRoles(t *testing.T) {
	gated := map[Policy][]Role{}
	for _, rl := range Rules() {
		if rl.Policy != PolicyNone && !slices.Contains(gated[rl.Policy], rl.Role) {
			gated[rl.Policy] = append(gated[rl.Policy], rl.Role)
		}
	}
	assert.Equal(t, map[Policy][]Role{
		PolicyMOSPInvoiceAccess:            {MOSPSubscriptionOwner, MOSPSubscriptionContributor, MOSPSubscriptionReader, MOSPBillingReader},
		PolicyEADepartmentAdminViewCharges: {EADepartmentAdmin, EADepartmentReader},
		PolicyEAAccountOwnerViewCharges:    {EAAccountOwner},
	}, gated)
}

func TestMOSPInvoicesNeedTheAccountAdminOrTheInvoiceAccessSetting(t *testing.T) {
	for _, a := range []Action{ViewInvoices, DownloadInvoice} {
		assert.Equal(t, []Role{
			MOSPAccountAdmin, MOSPSubscriptionOwner, MOSPSubscriptionContributor, MOSPSubscriptionReader, MOSPBillingReader,
		}, Allowing(AgreementMOSP, a))
		assert.Equal(t, PolicyNone, RequiredPolicy(MOSPAccountAdmin, a))
		assert.True(t, AllowsWith(MOSPAccountAdmin, a))
		for _, r := range []Role{MOSPSubscriptionOwner, MOSPSubscriptionContributor, MOSPSubscriptionReader, MOSPBillingReader} {
			assert.Equal(t, PolicyMOSPInvoiceAccess, RequiredPolicy(r, a), r)
			assert.False(t, AllowsWith(r, a), r)
			assert.True(t, AllowsWith(r, a, PolicyMOSPInvoiceAccess), r)
		}
	}
}

func TestMOSPSubscriptionRolesSeeUsageButNotTheBillingAccount(t *testing.T) {
	assert.True(t, AllowsWith(MOSPBillingReader, ViewUsage))
	assert.False(t, Allows(MOSPBillingReader, ViewBillingAccount))
	assert.Equal(t, []Role{MOSPAccountAdmin}, Allowing(AgreementMOSP, ViewBillingAccount))
}

func TestMOSPInvoiceEmailHasNoRoleBecauseThereIsNoAPI(t *testing.T) {
	assert.Nil(t, Allowing(AgreementMOSP, ReadInvoiceEmail))
	assert.Nil(t, Allowing(AgreementMOSP, UpdateInvoiceEmail))
}

func TestEADepartmentRolesNeedDAViewChargesForUsage(t *testing.T) {
	for _, r := range []Role{EADepartmentAdmin, EADepartmentReader} {
		assert.True(t, Allows(r, ViewUsage), r)
		assert.Equal(t, PolicyEADepartmentAdminViewCharges, RequiredPolicy(r, ViewUsage), r)
		assert.False(t, AllowsWith(r, ViewUsage), r)
		assert.False(t, AllowsWith(r, ViewUsage, PolicyEAAccountOwnerViewCharges), r)
		assert.True(t, AllowsWith(r, ViewUsage, PolicyEAAccountOwnerViewCharges, PolicyEADepartmentAdminViewCharges), r)
	}
}

func TestEAAccountOwnerNeedsAOViewChargesForUsage(t *testing.T) {
	assert.Equal(t, PolicyEAAccountOwnerViewCharges, RequiredPolicy(EAAccountOwner, ViewUsage))
	assert.False(t, AllowsWith(EAAccountOwner, ViewUsage, PolicyEADepartmentAdminViewCharges))
	assert.True(t, AllowsWith(EAAccountOwner, ViewUsage, PolicyEAAccountOwnerViewCharges))
}

func TestEAEnrollmentRolesSeeUsageWithoutAPolicy(t *testing.T) {
	for _, r := range []Role{EAEnterpriseAdmin, EAEnterpriseAdminReadOnly, EAPurchaser} {
		assert.Equal(t, PolicyNone, RequiredPolicy(r, ViewUsage), r)
		assert.True(t, AllowsWith(r, ViewUsage), r)
	}
	assert.Equal(t, []Role{
		EAEnterpriseAdmin, EAEnterpriseAdminReadOnly, EAPurchaser, EADepartmentAdmin, EADepartmentReader, EAAccountOwner,
	}, Allowing(AgreementEA, ViewUsage))
	assert.False(t, Allows(EASubscriptionCreator, ViewUsage))
}

func TestEAInvoicesAreForEnterpriseAdminsOnly(t *testing.T) {
	for _, a := range []Action{ViewInvoices, DownloadInvoice} {
		assert.Equal(t, []Role{EAEnterpriseAdmin, EAEnterpriseAdminReadOnly}, Allowing(AgreementEA, a))
	}
	assert.False(t, Allows(EAPurchaser, DownloadInvoice))
	assert.False(t, Allows(EADepartmentAdmin, DownloadInvoice))
	assert.False(t, Allows(EAAccountOwner, ViewInvoices))
}

func TestEAReadOnlyAdminCannotManageRoles(t *testing.T) {
	assert.False(t, Allows(EAEnterpriseAdminReadOnly, ManageRoleAssignments))
	assert.False(t, Allows(EADepartmentReader, ManageRoleAssignments))
	assert.True(t, Allows(EAEnterpriseAdmin, ManageRoleAssignments))
}

func TestEAInvoiceEmailIsReadOnly(t *testing.T) {
	assert.NotEmpty(t, Allowing(AgreementEA, ReadInvoiceEmail))
	assert.Nil(t, Allowing(AgreementEA, UpdateInvoiceEmail))
	assert.False(t, Allows(EAEnterpriseAdmin, UpdateInvoiceEmail))
}

func TestMCAProfileRolesAndInvoiceManagerGetInvoices(t *testing.T) {
	want := []Role{
		MCABillingAccountOwner, MCABillingAccountContributor, MCABillingAccountReader,
		MCABillingProfileOwner, MCABillingProfileContributor, MCABillingProfileReader, MCAInvoiceManager,
	}
	for _, a := range []Action{ViewInvoices, DownloadInvoice, ReadInvoiceEmail, ViewBillingProfile} {
		assert.Equal(t, want, Allowing(AgreementMCA, a), a)
	}
	for _, r := range []Role{MCAInvoiceSectionOwner, MCAInvoiceSectionContributor, MCAInvoiceSectionReader, MCAAzureSubscriptionCreator} {
		assert.False(t, Allows(r, DownloadInvoice), r)
		assert.True(t, Allows(r, ViewUsage), r)
	}
}

func TestMCAReadersCannotUpdateTheInvoiceEmail(t *testing.T) {
	assert.False(t, Allows(MCABillingProfileReader, UpdateInvoiceEmail))
	assert.False(t, Allows(MCABillingAccountReader, UpdateInvoiceEmail))
	assert.True(t, Allows(MCABillingProfileReader, ReadInvoiceEmail))
	assert.Equal(t, []Role{
		MCABillingAccountOwner, MCABillingAccountContributor,
		MCABillingProfileOwner, MCABillingProfileContributor, MCAInvoiceManager,
	}, Allowing(AgreementMCA, UpdateInvoiceEmail))
}

func TestMCAOnlyOwnersManageRoleAssignments(t *testing.T) {
	assert.Equal(t, []Role{MCABillingAccountOwner, MCABillingProfileOwner, MCAInvoiceSectionOwner},
		Allowing(AgreementMCA, ManageRoleAssignments))
}

// Roles on a scope cover the scopes below it, so a broader role of the same kind must allow at
// least what the narrower one allows.
func TestMCABroaderRolesCoverNarrowerOnes(t *testing.T) {
	chains := [][]Role{
		{MCAInvoiceSectionOwner, MCABillingProfileOwner, MCABillingAccountOwner},
		{MCAInvoiceSectionContributor, MCABillingProfileContributor, MCABillingAccountContributor},
		{MCAInvoiceSectionReader, MCABillingProfileReader, MCABillingAccountReader},
	}
	for _, chain := range chains {
		for i := 0; i+1 < len(chain); i++ {
			for _, a := range Actions() {
				if Allows(chain[i], a) {
					assert.True(t, Allows(chain[i+1], a), "%s allows %s but %s does not", chain[i], a, chain[i+1])
				}
			}
		}
	}
	for _, a := range Actions() {
		if Allows(MCABillingAccountReader, a) {
			assert.True(t, Allows(MCABillingAccountContributor, a), a)
			assert.True(t, Allows(MCABillingAccountOwner, a), a)
		}
	}
}

func TestMPAReusesTheMCAAccountAndProfileRows(t *testing.T) {
	for _, a := range Actions() {
		var want []Role
		for _, r := range Allowing(AgreementMCA, a) {
			if slices.Contains(AgreementMPA.Roles(), r) {
				want = append(want, r)
			}
		}
		assert.Equal(t, want, Allowing(AgreementMPA, a), a)
	}
	assert.Contains(t, Allowing(AgreementMPA, DownloadInvoice), MCAInvoiceManager)
	assert.NotContains(t, Allowing(AgreementMPA, ViewUsage), MCAInvoiceSectionReader)
}

func TestAllowingIsStableAndFollowsRoleOrder(t *testing.T) {
	order := Roles()
	for _, ag := range []Agreement{AgreementMOSP, AgreementEA, AgreementMCA, AgreementMPA} {
		for _, a := range Actions() {
			got := Allowing(ag, a)
			assert.Equal(t, got, Allowing(ag, a))
			for i := 1; i < len(got); i++ {
				assert.Less(t, slices.Index(order, got[i-1]), slices.Index(order, got[i]), "%s %s", ag, a)
			}
		}
	}
}

func TestUnknownInputsAllowNothing(t *testing.T) {
	assert.Nil(t, Allowing(AgreementOther, ViewInvoices))
	assert.Nil(t, Allowing("SomethingNew", ViewInvoices))
	assert.Nil(t, Allowing(AgreementMCA, "fly"))
	assert.False(t, Allows("nobody", ViewInvoices))
	assert.False(t, AllowsWith("nobody", ViewInvoices, PolicyMOSPInvoiceAccess))
	assert.Equal(t, PolicyNone, RequiredPolicy("nobody", ViewUsage))
	assert.False(t, Allows(MCABillingProfileOwner, "fly"))
}

func TestActionsHaveDistinctDescriptions(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Actions() {
		d := a.Description()
		require.NotEqual(t, string(a), d, a)
		assert.False(t, seen[d], d)
		seen[d] = true
	}
	assert.Equal(t, "download invoices", DownloadInvoice.Description())
	assert.Equal(t, "fly", Action("fly").Description())
}

func TestPolicyDescriptions(t *testing.T) {
	assert.Contains(t, PolicyEADepartmentAdminViewCharges.Description(), "departmentAdminViewCharges")
	assert.Contains(t, PolicyEADepartmentAdminViewCharges.Description(), "enterprise administrator")
	assert.Contains(t, PolicyEAAccountOwnerViewCharges.Description(), "accountOwnerViewCharges")
	assert.Contains(t, PolicyMOSPInvoiceAccess.Description(), "account administrator")
	assert.Equal(t, "no policy", PolicyNone.Description())
	assert.Equal(t, "marketplacePurchases", Policy("marketplacePurchases").Description())
}

func TestEveryBillingRoleMayListItsOwnPermissions(t *testing.T) {
	for _, ag := range []Agreement{AgreementEA, AgreementMCA, AgreementMPA} {
		assert.Equal(t, ag.Roles(), Allowing(ag, ViewPermissions), ag)
	}
}
