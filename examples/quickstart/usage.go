package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/roles"
	"github.com/azbilling/azbilling/usage"
)

// showUsage prints the month-to-date cost of every scope the caller can read usage for: each
// billing profile of an MCA account, an EA enrollment, each subscription of a pay-as-you-go
// account. Cost Details and Consumption are behind the same call; a refusal (a missing role, an
// EA view-charges policy) is printed, not fatal. It only reads, on the emulator and on Azure
// alike (srv is unused; it is nil with -live).
func showUsage(ctx context.Context, w io.Writer, bc *billing.Client, _ *billingtest.Server) error {
	fmt.Fprintln(w, "Usage, month to date")
	uc := usage.NewClient(bc)
	opts := &usage.Options{Period: bc.MonthToDate()}
	for acct, err := range bc.Accounts(ctx) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "- %s  %q  (%s)\n", acct.Name, acct.DisplayName, acct.Agreement)
		var scopes []billing.Scope
		switch acct.Agreement {
		case billing.AgreementMCA, billing.AgreementMPA:
			for p, err := range bc.Profiles(ctx, acct.Name) {
				if err != nil {
					fmt.Fprintf(w, "    %v\n", err)
					break
				}
				scopes = append(scopes, p.Scope())
			}
		case billing.AgreementMOSP:
			for sub, err := range bc.BillingSubscriptions(ctx, acct.Scope()) {
				if err != nil {
					fmt.Fprintf(w, "    %v\n", err)
					break
				}
				if s, err := billing.SubscriptionScope(sub.SubscriptionID); err == nil {
					scopes = append(scopes, s)
				}
			}
		default:
			scopes = append(scopes, acct.Scope())
		}
		for _, s := range scopes {
			line, err := usageLine(ctx, uc, s, acct.Agreement, opts)
			if err != nil {
				var perr *roles.PermissionError
				if !errors.As(err, &perr) {
					return err
				}
				line = err.Error()
			}
			fmt.Fprintf(w, "  %s: %s\n", s, line)
		}
	}
	return nil
}

// usageLine sums one scope's records: "42 rows, 123.45 USD".
func usageLine(ctx context.Context, uc *usage.Client, s billing.Scope, ag billing.Agreement, opts *usage.Options) (string, error) {
	o := *opts
	o.Agreement = ag // a subscription listed under the account: no need to ask for its agreement
	rows := 0
	cost := map[string]billing.Decimal{}
	for rec, err := range uc.Records(ctx, s, &o) {
		if err != nil {
			return "", err
		}
		rows++
		cost[rec.Currency] = cost[rec.Currency].Add(rec.Cost)
	}
	if rows == 0 {
		return "no usage yet", nil
	}
	var parts []string
	for cur, v := range cost {
		parts = append(parts, billing.Amount{Value: v.Round(2), Currency: cur}.String())
	}
	slices.Sort(parts)
	return fmt.Sprintf("%d rows, %s", rows, strings.Join(parts, ", ")), nil
}
