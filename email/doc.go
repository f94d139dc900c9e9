// Package email reads and changes who receives Azure invoices by e-mail, for every agreement
// type, with the same calls:
//
//	ec := email.NewClient(bc) // bc is a *billing.Client
//	scope, _ := billing.ProfileScope(account, "AB12-CD34-BG7-PGB")
//	pref, err := ec.Get(ctx, scope)
//	pref, err = ec.OptIn(ctx, scope, []string{"ap@contoso.com"}, nil)
//	pref, err = ec.AddRecipients(ctx, scope, []string{"cfo@contoso.com"}, nil)
//	pref, err = ec.RemoveRecipients(ctx, scope, []string{"ap@contoso.com"}, nil)
//	pref, err = ec.OptOut(ctx, scope, nil) // removes every recipient, as the portal does
//
// What the service offers differs per agreement, and the package says so with typed errors
// rather than pretending:
//
//   - Microsoft Customer Agreement and Microsoft Partner Agreement: the preference belongs to a
//     billing profile (invoiceEmailOptIn and invoiceRecipients). While it is opted in, every
//     billing profile owner, contributor, reader and invoice manager receives the invoices too
//     (Preference.RoleRecipients), plus the extra recipients. Owners, contributors and invoice
//     managers may change it; readers may only read it: their changes are refused with a
//     *roles.PermissionError before anything is written, and a 403 from the service gives the
//     same error. The service has no PATCH, so a change reads the whole profile, changes only
//     those two fields (every other field, known or not, goes back as it came) and writes it with
//     a long-running PUT, guarded by the profile's ETag (If-Match) so that a concurrent change of
//     the profile gives a *ConflictError instead of being lost. See Client for the fallback when
//     the service gives no ETag.
//   - Enterprise Agreement: the enrollment's invoice recipient can be read; changes give a
//     *billing.UnsupportedError.
//   - Individual pay-as-you-go subscriptions (MOSP): no public API exists. Every operation gives
//     a *billing.UnsupportedError that names the portal page (MOSPPortalPath). The API does expose
//     the account's notification address (NotificationEmail, SetNotificationEmail) and the
//     account administrator's address (AccountAdminEmail), which are not invoice e-mail.
//
// Addresses are checked before any request (ValidateAddresses): bare addresses only, no
// duplicates (case-insensitive), bounded in number and length; invalid ones give an
// *AddressError that lists them all.
package email
