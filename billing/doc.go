// Package billing is the client every other azbilling package builds on.
//
// Create one Client per process with NewClient and any azcore.TokenCredential (for example
// azidentity.NewDefaultAzureCredential); nil ClientOptions mean the Azure public cloud and azcore's
// default retry, transport and logging. The same Client is handed to invoice, usage and email.
//
// From the Client you reach what Azure keeps about billing:
//
//   - Accounts and Account: billing accounts with their agreement type (MOSP, EA, MCA, MPA);
//     Profiles and InvoiceSections for MCA; Departments and EnrollmentAccounts for EA;
//     Subscriptions, the way to find pay-as-you-go subscriptions; SubscriptionBilling, which
//     agreement bills a subscription.
//   - Scope: a typed, validated Azure billing scope, built with its constructors
//     (AccountScope, ProfileScope, DepartmentScope, SubscriptionScope, ...) or parsed from an ARM id with ParseScope.
//   - Period and Date: calendar dates and ranges of them, with helpers for months.
//   - Decimal and Amount: exact decimal numbers for money and quantities (never float64), an
//     Amount being a Decimal with its currency.
//   - Permissions, RoleDefinitions, Access and CheckAccess: what the signed-in principal may do on
//     a scope, decided with the roles package's table.
//
// # Money
//
// Money never goes through float64. Every amount of money the SDK hands out on its own — an
// invoice's totals, a payment, a reconciliation line, the totals of a usage Breakdown or of a
// reconciliation — is an Amount: an exact Decimal with its ISO 4217 currency. Totals over data
// that may mix currencies are a []Amount with one Amount per currency, sorted by currency code,
// because adding currencies needs an exchange rate (Amount.Add refuses with a
// *CurrencyMismatchError). Per-row values read in bulk (usage.Record, usage.DailyTotal) keep a
// Decimal and a Currency field side by side, which keeps reading fast, and give the Amount with
// their Amount method.
//
// # Errors
//
// Every error the SDK returns is typed and wraps its cause, so errors.As and errors.Is work:
// *roles.PermissionError (401/403, with the roles that would allow the action), *NotFoundError,
// *ThrottledError, *ServiceError, *ProtocolError, *NetworkError, *HostError, *DownloadError,
// *InputError and *UnsupportedError, with the sentinels ErrNotFound, ErrThrottled,
// ErrUnsupported, ErrNotAvailable and ErrInvalidInput for errors.Is.
//
// # Tests and examples without Azure
//
// The billingtest package is an in-process emulator of the Azure billing APIs. Pass
// NewClient its Credential for a principal and its ClientOptions, and the same program runs
// without an Azure subscription.
package billing
