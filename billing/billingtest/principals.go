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
	RoleMOSPAccountAdmin   Role = "mosp-account-admin"
	RoleEAEnterpriseAdmin  Role = "ea-enterprise-admin"
	RoleEAEnterpriseReader Role = "ea-enterprise-reader"
	RoleEADepartmentAdmin  Role = "ea-department-admin"
	RoleEADepartmentReader Role = "ea-department-reader"
	RoleEAAccountOwner     Role = "ea-account-owner"
	RoleMCAAccountOwner    Role = "mca-billing-account-owner"
	RoleMCAAccountContrib  Role = "mca-billing-account-contributor"
	RoleMCAAccountReader   Role = "mca-billing-account-reader"
	RoleMCAProfileOwner    Role = "mca-billing-profile-owner"
	RoleMCAProfileContrib  Role = "mca-billing-profile-contributor"
	RoleMCAProfileReader   Role = "mca-billing-profile-reader"
	RoleMCAInvoiceManager  Role = "mca-invoice-manager"
	RoleMCASectionOwner    Role = "mca-invoice-section-owner"
	RoleMCASectionContrib  Role = "mca-invoice-section-contributor"
	RoleMCASectionReader   Role = "mca-invoice-section-reader"
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
)

// allOperations fixes the order in which permissions are listed.
func allOperations() []operation {
	return []operation{opRead, opWrite, opReadRoles, opWriteRoles, opReadPermissions, opReadPolicies,
		opViewInvoices, opDownloadInvoice, opViewCharges, opWritePolicies, opUpdateEmail}
}

// mcaPermissionNumber is the last block's number of the MCA permission GUID of each operation
// ({scope prefix}-aaaa-bbbb-cccc-2000000000NN). The service publishes no such table; these
// numbers are the emulator's own.
func mcaPermissionNumber(op operation) string {
	switch op {
	case opRead:
		return "00"
	case opWrite:
		return "01"
	case opReadRoles:
		return "02"
	case opWriteRoles:
		return "03"
	case opReadPermissions:
		return "04"
	case opReadPolicies:
		return "05"
	case opViewInvoices:
		return "06"
	case opDownloadInvoice:
		return "07"
	case opViewCharges:
		return "08"
	case opWritePolicies:
		return "09"
	case opUpdateEmail:
		return "11"
	}
	return ""
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
}

