package roles

// Action is something the SDK does on a billing scope that needs a role. Its value is a stable
// identifier of this SDK; Description gives the words used in error messages.
type Action string

// Actions of the SDK.
const (
	ViewBillingAccount Action = "view-billing-account"
	ViewBillingProfile Action = "view-billing-profile"
	ViewInvoices       Action = "view-invoices"
	DownloadInvoice    Action = "download-invoice"
	// ViewUsage is reading usage and charges (cost details, usage details): what EA calls
	// "view charges".
	ViewUsage             Action = "view-usage"
	ReadInvoiceEmail      Action = "read-invoice-email"
	UpdateInvoiceEmail    Action = "update-invoice-email"
	ViewPermissions       Action = "view-permissions"
	ViewPolicies          Action = "view-policies"
	ManageRoleAssignments Action = "manage-role-assignments"
	// UpdateNotificationEmail is changing a MOSP billing account's notification e-mail address
	// (account notifications, not invoice e-mail).
	UpdateNotificationEmail Action = "update-notification-email"
)

// Actions returns every action of the SDK, in a stable order. The slice is new on each call.
func Actions() []Action {
	return []Action{
		ViewBillingAccount, ViewBillingProfile, ViewInvoices, DownloadInvoice, ViewUsage,
		ReadInvoiceEmail, UpdateInvoiceEmail, ViewPermissions, ViewPolicies, ManageRoleAssignments,
		UpdateNotificationEmail,
	}
}

// Description returns what the action does as a verb phrase that completes "not allowed to …",
// such as "download invoices". An unknown action returns its raw value.
func (a Action) Description() string {
	switch a {
	case ViewBillingAccount:
		return "view the billing account"
	case ViewBillingProfile:
		return "view billing profiles"
	case ViewInvoices:
		return "view invoices"
	case DownloadInvoice:
		return "download invoices"
	case ViewUsage:
		return "view usage and charges"
	case ReadInvoiceEmail:
		return "read the invoice e-mail preference"
	case UpdateInvoiceEmail:
		return "change the invoice e-mail preference"
	case ViewPermissions:
		return "view billing permissions"
	case ViewPolicies:
		return "view billing policies"
	case ManageRoleAssignments:
		return "manage billing role assignments"
	case UpdateNotificationEmail:
		return "change the account's notification e-mail address"
	}
	return string(a)
}
