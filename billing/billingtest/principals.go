package billingtest

import (
	"hash/fnv"
	"slices"
	"strings"
)

// Principal is a caller of the emulator. Its name is also its bearer token (see
// Server.Credential); an unknown token is a valid caller with no roles.
type Principal string

// The seeded principals. Their role assignments are listed in the package documentation.
const (
	MOSPAccountAdmin       Principal = "mosp-account-admin"
	EAEnterpriseAdmin      Principal = "ea-enterprise-admin"
	EAEnterpriseReader     Principal = "ea-enterprise-reader"
	EADepartmentAdmin      Principal = "ea-department-admin"
	EAAccountOwner         Principal = "ea-account-owner"
	MCAAccountOwner        Principal = "mca-account-owner"
	MCAProfileOwner        Principal = "mca-profile-owner"
	MCAProfileContributor  Principal = "mca-profile-contributor"
	MCAProfileReader       Principal = "mca-profile-reader"
	MCAInvoiceManager      Principal = "mca-invoice-manager"
	MCAInvoiceSectionOwner Principal = "mca-invoice-section-owner"
	NoRole                 Principal = "no-role"
)

// Principals lists the seeded principals in a stable order.
func Principals() []Principal {
	return []Principal{
		MOSPAccountAdmin, EAEnterpriseAdmin, EAEnterpriseReader, EADepartmentAdmin, EAAccountOwner,
		MCAAccountOwner, MCAProfileOwner, MCAProfileContributor, MCAProfileReader, MCAInvoiceManager,
		MCAInvoiceSectionOwner, NoRole,
	}
}

// ObjectID is the principal's Entra object id (a GUID derived from its name).
func (p Principal) ObjectID() string {
	h := fnv.New128a()
	_, _ = h.Write([]byte(p))
	sum := h.Sum(nil)
	var hi, lo uint64
	for i := range 8 {
		hi = hi<<8 | uint64(sum[i])
		lo = lo<<8 | uint64(sum[8+i])
	}
	return formatGUID(hi, lo)
}

// Email is the principal's sign-in address.
func (p Principal) Email() string { return string(p) + "@contoso.example" }

// Role is a billing role of the emulator's own role table (deliberately independent of the
// SDK's roles package, so a mistake in one is not mirrored in the other).
type Role string

// Roles the emulator knows.
const (
	RoleMOSPAccountAdmin       Role = "mosp-account-admin"
	RoleEAEnterpriseAdmin      Role = "ea-enterprise-admin"
	RoleEAEnterpriseReader     Role = "ea-enterprise-reader"
	RoleEADepartmentAdmin      Role = "ea-department-admin"
	RoleEADepartmentReader     Role = "ea-department-reader"
	RoleEAAccountOwner         Role = "ea-account-owner"
	RoleMCAAccountOwner        Role = "mca-billing-account-owner"
	RoleMCAAccountContrib      Role = "mca-billing-account-contributor"
	RoleMCAAccountReader       Role = "mca-billing-account-reader"
	RoleMCAProfileOwner        Role = "mca-billing-profile-owner"
	RoleMCAProfileContrib      Role = "mca-billing-profile-contributor"
	RoleMCAProfileReader       Role = "mca-billing-profile-reader"
	RoleMCAInvoiceManager      Role = "mca-invoice-manager"
	RoleMCASectionOwner        Role = "mca-invoice-section-owner"
	RoleMCASectionContrib      Role = "mca-invoice-section-contributor"
	RoleMCASectionReader       Role = "mca-invoice-section-reader"
	RoleEAPurchaser            Role = "ea-purchaser"
	RoleMCASubscriptionCreator Role = "mca-azure-subscription-creator"
	RoleEASubscriptionCreator  Role = "ea-subscription-creator"
)

// operation is something the emulator authorizes. Feature files check them with reqCtx.require.
type operation string

const (
	opRead            operation = "read"              // see the resource and its children's names
	opWrite           operation = "write"             // change the resource (e.g. billing profile PUT)
	opViewInvoices    operation = "invoices/read"     // list and get invoices
	opDownloadInvoice operation = "invoices/download" // download invoice documents
	opViewCharges     operation = "charges/read"      // usage, cost details, charges (EA: policy-gated)
	opUpdateEmail     operation = "invoiceEmail/write"
	opReadPolicies    operation = "policies/read"
	opWritePolicies   operation = "policies/write"
	opReadRoles       operation = "roles/read"
	opWriteRoles      operation = "roles/write"
	opReadPermissions operation = "permissions/read"
	opPurchase        operation = "purchase" // buy reservations and savings plans (EA purchaser)
)

