// Package invoice lists, reads and downloads Azure invoices for every agreement type, and explains
// why an invoice is missing.
//
// Each agreement keeps its invoices at a different place, so a Client is made for one scope:
//
//	c := invoice.NewSubscriptionClient(bc, subscriptionID)      // individual pay-as-you-go (MOSP)
//	c := invoice.NewProfileClient(bc, account, profile)         // Microsoft Customer/Partner Agreement
//	c := invoice.NewAccountClient(bc, account)                  // any billing account, e.g. an EA enrollment
//	c, err := invoice.NewClient(bc, scope)                      // any of these from a billing.Scope
//
// where bc is a *billing.Client. Then:
//
//	for inv, err := range c.List(ctx, &invoice.ListOptions{Period: bc.LastMonths(6)}) {
//		if err != nil { ... }                                   // e.g. a *roles.PermissionError
//		fmt.Println(inv.Name, inv.Period, inv.Charged())       // what the invoice charged
//		path, err := c.DownloadFile(ctx, inv, invoice.KindInvoice, "./invoices")
//	}
//
// bc.LastMonths reads the client's clock — the real one, or the emulator's world clock when bc
// was made with billingtest's ClientOptions — so the period always agrees with the client that
// checks it (see billing.Period for month to date, billing period and invoice period).
// ListOptions.Period selects invoices whose invoice period overlaps it; a period that starts
// after today is a *billing.InputError, as it is for usage.
//
// # Invoices
//
// Invoice holds the 2024-04-01 invoice model: status, type, dates, the invoice period, exact
// amounts (billing.Amount, never float64), documents, payments and the billing profile or
// subscription. Enumerations keep values this package does not know, and fields the service
// omits stay zero. The Invoice type documents what each amount means per agreement;
// Invoice.Charged answers "what was I charged on this invoice". To check an invoice against the
// usage it bills, see package reconcile.
//
// A subscription billed through an MCA/MPA billing profile or an EA enrollment has no invoices
// of its own: List on a subscription client then yields a *BilledElsewhereError naming the
// billing profile or billing account to list instead, and Explain gives ReasonBilledElsewhere.
//
// # Downloads
//
// A document is fetched in two steps: the service's download operation (POST …/download, answered
// 200, or 202 with Location and Retry-After and polled until 200) hands out a short-lived SAS
// link, and the document is read from that link without the ARM bearer token. Reads retry on
// 429, 5xx and network errors, resume with Range requests after a broken connection, and ask for
// a fresh link when the old one has expired (by its expiryTime, or a 403 from the blob host). The
// SAS signature never appears in an error. Documents are streamed: nothing is written until the
// first bytes are seen to be "%PDF-"; otherwise the error says what came instead (a
// *billing.DownloadError of kind billing.DownloadKindContent).
//
// Download writes to an io.Writer; DownloadFile writes a file named by FileName through a
// temporary file, fsync and rename, so a file only ever appears complete; DownloadZip fetches the
// service's zip of several documents and checks its expanded size; DownloadAll downloads many
// invoices with bounded concurrency, skipping files already complete, so a second run after a
// crash or Ctrl-C only fetches what is missing.
//
// Enterprise Agreement invoices are e-mailed to the enrollment's invoice recipient. The
// 2024-04-01 API offers download and downloadSummary for EA accounts, but when the service
// refuses them the error is an *EmailedError that names the recipient.
//
// # Missing invoices
//
// Explain gathers what the service exposes (the invoice list, the caller's access, a
// subscription's creation date, offer and billing type, a billing profile's invoice day, an
// enrollment's invoice recipient) and returns the reasons an invoice is missing: no role that may
// view it, a subscription younger than 30 days, a billing period not yet closed or invoiced, a
// credit offer whose credit was not exceeded, or an EA invoice sent by e-mail.
package invoice
