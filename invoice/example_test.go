package invoice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
)

// emulator starts the emulator and returns a billing client for principal p. Real programs use
// billing.NewClient(cred, nil) with an azidentity credential instead.
// emulator starts the emulator with its world clock pinned to billingtest.ReferenceNow, so that
// the output below is the same on any date. Without WithNow the emulator follows today's date.
func emulator(p billingtest.Principal) (*billingtest.Server, *billing.Client) {
	srv, err := billingtest.Start(billingtest.WithNow(billingtest.ReferenceNow()))
	if err != nil {
		panic(err)
	}
	bc, err := billing.NewClient(srv.Credential(p), srv.ClientOptions())
	if err != nil {
		panic(err)
	}
	return srv, bc
}

func ExampleClient_List() {
	srv, bc := emulator(billingtest.MCAProfileReader)
	defer srv.Close()
	ctx := context.Background()

	invoices := invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
	// The last three calendar months by the client's clock (here the emulator's).
	for inv, err := range invoices.List(ctx, &invoice.ListOptions{Period: bc.LastMonths(3)}) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(inv.Name, inv.Period, inv.Status, inv.Charged(), len(inv.Documents), "document(s)")
	}
	// Output:
	// G000000023 2026-08-01..2026-08-31 Paid 100.33 USD 2 document(s)
	// G000000024 2026-09-01..2026-09-30 Paid 194.76 USD 1 document(s)
	// G000000025 2026-10-01..2026-10-31 Due 200.21 USD 2 document(s)
}

func ExampleClient_DownloadFile() {
	srv, bc := emulator(billingtest.MOSPAccountAdmin)
	defer srv.Close()
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "invoices")
	defer os.RemoveAll(dir)

	invoices := invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo)
	inv, err := invoices.Get(ctx, "E000000024")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	path, err := invoices.DownloadFile(ctx, inv, invoice.KindInvoice, dir)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	pdf, _ := os.ReadFile(path)
	fmt.Println(filepath.Base(path), bytes.HasPrefix(pdf, []byte("%PDF-")), bytes.Contains(pdf, []byte(inv.Name)))
	// Output:
	// E000000024-invoice.pdf true true
}

func ExampleClient_DownloadAll() {
	srv, bc := emulator(billingtest.MCAProfileOwner)
	defer srv.Close()
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "invoices")
	defer os.RemoveAll(dir)

	invoices := invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
	lastSix := bc.LastMonths(6)
	opts := &invoice.BulkOptions{Kinds: []invoice.DocumentKind{invoice.KindInvoice}}

	sum, err := invoices.DownloadAll(ctx, invoices.List(ctx, &invoice.ListOptions{Period: lastSix}), dir, opts)
	fmt.Println(len(sum.Downloaded), "downloaded,", len(sum.Skipped), "skipped,", err)

	// Running it again (say after Ctrl-C) fetches nothing that is already complete.
	sum, err = invoices.DownloadAll(ctx, invoices.List(ctx, &invoice.ListOptions{Period: lastSix}), dir, opts)
	fmt.Println(len(sum.Downloaded), "downloaded,", len(sum.Skipped), "skipped,", err)
	// Output:
	// 6 downloaded, 0 skipped, <nil>
	// 0 downloaded, 6 skipped, <nil>
}

func ExampleClient_Explain() {
	srv, bc := emulator(billingtest.MOSPAccountAdmin)
	defer srv.Close()

	invoices := invoice.NewSubscriptionClient(bc, billingtest.SubscriptionNew)
	exp, err := invoices.Explain(context.Background(), bc.MonthToDate())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, r := range exp.Reasons {
		fmt.Println(r.Kind+":", r.Message)
	}
	// Output:
	// subscription-too-new: The subscription was created on 2026-11-13, less than 30 days ago: its first invoice comes after its first billing period ends, on or after 2026-12-13.
}

func ExampleClient_List_permissionDenied() {
	srv, bc := emulator(billingtest.MCAInvoiceSectionOwner)
	defer srv.Close()

	invoices := invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
	for _, err := range invoices.List(context.Background(), nil) {
		var perr *roles.PermissionError
		if errors.As(err, &perr) {
			for _, r := range perr.Required {
				fmt.Println("ask for:", r.DisplayName())
			}
		}
	}
	// Output:
	// ask for: Billing account owner
	// ask for: Billing account contributor
	// ask for: Billing account reader
	// ask for: Billing profile owner
	// ask for: Billing profile contributor
	// ask for: Billing profile reader
	// ask for: Invoice manager
}

func ExampleSafeFileName() {
	fmt.Println(invoice.SafeFileName("G123456789-invoice"))
	fmt.Println(invoice.SafeFileName("../../etc/passwd"))
	fmt.Println(invoice.SafeFileName("CON"))
	// Output:
	// G123456789-invoice
	// etc_passwd
	// CON_
}