// allOperations fixes the order in which permissions are listed.
func allOperations() []operation {
	return []operation{opRead, opWrite, opReadRoles, opWriteRoles, opReadPermissions, opReadPolicies,
		opViewInvoices, opDownloadInvoice, opViewCharges, opWritePolicies, opUpdateEmail, opPurchase}
}

// eaIDs spells EA actions: prefix/verb for each verb.
func eaIDs(prefix string, verbs ...string) []string {
	out := make([]string, len(verbs))
	for i, v := range verbs {
		out[i] = prefix + "/" + v
	}
	return out
}

// eaCreateSubscription is the action that lets an EA account owner create subscriptions.
const eaCreateSubscription = "Microsoft.Subscription/subscriptions/write"

// mcaIDs spells MCA permission ids: prefix (the scope's first block: 10000000 and 50000000
// billing account, 40000000 billing profile, 30000000 invoice section) and the last two digits.
func mcaIDs(prefix string, nums ...string) []string {
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = prefix + "-aaaa-bbbb-cccc-2000000000" + n
	}
	return out
}

// mcaPermissionMeaning is the operation an MCA permission id stands for when checkAccess is
// asked about it. The service publishes no meaning for these ids; the table is the emulator's
// own, chosen so that every id of a recorded role definition (roleTable) means an operation the
// role allows, and so that each larger role has an id the smaller ones lack: a client that
// infers roles from checkAccess answers (billing.Client.Access) finds exactly the role held.
func mcaPermissionMeaning(prefix, num string) (operation, bool) {
	m := map[string]map[string]operation{
		"50000000": {"00": opWriteRoles, "01": opRead, "02": opWrite, "03": opWrite, "04": opWritePolicies,
			"05": opReadPolicies, "06": opViewInvoices},
		"10000000": {"01": opWrite, "02": opWrite, "03": opRead, "06": opWrite, "07": opWrite},
		"40000000": {"00": opWriteRoles, "01": opWrite, "02": opReadRoles, "03": opWritePolicies,
			"04": opReadPolicies, "05": opReadPermissions, "06": opRead, "07": opDownloadInvoice,
			"08": opViewCharges, "11": opUpdateEmail},
		"30000000": {"00": opWriteRoles, "01": opRead, "03": opWrite, "04": opReadRoles, "05": opWrite,
			"06": opWrite, "07": opViewCharges, "08": opWrite, "09": opWrite, "10": opRead, "11": opWrite,
			"12": opWrite, "13": opWrite, "15": opReadPermissions, "16": opWrite},
	}
	op, ok := m[prefix][num]
	return op, ok
}

// roleDef is one row of the emulator's role table.
type roleDef struct {
	role        Role
	id          string // role definition GUID ("" for MOSP, which has no billing-role API)
	name        string // roleName as the service returns it
	agreement   string
	level       scopeKind // the scope kind the role is assigned at
	description string
	ops         []operation
	// chargesPolicy names the EA policy gating opViewCharges ("" = not gated).
	chargesPolicy string
	// actions, for MCA roles, are the permission ids the service lists in the role's definition,
	// in the recorded order (EA action strings are derived from ops by permissionActions).
	actions []string
}