func roleTable() []roleDef {
	all := []operation{opRead, opWrite, opViewInvoices, opDownloadInvoice, opViewCharges, opUpdateEmail,
		opReadPolicies, opWritePolicies, opReadRoles, opWriteRoles, opReadPermissions}
	readAll := []operation{opRead, opViewInvoices, opDownloadInvoice, opViewCharges, opReadPolicies, opReadRoles, opReadPermissions}
	return []roleDef{
		{RoleMOSPAccountAdmin, "", "Account administrator", AgreementMOSP, scopeAccount,
			"The account administrator of a MOSP (pay-as-you-go) billing account.",
			[]operation{opRead, opWrite, opViewInvoices, opDownloadInvoice, opViewCharges, opReadPermissions}, ""},
		{RoleEAEnterpriseAdmin, "9f1983cb-2574-400c-87e9-34cf8e2280db", "Enrollment administrator", AgreementEA, scopeAccount,
			"Manages the enrollment: departments, accounts, policies, invoices and charges.", all, ""},
		{RoleEAEnterpriseReader, "24f8edb6-1668-4659-b5e2-40bb5f3a7d7e", "Enrollment reader", AgreementEA, scopeAccount,
			"Reads everything in the enrollment, including invoices and charges.", readAll, ""},
		{RoleEADepartmentAdmin, "fb2cf67f-be5b-42e7-8025-4683c668f840", "Department administrator", AgreementEA, scopeDepartment,
			"Manages a department; sees its charges when departmentAdminViewCharges allows it.",
			[]operation{opRead, opWrite, opViewCharges, opReadPolicies, opReadRoles, opWriteRoles, opReadPermissions}, "departmentAdminViewCharges"},
		{RoleEADepartmentReader, "db609904-a47f-4794-9be8-9bd86fbffd8a", "Department reader", AgreementEA, scopeDepartment,
			"Reads a department; sees its charges when departmentAdminViewCharges allows it.",
			[]operation{opRead, opViewCharges, opReadPolicies, opReadRoles, opReadPermissions}, "departmentAdminViewCharges"},
		{RoleEAAccountOwner, "c15c22c0-9faf-424c-9b7e-bd91c06a240b", "Account owner", AgreementEA, scopeEnrollmentAccount,
			"Owns an enrollment account and its subscriptions; sees charges when accountOwnerViewCharges allows it.",
			[]operation{opRead, opWrite, opViewCharges, opReadPolicies, opReadRoles, opReadPermissions}, "accountOwnerViewCharges"},
		{RoleMCAAccountOwner, "50000000-aaaa-bbbb-cccc-100000000000", "Billing account owner", AgreementMCA, scopeAccount,
			"Manages everything in the billing account.", all, ""},
		{RoleMCAAccountContrib, "50000000-aaaa-bbbb-cccc-100000000001", "Billing account contributor", AgreementMCA, scopeAccount,
			"Manages everything in the billing account except role assignments.",
			slices.DeleteFunc(slices.Clone(all), func(o operation) bool { return o == opWriteRoles }), ""},
		{RoleMCAAccountReader, "50000000-aaaa-bbbb-cccc-100000000002", "Billing account reader", AgreementMCA, scopeAccount,
			"Reads everything in the billing account.", readAll, ""},
		{RoleMCAProfileOwner, "40000000-aaaa-bbbb-cccc-100000000000", "Billing profile owner", AgreementMCA, scopeProfile,
			"Manages everything in the billing profile.", all, ""},
		{RoleMCAProfileContrib, "40000000-aaaa-bbbb-cccc-100000000001", "Billing profile contributor", AgreementMCA, scopeProfile,
			"Manages everything in the billing profile except role assignments.",
			slices.DeleteFunc(slices.Clone(all), func(o operation) bool { return o == opWriteRoles }), ""},
		{RoleMCAProfileReader, "40000000-aaaa-bbbb-cccc-100000000002", "Billing profile reader", AgreementMCA, scopeProfile,
			"Reads everything in the billing profile; cannot change the invoice e-mail preference.", readAll, ""},
		{RoleMCAInvoiceManager, "40000000-aaaa-bbbb-cccc-100000000004", "Invoice manager", AgreementMCA, scopeProfile,
			"Views and pays invoices, sees the billing profile's costs and manages its invoice e-mail preference.",
			[]operation{opRead, opViewInvoices, opDownloadInvoice, opViewCharges, opUpdateEmail, opReadPermissions}, ""},
		{RoleMCASectionOwner, "30000000-aaaa-bbbb-cccc-100000000000", "Invoice section owner", AgreementMCA, scopeSection,
			"Manages the invoice section and sees its charges.",
			[]operation{opRead, opWrite, opViewCharges, opReadRoles, opWriteRoles, opReadPermissions}, ""},
		{RoleMCASectionContrib, "30000000-aaaa-bbbb-cccc-100000000001", "Invoice section contributor", AgreementMCA, scopeSection,
			"Manages the invoice section except role assignments.",
			[]operation{opRead, opWrite, opViewCharges, opReadRoles, opReadPermissions}, ""},
		{RoleMCASectionReader, "30000000-aaaa-bbbb-cccc-100000000002", "Invoice section reader", AgreementMCA, scopeSection,
			"Reads the invoice section and its charges.",
			[]operation{opRead, opViewCharges, opReadRoles, opReadPermissions}, ""},
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

// permissionActions renders operations in the scope's vocabulary: GUID permission ids for MCA,
// Microsoft.Billing action strings for EA and MOSP.
func permissionActions(agreement string, sc scopeRef, op operation) []string {
	if agreement == AgreementMCA {
		n := mcaPermissionNumber(op)
		if n == "" {
			return nil
		}
		return []string{mcaScopePrefix(sc) + "-aaaa-bbbb-cccc-2000000000" + n}
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
	case opReadRoles:
		return []string{base + "/billingRoleAssignments/read"}
	case opWriteRoles:
		return []string{base + "/billingRoleAssignments/write"}
	case opReadPermissions:
		return []string{base + "/billingPermissions/read"}
	case opReadPolicies:
		return []string{"Microsoft.Billing/billingAccounts/enrollmentPolicies/read"}
	case opWritePolicies:
		return []string{"Microsoft.Billing/billingAccounts/enrollmentPolicies/write"}
	case opViewInvoices:
		return []string{"Microsoft.Billing/billingAccounts/invoices/read"}
	case opDownloadInvoice:
		return []string{"Microsoft.Billing/billingAccounts/invoices/download/action"}
	case opViewCharges:
		return []string{"Microsoft.Consumption/usageDetails/read"}
	}
	return nil // opUpdateEmail has no EA/MOSP action: there is no API for it
}

// mcaScopePrefix is the first block of MCA permission GUIDs at a scope.
func mcaScopePrefix(sc scopeRef) string {
	switch sc.kind() {
	case scopeProfile:
		return "40000000"
	case scopeSection:
		return "30000000"
	case scopeSubscription:
		return "20000000"
	}
	return "10000000"
}

// operationOfAction maps an action of checkAccess back to an operation at the scope.
func operationOfAction(agreement string, sc scopeRef, action string) (operation, bool) {
	for _, op := range allOperations() {
		for _, a := range permissionActions(agreement, sc, op) {
			if strings.EqualFold(a, action) {
				return op, true
			}
		}
	}
	if agreement == AgreementMCA {
		// Accept an MCA permission id with any scope prefix: clients pass ids the service gave them
		// for another scope of the same account.
		const mid = "-aaaa-bbbb-cccc-2000000000"
		if len(action) == 36 && strings.EqualFold(action[8:34], mid) {
			for _, op := range allOperations() {
				if mcaPermissionNumber(op) == action[34:] {
					return op, true
				}
			}
		}
	}
	return "", false
}
