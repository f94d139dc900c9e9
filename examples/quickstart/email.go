package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/email"
	"github.com/azbilling/azbilling/roles"
)

// showEmail prints who receives the invoices by e-mail for every billing account the caller can
// see: per billing profile for MCA/MPA, the enrollment's invoice recipient for EA, and for MOSP
// why there is no API and the account's notification address instead. It only reads, on the
// emulator and on Azure alike (srv is unused; it is nil with -live).
func showEmail(ctx context.Context, w io.Writer, bc *billing.Client, _ *billingtest.Server) error {
	fmt.Fprintln(w, "Invoice e-mail")
	ec := email.NewClient(bc)
	for acct, err := range bc.Accounts(ctx) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "- %s  %q  (%s)\n", acct.Name, acct.DisplayName, acct.Agreement)
		switch acct.Agreement {
		case billing.AgreementMCA, billing.AgreementMPA:
			for p, err := range bc.Profiles(ctx, acct.Name) {
				if err != nil {
					if e := printEmailError(w, "    ", err); e != nil {
						return e
					}
					break
				}
				fmt.Fprintf(w, "  - profile %s:\n", p.Name)
				pref, err := ec.Get(ctx, p.Scope())
				if err != nil {
					if e := printEmailError(w, "      ", err); e != nil {
						return e
					}
					continue
				}
				printPreference(w, "      ", pref)
			}
		case billing.AgreementMOSP:
			_, err := ec.Get(ctx, acct.Scope())
			if e := printEmailError(w, "    ", err); e != nil {
				return e
			}
			if addr, err := ec.NotificationEmail(ctx, acct.Name); err == nil && addr != "" {
				fmt.Fprintf(w, "    account notifications (not invoices) go to %s\n", addr)
			}
		default:
			pref, err := ec.Get(ctx, acct.Scope())
			if err != nil {
				if e := printEmailError(w, "    ", err); e != nil {
					return e
				}
				continue
			}
			printPreference(w, "    ", pref)
		}
	}
	return nil
}

func printPreference(w io.Writer, indent string, p email.Preference) {
	state := "opted out"
	if p.OptedIn {
		state = "opted in"
	}
	if p.ReadOnly {
		state += ", read-only"
	}
	recips := "no extra recipients"
	if len(p.Recipients) > 0 {
		recips = strings.Join(p.Recipients, ", ")
	}
	fmt.Fprintf(w, "%s%s: %s\n", indent, state, recips)
	if len(p.RoleRecipients) > 0 {
		var names []string
		for _, r := range p.RoleRecipients {
			names = append(names, r.DisplayName())
		}
		fmt.Fprintf(w, "%splus every %s\n", indent, strings.Join(names, ", "))
	}
}

// printEmailError prints the errors a user should see (no access, no API) and returns any other.
func printEmailError(w io.Writer, indent string, err error) error {
	var (
		perr *roles.PermissionError
		uerr *billing.UnsupportedError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &uerr):
		fmt.Fprintf(w, "%s%s\n%s-> %s\n", indent, uerr.Reason, indent, uerr.Alternative)
		return nil
	case errors.As(err, &perr), errors.Is(err, billing.ErrNotFound):
		fmt.Fprintf(w, "%s%v\n", indent, err)
		return nil
	}
	return err
}
