// Command usage fetches the usage of a billing scope for last month (or the month to date) and
// prints it day by day, per currency; -o also saves the report as one CSV file. EA and MCA scopes
// are served by Cost Details reports, pay-as-you-go subscriptions by the Consumption API: the
// program is the same for all of them.
//
// Without -live it starts the embedded emulator and signs in as one of its principals; with
// -emulator it uses an emulator process (examples/emulator; the flags and environment variables
// are those of every example, see examples/internal/target); with -live it runs on Azure with
// azidentity.DefaultAzureCredential. It exits 0 on success, 1 on any failure or interruption
// (Ctrl-C or SIGTERM; no partial CSV is left), 2 for bad flags:
//
//	go run ./examples/usage
//	go run ./examples/usage -emulator https://127.0.0.1:PORT -emulator-ca /tmp/emulator-ca.pem -o usage.csv
//	go run ./examples/usage -mtd -metric amortized
//	go run ./examples/usage -as mca-profile-owner -scope /providers/Microsoft.Billing/billingAccounts/10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31/billingProfiles/AB12-CD34-BG7-PGB -o usage.csv
//	go run ./examples/usage -as mosp-account-admin -scope /subscriptions/11111111-1111-1111-1111-111111111111
//	go run ./examples/usage -as ea-account-owner -scope /providers/Microsoft.Billing/billingAccounts/6575495/enrollmentAccounts/201
//	go run ./examples/usage -live -scope /providers/Microsoft.Billing/billingAccounts/ACCOUNT -o usage.csv
//
// -scope takes an EA billing account, department or enrollment account, an MCA billing account,
// billing profile or invoice section, or a subscription id.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/examples/internal/target"
	"github.com/azbilling/azbilling/roles"
	"github.com/azbilling/azbilling/usage"
)

type config struct {
	target target.Flags
	scope  string
	mtd    bool
	metric string
	out    string
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain returns the exit status: 0 on success, 1 when the job failed or was interrupted
// (Ctrl-C, SIGTERM: no partial CSV is left), 2 for bad flags.
func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("usage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	tf := target.Register(fs, billingtest.PrincipalEAEnterpriseAdmin)
	fs.StringVar(&c.scope, "scope", "", "scope id (default on the emulator: its EA enrollment)")
	fs.BoolVar(&c.mtd, "mtd", false, "the month to date instead of last month")
	fs.StringVar(&c.metric, "metric", "actual", "actual or amortized cost")
	fs.StringVar(&c.out, "o", "", "also save the usage as one CSV file at this path")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c.target = *tf
	job := target.Job{Name: "usage", Stderr: stderr, Interrupted: "interrupted: no partial file was left",
		Explain: func(err error) []string {
			var perr *roles.PermissionError
			if errors.As(err, &perr) && perr.Policy != roles.PolicyNone {
				return []string{"policy: " + perr.Policy.Description()}
			}
			return nil
		}}
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
	switch strings.ToLower(c.metric) {
	case "actual", "amortized":
	default:
		return fmt.Errorf("-metric must be actual or amortized, not %q", c.metric)
	}
	if c.target.Live && c.scope == "" {
		return errors.New("-scope is required with -live")
	}
	if c.scope != "" {
		if _, err := billing.ParseScope(c.scope); err != nil {
			return err
		}
	}
	return nil
}

func run(ctx context.Context, w io.Writer, c config) error {
	conn, err := c.target.Connect()
	if err != nil {
		return err
	}
	defer conn.Close()
	bc := conn.Client
	fmt.Fprintln(w, conn.Where)
	if c.scope == "" {
		c.scope = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount
	}
	scope, err := billing.ParseScope(c.scope)
	if err != nil {
		return err
	}
	opts := &usage.Options{Metric: usage.ActualCost}
	switch strings.ToLower(c.metric) {
	case "actual":
	case "amortized":
		opts.Metric = usage.AmortizedCost
	default:
		return fmt.Errorf("-metric must be actual or amortized, not %q", c.metric)
	}
	// The client's clock is the emulator's world clock there, the real one on Azure.
	if c.mtd {
		opts.Period = billing.MonthToDate(bc.Now())
	} else {
		opts.Period = billing.LastMonthsAt(bc.Now(), 1)
	}

	uc := usage.NewClient(bc)
	rep, err := uc.Report(ctx, scope, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s, %s %s\n", rep, opts.Period.Start, opts.Period.End)

	records := rep.Records(ctx)
	if c.out != "" {
		// Save once, then read the saved file: the report is downloaded a single time.
		n, err := rep.SaveCSV(ctx, c.out)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "saved %d bytes to %s\n", n, c.out)
		f, err := os.Open(c.out)
		if err != nil {
			return err
		}
		defer f.Close()
		records = usage.NewReader(f, nil).All()
	}
	return printDaily(w, records)
}

// printDaily sums the records per day and currency and prints one line per day, then the total.
func printDaily(w io.Writer, records iter.Seq2[usage.Record, error]) error {
	b, err := usage.DailyBreakdown(records, nil)
	if err != nil {
		return err
	}
	if b.Rows() == 0 {
		fmt.Fprintln(w, "no usage in this period")
		return nil
	}
	fmt.Fprintf(w, "%-10s  %6s  %s\n", "date", "rows", "cost")
	for _, t := range b.Totals() { // sorted by date, then currency
		fmt.Fprintf(w, "%-10s  %6d  %s\n", t.Date, t.Rows, amounts([]billing.Amount{t.Amount()}))
	}
	fmt.Fprintf(w, "%-10s  %6d  %s\n", "total", b.Rows(), amounts(b.Cost()))
	return nil
}

// amounts prints costs rounded to cents, e.g. "5.00 EUR, 12.34 USD".
func amounts(as []billing.Amount) string {
	parts := make([]string, 0, len(as))
	for _, a := range as {
		parts = append(parts, billing.Amount{Value: a.Value.Round(2), Currency: a.Currency}.String())
	}
	return strings.Join(parts, ", ")
}