// roleTable is the emulator's role table. Role definitions (ids, names, permission lists) are
// the recorded ones: MCA from Azure/azure-cli's billing recordings
// (test_role_definition_list_and_show.yaml), EA from Azure/azure-cli-extensions' billing
// recordings at 2024-04-01 (test_ea_roledefinition_list_and_get.yaml), including the EA
// purchaser's unlocalized roleName. The operations each role allows (ops) are the emulator's
// own reading of the roles' documentation.
func roleTable() []roleDef {
	all := []operation{opRead, opWrite, opViewInvoices, opDownloadInvoice, opViewCharges, opUpdateEmail,
		opReadPolicies, opWritePolicies, opReadRoles, opWriteRoles, opReadPermissions}
	readAll := []operation{opRead, opViewInvoices, opDownloadInvoice, opViewCharges, opReadPolicies, opReadRoles, opReadPermissions}
	withoutRoleWrites := func(ops []operation) []operation {
		return slices.DeleteFunc(slices.Clone(ops), func(o operation) bool { return o == opWriteRoles })
	}
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	const acct, bp, is = "50000000", "40000000", "30000000"
	const org = "10000000"
	const ba = "Microsoft.Billing/billingAccounts"
	return []roleDef{
		{role: RoleMOSPAccountAdmin, name: "Account administrator", agreement: AgreementMOSP, level: scopeAccount,
			description: "The account administrator of a MOSP (pay-as-you-go) billing account.",
			ops:         []operation{opRead, opWrite, opViewInvoices, opDownloadInvoice, opViewCharges, opReadPermissions}},
		{role: RoleEAEnterpriseAdmin, id: "9f1983cb-2574-400c-87e9-34cf8e2280db", name: "Enrollment administrator",
			agreement: AgreementEA, level: scopeAccount,
			description: "Manages the enrollment: departments, accounts, policies, invoices and charges.",
			ops:         append(slices.Clone(all), opPurchase),
			actions: cat(eaIDs(ba, "read", "write", "action"), eaIDs(ba+"/enrollmentPolicies", "read", "write", "action"),
				eaIDs(ba+"/enrollmentNotificationContacts", "read", "write", "delete", "action"),
				eaIDs(ba+"/departments", "read", "write", "action", "delete"), eaIDs(ba+"/enrollmentAccounts", "read", "write", "action", "delete"),
				eaIDs(ba+"/enrollmentAccounts/billingSubscriptions", "read", "write", "action"),
				eaIDs(ba+"/purchase", "action"), eaIDs(ba+"/commitments", "read"))},
		{role: RoleEAEnterpriseReader, id: "24f8edb6-1668-4659-b5e2-40bb5f3a7d7e", name: "Enrollment reader",
			agreement: AgreementEA, level: scopeAccount,
			description: "Reads everything in the enrollment, including invoices and charges.", ops: readAll,
			actions: cat(eaIDs(ba, "read"), eaIDs(ba+"/enrollmentPolicies", "read"), eaIDs(ba+"/enrollmentNotificationContacts", "read"),
				eaIDs(ba+"/departments", "read"), eaIDs(ba+"/enrollmentAccounts", "read"),
				eaIDs(ba+"/enrollmentAccounts/billingSubscriptions", "read"), eaIDs(ba+"/commitments", "read"))},
		{role: RoleEAPurchaser, id: "da6647fb-7651-49ee-be91-c43c4877f0c4", name: "EaRoleId_da6647fb765149eebe91c43c4877f0c4",
			agreement: AgreementEA, level: scopeAccount,
			description: "Buys reservations and savings plans and reads the enrollment (service principals only).",
			ops:         append(slices.Clone(readAll), opPurchase),
			actions: cat(eaIDs(ba, "read"), eaIDs(ba+"/enrollmentPolicies", "read"), eaIDs(ba+"/enrollmentNotificationContacts", "read"),
				eaIDs(ba+"/departments", "read"), eaIDs(ba+"/enrollmentAccounts", "read"),
				eaIDs(ba+"/enrollmentAccounts/billingSubscriptions", "read"), eaIDs(ba+"/purchase", "action"), eaIDs(ba+"/commitments", "read"))},
		{role: RoleEADepartmentAdmin, id: "fb2cf67f-be5b-42e7-8025-4683c668f840", name: "Department administrator",
			agreement: AgreementEA, level: scopeDepartment,
			description:   "Manages a department; sees its charges when departmentAdminViewCharges allows it.",
			ops:           []operation{opRead, opWrite, opViewCharges, opReadPolicies, opReadRoles, opWriteRoles, opReadPermissions},
			chargesPolicy: "departmentAdminViewCharges",
			actions: cat(eaIDs(ba+"/departments", "read", "write"), eaIDs(ba+"/enrollmentAccounts", "read", "write"),
				eaIDs(ba+"/enrollmentAccounts/billingSubscriptions", "read", "write"))},
		{role: RoleEADepartmentReader, id: "db609904-a47f-4794-9be8-9bd86fbffd8a", name: "Department reader",
			agreement: AgreementEA, level: scopeDepartment,
			description:   "Reads a department; sees its charges when departmentAdminViewCharges allows it.",
			ops:           []operation{opRead, opViewCharges, opReadPolicies, opReadRoles, opReadPermissions},
			chargesPolicy: "departmentAdminViewCharges",
			actions: cat(eaIDs(ba+"/departments", "read"), eaIDs(ba+"/enrollmentAccounts", "read"),
				eaIDs(ba+"/enrollmentAccounts/billingSubscriptions", "read"))},
		{role: RoleEAAccountOwner, id: "c15c22c0-9faf-424c-9b7e-bd91c06a240b", name: "Enrollment account owner",
			agreement: AgreementEA, level: scopeEnrollmentAccount,
			description:   "Owns an enrollment account and its subscriptions; sees charges when accountOwnerViewCharges allows it.",
			ops:           []operation{opRead, opWrite, opViewCharges, opReadPolicies, opReadRoles, opReadPermissions},
			chargesPolicy: "accountOwnerViewCharges",
			actions: cat(eaIDs(ba+"/enrollmentAccounts", "read", "write"), eaIDs(ba+"/enrollmentAccounts/billingSubscriptions", "read", "write"),
				[]string{eaCreateSubscription})},
		{role: RoleEASubscriptionCreator, id: "a0bcee42-bf30-4d1b-926a-48d21664ef71", name: "Enrollment account subscription creator",
			agreement: AgreementEA, level: scopeEnrollmentAccount,
			description: "Creates subscriptions in the enrollment account (service principals only).",
			ops:         []operation{opRead},
			actions:     cat(eaIDs(ba+"/enrollmentAccounts", "read"), []string{eaCreateSubscription})},
		{role: RoleMCAAccountOwner, id: "50000000-aaaa-bbbb-cccc-100000000000", name: "Billing account owner",
			agreement: AgreementMCA, level: scopeAccount, description: "Manages everything in the billing account.", ops: all,
			actions: cat(mcaIDs(acct, "00", "01", "02", "03", "04", "06"), mcaIDs(org, "01", "02", "03", "06", "07"), mcaIDs(acct, "05"),
				mcaIDs(is, "00", "01", "04", "07", "09", "10", "15"), mcaIDs(bp, "00", "06", "07", "08"))},
		{role: RoleMCAAccountContrib, id: "50000000-aaaa-bbbb-cccc-100000000001", name: "Billing account contributor",
			agreement: AgreementMCA, level: scopeAccount,
			description: "Manages everything in the billing account except role assignments.", ops: withoutRoleWrites(all),
			actions: cat(mcaIDs(acct, "01", "02", "03", "04", "06"), mcaIDs(org, "01", "02", "03", "06", "07"), mcaIDs(acct, "05"),
				mcaIDs(is, "01", "04", "07", "09", "10", "15"), mcaIDs(bp, "06", "07", "08"))},
		{role: RoleMCAAccountReader, id: "50000000-aaaa-bbbb-cccc-100000000002", name: "Billing account reader",
			agreement: AgreementMCA, level: scopeAccount, description: "Reads everything in the billing account.", ops: readAll,
			actions: cat(mcaIDs(acct, "01", "06"), mcaIDs(org, "03"), mcaIDs(acct, "05"), mcaIDs(is, "01", "04", "07", "10", "15"),
				mcaIDs(bp, "06", "07", "08"))},
		{role: RoleMCAProfileOwner, id: "40000000-aaaa-bbbb-cccc-100000000000", name: "Billing profile owner",
			agreement: AgreementMCA, level: scopeProfile, description: "Manages everything in the billing profile.", ops: all,
			actions: mcaIDs(bp, "00", "01", "02", "03", "04", "05", "06", "07", "08", "11")},
		{role: RoleMCAProfileContrib, id: "40000000-aaaa-bbbb-cccc-100000000001", name: "Billing profile contributor",
			agreement: AgreementMCA, level: scopeProfile,
			description: "Manages everything in the billing profile except role assignments.", ops: withoutRoleWrites(all),
			actions: mcaIDs(bp, "01", "02", "03", "04", "05", "06", "07", "08", "11")},
		{role: RoleMCAProfileReader, id: "40000000-aaaa-bbbb-cccc-100000000002", name: "Billing profile reader",
			agreement: AgreementMCA, level: scopeProfile,
			description: "Reads everything in the billing profile; cannot change the invoice e-mail preference.", ops: readAll,
			actions: mcaIDs(bp, "06", "07", "08")},
		{role: RoleMCAInvoiceManager, id: "40000000-aaaa-bbbb-cccc-100000000004", name: "Invoice manager",
			agreement: AgreementMCA, level: scopeProfile,
			description: "Views and pays invoices, sees the billing profile's costs and manages its invoice e-mail preference.",
			ops:         []operation{opRead, opViewInvoices, opDownloadInvoice, opViewCharges, opUpdateEmail, opReadPermissions},
			actions:     mcaIDs(bp, "07", "06", "11", "08")},
		{role: RoleMCASectionOwner, id: "30000000-aaaa-bbbb-cccc-100000000000", name: "Invoice section owner",
			agreement: AgreementMCA, level: scopeSection, description: "Manages the invoice section and sees its charges.",
			ops:     []operation{opRead, opWrite, opViewCharges, opReadRoles, opWriteRoles, opReadPermissions},
			actions: mcaIDs(is, "00", "01", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "15", "16")},
		{role: RoleMCASectionContrib, id: "30000000-aaaa-bbbb-cccc-100000000001", name: "Invoice section contributor",
			agreement: AgreementMCA, level: scopeSection, description: "Manages the invoice section except role assignments.",
			ops:     []operation{opRead, opWrite, opViewCharges, opReadRoles, opReadPermissions},
			actions: mcaIDs(is, "01", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "15", "16")},
		{role: RoleMCASectionReader, id: "30000000-aaaa-bbbb-cccc-100000000002", name: "Invoice section reader",
			agreement: AgreementMCA, level: scopeSection, description: "Reads the invoice section and its charges.",
			ops:     []operation{opRead, opViewCharges, opReadRoles, opReadPermissions},
			actions: mcaIDs(is, "01", "07", "04", "15")},
		{role: RoleMCASubscriptionCreator, id: "30000000-aaaa-bbbb-cccc-100000000006", name: "Azure subscription creator",
			agreement: AgreementMCA, level: scopeSection, description: "Creates Azure subscriptions in the invoice section.",
			ops:     []operation{opRead, opWrite},
			actions: mcaIDs(is, "01", "13")},
	}
}

