// Command invoices lists the invoices of the last N months for a billing scope and downloads
// their documents into a folder, with a progress line. Running it again fetches only what is
// missing, so an interrupted run (Ctrl-C) is finished by starting it again. When there is no
// invoice it explains why.
//
// Without -live it starts the embedded emulator and signs in as one of its principals; with -live
// it runs on Azure with azidentity.DefaultAzureCredential:
//
//	go run ./examples/invoices
//	go run ./examples/invoices -as mosp-account-admin -scope /subscriptions/11111111-1111-1111-1111-111111111111
//	go run ./examples/invoices -as mosp-account-admin -scope /subscriptions/22222222-2222-2222-2222-222222222222
//	go run ./examples/invoices -live -scope /providers/Microsoft.Billing/billingAccounts/ACCOUNT/billingProfiles/PROFILE -months 6 -out ./invoices
//	go run ./examples/invoices -live -scope /subscriptions/SUBSCRIPTION-ID
//
// -scope takes a billing account, a billing profile, or a subscription (individual pay-as-you-go)
// id; -kinds picks documents (invoice, credit-note, tax-receipt, void-note, summary,
// transactions; default all).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
)

type config struct {
	live        bool
	as          billingtest.Principal
	scope       string
	months      int
	out         string
	concurrency int
	kinds       []invoice.DocumentKind
	emulator    []billingtest.Option // emulator options, e.g. a moved world clock in tests
}

func main() {
	var c config
	var as, kinds string
	flag.BoolVar(&c.live, "live", false, "run on Azure with DefaultAzureCredential instead of the emulator")
	flag.StringVar(&as, "as", string(billingtest.MCAProfileOwner), "emulator principal to sign in as")
	flag.StringVar(&c.scope, "scope", "", "billing account, billing profile or subscription id (default on the emulator: its US billing profile)")
	flag.IntVar(&c.months, "months", 12, "how many whole months back from the current one")
	flag.StringVar(&c.out, "out", "invoices", "folder to download into")
	flag.IntVar(&c.concurrency, "concurrency", 0, "documents downloaded at once (0: the SDK's default, 8)")
	flag.StringVar(&kinds, "kinds", "", "comma-separated document kinds (default: every document)")
	flag.Parse()
	c.as = billingtest.Principal(as)
	var err error
	if c.kinds, err = parseKinds(kinds); err != nil {
		fmt.Fprintln(os.Stderr, "invoices:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, c); err != nil {
		fmt.Fprintln(os.Stderr, "invoices:", err)
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "interrupted: run the same command again to finish")
		}
		os.Exit(1)
	}
}

func parseKinds(s string) ([]invoice.DocumentKind, error) {
	names := map[string]invoice.DocumentKind{
		"invoice": invoice.KindInvoice, "credit-note": invoice.KindCreditNote, "tax-receipt": invoice.KindTaxReceipt,
		"void-note": invoice.KindVoidNote, "summary": invoice.KindSummary, "transactions": invoice.KindTransactions,
	}
	var out []invoice.DocumentKind
	for _, k := range strings.Split(s, ",") {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			continue
		}
		kind, ok := names[k]
		if !ok {
			return nil, fmt.Errorf("unknown document kind %q", k)
		}
		out = append(out, kind)
	}
	return out, nil
}

func run(ctx context.Context, w io.Writer, c config) error {
	var (
		bc  *billing.Client
		err error
	)
	if c.live {
		if c.scope == "" {
			return errors.New("-live needs -scope (a billing account, billing profile or subscription id)")
		}
		cred, cerr := azidentity.NewDefaultAzureCredential(nil)
		if cerr != nil {
			return cerr
		}
		bc, err = billing.NewClient(cred, nil)
	} else {
		srv, serr := billingtest.Start(c.emulator...)
		if serr != nil {
			return serr
		}
		defer srv.Close()
		fmt.Fprintf(w, "emulator at %s, signed in as %s\n", srv.ARMEndpoint(), c.as)
		if c.scope == "" {
			c.scope = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.MCAAccount + "/billingProfiles/" + billingtest.MCAProfileUS
		}
		bc, err = billing.NewClient(srv.Credential(c.as), srv.ClientOptions())
	}
	if err != nil {
		return err
	}
	scope, err := billing.ParseScope(c.scope)
	if err != nil {
		return err
	}
	invoices, err := invoice.NewClient(bc, scope)
	if err != nil {
		return err
	}
	period := bc.LastMonths(c.months) // by the client's clock: the emulator's, or the real one
	fmt.Fprintf(w, "invoices of %s for %s into %s\n", scope, period, c.out)

	var listed []invoice.Invoice
	remember := func(yield func(invoice.Invoice, error) bool) {
		for inv, err := range invoices.List(ctx, &invoice.ListOptions{Period: period}) {
			if err == nil {
				listed = append(listed, inv)
			}
			if !yield(inv, err) || err != nil {
				return
			}
		}
	}
	progress := func(p invoice.Progress) {
		total := fmt.Sprint(p.Total)
		if !p.Listed {
			total += "+"
		}
		fmt.Fprintf(w, "\r[%d/%s] %-10s %-40s", p.Done, total, p.Outcome, shortName(p.File.Path))
	}
	sum, err := invoices.DownloadAll(ctx, remember, c.out, &invoice.BulkOptions{
		Concurrency: c.concurrency, Kinds: c.kinds, Progress: progress,
	})
	if len(sum.Downloaded)+len(sum.Skipped)+len(sum.Failed) > 0 {
		fmt.Fprintln(w)
	}
	for _, inv := range listed {
		fmt.Fprintf(w, "  %-12s %s  %-8s billed %-14s due %s\n", inv.Name, inv.Period, inv.Status, inv.Billed, inv.AmountDue)
	}
	fmt.Fprintln(w, sum)
	for _, f := range sum.Failed {
		fmt.Fprintf(w, "  failed %s: %v\n", shortName(f.Path), f.Err)
	}
	var perr *roles.PermissionError
	if err != nil && !errors.As(err, &perr) {
		var be *invoice.BulkError
		if !errors.As(err, &be) {
			return err
		}
	}
	if len(listed) == 0 {
		return explain(ctx, w, invoices, period)
	}
	return nil
}

func explain(ctx context.Context, w io.Writer, invoices *invoice.Client, period billing.Period) error {
	exp, err := invoices.Explain(ctx, period)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "no invoice found; why:")
	for _, r := range exp.Reasons {
		fmt.Fprintf(w, "  - %s\n", r.Message)
	}
	return nil
}

func shortName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}
