// Package azbilling is an embeddable Go SDK for Azure billing data: invoices and their PDF
// documents, daily usage and charges, invoice e-mail preferences and billing roles, for every
// agreement type — individual pay-as-you-go (MOSP), Enterprise Agreement (EA) and Microsoft
// Customer Agreement (MCA, and MPA where it shares MCA's shape).
//
// This root package holds only documentation. The work is done by:
//
//	billing              the client (NewClient), accounts, billing profiles, invoice sections,
//	                     departments, enrollment accounts, scopes, periods, exact decimals and
//	                     amounts, permissions and access checks, shared typed errors
//	billing/billingtest  an in-process emulator of the Azure billing APIs for tests and examples
//	roles                billing roles, actions, which role allows what, PermissionError
//	invoice              list, get and download invoices and their documents; explain a missing one
//	reconcile            check an invoice against the usage it bills, line by line, to the cent
//	usage                stream usage CSV files of every Azure dialect as typed records; fetch
//	                     usage through the Cost Details and Consumption APIs
//	email                read and change who receives invoices by e-mail
//	examples/...         runnable programs; each runs on the emulator without flags, -live on Azure
//
// # Quick start
//
//	cred, err := azidentity.NewDefaultAzureCredential(nil)
//	if err != nil { ... }
//	bc, err := billing.NewClient(cred, nil) // nil options: public cloud, defaults
//	if err != nil { ... }
//	for acct, err := range bc.Accounts(ctx) {
//		if err != nil { ... }
//		fmt.Println(acct.Name, acct.Agreement)
//	}
//	// Without Azure credentials, run the same code on the emulator:
//	srv, _ := billingtest.Start()
//	defer srv.Close()
//	bc, _ = billing.NewClient(srv.Credential(billingtest.MCAProfileOwner), srv.ClientOptions())
//
// Every list is an iter.Seq2[T, error]; every error is typed (roles.PermissionError,
// billing.NotFoundError, billing.ThrottledError, ...) and wraps its cause.
//
// # Dates and periods
//
// Build periods from the client's clock: bc.LastMonths(6), bc.MonthToDate(), bc.Today(). On
// Azure that is the real clock; on the emulator it is the emulator's world clock, which follows
// today's date unless a test pins it with billingtest.WithNow — either way the periods agree with
// the client that checks them, and a period that starts after today is refused alike by invoices
// and usage. billing.Period's documentation defines month to date, billing period, open billing
// period and invoice period once for the whole SDK.
package azbilling
