// Command emulator runs the azbilling emulator (package billingtest) as a standalone process, so
// that other tools — Azure's own generated clients, scripts, other languages — can be tested
// against the same deterministic world as the SDK's tests.
//
//	go run ./examples/emulator -addr 127.0.0.1:0 -ca-out /tmp/emulator-ca.pem
//
// Its world follows today's date (the same world for a given date and -seed); -now pins the world
// clock to an instant, e.g. -now 2026-11-25T12:00:00Z. It prints exactly one JSON line to stdout
// and serves until SIGINT or SIGTERM:
//
//	{"endpoint":"https://127.0.0.1:PORT","ca_file":"/tmp/emulator-ca.pem","now":"2026-11-25T12:00:00Z","principals":{"mca-profile-owner":"Billing profile owner at /providers/...",...}}
//
// Every example program takes those as flags or environment variables (see
// examples/internal/target), and a tool of your own builds its client with billingtest.Remote:
//
//	opts, err := billingtest.Remote{Endpoint: endpoint, CAFile: caFile, Now: now}.ClientOptions()
//	bc, err := billing.NewClient(billingtest.PrincipalCredential("mca-profile-owner"), opts)
//
// Configure a client with endpoint as the Resource Manager endpoint (audience
// https://management.azure.com), trust ca_file, and use a static bearer token equal to one of the
// principals' names. With Azure's generated Go clients:
//
//	opts := &arm.ClientOptions{ClientOptions: policy.ClientOptions{
//		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
//			cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: endpoint}}},
//		Transport: httpClientTrusting(caFile)}}
//	client, _ := armbilling.NewAccountsClient(staticToken("mca-account-owner"), opts)
//
// Invoice and usage download URLs point at a second listener (another port) on the same CA.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/azbilling/azbilling/billing/billingtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "emulator:", err)
		os.Exit(1)
	}
}

// banner is the one JSON line the emulator prints when it is ready.
type banner struct {
	Endpoint   string            `json:"endpoint"`
	CAFile     string            `json:"ca_file"`
	Now        string            `json:"now"` // the world clock (RFC 3339) when the banner was printed
	Principals map[string]string `json:"principals"`
}

// run starts the emulator, prints the banner to stdout and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address of the ARM endpoint (the blob endpoint takes a free port)")
	caOut := fs.String("ca-out", "", "file to write the CA certificate (PEM) to; default: a temporary file removed at exit")
	pageSize := fs.Int("page-size", 50, "items per page before a nextLink")
	lroPolls := fs.Int("lro-polls", 1, "202 answers on an operation URL before its result")
	// Azure's pollers fall back to a 30 s wait when Retry-After is 0, so a standalone emulator
	// answers 1 by default.
	retryAfter := fs.Int("retry-after", 1, "Retry-After seconds on long-running operation answers")
	seed := fs.Int64("seed", 1, "seed of the generated parts of the world")
	now := fs.String("now", "", "pin the world clock to this instant (RFC 3339, e.g. 2026-11-25T12:00:00Z); default: the real clock")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}

	opts := []billingtest.Option{
		billingtest.WithAddr(*addr),
		billingtest.WithPageSize(*pageSize),
		billingtest.WithLRODelay(*retryAfter, *lroPolls),
		billingtest.WithSeed(*seed),
	}
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return fmt.Errorf("-now: %w", err)
		}
		opts = append(opts, billingtest.WithNow(t))
	}
	srv, err := billingtest.Start(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()

	caFile := *caOut
	if caFile == "" {
		f, err := os.CreateTemp("", "azbilling-emulator-ca-*.pem")
		if err != nil {
			return err
		}
		caFile = f.Name()
		_ = f.Close()
		defer os.Remove(caFile)
	}
	if err := os.WriteFile(caFile, srv.CACertPEM(), 0o644); err != nil {
		return fmt.Errorf("writing the CA certificate: %w", err)
	}

	line, err := json.Marshal(banner{Endpoint: srv.ARMEndpoint(), CAFile: caFile, Now: srv.Now().Format(time.RFC3339), Principals: describePrincipals(srv.World())})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// describePrincipals maps each principal to "<role> at <scope>" (several joined with "; ").
func describePrincipals(w *billingtest.World) map[string]string {
	out := make(map[string]string)
	for _, p := range billingtest.Principals() {
		var parts []string
		for _, a := range w.AssignmentsOf(p) {
			parts = append(parts, a.Role.DisplayName()+" at "+a.Scope)
		}
		sort.Strings(parts)
		if len(parts) == 0 {
			parts = []string{"no role"}
		}
		out[string(p)] = strings.Join(parts, "; ")
	}
	return out
}