func lookupRole(r Role) (roleDef, bool) {
	for _, d := range roleTable() {
		if d.role == r {
			return d, true
		}
	}
	return roleDef{}, false
}

// DisplayName is the role's name as the service returns it (roleName), e.g. "Billing profile owner".
func (r Role) DisplayName() string {
	d, _ := lookupRole(r)
	return d.name
}

// DefinitionID is the role definition GUID ("" for the MOSP account administrator, which is not
// a billing role).
func (r Role) DefinitionID() string {
	d, _ := lookupRole(r)
	return d.id
}

// rolesAt lists the role definitions offered at a scope kind of an agreement.
func rolesAt(agreement string, kind scopeKind) []roleDef {
	var out []roleDef
	for _, d := range roleTable() {
		if d.agreement == agreement && d.level == kind && d.id != "" {
			out = append(out, d)
		}
	}
	return out
}

func seedAssignments() []RoleAssignment {
	mk := func(p Principal, r Role, sc scopeRef) RoleAssignment {
		d, _ := lookupRole(r)
		name := p.ObjectID()
		if d.agreement == AgreementMCA {
			name = d.id + "_" + p.ObjectID() // MCA assignment names are {roleDefinition}_{principal}
		}
		return RoleAssignment{Principal: p, Role: r, Scope: sc.id(), Name: name, scope: sc}
	}
	usProfile := scopeRef{account: MCAAccount, profile: MCAProfileUS}
	return []RoleAssignment{
		mk(MOSPAccountAdmin, RoleMOSPAccountAdmin, scopeRef{account: MOSPAccount}),
		mk(EAEnterpriseAdmin, RoleEAEnterpriseAdmin, scopeRef{account: EAAccount}),
		mk(EAEnterpriseReader, RoleEAEnterpriseReader, scopeRef{account: EAAccount}),
		mk(EADepartmentAdmin, RoleEADepartmentAdmin, scopeRef{account: EAAccount, department: EADepartmentEngineering}),
		mk(EAAccountOwner, RoleEAAccountOwner, scopeRef{account: EAAccount, department: EADepartmentEngineering, enrollmentAccount: EAEnrollmentAccountEngineering}),
		mk(MCAAccountOwner, RoleMCAAccountOwner, scopeRef{account: MCAAccount}),
		mk(MCAProfileOwner, RoleMCAProfileOwner, usProfile),
		mk(MCAProfileContributor, RoleMCAProfileContrib, usProfile),
		mk(MCAProfileReader, RoleMCAProfileReader, usProfile),
		mk(MCAInvoiceManager, RoleMCAInvoiceManager, usProfile),
		mk(MCAInvoiceSectionOwner, RoleMCASectionOwner, scopeRef{account: MCAAccount, profile: MCAProfileUS, section: MCASectionEngineering}),
	}
}

