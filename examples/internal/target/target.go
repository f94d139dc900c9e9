// Package target connects the example programs to where they run, the same way for every
// example: the embedded emulator (the default), an emulator running as a process
// (examples/emulator), or Azure (-live). It also gives every example the same signal handling:
// Ctrl-C (SIGINT) and SIGTERM — what systemd, Docker and Kubernetes send to stop a job — both
// cancel the context, so a job finishes or abandons its in-flight files cleanly.
//
// Flags, each with an environment variable that sets its default:
//
//	-live                 run on Azure with azidentity.DefaultAzureCredential     AZBILLING_LIVE=1
//	-emulator URL         an emulator process's "endpoint"                         AZBILLING_EMULATOR
//	-emulator-ca FILE     its "ca_file"                                            AZBILLING_EMULATOR_CA
//	-emulator-now TIME    its "now" (RFC 3339; default: this computer's clock)     AZBILLING_EMULATOR_NOW
//	-as PRINCIPAL         the emulator principal to sign in as                     AZBILLING_AS
package target

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
)

// Flags are the target flags of an example.
type Flags struct {
	Live        bool   // -live: Azure with DefaultAzureCredential
	Emulator    string // -emulator: an emulator process's endpoint
	EmulatorCA  string // -emulator-ca: its CA file
	EmulatorNow string // -emulator-now: its world clock, RFC 3339 ("" means this computer's)
	As          string // -as: the emulator principal ("" lets the example choose)
	// Options configure the embedded emulator (not a flag: tests move its world clock with
	// them).
	Options []billingtest.Option
}

// Register adds the target flags to fs, with defaults from the environment; principal is the
// example's default emulator principal.
func Register(fs *flag.FlagSet, principal billingtest.Principal) *Flags {
	f := &Flags{}
	live := os.Getenv("AZBILLING_LIVE")
	fs.BoolVar(&f.Live, "live", live == "1" || strings.EqualFold(live, "true"), "run on Azure with DefaultAzureCredential instead of the emulator (env AZBILLING_LIVE=1)")
	fs.StringVar(&f.Emulator, "emulator", os.Getenv("AZBILLING_EMULATOR"), "endpoint of an emulator process, as examples/emulator prints it (env AZBILLING_EMULATOR)")
	fs.StringVar(&f.EmulatorCA, "emulator-ca", os.Getenv("AZBILLING_EMULATOR_CA"), "CA file of that emulator (env AZBILLING_EMULATOR_CA)")
	fs.StringVar(&f.EmulatorNow, "emulator-now", os.Getenv("AZBILLING_EMULATOR_NOW"), "world clock of that emulator, RFC 3339 (env AZBILLING_EMULATOR_NOW; default: this computer's clock)")
	as := os.Getenv("AZBILLING_AS")
	if as == "" {
		as = string(principal)
	}
	fs.StringVar(&f.As, "as", as, "emulator principal to sign in as (env AZBILLING_AS)")
	return f
}

// Validate checks the target flags before anything is requested.
func (f *Flags) Validate() error {
	if f.Live && f.Emulator != "" {
		return errors.New("-live and -emulator exclude each other")
	}
	if f.Emulator != "" && f.EmulatorCA == "" {
		return errors.New("-emulator needs -emulator-ca, the ca_file the emulator printed")
	}
	if f.Emulator == "" && (f.EmulatorCA != "" || f.EmulatorNow != "") {
		return errors.New("-emulator-ca and -emulator-now go with -emulator")
	}
	if f.EmulatorNow != "" {
		if _, err := time.Parse(time.RFC3339, f.EmulatorNow); err != nil {
			return fmt.Errorf("-emulator-now %q is not an RFC 3339 time such as 2026-11-25T12:00:00Z", f.EmulatorNow)
		}
	}
	if !f.Live && f.As != "" && !slices.Contains(billingtest.Principals(), billingtest.Principal(f.As)) {
		names := make([]string, 0, len(billingtest.Principals()))
		for _, p := range billingtest.Principals() {
			names = append(names, string(p))
		}
		return fmt.Errorf("-as %q is not an emulator principal; one of: %s", f.As, strings.Join(names, ", "))
	}
	return nil
}

