// Command reconcile checks every invoice of the last N months against the usage it bills, for
// every billing account the caller can see: MCA/MPA invoices per billing profile (usage by
// invoice id), EA invoices per enrollment (usage of the billing period), pay-as-you-go invoices
// per subscription (usage of the subscription's billing period). It prints one line per invoice
// — what it charged and how usage, rounding, credits, prepayment, free credit and tax add up to
// it — and, as its last line, a JSON summary:
//
//	{"invoices":N,"reconciled":N,"unexplained":{"USD":"0"},"usage_rows":N}
//
// where unexplained sums, per currency, what no line explains (exactly 0 on the emulator).
//
// Without -live it starts the embedded emulator and signs in as one principal per agreement
// (-as takes one or a comma-separated list); with -emulator it uses an emulator process
// (examples/emulator; the flags and environment variables are those of every example, see
// examples/internal/target); with -live it runs on Azure with azidentity.DefaultAzureCredential:
//
//	go run ./examples/reconcile
//	go run ./examples/reconcile -months 3 -v
//	go run ./examples/reconcile -live -months 6
//
// Cost Details keeps 13 months of usage, so -months is at most 12. The exit status is 1 when an
// invoice could not be reconciled (no access to its usage, a service error) or the run was
// interrupted (Ctrl-C, SIGTERM), 2 for bad flags, 0 otherwise.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/examples/internal/target"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/reconcile"
)

type config struct {
	target      target.Flags
	months      int
	concurrency int
	verbose     bool
	as          []billingtest.Principal // emulator principals; default one per agreement
	progress    io.Writer               // where progress goes (stderr), nil for none
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain returns the exit status: 0 when every invoice was reconciled, 1 when any could not
// be or the run was interrupted (Ctrl-C, SIGTERM), 2 for bad flags.
func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	tf := target.Register(fs, "") // "": one principal per agreement on the emulator
	fs.IntVar(&c.months, "months", 12, "whole months back from the current one (at most 12: Cost Details keeps 13 months)")
	fs.IntVar(&c.concurrency, "concurrency", 4, "invoices reconciled at once (1 to 64)")
	fs.BoolVar(&c.verbose, "v", false, "print each invoice's lines")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c.target, c.progress = *tf, stderr
	if tf.As != "" && strings.Contains(tf.As, ",") {
		for _, p := range strings.Split(tf.As, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.as = append(c.as, billingtest.Principal(p))
			}
		}
		c.target.As = ""
	}
	job := target.Job{Name: "reconcile", Stderr: stderr}
	return job.Run(c.validate(fs.Args()), func(ctx context.Context) error { return run(ctx, stdout, c) })
}

// validate checks the flags before any request.
func (c config) validate(rest []string) error {
	if err := target.NoArguments(rest); err != nil {
		return err
	}
	if err := c.target.Validate(); err != nil {
		return err
	}
	for _, p := range c.as {
		one := c.target
		one.As = string(p)
		if err := one.Validate(); err != nil {
			return err
		}
	}
	if c.months < 1 || c.months > 12 {
		return fmt.Errorf("-months must be between 1 and 12, not %d", c.months)
	}
	if c.concurrency < 1 || c.concurrency > 64 {
		return fmt.Errorf("-concurrency must be between 1 and 64, not %d", c.concurrency)
	}
	return nil
}

// summary is the last line.
type summary struct {
	Invoices    int               `json:"invoices"`
	Reconciled  int               `json:"reconciled"`
	Unexplained map[string]string `json:"unexplained"`
	UsageRows   int               `json:"usage_rows"`
}

type totals struct {
	sum         summary
	unexplained map[string]billing.Decimal
	failed      int
}

func run(ctx context.Context, w io.Writer, c config) error {
	if c.months < 1 || c.months > 12 {
		return fmt.Errorf("-months must be between 1 and 12, not %d", c.months)
	}
	t := &totals{unexplained: map[string]billing.Decimal{}}
	principals := c.as
	switch {
	case len(principals) > 0:
	case c.target.As != "" || c.target.Live:
		principals = []billingtest.Principal{billingtest.Principal(c.target.As)}
	default:
		principals = []billingtest.Principal{billingtest.PrincipalMOSPAccountAdmin, billingtest.PrincipalEAEnterpriseAdmin, billingtest.PrincipalMCAAccountOwner}
	}
	for _, p := range principals {
		one := c.target
		one.As = string(p)
		conn, err := one.Connect()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "=== %s\n", conn.Where)
		err = reconcileAll(ctx, w, conn.Client, c, t)
		conn.Close()
		if err != nil {
			return err
		}
	}
	t.sum.Unexplained = map[string]string{}
	for cur, v := range t.unexplained {
		t.sum.Unexplained[cur] = v.Normalize().String()
	}
	line, err := json.Marshal(t.sum)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n", line)
	if t.failed > 0 {
		return fmt.Errorf("%d invoice(s) or scope(s) could not be reconciled", t.failed)
	}
	return nil
}

