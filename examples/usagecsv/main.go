// Command usagecsv prints the daily cost breakdown of Azure usage CSV files of
// any dialect (EA, MCA, MPA, pay-as-you-go, FOCUS), exactly, per currency.
//
//	go run ./examples/usagecsv [-by meter|resource-group|subscription|tag:NAME] [-skip-bad] [-currency USD] FILE...
//
// Files may be comma-, semicolon- or tab-separated (Excel re-saves), UTF-8 or
// UTF-16 with a byte order mark, or gzip-compressed.
//
// The table goes to standard output, followed by one line of JSON:
//
//	{"files":1,"dialect":"ea-c360","rows":11,"skipped":0,"cost":{"USD":"8.5450077867419368"},"first_date":"2023-09-04","last_date":"2023-09-21"}
//
// A file that cannot be read stops the program with the reason (file, line,
// column and text for bad input) and exit status 1.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/azbilling/azbilling/usage"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// summary is the last output line.
type summary struct {
	Files     int               `json:"files"`
	Dialect   string            `json:"dialect"`
	Rows      int               `json:"rows"`
	Skipped   int               `json:"skipped"`
	Cost      map[string]string `json:"cost"`
	FirstDate string            `json:"first_date"`
	LastDate  string            `json:"last_date"`
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("usagecsv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	by := fs.String("by", "", "also group by meter, resource-group, subscription or tag:NAME")
	skipBad := fs.Bool("skip-bad", false, "skip rows that cannot be read (they are counted and reported)")
	costColumn := fs.String("cost-column", "", "read the cost from this column, e.g. EffectiveCost in FOCUS files")
	currency := fs.String("currency", "", "currency of files without a currency column (Azure Sponsorship, EA Reporting v3), e.g. USD; without it their totals are under \"\" (unknown)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: usagecsv [flags] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	opts, err := breakdownOptions(*by)
	if err != nil {
		fmt.Fprintln(stderr, "usagecsv:", err)
		return 2
	}
	if *currency != "" && !isCurrencyCode(*currency) {
		fmt.Fprintf(stderr, "usagecsv: -currency %q: want a three-letter code such as USD\n", *currency)
		return 2
	}

	b := usage.NewBreakdown(opts)
	var dialects []string
	skipped := 0
	for _, path := range fs.Args() {
		layout, n, err := addFile(b, path, &usage.ReaderOptions{File: path, SkipBadRows: *skipBad, CostColumn: *costColumn, Currency: *currency}, stderr)
		skipped += n
		if err != nil {
			fmt.Fprintln(stderr, "usagecsv:", err)
			return 1
		}
		if !slices.Contains(dialects, string(layout.Dialect)) {
			dialects = append(dialects, string(layout.Dialect))
		}
	}

	printTable(stdout, b, opts)
	s := summary{Files: fs.NArg(), Dialect: strings.Join(dialects, ","), Rows: b.Rows(), Skipped: skipped, Cost: map[string]string{}}
	for _, c := range b.Cost() {
		s.Cost[c.Currency] = c.Value.String()
	}
	if !b.FirstDate().IsZero() {
		s.FirstDate, s.LastDate = b.FirstDate().String(), b.LastDate().String()
	}
	line, err := json.Marshal(s)
	if err != nil {
		fmt.Fprintln(stderr, "usagecsv:", err)
		return 1
	}
	fmt.Fprintln(stdout, string(line))
	return 0
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func breakdownOptions(by string) (*usage.BreakdownOptions, error) {
	opts := &usage.BreakdownOptions{}
	switch {
	case by == "":
	case by == "meter":
		opts.ByMeter = true
	case by == "resource-group":
		opts.ByResourceGroup = true
	case by == "subscription":
		opts.BySubscription = true
	case strings.HasPrefix(by, "tag:") && len(by) > len("tag:"):
		opts.ByTag = strings.TrimPrefix(by, "tag:")
	default:
		return nil, fmt.Errorf("-by %q: want meter, resource-group, subscription or tag:NAME", by)
	}
	return opts, nil
}

// addFile reads one file into b and returns its layout and skipped rows.
func addFile(b *usage.Breakdown, path string, opts *usage.ReaderOptions, stderr io.Writer) (usage.Layout, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return usage.Layout{}, 0, err
	}
	defer f.Close()
	r := usage.NewReader(f, opts)
	// AddAll rather than a loop adding each record: on several cores each one adds what it
	// parses, and no record travels between them.
	if err := b.AddAll(r); err != nil {
		return usage.Layout{}, r.Skipped(), err
	}
	for _, e := range r.SkippedErrors() {
		fmt.Fprintln(stderr, "skipped:", e)
	}
	if n := r.Skipped() - len(r.SkippedErrors()); n > 0 {
		fmt.Fprintf(stderr, "skipped: %d more rows in %s\n", n, path)
	}
	layout, err := r.Layout()
	if errors.Is(err, usage.ErrNoHeader) {
		return layout, r.Skipped(), fmt.Errorf("%s: %w", path, err)
	}
	return layout, r.Skipped(), err
}

func printTable(w io.Writer, b *usage.Breakdown, opts *usage.BreakdownOptions) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	group := ""
	switch {
	case opts.ByMeter:
		group = "METER"
	case opts.ByResourceGroup:
		group = "RESOURCE GROUP"
	case opts.BySubscription:
		group = "SUBSCRIPTION"
	case opts.ByTag != "":
		group = "TAG " + opts.ByTag
	}
	header := "DATE\tCURRENCY\tROWS\t"
	if group != "" {
		header += "QUANTITY\t" + group + "\t"
	}
	fmt.Fprintln(tw, header+"COST\t")
	for _, d := range b.Totals() {
		line := fmt.Sprintf("%s\t%s\t%d\t", d.Date, d.Currency, d.Rows)
		if group != "" {
			var key string
			switch {
			case opts.ByMeter:
				key = d.Meter.String()
			case opts.ByResourceGroup:
				key = d.ResourceGroup
			case opts.BySubscription:
				key = d.SubscriptionID
			default:
				key = d.Tag
			}
			line += d.Quantity.String() + "\t" + key + "\t"
		}
		fmt.Fprintln(tw, line+d.Cost.String()+"\t")
	}
	tw.Flush()
}