// scopeKind is the kind of a billing scope.
type scopeKind int

const (
	scopeAccount scopeKind = iota
	scopeProfile
	scopeSection
	scopeDepartment
	scopeEnrollmentAccount
	scopeSubscription
)

// scopeRef names a billing scope with all its ancestors filled in, so that "is an ancestor of"
// is a field comparison. An EA enrollment account carries its department.
type scopeRef struct {
	account, profile, section, department, enrollmentAccount, subscription string
}

func (s scopeRef) kind() scopeKind {
	switch {
	case s.subscription != "":
		return scopeSubscription
	case s.section != "":
		return scopeSection
	case s.profile != "":
		return scopeProfile
	case s.enrollmentAccount != "":
		return scopeEnrollmentAccount
	case s.department != "":
		return scopeDepartment
	}
	return scopeAccount
}

// id is the ARM id of the scope.
func (s scopeRef) id() string {
	b := "/providers/Microsoft.Billing/billingAccounts/" + s.account
	switch s.kind() {
	case scopeProfile:
		return b + "/billingProfiles/" + s.profile
	case scopeSection:
		return b + "/billingProfiles/" + s.profile + "/invoiceSections/" + s.section
	case scopeDepartment:
		return b + "/departments/" + s.department
	case scopeEnrollmentAccount:
		return b + "/enrollmentAccounts/" + s.enrollmentAccount
	case scopeSubscription:
		return b + "/billingSubscriptions/" + s.subscription
	}
	return b
}

