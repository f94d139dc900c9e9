package reconcile_test

import (
	"context"
	"fmt"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/reconcile"
)

// Reconcile last month's invoice of a billing profile with the usage it bills. The emulator's
// clock is pinned so that the output below is the same on any date; without WithNow it follows
// today's date and bc.LastMonths follows it.
func ExampleClient_Invoice() {
	srv, err := billingtest.Start(billingtest.WithNow(billingtest.ReferenceNow()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	bc, err := billing.NewClient(srv.Credential(billingtest.MCAProfileReader), srv.ClientOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	invoices := invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
	rc := reconcile.NewClient(bc)
	for inv, err := range invoices.List(ctx, &invoice.ListOptions{Period: bc.LastMonths(1)}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		res, err := rc.Invoice(ctx, inv)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(res.Invoice.Name, res.Invoice.Period, "charged", res.Charged)
		for _, l := range res.Lines {
			fmt.Printf("  %-10s %s\n", l.Kind, l.Amount.Value.Normalize())
		}
		fmt.Println("  unexplained", res.Unexplained.Value.Normalize(), "reconciled", res.Reconciled())
	}
	// Output:
	// G000000025 2026-10-01..2026-10-31 charged 200.21 USD
	//   usage      185.48780152
	//   rounding   -0.10780152
	//   tax        14.83
	//   unexplained 0 reconciled true
}

// Reconcile a year of invoices, four at a time, with a progress callback.
func ExampleClient_Invoices() {
	srv, err := billingtest.Start(billingtest.WithNow(billingtest.ReferenceNow()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	bc, err := billing.NewClient(srv.Credential(billingtest.EAEnterpriseAdmin), srv.ClientOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	var invs []invoice.Invoice
	for inv, err := range invoice.NewAccountClient(bc, billingtest.EAAccount).List(ctx, &invoice.ListOptions{Period: bc.LastMonths(12)}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		invs = append(invs, inv)
	}
	done := 0
	results, err := reconcile.NewClient(bc).Invoices(ctx, invs, &reconcile.Options{
		Concurrency: 4,
		Progress:    func(p reconcile.Progress) { done = p.Done },
	})
	reconciled := 0
	for _, r := range results {
		if r.Reconciled() {
			reconciled++
		}
	}
	fmt.Println(len(invs), "invoices,", done, "done,", reconciled, "reconciled, error:", err)
	// Output:
	// 12 invoices, 12 done, 12 reconciled, error: <nil>
}
