package roles

import (
	"strings"
	"unicode"
)

// Role is a billing role (or, for MOSP, a subscription role that grants billing access).
// Its value is a stable identifier of this SDK such as "mca-billing-profile-owner"; the service's
// own names and ids are available from DisplayName and DefinitionID. A Role that is not one of
// the constants below is unknown: its methods return zero values and no rule allows it anything.
type Role string

// MOSP (pay-as-you-go) roles. There are no billing role definitions for MOSP: the account
// administrator owns the billing account, and Azure RBAC roles on a subscription give access to
// its invoices only after the account administrator allows it (PolicyMOSPInvoiceAccess).
const (
	MOSPAccountAdmin            Role = "mosp-account-admin"
	MOSPSubscriptionOwner       Role = "mosp-subscription-owner"
	MOSPSubscriptionContributor Role = "mosp-subscription-contributor"
	MOSPSubscriptionReader      Role = "mosp-subscription-reader"
	MOSPBillingReader           Role = "mosp-billing-reader"
)

// Enterprise Agreement roles.
const (
	// EAEnterpriseAdmin is the Enterprise Administrator ("Enrollment administrator").
	EAEnterpriseAdmin Role = "ea-enterprise-admin"
	// EAEnterpriseAdminReadOnly is the Enterprise Administrator (read only), whose billing role
	// definition is "Enrollment reader".
	EAEnterpriseAdminReadOnly Role = "ea-enterprise-admin-read-only"
	EAPurchaser               Role = "ea-purchaser"
	EADepartmentAdmin         Role = "ea-department-admin"
	// EADepartmentReader is the Department Administrator (read only).
	EADepartmentReader Role = "ea-department-reader"
	// EAAccountOwner owns an enrollment account.
	EAAccountOwner        Role = "ea-account-owner"
	EASubscriptionCreator Role = "ea-subscription-creator"
)

// Microsoft Customer Agreement roles. MPA accounts use the billing account and billing profile
// roles of this list too.
const (
	MCABillingAccountOwner       Role = "mca-billing-account-owner"
	MCABillingAccountContributor Role = "mca-billing-account-contributor"
	MCABillingAccountReader      Role = "mca-billing-account-reader"
	MCABillingProfileOwner       Role = "mca-billing-profile-owner"
	MCABillingProfileContributor Role = "mca-billing-profile-contributor"
	MCABillingProfileReader      Role = "mca-billing-profile-reader"
	MCAInvoiceManager            Role = "mca-invoice-manager"
	MCAInvoiceSectionOwner       Role = "mca-invoice-section-owner"
	MCAInvoiceSectionContributor Role = "mca-invoice-section-contributor"
	MCAInvoiceSectionReader      Role = "mca-invoice-section-reader"
	MCAAzureSubscriptionCreator  Role = "mca-azure-subscription-creator"
)

// Level is the kind of scope a role is assigned at. A role assigned at a level also covers the
// scopes below it (an MCA billing account role covers its billing profiles and invoice sections).
type Level string

// Scope levels.
const (
	LevelAccount           Level = "billing account"
	LevelProfile           Level = "billing profile"
	LevelInvoiceSection    Level = "invoice section"
	LevelDepartment        Level = "department"
	LevelEnrollmentAccount Level = "enrollment account"
	LevelSubscription      Level = "subscription"
	// LevelCustomer is an MPA partner's customer. The SDK knows no role of this level: the
	// customer roles reuse invoice section GUIDs but are not invoice section roles.
	LevelCustomer Level = "customer"
)

// roleInfo is one row of the role table.
type roleInfo struct {
	role Role
	// name is the role name as the service returns it (roleName of the role definition, or the
	// Azure RBAC roleName for MOSP subscription roles).
	name    string
	aliases []string // other names seen in docs, the portal or other api-versions
	// id is the role definition GUID; empty when the role has none.
	id string
	// rbac marks an Azure RBAC role definition (Microsoft.Authorization/roleDefinitions) rather
	// than a billing role definition (Microsoft.Billing/.../billingRoleDefinitions).
	rbac        bool
	agreement   Agreement
	level       Level
	description string
}