// covers reports whether s is o or an ancestor of o.
func (s scopeRef) covers(o scopeRef) bool {
	eq := func(a, b string) bool { return a == "" || strings.EqualFold(a, b) }
	return strings.EqualFold(s.account, o.account) && eq(s.profile, o.profile) && eq(s.section, o.section) &&
		eq(s.department, o.department) && eq(s.enrollmentAccount, o.enrollmentAccount) && eq(s.subscription, o.subscription)
}

// typePrefix is the resource type of the scope, used for child types such as
// Microsoft.Billing/billingAccounts/billingProfiles/billingRoleDefinitions.
func (s scopeRef) typePrefix() string {
	switch s.kind() {
	case scopeProfile:
		return "Microsoft.Billing/billingAccounts/billingProfiles"
	case scopeSection:
		return "Microsoft.Billing/billingAccounts/billingProfiles/invoiceSections"
	case scopeDepartment:
		return "Microsoft.Billing/billingAccounts/departments"
	case scopeEnrollmentAccount:
		return "Microsoft.Billing/billingAccounts/enrollmentAccounts"
	case scopeSubscription:
		return "Microsoft.Billing/billingAccounts/billingSubscriptions"
	}
	return "Microsoft.Billing/billingAccounts"
}

// scopeOfSubscription returns the billing scope of a subscription, ancestors filled in.
func scopeOfSubscription(sub *Subscription) scopeRef {
	return scopeRef{account: sub.Account, profile: sub.Profile, section: sub.InvoiceSection,
		department: sub.Department, enrollmentAccount: sub.EnrollmentAccount, subscription: sub.ID}
}

