// Command quickstart is the main job of azbilling in one program: it lists the billing accounts
// the caller can see with their agreement types, the billing profiles of MCA accounts, and what the
// caller may do on each; then invoices, usage and invoice e-mail.
//
// Without flags it starts the embedded emulator and runs as one of its principals; with -live it
// runs the same code on Azure with azidentity.DefaultAzureCredential.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -as mca-profile-reader
//	go run ./examples/quickstart -live
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
	"github.com/azbilling/azbilling/roles"
)

func main() {
	live := flag.Bool("live", false, "run on Azure with DefaultAzureCredential instead of the emulator")
	as := flag.String("as", "", "emulator principal to sign in as (see billingtest.Principals); default: one per agreement")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *live, *as); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// defaultPrincipals show one agreement each on the emulator.
func defaultPrincipals() []billingtest.Principal {
	return []billingtest.Principal{billingtest.MOSPAccountAdmin, billingtest.EAEnterpriseAdmin, billingtest.MCAAccountOwner}
}

// run runs the walkthrough; emulator options (tests move the world clock with them) apply
// without -live.
func run(ctx context.Context, w io.Writer, live bool, as string, emulator ...billingtest.Option) error {
	if live {
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return err
		}
		bc, err := billing.NewClient(cred, nil)
		if err != nil {
			return err
		}
		return walkthrough(ctx, w, bc, nil)
	}
	srv, err := billingtest.Start(emulator...)
	if err != nil {
		return err
	}
	defer srv.Close()
	principals := defaultPrincipals()
	if as != "" {
		principals = []billingtest.Principal{billingtest.Principal(as)}
	}
	for i, p := range principals {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "=== emulator at %s, signed in as %s\n", srv.ARMEndpoint(), p)
		bc, err := billing.NewClient(srv.Credential(p), srv.ClientOptions())
		if err != nil {
			return err
		}
		if err := walkthrough(ctx, w, bc, srv); err != nil {
			return err
		}
	}
	return nil
}

// walkthrough is the same on Azure and on the emulator (srv is nil on Azure).
func walkthrough(ctx context.Context, w io.Writer, bc *billing.Client, srv *billingtest.Server) error {
	if err := showAccounts(ctx, w, bc); err != nil {
		return err
	}
	for _, step := range extraSteps() {
		fmt.Fprintln(w)
		if err := step(ctx, w, bc, srv); err != nil {
			return err
		}
	}
	return nil
}

// showAccounts prints every billing account, its profiles, and the caller's roles and rights.
func showAccounts(ctx context.Context, w io.Writer, bc *billing.Client) error {
	fmt.Fprintln(w, "Billing accounts")
	n := 0
	for acct, err := range bc.Accounts(ctx) {
		if err != nil {
			return err
		}
		n++
		fmt.Fprintf(w, "- %s  %q  agreement %s\n", acct.Name, acct.DisplayName, acct.Agreement)
		printAccess(ctx, w, bc, acct.Scope(), "  ")
		if acct.Agreement != billing.AgreementMCA && acct.Agreement != billing.AgreementMPA {
			continue
		}
		for p, err := range bc.Profiles(ctx, acct.Name) {
			if err != nil {
				var perr *roles.PermissionError
				if errors.As(err, &perr) {
					fmt.Fprintf(w, "    profiles: %v\n", err)
					break
				}
				return err
			}
			fmt.Fprintf(w, "  - profile %s  %q  currency %s  invoice e-mail %v\n", p.Name, p.DisplayName, p.Currency, p.InvoiceEmailOptIn)
			printAccess(ctx, w, bc, p.Scope(), "      ")
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "  (none visible to this principal)")
	}
	return nil
}

func printAccess(ctx context.Context, w io.Writer, bc *billing.Client, scope billing.Scope, indent string) {
	acc, err := bc.Access(ctx, scope)
	if err != nil {
		fmt.Fprintf(w, "%sroles: unknown (%v)\n", indent, err)
		return
	}
	var names, may []string
	for _, r := range acc.Roles {
		names = append(names, r.DisplayName())
	}
	for _, a := range roles.Actions() {
		if acc.Allows(a) {
			may = append(may, a.Description())
		}
	}
	if len(names) == 0 {
		names = []string{"none"}
	}
	fmt.Fprintf(w, "%sroles: %s\n", indent, strings.Join(names, ", "))
	if len(may) > 0 {
		fmt.Fprintf(w, "%smay: %s\n", indent, strings.Join(may, "; "))
	}
}
