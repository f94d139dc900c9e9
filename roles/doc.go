// Package roles knows who may do what in Azure billing: the billing roles of each agreement type,
// the actions this SDK performs, which roles allow which action, the policies that can block a
// role that would otherwise be allowed, and PermissionError, the error every azbilling package
// returns when the service refuses an action (HTTP 401 or 403).
//
// The package does no I/O and imports nothing else of the SDK, so every other package can use it.
//
// # Roles
//
// A Role has a stable identifier of this SDK (MCABillingProfileOwner is
// "mca-billing-profile-owner") and carries the service's facts: DisplayName ("Billing profile
// owner"), DefinitionID (the role definition GUID), Agreement and Level (the kind of scope it is
// assigned at). Turn what the service returns into a Role with RoleByDefinitionID (a role
// assignment's roleDefinitionId, bare GUID or full id), RoleOfDefinition (a role definition
// listed at a scope: its full id and roleName, checked against the scope's agreement and level)
// or RoleByName (case-insensitive, with the names the docs and the portal use as aliases). The
// live service reuses the MCA GUIDs on EA departments ("Department Admin") and MPA customers,
// and names some EA definitions "EaRoleId_{guid}": prefer full ids, and expect no role rather
// than a wrong one for definitions the SDK does not know at a scope (the MPA customer roles).
//
// Per agreement:
//   - MOSP (pay-as-you-go): the account administrator, plus the Azure RBAC subscription roles
//     Owner, Contributor, Reader and Billing Reader, which see invoices only while the account
//     administrator allows others to download invoices (PolicyMOSPInvoiceAccess).
//   - EA: enterprise administrator, enterprise administrator (read only) ("Enrollment reader"),
//     EA purchaser, department administrator, department reader, account owner and subscription
//     creator. Department roles see costs only while "DA view charges" is on, account owners only
//     while "AO view charges" is on.
//   - MCA: owner, contributor and reader at billing account, billing profile and invoice section
//     level, invoice manager, and Azure subscription creator. Roles cover the scopes below them.
//   - MPA: the MCA billing account and billing profile roles (AgreementMPA.Roles).
//
// # Rules
//
// Rules returns the permission table, one Rule per agreement, role and action, written from the
// Azure documentation (sources on Rules). Allows and AllowsWith answer for one role, Allowing
// lists the roles of an agreement that allow an action, and RequiredPolicy names the policy a
// role needs. The table explains refusals; it does not replace the service's decision.
//
// # Errors
//
// Packages that call the service turn a 401 or 403 into a *PermissionError, usually with
// NewPermissionError so that Required lists the roles that would allow the action:
//
//	_, err := invoices.DownloadFile(ctx, inv, invoice.KindInvoice, dir)
//	var perr *roles.PermissionError
//	if errors.As(err, &perr) {
//		fmt.Println("ask for one of:", perr.Required)
//	}
//	if errors.Is(err, roles.ErrPermissionDenied) {
//		// any permission error, whatever wraps it
//	}
//
// Its Error text is one sentence such as
//
//	not allowed to download invoices on /providers/Microsoft.Billing/billingAccounts/…/billingProfiles/AB12
//	(MCA; HTTP 403 AuthorizationFailed): needs one of Billing account owner, …, Invoice manager (request id …)
//
// and never contains anything that looks like a token or a SAS signature.
package roles