// roleInfos is the role table, broadest scope first within each agreement. Its order is the
// order of Roles, Allowing and Agreement.Roles.
//
// Evidence for the definition ids (see reference billing-api.md §9.2):
//   - MCA billing account owner/contributor/reader: SPEC24 examples
//     billingRoleDefinitionGetByBillingAccount.json and billingRoleDefinitionListByBillingAccount.json.
//   - MCA billing profile owner/contributor/reader, invoice manager: SPEC24 example
//     billingRoleDefinitionListByBillingProfile.json.
//   - EA enrollment administrator/reader: SPEC19P BillingAccountEaRoleDefinitionsList.json;
//     reader, EA purchaser, department reader, subscription creator also in the docs'
//     "Assign EA roles to service principals" table.
//   - EA department administrator/reader: SPEC19P DepartmentRoleDefinitionsList.json.
//   - EA account owner, subscription creator: SPEC19P EnrollmentAccountRoleAssignmentList.json.
//   - MCA invoice section owner/contributor/reader, Azure subscription creator: SPEC24 example
//     billingRoleDefinitionListByInvoiceSection.json.
//   - MOSP subscription roles: Azure RBAC built-in role ids (docs "Azure built-in roles").
func roleInfos() []roleInfo {
	return []roleInfo{
		{
			role: MOSPAccountAdmin, name: "Account administrator",
			aliases:   []string{"Account admin"},
			agreement: AgreementMOSP, level: LevelAccount,
			description: "The only owner of a MOSP billing account: sees and downloads every invoice and " +
				"decides whether subscription roles may download invoices too.",
		},
		{
			role: MOSPSubscriptionOwner, name: "Owner", id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", rbac: true,
			agreement: AgreementMOSP, level: LevelSubscription,
			description: "Azure RBAC Owner of a subscription: sees its usage and charges, and its invoices " +
				"only after the account administrator allows others to download invoices.",
		},
		{
			role: MOSPSubscriptionContributor, name: "Contributor", id: "b24988ac-6180-42a0-ab88-20f7382dd24c", rbac: true,
			agreement: AgreementMOSP, level: LevelSubscription,
			description: "Azure RBAC Contributor of a subscription: sees its usage and charges, and its invoices " +
				"only after the account administrator allows others to download invoices.",
		},
		{
			role: MOSPSubscriptionReader, name: "Reader", id: "acdd72a7-3385-48ef-bd42-f606fba81ae7", rbac: true,
			agreement: AgreementMOSP, level: LevelSubscription,
			description: "Azure RBAC Reader of a subscription: sees its usage and charges, and its invoices " +
				"only after the account administrator allows others to download invoices.",
		},
		{
			role: MOSPBillingReader, name: "Billing Reader", id: "fa23ad8b-c56e-40d8-ac0c-ce449e1d2c64", rbac: true,
			agreement: AgreementMOSP, level: LevelSubscription,
			description: "Azure RBAC Billing Reader of a subscription: read-only billing data, and its invoices " +
				"only after the account administrator allows others to download invoices.",
		},

		{
			role: EAEnterpriseAdmin, name: "Enrollment administrator", id: "9f1983cb-2574-400c-87e9-34cf8e2280db",
			aliases:   []string{"Enterprise administrator", "Enterprise admin", "EA administrator"},
			agreement: AgreementEA, level: LevelAccount,
			description: "Manages the enrollment, its departments, accounts and access; sees all usage, " +
				"charges and invoices.",
		},
		{
			role: EAEnterpriseAdminReadOnly, name: "Enrollment reader", id: "24f8edb6-1668-4659-b5e2-40bb5f3a7d7e",
			aliases: []string{"EnrollmentReader", "Enterprise administrator (read only)",
				"Enterprise read-only", "Enterprise read-only user", "EA administrator (read only)"},
			agreement: AgreementEA, level: LevelAccount,
			description: "Read-only view of the enrollment, its departments and accounts, including all usage " +
				"and charges.",
		},
		{
			role: EAPurchaser, name: "EA purchaser", id: "da6647fb-7651-49ee-be91-c43c4877f0c4",
			agreement: AgreementEA, level: LevelAccount,
			description: "Buys reservations and savings plans; has every permission of the enrollment reader " +
				"(service principals only).",
		},
		{
			role: EADepartmentAdmin, name: "Department administrator", id: "fb2cf67f-be5b-42e7-8025-4683c668f840",
			aliases:   []string{"Department Admin"},
			agreement: AgreementEA, level: LevelDepartment,
			description: "Manages a department and its accounts; sees its costs only while the \"DA view " +
				"charges\" policy is on.",
		},
		{
			role: EADepartmentReader, name: "Department reader", id: "db609904-a47f-4794-9be8-9bd86fbffd8a",
			aliases: []string{"DepartmentReader", "Department administrator (read only)",
				"Department admin (read only)", "Department read-only", "Department read-only user"},
			agreement: AgreementEA, level: LevelDepartment,
			description: "Read-only view of a department and its accounts; sees its costs only while the " +
				"\"DA view charges\" policy is on.",
		},
		{
			role: EAAccountOwner, name: "Account Owner", id: "c15c22c0-9faf-424c-9b7e-bd91c06a240b",
			aliases:   []string{"Enrollment account owner"},
			agreement: AgreementEA, level: LevelEnrollmentAccount,
			description: "Owns an enrollment account and creates its subscriptions; sees its costs only while " +
				"the \"AO view charges\" policy is on.",
		},
		{
			role: EASubscriptionCreator, name: "SubscriptionCreator", id: "a0bcee42-bf30-4d1b-926a-48d21664ef71",
			aliases:   []string{"Enrollment account subscription creator"},
			agreement: AgreementEA, level: LevelEnrollmentAccount,
			description: "Creates subscriptions in an enrollment account (service principals only).",
		},

		{
			role: MCABillingAccountOwner, name: "Billing account owner", id: "50000000-aaaa-bbbb-cccc-100000000000",
			agreement: AgreementMCA, level: LevelAccount,
			description: "Manages everything on the billing account and everything below it, including access.",
		},
		{
			role: MCABillingAccountContributor, name: "Billing account contributor", id: "50000000-aaaa-bbbb-cccc-100000000001",
			agreement: AgreementMCA, level: LevelAccount,
			description: "Manages everything on the billing account and below it except access.",
		},
		{
			role: MCABillingAccountReader, name: "Billing account reader", id: "50000000-aaaa-bbbb-cccc-100000000002",
			agreement: AgreementMCA, level: LevelAccount,
			description: "Read-only view of everything on the billing account and below it.",
		},
		{
			role: MCABillingProfileOwner, name: "Billing profile owner", id: "40000000-aaaa-bbbb-cccc-100000000000",
			agreement: AgreementMCA, level: LevelProfile,
			description: "Manages everything on the billing profile and its invoice sections, including access.",
		},
		{
			role: MCABillingProfileContributor, name: "Billing profile contributor", id: "40000000-aaaa-bbbb-cccc-100000000001",
			agreement: AgreementMCA, level: LevelProfile,
			description: "Manages everything on the billing profile and its invoice sections except access.",
		},
		{
			role: MCABillingProfileReader, name: "Billing profile reader", id: "40000000-aaaa-bbbb-cccc-100000000002",
			agreement: AgreementMCA, level: LevelProfile,
			description: "Read-only view of everything on the billing profile; cannot change the invoice " +
				"e-mail preference.",
		},
		{
			role: MCAInvoiceManager, name: "Invoice manager", id: "40000000-aaaa-bbbb-cccc-100000000004",
			agreement: AgreementMCA, level: LevelProfile,
			description: "Views and pays the invoices of the billing profile.",
		},
		{
			role: MCAInvoiceSectionOwner, name: "Invoice section owner", id: "30000000-aaaa-bbbb-cccc-100000000000",
			agreement: AgreementMCA, level: LevelInvoiceSection,
			description: "Manages everything on the invoice section, including access; no invoices.",
		},
		{
			role: MCAInvoiceSectionContributor, name: "Invoice section contributor", id: "30000000-aaaa-bbbb-cccc-100000000001",
			agreement: AgreementMCA, level: LevelInvoiceSection,
			description: "Manages everything on the invoice section except access; no invoices.",
		},
		{
			role: MCAInvoiceSectionReader, name: "Invoice section reader", id: "30000000-aaaa-bbbb-cccc-100000000002",
			agreement: AgreementMCA, level: LevelInvoiceSection,
			description: "Read-only view of the invoice section; no invoices.",
		},
		{
			role: MCAAzureSubscriptionCreator, name: "Azure subscription creator", id: "30000000-aaaa-bbbb-cccc-100000000006",
			agreement: AgreementMCA, level: LevelInvoiceSection,
			description: "Creates Azure subscriptions in the invoice section and sees their costs.",
		},
	}
}

