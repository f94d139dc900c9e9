package roles

import "slices"

// Rule is one row of the permission table: on billing accounts of Agreement, Role may perform
// Action, provided Policy is on (PolicyNone: always).
type Rule struct {
	// Agreement is the agreement the rule holds for.
	Agreement Agreement
	// Role is the role the rule grants the action to.
	Role Role
	// Action is the action allowed.
	Action Action
	// Policy is the EA view-charges policy that must be on for the rule to apply; PolicyNone when the
	// rule always applies.
	Policy Policy
}

// Rules returns the whole permission table, grouped by agreement (MOSP, EA, MCA, MPA) and by
// action; roles appear in the order of Roles. The slice is new on each call.
//
// The table records what the Azure documentation says each role may do, for the operations this
// SDK performs; the service is the final judge. Sources (under articles/cost-management-billing/
// of MicrosoftDocs/azure-docs):
//   - MOSP: manage/manage-billing-access.md (the account administrator; subscription Owner,
//     Contributor, Reader and Billing Reader see billing data and, once "Allow others to download
//     invoice" is on, invoices); a subscription-scope Billing Reader gets nothing on the billing
//     account itself (azure-rest-api-specs#21580).
//   - EA: manage/understand-ea-roles.md ("Usage and costs access by role": DA view charges and
//     AO view charges footnotes), costs/understand-work-scopes.md (department readers are gated
//     by DA view charges too), manage/direct-ea-azure-usage-charges-invoices.md ("Only an
//     Enterprise Administrator has permission to view and download the billing invoice"),
//     manage/assign-roles-azure-service-principals.md (EA purchaser has every enrollment reader
//     permission), and the role definitions' action lists (SPEC19P examples).
//   - MCA: manage/understand-mca-roles.md (task tables per scope; account roles cover everything
//     below), costs/understand-work-scopes.md (every MCA role, down to the Azure subscription
//     creator, can read costs at its scope), understand/download-azure-invoice.md (all profile
//     owners, contributors, readers and invoice managers get invoices; readers cannot change the
//     e-mail preference).
//   - MPA: the MCA rows of the billing account and billing profile roles (same role definitions).
//
// Inferred, not stated by the docs: EA enterprise administrators (read only) may view and
// download invoices (they are enterprise administrators, and the enrollment's bill-to contact
// holds this role); any role may list its own billingPermissions at its scope; MOSP subscription
// roles may read the subscription's billing policies (an Azure RBAC read), and the MOSP account
// administrator may list billing permissions of the account.
func Rules() []Rule {
	gs := grants()
	var rules []Rule
	for _, g := range gs {
		for _, r := range g.roles {
			rules = append(rules, Rule{Agreement: g.agreement, Role: r, Action: g.action, Policy: g.policy})
		}
	}
	// MPA: the MCA rows of the roles MPA shares with MCA.
	shared := AgreementMPA.Roles()
	for _, g := range gs {
		if g.agreement != AgreementMCA {
			continue
		}
		for _, r := range g.roles {
			if slices.Contains(shared, r) {
				rules = append(rules, Rule{Agreement: AgreementMPA, Role: r, Action: g.action, Policy: g.policy})
			}
		}
	}
	return rules
}

// grant is a group of rows of the permission table: roles allowed action on agreement's
// accounts under policy. MPA rows are derived from the MCA ones.
type grant struct {
	agreement Agreement
	action    Action
	policy    Policy
	roles     []Role
}

