// Command quickstart is the main job of azbilling in one program: it lists the billing accounts
// the caller can see with their agreement types, the billing profiles of MCA accounts, and what the
// caller may do on each; then invoices, usage and invoice e-mail.
//
// Without flags it starts the embedded emulator and runs as one of its principals per agreement;
// with -emulator it uses an emulator process (examples/emulator; the flags and environment
// variables are those of every example, see examples/internal/target); with -live it runs the
// same code on Azure with azidentity.DefaultAzureCredential.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -emulator https://127.0.0.1:PORT -emulator-ca /tmp/emulator-ca.pem
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
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/examples/internal/target"
	"github.com/azbilling/azbilling/roles"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain returns the exit status: 0 on success, 1 when anything failed or the run was
// interrupted (Ctrl-C, SIGTERM), 2 for bad flags.
func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tf := target.Register(fs, "") // "": one principal per agreement on the emulator
	if err := fs.Parse(args); err != nil {
		return 2
	}
	err := tf.Validate()
	if err == nil {
		err = target.NoArguments(fs.Args())
	}
	job := target.Job{Name: "quickstart", Stderr: stderr}
	return job.Run(err, func(ctx context.Context) error { return run(ctx, stdout, *tf) })
}

// defaultPrincipals show one agreement each on the emulator.
func defaultPrincipals() []billingtest.Principal {
	return []billingtest.Principal{billingtest.PrincipalMOSPAccountAdmin, billingtest.PrincipalEAEnterpriseAdmin, billingtest.PrincipalMCAAccountOwner}
}

func run(ctx context.Context, w io.Writer, tf target.Flags) error {
	principals := []billingtest.Principal{billingtest.Principal(tf.As)}
	if tf.As == "" && !tf.Live {
		principals = defaultPrincipals()
	}
	for i, p := range principals {
		if i > 0 {
			fmt.Fprintln(w)
		}
		one := tf
		one.As = string(p)
		conn, err := one.Connect()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "=== %s\n", conn.Where)
		err = walkthrough(ctx, w, conn.Client, conn.Emulator)
		conn.Close()
		if err != nil {
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