// sharedWithMPA reports whether MPA billing accounts use the role too: MPA exposes the MCA role
// definitions of the billing account and billing profile, and has customers, not invoice sections.
func (info roleInfo) sharedWithMPA() bool {
	return info.agreement == AgreementMCA && (info.level == LevelAccount || info.level == LevelProfile)
}

// info returns the table row of r.
func (r Role) info() (roleInfo, bool) {
	for _, info := range roleInfos() {
		if info.role == r {
			return info, true
		}
	}
	return roleInfo{}, false
}

// Roles returns every role the SDK knows, grouped by agreement (MOSP, EA, MCA), broadest scope
// first. The slice is new on each call.
func Roles() []Role {
	infos := roleInfos()
	out := make([]Role, len(infos))
	for i, info := range infos {
		out[i] = info.role
	}
	return out
}

// Known reports whether r is one of the roles of this package.
func (r Role) Known() bool {
	_, ok := r.info()
	return ok
}

// DisplayName returns the role name as the service returns it, such as "Billing profile owner".
// For an unknown role it returns the raw value.
func (r Role) DisplayName() string {
	if info, ok := r.info(); ok {
		return info.name
	}
	return string(r)
}

// DefinitionID returns the GUID of the role definition, or "" when the role has none (the MOSP
// account administrator) or is unknown. For MOSP subscription roles it is the Azure RBAC role
// definition id; for all others a billing role definition id (roleDefinitionName), the last
// segment of ids such as /providers/Microsoft.Billing/billingAccounts/{ba}/billingRoleDefinitions/{guid}.
func (r Role) DefinitionID() string {
	info, _ := r.info()
	return info.id
}

