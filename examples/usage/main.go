// Command usage fetches the usage of a billing scope for last month (or the month to date) and
// prints it day by day, per currency; -o also saves the report as one CSV file. EA and MCA scopes
// are served by Cost Details reports, pay-as-you-go subscriptions by the Consumption API: the
// program is the same for all of them.
//
// Without -live it starts the embedded emulator and signs in as one of its principals; with -live
// it runs on Azure with azidentity.DefaultAzureCredential:
//
//	go run ./examples/usage
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
	"os/signal"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/roles"
	"github.com/azbilling/azbilling/usage"
)

type config struct {
	live     bool
	as       billingtest.Principal
	scope    string
	mtd      bool
	metric   string
	out      string
	emulator []billingtest.Option // emulator options, e.g. a moved world clock in tests
}

func main() {
	var c config
	var as string
	flag.BoolVar(&c.live, "live", false, "run on Azure with DefaultAzureCredential instead of the emulator")
	flag.StringVar(&as, "as", string(billingtest.EAEnterpriseAdmin), "emulator principal to sign in as")
	flag.StringVar(&c.scope, "scope", "", "scope id (default on the emulator: its EA enrollment)")
	flag.BoolVar(&c.mtd, "mtd", false, "the month to date instead of last month")
	flag.StringVar(&c.metric, "metric", "actual", "actual or amortized cost")
	flag.StringVar(&c.out, "o", "", "also save the usage as one CSV file at this path")
	flag.Parse()
	c.as = billingtest.Principal(as)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, c); err != nil {
		fmt.Fprintln(os.Stderr, "usage:", err)
		var perr *roles.PermissionError
		if errors.As(err, &perr) && perr.Policy != roles.PolicyNone {
			fmt.Fprintln(os.Stderr, "policy:", perr.Policy.Description())
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, c config) error {
	var bc *billing.Client
	if c.live {
		if c.scope == "" {
			return errors.New("-scope is required with -live")
		}
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return err
		}
		if bc, err = billing.NewClient(cred, nil); err != nil {
			return err
		}
	} else {
		srv, err := billingtest.Start(c.emulator...)
		if err != nil {
			return err
		}
		defer srv.Close()
		if c.scope == "" {
			c.scope = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount
		}
		if bc, err = billing.NewClient(srv.Credential(c.as), srv.ClientOptions()); err != nil {
			return err
		}
		fmt.Fprintf(w, "emulator at %s, signed in as %s\n", srv.ARMEndpoint(), c.as)
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
		opts.Period = bc.MonthToDate()
	} else {
		opts.Period = bc.LastMonths(1)
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
		fmt.Fprintf(w, "%-10s  %6d  %s\n", t.Date, t.Rows, amounts(map[string]billing.Decimal{t.Currency: t.Cost}))
	}
	fmt.Fprintf(w, "%-10s  %6d  %s\n", "total", b.Rows(), amounts(b.Cost()))
	return nil
}

// amounts prints costs per currency rounded to cents, e.g. "12.34 USD, 5.00 EUR".
func amounts(m map[string]billing.Decimal) string {
	curs := make([]string, 0, len(m))
	for c := range m {
		curs = append(curs, c)
	}
	slices.Sort(curs)
	parts := make([]string, 0, len(curs))
	for _, c := range curs {
		parts = append(parts, billing.Amount{Value: m[c].Round(2), Currency: c}.String())
	}
	return strings.Join(parts, ", ")
}