// roleAllows reports whether a role allows op, with EA view-charges policies applied. The second
// result names the policy that blocked it, if one did.
func roleAllows(d roleDef, op operation, pol EAPolicy) (bool, string) {
	if !slices.Contains(d.ops, op) {
		return false, ""
	}
	if op == opViewCharges {
		switch d.chargesPolicy {
		case "departmentAdminViewCharges":
			if pol.DepartmentAdminViewCharges != PolicyAllowed {
				return false, d.chargesPolicy
			}
		case "accountOwnerViewCharges":
			if pol.AccountOwnerViewCharges != PolicyAllowed {
				return false, d.chargesPolicy
			}
		}
	}
	return true, ""
}

// visible reports whether p has any role at, above or below the scope: such a principal may
// see the resource's name in lists (hasReadAccess tells whether it may read more).
// Callers hold s.mu.
func (w *World) visible(p Principal, sc scopeRef) bool {
	for _, a := range w.Assignments {
		if a.Principal == p && (a.scope.covers(sc) || sc.covers(a.scope)) {
			return true
		}
	}
	return false
}

// allowed reports whether p may do op at sc through a role at sc or above, and if not, which
// EA policy (if any) was the reason. Callers hold s.mu.
func (w *World) allowed(p Principal, sc scopeRef, op operation) (bool, string) {
	blockedBy := ""
	for _, a := range w.Assignments {
		if a.Principal != p || !a.scope.covers(sc) {
			continue
		}
		d, ok := lookupRole(a.Role)
		if !ok {
			continue
		}
		ok, pol := roleAllows(d, op, w.EAPolicy)
		if ok {
			return true, ""
		}
		if pol != "" {
			blockedBy = pol
		}
	}
	return false, blockedBy
}

// rolesCovering lists the role definitions of p's assignments at sc or above it.
func (w *World) rolesCovering(p Principal, sc scopeRef) []roleDef {
	var out []roleDef
	for _, a := range w.Assignments {
		if a.Principal != p || !a.scope.covers(sc) {
			continue
		}
		if d, ok := lookupRole(a.Role); ok {
			out = append(out, d)
		}
	}
	return out
}

// effectiveOps lists the operations p may do at sc, per covering role assignment.
func (w *World) effectiveOps(p Principal, sc scopeRef) [][]operation {
	var out [][]operation
	for _, a := range w.Assignments {
		if a.Principal != p || !a.scope.covers(sc) {
			continue
		}
		d, ok := lookupRole(a.Role)
		if !ok {
			continue
		}
		var ops []operation
		for _, op := range allOperations() {
			if ok, _ := roleAllows(d, op, w.EAPolicy); ok {
				ops = append(ops, op)
			}
		}
		out = append(out, ops)
	}
	return out
}

// permissionActions renders an operation in the EA and MOSP vocabulary (Microsoft.Billing
// action strings; the emulator's own, as no full EA list was recorded). As recorded, EA
// permission lists and role definitions contain none of invoices/read, billingPermissions/read,
// billingRoleAssignments/read and Microsoft.Consumption/usageDetails/read: those operations render
// as nothing (checkAccess still answers them, see operationOfAction). MCA permissions are the
// recorded ids of roleDef.actions.
func permissionActions(agreement string, sc scopeRef, op operation) []string {
	if agreement == AgreementMCA {
		return nil
	}
	base := "Microsoft.Billing/billingAccounts"
	switch sc.kind() {
	case scopeDepartment:
		base += "/departments"
	case scopeEnrollmentAccount:
		base += "/enrollmentAccounts"
	}
	switch op {
	case opRead:
		if sc.kind() == scopeEnrollmentAccount {
			return []string{base + "/read", base + "/billingSubscriptions/read"}
		}
		return []string{base + "/read"}
	case opWrite:
		return []string{base + "/write"}
	case opWriteRoles:
		return []string{base + "/billingRoleAssignments/write"}
	case opReadPolicies:
		return []string{"Microsoft.Billing/billingAccounts/enrollmentPolicies/read"}
	case opWritePolicies:
		return []string{"Microsoft.Billing/billingAccounts/enrollmentPolicies/write"}
	case opDownloadInvoice:
		return []string{"Microsoft.Billing/billingAccounts/invoices/download/action"}
	case opPurchase:
		return []string{"Microsoft.Billing/billingAccounts/purchaseProduct/action"}
	}
	return nil
}