// Agreement returns the agreement the role belongs to. MCA roles return AgreementMCA even though
// MPA accounts use some of them as well (see Agreement.Roles).
func (r Role) Agreement() Agreement {
	info, _ := r.info()
	return info.agreement
}

// Level returns the kind of scope the role is assigned at.
func (r Role) Level() Level {
	info, _ := r.info()
	return info.level
}

// Description says in one sentence what the role is for, from the Azure documentation.
func (r Role) Description() string {
	info, _ := r.info()
	return info.description
}

// RoleByName finds a role by name, ignoring case, spaces and punctuation, so "Billing profile
// owner", "billing-profile-owner" and "EnrollmentReader" all match. It knows the names the
// service returns, the names the documentation and the portal use (such as "Department Admin",
// "Enterprise administrator (read only)") and the SDK's own identifiers ("mca-invoice-manager").
// Prefer RoleByDefinitionID when an id is available: names are for display and may change.
func RoleByName(name string) (Role, bool) {
	key := nameKey(name)
	if key == "" {
		return "", false
	}
	for _, info := range roleInfos() {
		if nameKey(info.name) == key || nameKey(string(info.role)) == key {
			return info.role, true
		}
		for _, alias := range info.aliases {
			if nameKey(alias) == key {
				return info.role, true
			}
		}
	}
	return "", false
}