// grants is the permission table as written; Rules expands it.
func grants() []grant {
	mospSubscription := []Role{MOSPSubscriptionOwner, MOSPSubscriptionContributor, MOSPSubscriptionReader, MOSPBillingReader}
	eaAdmins := []Role{EAEnterpriseAdmin, EAEnterpriseAdminReadOnly}
	eaEnrollmentReaders := []Role{EAEnterpriseAdmin, EAEnterpriseAdminReadOnly, EAPurchaser}
	eaDepartment := []Role{EADepartmentAdmin, EADepartmentReader}
	eaAll := []Role{
		EAEnterpriseAdmin, EAEnterpriseAdminReadOnly, EAPurchaser, EADepartmentAdmin, EADepartmentReader,
		EAAccountOwner, EASubscriptionCreator,
	}
	mcaAccount := []Role{MCABillingAccountOwner, MCABillingAccountContributor, MCABillingAccountReader}
	// The profile readers: everyone who sees a billing profile and its invoices.
	mcaProfile := []Role{
		MCABillingAccountOwner, MCABillingAccountContributor, MCABillingAccountReader,
		MCABillingProfileOwner, MCABillingProfileContributor, MCABillingProfileReader, MCAInvoiceManager,
	}
	mcaAll := append(mcaProfile[:len(mcaProfile):len(mcaProfile)],
		MCAInvoiceSectionOwner, MCAInvoiceSectionContributor, MCAInvoiceSectionReader, MCAAzureSubscriptionCreator)

	return []grant{
		{AgreementMOSP, ViewBillingAccount, PolicyNone, []Role{MOSPAccountAdmin}},
		{AgreementMOSP, ViewInvoices, PolicyNone, []Role{MOSPAccountAdmin}},
		{AgreementMOSP, ViewInvoices, PolicyMOSPInvoiceAccess, mospSubscription},
		{AgreementMOSP, DownloadInvoice, PolicyNone, []Role{MOSPAccountAdmin}},
		{AgreementMOSP, DownloadInvoice, PolicyMOSPInvoiceAccess, mospSubscription},
		{AgreementMOSP, ViewUsage, PolicyNone, append([]Role{MOSPAccountAdmin}, mospSubscription...)},
		// MOSP invoice e-mail has no public API (portal only), so no role can do it through the SDK.
		{AgreementMOSP, ViewPermissions, PolicyNone, []Role{MOSPAccountAdmin}},
		{AgreementMOSP, UpdateNotificationEmail, PolicyNone, []Role{MOSPAccountAdmin}},
		{AgreementMOSP, ViewPolicies, PolicyNone, mospSubscription},
		// MOSP access is granted with Azure RBAC, not billing role assignments.

		{AgreementEA, ViewBillingAccount, PolicyNone, eaEnrollmentReaders},
		// EA has no billing profiles.
		{AgreementEA, ViewInvoices, PolicyNone, eaAdmins},
		{AgreementEA, DownloadInvoice, PolicyNone, eaAdmins},
		{AgreementEA, ViewUsage, PolicyNone, eaEnrollmentReaders},
		{AgreementEA, ViewUsage, PolicyEADepartmentAdminViewCharges, eaDepartment},
		{AgreementEA, ViewUsage, PolicyEAAccountOwnerViewCharges, []Role{EAAccountOwner}},
		// The invoice recipient is a read-only property of the enrollment; EA has no write API.
		{AgreementEA, ReadInvoiceEmail, PolicyNone, eaEnrollmentReaders},
		{AgreementEA, ViewPermissions, PolicyNone, eaAll},
		{AgreementEA, ViewPolicies, PolicyNone, eaEnrollmentReaders},
		// Their role definitions include access management rights (enrollment, department).
		{AgreementEA, ManageRoleAssignments, PolicyNone, []Role{EAEnterpriseAdmin, EADepartmentAdmin}},

		{AgreementMCA, ViewBillingAccount, PolicyNone, mcaAccount},
		{AgreementMCA, ViewBillingProfile, PolicyNone, mcaProfile},
		{AgreementMCA, ViewInvoices, PolicyNone, mcaProfile},
		{AgreementMCA, DownloadInvoice, PolicyNone, mcaProfile},
		{AgreementMCA, ViewUsage, PolicyNone, mcaAll},
		{AgreementMCA, ReadInvoiceEmail, PolicyNone, mcaProfile},
		{AgreementMCA, UpdateInvoiceEmail, PolicyNone, []Role{
			MCABillingAccountOwner, MCABillingAccountContributor,
			MCABillingProfileOwner, MCABillingProfileContributor, MCAInvoiceManager,
		}},
		{AgreementMCA, ViewPermissions, PolicyNone, mcaAll},
		{AgreementMCA, ViewPolicies, PolicyNone, mcaProfile},
		{AgreementMCA, ManageRoleAssignments, PolicyNone, []Role{
			MCABillingAccountOwner, MCABillingProfileOwner, MCAInvoiceSectionOwner,
		}},
	}
}

// rule finds the rule that lets r perform a. MPA needs no case of its own: a role shared by MCA
// and MPA has the same rules on both.
func rule(r Role, a Action) (Rule, bool) {
	for _, g := range grants() {
		if g.action == a && slices.Contains(g.roles, r) {
			return Rule{Agreement: g.agreement, Role: r, Action: a, Policy: g.policy}, true
		}
	}
	return Rule{}, false
}

// Allows reports whether role r may perform action a, possibly only while a policy is on: see
// RequiredPolicy for that condition, or AllowsWith to evaluate it.
func Allows(r Role, a Action) bool {
	_, ok := rule(r, a)
	return ok
}

// AllowsWith reports whether role r may perform action a when exactly the policies in enabled
// are on. For example EADepartmentAdmin may ViewUsage only if enabled includes
// PolicyEADepartmentAdminViewCharges.
func AllowsWith(r Role, a Action, enabled ...Policy) bool {
	rl, ok := rule(r, a)
	if !ok {
		return false
	}
	if rl.Policy == PolicyNone {
		return true
	}
	for _, p := range enabled {
		if p == rl.Policy {
			return true
		}
	}
	return false
}

// RequiredPolicy returns the policy that must be on for role r to perform action a, or
// PolicyNone when r may do it unconditionally or not at all (tell the two apart with Allows).
func RequiredPolicy(r Role, a Action) Policy {
	rl, _ := rule(r, a)
	return rl.Policy
}

// Allowing returns the roles that may perform action a on billing accounts of agreement ag,
// including those that need a policy to be on (see RequiredPolicy), in the order of Roles. It
// returns nil when no role can, or when ag is unknown.
func Allowing(ag Agreement, a Action) []Role {
	table := ag
	if ag == AgreementMPA {
		table = AgreementMCA // ag.Roles() below keeps the shared roles only
	}
	gs := grants()
	var out []Role
	for _, r := range ag.Roles() {
		for _, g := range gs {
			if g.agreement == table && g.action == a && slices.Contains(g.roles, r) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}
