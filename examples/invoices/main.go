// Command invoices lists the invoices of the last N months for a billing scope and downloads
// their documents into a folder, with a progress line. Running it again fetches only what is
// missing, so an interrupted run (Ctrl-C or SIGTERM, which leave no partial file; or a hard
// kill, whose broken-off document is continued) is finished by starting it again. When there
// is no invoice it explains why. It exits 0 when every document is in the folder, 1 when any
// failed (after listing them) or the run was interrupted, 2 for bad flags.
//
// Without -live it starts the embedded emulator and signs in as one of its principals; with
// -emulator it uses an emulator process (examples/emulator; see package
// examples/internal/target for the flags and environment variables every example shares); with
// -live it runs on Azure with azidentity.DefaultAzureCredential:
//
//	go run ./examples/invoices
//	go run ./examples/invoices -emulator https://127.0.0.1:PORT -emulator-ca /tmp/emulator-ca.pem -as mca-profile-owner
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
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/examples/internal/target"
	"github.com/azbilling/azbilling/invoice"
)

type config struct {
	target      target.Flags
	scope       string
	months      int
	out         string
	concurrency int
	kinds       []invoice.DocumentKind
	noRecord    bool
}

// maxMonths bounds -months: Azure keeps invoices for a few years, and a larger number would only
// send a nonsense period (the year -6307 for 100000).
const maxMonths = 120

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain parses and checks the flags, runs the job and returns the exit status: 0 when every
// document is on disk, 1 when anything failed or the run was interrupted, 2 for bad flags.
func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("invoices", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	tf := target.Register(fs, billingtest.PrincipalMCAProfileOwner)
	var kinds string
	fs.StringVar(&c.scope, "scope", "", "billing account, billing profile or subscription id (default on the emulator: its US billing profile)")
	fs.IntVar(&c.months, "months", 12, fmt.Sprintf("how many whole months back from the current one (1 to %d)", maxMonths))
	fs.StringVar(&c.out, "out", "invoices", "folder to download into")
	fs.IntVar(&c.concurrency, "concurrency", 0, "documents downloaded at once (0: the SDK's default, 8; at most 64)")
	fs.StringVar(&kinds, "kinds", "", "comma-separated document kinds (default: every document)")
	fs.BoolVar(&c.noRecord, "no-record", false, "keep no bookkeeping file ("+invoice.RecordFile+") in the folder")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c.target = *tf
	err := c.validate(fs.Args())
	if err == nil {
		c.kinds, err = parseKinds(kinds)
	}
	job := target.Job{Name: "invoices", Stderr: stderr,
		Interrupted: "interrupted: no partial file was left; run the same command again to finish"}
	return job.Run(err, func(ctx context.Context) error { return run(ctx, stdout, c) })
}

// validate checks the flags before any request.
func (c config) validate(rest []string) error {
	if err := target.NoArguments(rest); err != nil {
		return err
	}
	if err := c.target.Validate(); err != nil {
		return err
	}
	if c.months < 1 || c.months > maxMonths {
		return fmt.Errorf("-months must be between 1 and %d, not %d", maxMonths, c.months)
	}
	if c.concurrency < 0 || c.concurrency > 64 {
		return fmt.Errorf("-concurrency must be between 0 and 64, not %d", c.concurrency)
	}
	if strings.TrimSpace(c.out) == "" {
		return errors.New("-out must name a folder")
	}
	if c.target.Live && c.scope == "" {
		return errors.New("-live needs -scope (a billing account, billing profile or subscription id)")
	}
	if c.scope != "" {
		if _, err := billing.ParseScope(c.scope); err != nil {
			return err
		}
	}
	return nil
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
	conn, err := c.target.Connect()
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Fprintln(w, conn.Where)
	if c.scope == "" {
		c.scope = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.MCAAccount + "/billingProfiles/" + billingtest.MCAProfileUS
	}
	scope, err := billing.ParseScope(c.scope)
	if err != nil {
		return err
	}
	invoices, err := invoice.NewClient(conn.Client, scope)
	if err != nil {
		return err
	}
	// The client's clock is the emulator's world clock there, the real one on Azure.
	period := billing.LastMonthsAt(conn.Client.Now(), c.months)
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
		Concurrency: c.concurrency, Kinds: c.kinds, Progress: progress, NoRecord: c.noRecord,
	})
	if len(sum.Downloaded)+len(sum.Skipped)+len(sum.Failed) > 0 {
		fmt.Fprintln(w)
	}
	for _, inv := range listed {
		fmt.Fprintf(w, "  %-12s %s  %-8s billed %-14s due %s\n", inv.Name, inv.Period, inv.Status, inv.Billed, inv.AmountDue)
	}
	fmt.Fprintln(w, sum)
	var be *invoice.BulkError
	if errors.As(err, &be) && be.Stopped != nil {
		fmt.Fprintf(w, "  stopped early: %v\n", be.Stopped)
	} else {
		for _, f := range sum.Failed {
			fmt.Fprintf(w, "  failed %s: %v\n", shortName(f.Path), f.Err)
		}
	}
	if err != nil {
		return err
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