// Conn is a connected client and what it is connected to.
type Conn struct {
	Client *billing.Client
	// Emulator is the embedded emulator, nil on Azure or with an emulator process.
	Emulator *billingtest.Server
	// Where describes the target for a first output line.
	Where string
	// Live is true on Azure.
	Live bool
}

// Close stops the embedded emulator, if any.
func (c *Conn) Close() {
	if c.Emulator != nil {
		c.Emulator.Close()
	}
}

// Connect builds the client for the flags' target.
func (f *Flags) Connect() (*Conn, error) {
	switch {
	case f.Live:
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, err
		}
		bc, err := billing.NewClient(cred, nil)
		if err != nil {
			return nil, err
		}
		return &Conn{Client: bc, Where: "Azure (" + bc.Endpoint() + ")", Live: true}, nil
	case f.Emulator != "":
		r := billingtest.Remote{Endpoint: f.Emulator, CAFile: f.EmulatorCA}
		if f.EmulatorNow != "" {
			r.Now, _ = time.Parse(time.RFC3339, f.EmulatorNow)
		}
		opts, err := r.ClientOptions()
		if err != nil {
			return nil, err
		}
		bc, err := billing.NewClient(billingtest.PrincipalCredential(billingtest.Principal(f.As)), opts)
		if err != nil {
			return nil, err
		}
		return &Conn{Client: bc, Where: fmt.Sprintf("emulator at %s, signed in as %s", f.Emulator, f.As)}, nil
	}
	srv, err := billingtest.Start(f.Options...)
	if err != nil {
		return nil, err
	}
	bc, err := billing.NewClient(srv.Credential(billingtest.Principal(f.As)), srv.ClientOptions())
	if err != nil {
		srv.Close()
		return nil, err
	}
	return &Conn{Client: bc, Emulator: srv, Where: fmt.Sprintf("emulator at %s, signed in as %s", srv.ARMEndpoint(), f.As)}, nil
}

// SignalContext is cancelled by SIGINT (Ctrl-C) or SIGTERM. A second signal kills the process
// at once (the default action, restored by stop).
func SignalContext() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal is not caught: it ends the process
	}()
	return ctx, stop
}

// NoArguments is nil when no arguments are left after the flags, and an error naming them
// otherwise.
func NoArguments(rest []string) error {
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(rest, " "))
	}
	return nil
}

// Job is how an example runs once its flags are parsed, the same for every example.
type Job struct {
	Name   string    // the program's name: the prefix of its messages
	Stderr io.Writer // where messages go
	// Interrupted is what to say when a signal stopped the job; "" means "interrupted".
	Interrupted string
	// Explain, if set, returns lines to print after a failure's message (e.g. the policy that
	// denied a request).
	Explain func(error) []string
}

// Run returns the exit status. A flagErr (bad flags) is printed with a hint at -h and gives 2;
// otherwise job runs with a SignalContext: 1 when it fails (its error, Explain's lines, and
// Interrupted when a signal stopped it), 0 when it succeeds.
func (j Job) Run(flagErr error, job func(context.Context) error) int {
	if flagErr != nil {
		fmt.Fprintf(j.Stderr, "%s: %v\n", j.Name, flagErr)
		fmt.Fprintln(j.Stderr, "run with -h for the flags")
		return 2
	}
	ctx, stop := SignalContext()
	defer stop()
	err := job(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(j.Stderr, "%s: %v\n", j.Name, err)
	if j.Explain != nil {
		for _, line := range j.Explain(err) {
			fmt.Fprintln(j.Stderr, line)
		}
	}
	if ctx.Err() != nil {
		msg := j.Interrupted
		if msg == "" {
			msg = "interrupted"
		}
		fmt.Fprintln(j.Stderr, msg)
	}
	return 1
}