// unlistedActions are the EA/MOSP action strings checkAccess still understands though no
// permission list contains them.
func unlistedAction(sc scopeRef, op operation) []string {
	base := "Microsoft.Billing/billingAccounts"
	switch sc.kind() {
	case scopeDepartment:
		base += "/departments"
	case scopeEnrollmentAccount:
		base += "/enrollmentAccounts"
	}
	switch op {
	case opReadRoles:
		return []string{base + "/billingRoleAssignments/read"}
	case opReadPermissions:
		return []string{base + "/billingPermissions/read"}
	case opViewInvoices:
		return []string{"Microsoft.Billing/billingAccounts/invoices/read"}
	case opViewCharges:
		return []string{"Microsoft.Consumption/usageDetails/read"}
	}
	return nil
}

// roleActions are the permissions a role definition lists at a scope of its level.
func roleActions(agreement string, sc scopeRef, d roleDef) []string {
	if d.actions != nil {
		return slices.Clone(d.actions)
	}
	actions := []string{}
	for _, op := range d.ops {
		actions = append(actions, permissionActions(agreement, sc, op)...)
	}
	return actions
}

// eaActionVisibleAt reports whether an EA action is listed among the permissions at a scope of
// kind k (as recorded: an enrollment lists everything, a department its own and its accounts'
// actions, an enrollment account its own and subscription creation).
func eaActionVisibleAt(action string, k scopeKind) bool {
	switch k {
	case scopeAccount:
		return true
	case scopeDepartment:
		return strings.HasPrefix(action, "Microsoft.Billing/billingAccounts/departments/") ||
			strings.HasPrefix(action, "Microsoft.Billing/billingAccounts/enrollmentAccounts/")
	case scopeEnrollmentAccount:
		return strings.HasPrefix(action, "Microsoft.Billing/billingAccounts/enrollmentAccounts/") || action == eaCreateSubscription
	}
	return false
}

// listedPermissions are the permissions billingPermissions lists for p at sc (MCA and EA): the
// actions of every role p holds at or above sc, restricted to those of sc and below, in role
// table order, each once. An EA role that may create subscriptions in its enrollment accounts
// (billingSubscriptions/write) also lists subscription creation there, as recorded.
func (w *World) listedPermissions(agreement string, p Principal, sc scopeRef) []string {
	out := []string{}
	add := func(a string) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	for _, d := range w.rolesCovering(p, sc) {
		for _, a := range d.actions {
			switch {
			case agreement == AgreementMCA && mcaPrefixVisibleAt(a[:min(8, len(a))], sc.kind()):
				add(a)
			case agreement == AgreementEA && eaActionVisibleAt(a, sc.kind()):
				add(a)
			}
		}
		if agreement == AgreementEA && sc.kind() == scopeEnrollmentAccount &&
			slices.Contains(d.actions, "Microsoft.Billing/billingAccounts/enrollmentAccounts/billingSubscriptions/write") {
			add(eaCreateSubscription)
		}
	}
	return out
}

// mcaPrefixVisibleAt reports whether permission ids of a scope prefix are listed at a scope of
// kind k: an account lists every prefix, a profile its own and its sections', a section its own.
func mcaPrefixVisibleAt(prefix string, k scopeKind) bool {
	switch k {
	case scopeAccount:
		return true
	case scopeProfile:
		return prefix == "40000000" || prefix == "30000000"
	case scopeSection:
		return prefix == "30000000"
	}
	return false
}

// operationOfAction maps an action of checkAccess back to an operation at the scope: an MCA
// permission id (any scope prefix: clients pass ids the service gave them for another scope of
// the same account) through mcaPermissionMeaning, an EA or MOSP action string through the
// listed and unlisted vocabularies.
func operationOfAction(agreement string, sc scopeRef, action string) (operation, bool) {
	if agreement == AgreementMCA {
		const mid = "-aaaa-bbbb-cccc-2000000000"
		if len(action) == 36 && strings.EqualFold(action[8:34], mid) {
			return mcaPermissionMeaning(action[:8], action[34:])
		}
		return "", false
	}
	for _, op := range allOperations() {
		for _, a := range append(permissionActions(agreement, sc, op), unlistedAction(sc, op)...) {
			if strings.EqualFold(a, action) {
				return op, true
			}
		}
	}
	return "", false
}
