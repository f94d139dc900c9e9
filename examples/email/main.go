// Command email shows and changes who receives a billing profile's invoices by e-mail.
//
// Without -live it starts the embedded emulator, shows the preference of its opted-in MCA
// billing profile, adds a recipient, removes it again and shows the result. With -live it runs on
// Azure with azidentity.DefaultAzureCredential and changes nothing unless asked to:
//
//	go run ./examples/email
//	go run ./examples/email -as mca-profile-reader          # a reader may not change it
//	go run ./examples/email -live -account ACCOUNT -profile PROFILE
//	go run ./examples/email -live -account ACCOUNT -profile PROFILE -add ap@contoso.com,cfo@contoso.com
//	go run ./examples/email -live -account ACCOUNT -profile PROFILE -remove ap@contoso.com
//	go run ./examples/email -live -account ACCOUNT -profile PROFILE -optout
//	go run ./examples/email -live -subscription SUBSCRIPTION-ID   # any agreement: shows what applies
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
	"github.com/azbilling/azbilling/email"
	"github.com/azbilling/azbilling/examples/internal/target"
	"github.com/azbilling/azbilling/roles"
)

type config struct {
	target                target.Flags
	account, profile, sub string
	add, remove           []string
	optIn, optOut         bool
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain returns the exit status: 0 when everything asked was done, 1 when anything failed
// or the run was interrupted (Ctrl-C, SIGTERM), 2 for bad flags.
func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("email", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	tf := target.Register(fs, billingtest.PrincipalMCAProfileOwner)
	var add, remove string
	fs.StringVar(&c.account, "account", "", "billing account name (with -live)")
	fs.StringVar(&c.profile, "profile", "", "billing profile name (with -live)")
	fs.StringVar(&c.sub, "subscription", "", "a subscription id instead of -account/-profile")
	fs.StringVar(&add, "add", "", "comma-separated addresses to add")
	fs.StringVar(&remove, "remove", "", "comma-separated addresses to remove")
	fs.BoolVar(&c.optIn, "optin", false, "opt in to invoice e-mail (with -add: and add those)")
	fs.BoolVar(&c.optOut, "optout", false, "opt out of invoice e-mail: removes every recipient")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c.target, c.add, c.remove = *tf, splitList(add), splitList(remove)
	job := target.Job{Name: "email", Stderr: stderr}
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
	if c.optIn && c.optOut {
		return errors.New("-optin and -optout exclude each other")
	}
	if c.sub != "" && (c.account != "" || c.profile != "") {
		return errors.New("-subscription replaces -account and -profile")
	}
	if (c.account == "") != (c.profile == "") {
		return errors.New("-account and -profile go together")
	}
	if c.target.Live && c.sub == "" && c.account == "" {
		return errors.New("-live needs -account and -profile, or -subscription")
	}
	for _, a := range append(append([]string(nil), c.add...), c.remove...) {
		if !strings.Contains(a, "@") {
			return fmt.Errorf("%q is not an e-mail address", a)
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func run(ctx context.Context, w io.Writer, c config) error {
	conn, err := c.target.Connect()
	if err != nil {
		return err
	}
	defer conn.Close()
	bc := conn.Client
	fmt.Fprintln(w, conn.Where)
	if !conn.Live && c.account == "" && c.profile == "" && c.sub == "" {
		c.account, c.profile = billingtest.MCAAccount, billingtest.MCAProfileUS
		if len(c.add) == 0 && len(c.remove) == 0 && !c.optIn && !c.optOut {
			// The demonstration: add a recipient, then remove it again.
			c.add, c.remove = []string{"cfo@contoso.example"}, []string{"cfo@contoso.example"}
		}
	}
	scope, err := pickScope(c)
	if err != nil {
		return err
	}
	ec := email.NewClient(bc)

	fmt.Fprintln(w, "scope:", scope)
	pref, err := ec.Get(ctx, scope)
	if err != nil {
		return explain(w, err)
	}
	show(w, "now", pref)

	steps := []struct {
		what string
		do   func() (email.Preference, error)
		when bool
	}{
		{"opted in", func() (email.Preference, error) { return ec.OptIn(ctx, scope, c.add, nil) }, c.optIn},
		{"added " + strings.Join(c.add, ", "), func() (email.Preference, error) { return ec.AddRecipients(ctx, scope, c.add, nil) }, !c.optIn && len(c.add) > 0},
		{"removed " + strings.Join(c.remove, ", "), func() (email.Preference, error) { return ec.RemoveRecipients(ctx, scope, c.remove, nil) }, len(c.remove) > 0},
		{"opted out", func() (email.Preference, error) { return ec.OptOut(ctx, scope, nil) }, c.optOut},
	}
	for _, st := range steps {
		if !st.when {
			continue
		}
		p, err := st.do()
		if err != nil {
			return explain(w, err)
		}
		show(w, st.what, p)
	}
	return nil
}

func pickScope(c config) (billing.Scope, error) {
	switch {
	case c.sub != "":
		return billing.SubscriptionScope(c.sub)
	case c.account != "" && c.profile != "":
		return billing.ProfileScope(c.account, c.profile)
	case c.account != "":
		return billing.AccountScope(c.account) // EA: the enrollment's invoice recipient
	}
	return billing.Scope{}, errors.New("name the billing profile with -account and -profile, or a subscription with -subscription")
}

func show(w io.Writer, label string, p email.Preference) {
	fmt.Fprintf(w, "\n%s:\n", label)
	state := "opted out"
	if p.OptedIn {
		state = "opted in"
	}
	if p.ReadOnly {
		state += " (read-only)"
	}
	fmt.Fprintf(w, "  invoice e-mail: %s\n", state)
	if len(p.Recipients) == 0 {
		fmt.Fprintln(w, "  recipients:     none")
	} else {
		fmt.Fprintf(w, "  recipients:     %s\n", strings.Join(p.Recipients, ", "))
	}
	if len(p.RoleRecipients) > 0 {
		var names []string
		for _, r := range p.RoleRecipients {
			names = append(names, r.DisplayName())
		}
		fmt.Fprintf(w, "  and every:      %s\n", strings.Join(names, ", "))
	}
}

// explain prints what a user can do about the typed errors, and returns the error.
func explain(w io.Writer, err error) error {
	var (
		perr *roles.PermissionError
		uerr *billing.UnsupportedError
		aerr *email.AddressError
		cerr *email.ConflictError
	)
	switch {
	case errors.As(err, &perr):
		fmt.Fprintln(w, "\nnot allowed: ask a billing profile owner for one of the roles named below")
	case errors.As(err, &uerr):
		fmt.Fprintln(w, "\nnot available through the API:", uerr.Alternative)
	case errors.As(err, &aerr):
		fmt.Fprintln(w, "\nfix these addresses and run again:")
		for _, a := range aerr.Invalid {
			fmt.Fprintf(w, "  %s: %s\n", a.Address, a.Reason)
		}
	case errors.As(err, &cerr):
		fmt.Fprintln(w, "\nsomeone else changed the billing profile at the same time: run again")
	}
	return err
}