// nameKey folds a role name to lower-case letters and digits only.
func nameKey(s string) string {
	var b strings.Builder
	for _, c := range s {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			b.WriteRune(unicode.ToLower(c))
		}
	}
	return b.String()
}

// RoleByDefinitionID finds the role of a role definition id. It accepts a bare GUID, a full
// billing role definition id (…/billingRoleDefinitions/{guid}, as in a role assignment's
// roleDefinitionId) or, for the MOSP subscription roles, an Azure RBAC id
// (…/Microsoft.Authorization/roleDefinitions/{guid}); case does not matter.
//
// A full id must agree with the role it names: a billing role GUID under an EA scope (an
// enrollment number as billing account name, or a department or enrollment account) never
// resolves to an MCA role, and the other way round; and an MCA GUID must hang under a scope of
// its role's level (a definition under an MPA customer is no invoice section role). The live
// service reuses MCA GUIDs on EA department scopes and invoice section GUIDs on MPA customers,
// and a wrong role is worse than none.
func RoleByDefinitionID(id string) (Role, bool) {
	id = strings.TrimRight(strings.TrimSpace(id), "/")
	guid, parent := id, ""
	wantRBAC, anyKind := false, true
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		guid, parent = id[i+1:], id[:i]
		collection := parent
		if j := strings.LastIndexByte(parent, '/'); j >= 0 {
			collection = parent[j+1:]
		}
		switch {
		case strings.EqualFold(collection, "billingRoleDefinitions"):
			anyKind = false
		case strings.EqualFold(collection, "roleDefinitions"):
			anyKind, wantRBAC = false, true
		default:
			return "", false
		}
	}
	if !isGUID(guid) {
		return "", false
	}
	hint, ok := agreementHint(parent)
	if !ok {
		return "", false
	}
	level := Level("")
	if !anyKind && !wantRBAC {
		level = scopeLevel(parent)
	}
	for _, info := range roleInfos() {
		if info.id == "" || !strings.EqualFold(info.id, guid) {
			continue
		}
		if !anyKind && info.rbac != wantRBAC {
			continue
		}
		if hint != "" && hint != info.agreement {
			continue
		}
		// MCA GUIDs ({10,30,40,50}000000-aaaa-bbbb-cccc-…) repeat at every level (and on MPA
		// customers), so only the level tells them apart; EA GUIDs are distinct, and the docs
		// assign department and account roles by ids under the billing account.
		if level != "" && info.agreement == AgreementMCA && level != info.level {
			continue
		}
		return info.role, true
	}
	return "", false
}

// scopeLevel is the level of the scope a billing role definition id hangs under (the path before
// /billingRoleDefinitions), or "" when the path names none.
func scopeLevel(path string) Level {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	level := Level("")
	for i := 0; i+1 < len(segs); i++ {
		switch strings.ToLower(segs[i]) {
		case "billingaccounts":
			level = LevelAccount
		case "billingprofiles":
			level = LevelProfile
		case "invoicesections":
			level = LevelInvoiceSection
		case "departments":
			level = LevelDepartment
		case "enrollmentaccounts":
			level = LevelEnrollmentAccount
		case "customers":
			level = LevelCustomer
		default:
			continue
		}
		i++ // skip the name
	}
	return level
}

