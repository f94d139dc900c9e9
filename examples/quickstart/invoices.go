package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
)

// showInvoices lists, for every billing account the caller can see, the invoices of the last
// three months where its agreement keeps them (each subscription of a MOSP account, each billing
// profile of an MCA/MPA account, the EA enrollment itself), explains why a scope has none, and
// downloads the newest invoice PDF into a temporary folder that is removed again. It changes
// nothing on the service. srv is unused (nil with -live or an emulator process).
func showInvoices(ctx context.Context, w io.Writer, bc *billing.Client, srv *billingtest.Server) error {
	fmt.Fprintln(w, "Invoices")
	// The client's clock: the emulator's world clock there, the real one on Azure.
	period := billing.LastMonthsAt(bc.Now(), 3)
	var (
		newest       invoice.Invoice
		newestClient *invoice.Client
	)
	for acct, err := range bc.Accounts(ctx) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "- %s  %q  (%s), %s\n", acct.Name, acct.DisplayName, acct.Agreement, period)
		scopes, err := invoiceScopes(ctx, bc, acct)
		if err != nil {
			if e := printInvoiceError(w, "    ", err); e != nil {
				return e
			}
			continue
		}
		for _, sc := range scopes {
			c, err := invoice.NewClient(bc, sc.scope)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "  %s:\n", sc.label)
			n := 0
			for inv, err := range c.List(ctx, &invoice.ListOptions{Period: period}) {
				if err != nil {
					if e := printInvoiceError(w, "    ", err); e != nil {
						return e
					}
					break
				}
				n++
				fmt.Fprintf(w, "    %-12s %s  %-7s billed %-13s due %-13s %d document(s)\n",
					inv.Name, inv.Period, inv.Status, inv.Billed, inv.AmountDue, len(inv.Documents))
				if _, ok := inv.Document(invoice.KindInvoice); ok && inv.Date.After(newest.Date) {
					newest, newestClient = inv, c
				}
			}
			if n == 0 {
				exp, err := c.Explain(ctx, period)
				if err != nil {
					return err
				}
				for _, r := range exp.Reasons {
					if r.Kind != invoice.ReasonNoAccess { // already printed by the list
						fmt.Fprintf(w, "    why none: %s\n", r.Message)
					}
				}
			}
		}
	}
	if newestClient == nil {
		return nil
	}
	dir, err := os.MkdirTemp("", "azbilling-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path, err := newestClient.DownloadFile(ctx, newest, invoice.KindInvoice, dir)
	if err != nil {
		return printInvoiceError(w, "  ", err)
	}
	pdf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  downloaded the newest invoice to %s: %d bytes, a PDF: %v (removed again)\n",
		filepath.Base(path), len(pdf), bytes.HasPrefix(pdf, []byte("%PDF-")))
	return nil
}

type invoiceScope struct {
	scope billing.Scope
	label string
}

// invoiceScopes lists where an account's invoices are read from.
func invoiceScopes(ctx context.Context, bc *billing.Client, acct billing.Account) ([]invoiceScope, error) {
	var out []invoiceScope
	switch acct.Agreement {
	case billing.AgreementMOSP:
		for sub, err := range bc.BillingSubscriptions(ctx, acct.Scope()) {
			if err != nil {
				return nil, err
			}
			s, err := billing.BillingSubscriptionScope("default", sub.SubscriptionID)
			if err != nil {
				return nil, err
			}
			out = append(out, invoiceScope{s, fmt.Sprintf("subscription %s %q", sub.SubscriptionID, sub.DisplayName)})
		}
	case billing.AgreementMCA, billing.AgreementMPA:
		for p, err := range bc.Profiles(ctx, acct.Name) {
			if err != nil {
				return nil, err
			}
			out = append(out, invoiceScope{p.Scope(), fmt.Sprintf("billing profile %s %q", p.Name, p.DisplayName)})
		}
	default:
		out = append(out, invoiceScope{acct.Scope(), "billing account"})
	}
	return out, nil
}

// printInvoiceError prints what a user should see (no access, e-mailed EA invoices, nothing
// there) and returns any other error.
func printInvoiceError(w io.Writer, indent string, err error) error {
	var (
		perr *roles.PermissionError
		eerr *invoice.EmailedError
	)
	switch {
	case errors.As(err, &eerr), errors.As(err, &perr), errors.Is(err, billing.ErrNotFound), errors.Is(err, billing.ErrUnsupported):
		fmt.Fprintf(w, "%s%v\n", indent, err)
		return nil
	}
	return err
}