// reconcileAll reconciles the invoices of every billing account the client sees.
func reconcileAll(ctx context.Context, w io.Writer, bc *billing.Client, c config, t *totals) error {
	period := bc.LastMonths(c.months) // by the client's clock: the emulator's, or the real one
	rc := reconcile.NewClient(bc)
	for acct, err := range bc.Accounts(ctx) {
		if err != nil {
			return err
		}
		scopes, err := invoiceScopes(ctx, bc, acct)
		if err != nil {
			t.failed++
			fmt.Fprintf(w, "%s: %v\n", acct.Name, err)
			continue
		}
		for _, sc := range scopes {
			ic, err := invoice.NewClient(bc, sc)
			if err != nil {
				return err
			}
			var invs []invoice.Invoice
			for inv, err := range ic.List(ctx, &invoice.ListOptions{Period: period}) {
				var elsewhere *invoice.BilledElsewhereError
				if errors.As(err, &elsewhere) {
					break // its invoices are its billing profile's or enrollment's, reconciled there
				}
				if err != nil {
					// No access, or a service error: say so, count it, go on with the next scope.
					t.failed++
					fmt.Fprintf(w, "%s: %v\n", sc.ID(), err)
					break
				}
				invs = append(invs, inv)
			}
			fmt.Fprintf(w, "%s (%s): %d invoice(s) for %s\n", sc.ID(), acct.Agreement, len(invs), period)
			results, err := rc.Invoices(ctx, invs, &reconcile.Options{Concurrency: c.concurrency, Progress: func(p reconcile.Progress) {
				if c.progress != nil {
					fmt.Fprintf(c.progress, "\rreconciled %d/%d", p.Done, p.Total)
					if p.Done == p.Total {
						fmt.Fprintln(c.progress)
					}
				}
			}})
			if err != nil && ctx.Err() != nil {
				return ctx.Err()
			}
			failures := map[string]error{}
			var ie *reconcile.InvoiceError
			for _, e := range unjoin(err) {
				if errors.As(e, &ie) {
					failures[ie.Invoice] = ie.Err
				}
			}
			for _, r := range results { // in the order listed
				t.add(w, r, failures[r.Invoice.Name], c.verbose)
			}
		}
	}
	return nil
}

// unjoin returns the errors errors.Join joined (or err itself).
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func (t *totals) add(w io.Writer, r reconcile.Result, err error, verbose bool) {
	t.sum.Invoices++
	if err != nil {
		t.failed++
		fmt.Fprintf(w, "  %s %s: %v\n", r.Invoice.Name, r.Invoice.Period, err)
		return
	}
	t.sum.UsageRows += r.UsageRows
	cur := r.Charged.Currency
	t.unexplained[cur] = t.unexplained[cur].Add(r.Unexplained.Value)
	if r.Reconciled() {
		t.sum.Reconciled++
	}
	fmt.Fprintf(w, "  %s\n", describe(r))
	if verbose {
		for _, l := range r.Lines {
			fmt.Fprintf(w, "      %-22s %s  %s\n", l.Kind, l.Amount.Value.Normalize(), l.Text)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(w, "      note: %s\n", n)
		}
	}
}

// describe is one line: charged = usage ± each step; unexplained.
func describe(r reconcile.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s charged %s =", r.Invoice.Name, r.Invoice.Period, r.Charged.Currency, r.Charged.Value)
	first := true
	for _, l := range r.Lines {
		if l.Kind == reconcile.LineUsageNotOnInvoice {
			continue
		}
		v := l.Amount.Value.Normalize()
		sign := "+"
		if v.Sign() < 0 {
			sign, v = "-", v.Neg()
		}
		if first && sign == "+" {
			sign = ""
		}
		first = false
		fmt.Fprintf(&b, " %s %s %s", sign, l.Kind, v)
		if l.Kind == reconcile.LineUsage {
			fmt.Fprintf(&b, " (%d rows)", l.Rows)
		}
	}
	if r.Reconciled() {
		b.WriteString("; reconciled")
	} else {
		fmt.Fprintf(&b, "; UNEXPLAINED %s", r.Unexplained.Value.Normalize())
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// invoiceScopes lists where an account's invoices are: each subscription of a pay-as-you-go
// account, each billing profile of an MCA/MPA account, the EA enrollment itself.
func invoiceScopes(ctx context.Context, bc *billing.Client, acct billing.Account) ([]billing.Scope, error) {
	var out []billing.Scope
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
			out = append(out, s)
		}
	case billing.AgreementMCA, billing.AgreementMPA:
		for p, err := range bc.Profiles(ctx, acct.Name) {
			if err != nil {
				return nil, err
			}
			out = append(out, p.Scope())
		}
	default:
		out = append(out, acct.Scope())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out, nil
}