// RoleOfDefinition finds the role of a billing role definition listed at a scope: id is its
// full id ({scope}/billingRoleDefinitions/{guid}) and name its roleName. The id decides when
// it names a known role of the scope's agreement and level (see RoleByDefinitionID). Otherwise
// the name is tried, and accepted only for a role of that same agreement and level: on an EA
// department "Department Admin" is the department administrator even though its GUID is the MCA
// billing account owner's. An unlocalized name "EaRoleId_{guid}", as EA sends for some
// definitions (with or without the GUID's dashes), is looked up by that GUID at the scope. No role is better than a wrong one: a
// definition that fits no role of the scope's level (the MPA customer roles, say) gives false.
func RoleOfDefinition(id, name string) (Role, bool) {
	id = strings.TrimRight(strings.TrimSpace(id), "/")
	if r, ok := RoleByDefinitionID(id); ok {
		return r, true
	}
	parent := id
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		parent = id[:i]
	}
	if j := strings.LastIndexByte(parent, '/'); j < 0 || !strings.EqualFold(parent[j+1:], "billingRoleDefinitions") {
		return "", false // not a billing role definition id: nothing to check a name against
	}
	name = strings.TrimSpace(name)
	if len(name) > len("EaRoleId_") && strings.EqualFold(name[:len("EaRoleId_")], "EaRoleId_") {
		g := name[len("EaRoleId_"):]
		if len(g) == 32 && isGUID(g[:8]+"-"+g[8:12]+"-"+g[12:16]+"-"+g[16:20]+"-"+g[20:]) {
			// As recorded: "EaRoleId_da6647fb765149eebe91c43c4877f0c4", the GUID without dashes.
			g = g[:8] + "-" + g[8:12] + "-" + g[12:16] + "-" + g[16:20] + "-" + g[20:]
		}
		r, ok := RoleByDefinitionID(parent + "/" + g)
		if !ok {
			return "", false
		}
		name = r.DisplayName() // and checked against the scope like a name
	}
	r, ok := RoleByName(name)
	if !ok {
		return "", false
	}
	scope := strings.TrimSuffix(parent, parent[strings.LastIndexByte(parent, '/'):])
	hint, ok := agreementHint(scope)
	if !ok || (hint != "" && hint != r.Agreement()) {
		return "", false
	}
	if level := scopeLevel(scope); level != "" && level != r.Level() {
		return "", false // listed at a scope, a definition is a role of that scope's level
	}
	return r, true
}

// agreementHint infers the agreement from the scope part of a role definition id: EA billing
// accounts are named by digits or "pcn.…", MCA/MPA ones contain ':'; departments and enrollment
// accounts exist only in EA, billing profiles, invoice sections and customers only in MCA/MPA.
// It returns "" when the path says nothing, and ok=false when it contradicts itself.
func agreementHint(path string) (hint Agreement, ok bool) {
	segs := strings.Split(path, "/")
	set := func(a Agreement) bool {
		if hint != "" && hint != a {
			return false
		}
		hint = a
		return true
	}
	for i, seg := range segs {
		var a Agreement
		switch {
		case strings.EqualFold(seg, "billingAccounts") && i+1 < len(segs):
			name := segs[i+1]
			switch {
			case strings.Contains(name, ":"):
				a = AgreementMCA
			case isDigits(name) || (len(name) > 4 && strings.EqualFold(name[:4], "pcn.")):
				a = AgreementEA
			case isGUID(name):
				a = AgreementMOSP
			}
		case strings.EqualFold(seg, "departments"), strings.EqualFold(seg, "enrollmentAccounts"):
			a = AgreementEA
		case strings.EqualFold(seg, "billingProfiles"), strings.EqualFold(seg, "invoiceSections"),
			strings.EqualFold(seg, "customers"):
			a = AgreementMCA
		}
		if a != "" && !set(a) {
			return "", false
		}
	}
	return hint, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isGUID reports whether s has the 8-4-4-4-12 hexadecimal form of a GUID.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
