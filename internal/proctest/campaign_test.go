//go:build unix

package proctest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
)

var (
	kills = flag.Int("proc.kills", 0, "long mode: this many kills (0: the short form)")
	seed  = flag.Int64("proc.seed", 1, "seed of the kill campaign")
)

// moduleRoot is the folder holding go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above the test")
		dir = parent
	}
}

// binaries are the example programs, built once per test binary run.
var binaries struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

// TestMain removes the built programs at the end.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if binaries.dir != "" {
		_ = os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

// build compiles the example programs (all of them, once) and returns their paths by name.
func build(t *testing.T, names ...string) map[string]string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	root := moduleRoot(t)
	binaries.once.Do(func() {
		binaries.dir, binaries.err = os.MkdirTemp("", "azbilling-proctest-")
		if binaries.err != nil {
			return
		}
		cmd := exec.Command(goBin, "build", "-o", binaries.dir+string(os.PathSeparator), "./examples/invoices", "./examples/usage")
		cmd.Dir = root
		binaries.out, binaries.err = cmd.CombinedOutput()
	})
	require.NoError(t, binaries.err, "go build: %s", binaries.out)
	bins := map[string]string{}
	for _, n := range names {
		bins[n] = filepath.Join(binaries.dir, n)
	}
	return bins
}

// world is the emulator the programs run against, and how to reach it.
type world struct {
	srv  *billingtest.Server
	args []string // the -emulator flags
}

func startWorld(t *testing.T) *world {
	t.Helper()
	// Long mode: documents of a few hundred kB and a larger report, so that kills land
	// mid-file often; the short form (CI) keeps them smaller, for time.
	rows, padding := 150, 128<<10
	if *kills > 0 {
		rows, padding = 600, 384<<10
	}
	srv, err := billingtest.Start(billingtest.WithUsageRowsPerDay(rows), billingtest.WithUsageBlobSize(1<<20))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	srv.SetInvoiceDocumentPadding(padding)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, srv.CACertPEM(), 0o644))
	return &world{srv: srv, args: []string{"-emulator", srv.ARMEndpoint(), "-emulator-ca", ca, "-emulator-now", srv.Now().Format(time.RFC3339)}}
}

// job is one example invocation that writes into a folder.
type job struct {
	name string
	bin  string
	args func(dir string) []string
}

func jobs(bins map[string]string, w *world) []job {
	return []job{
		{name: "invoices", bin: bins["invoices"], args: func(dir string) []string {
			return append([]string{"-months", "12", "-out", dir, "-as", string(billingtest.MCAProfileOwner)}, w.args...)
		}},
		{name: "usage-csv", bin: bins["usage"], args: func(dir string) []string {
			return append([]string{"-o", filepath.Join(dir, "usage.csv"), "-as", string(billingtest.EAEnterpriseAdmin)}, w.args...)
		}},
	}
}

// result is how one process ended.
type result struct {
	code     int // exit status; -1 when killed by a signal
	signaled bool
	elapsed  time.Duration
	stderr   string
}

// runProc runs the job, sending sig after delay (0: never), and waits for it.
func runProc(t *testing.T, j job, dir string, sig syscall.Signal, delay time.Duration) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, j.bin, j.args(dir)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr
	start := time.Now()
	require.NoError(t, cmd.Start())
	if sig != 0 {
		timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(sig) })
		defer timer.Stop()
	}
	err := cmd.Wait()
	r := result{elapsed: time.Since(start), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.signaled = true
		}
	default:
		t.Fatalf("%s: %v", j.name, err)
	}
	return r
}

// snapshot is every file of a folder (hidden ones included) and its bytes.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	require.NoError(t, err)
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = b
	}
	return out
}

func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && (strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".tmp"))
}

// bookkeeping reports whether a name is the folder's record (not a document).
func bookkeeping(name string) bool { return name == invoice.RecordFile }

// counts are the campaign's findings.
type counts struct {
	runs, sigkill, sigterm            int
	finishedBeforeSignal              int
	partialAfterDeath, wrongAfter     int // files under a final name that are a prefix of / differ from the golden
	tempAfterDeath                    int // temporary files right after a death (expected after SIGKILL)
	tempAfterTerm                     int // temporary files after a SIGTERM (must be 0: abandoned cleanly)
	tempAfterRerun                    int
	rerunNotIdentical, rerunFailed    int
	termExit                          map[int]int
	killedMidDocument, resumedByRange int
}

func (c counts) String() string {
	return fmt.Sprintf("%d runs: %d SIGKILL, %d SIGTERM (%d finished before the signal); after a death: %d partial and %d wrong files under final names, %d temporary files (%d after SIGTERM), %d crash-broken documents left for the next run; the reruns: %d Range requests (resumes), %d temporary files, %d not byte-identical, %d failed; SIGTERM exit codes %v",
		c.runs, c.sigkill, c.sigterm, c.finishedBeforeSignal, c.partialAfterDeath, c.wrongAfter, c.tempAfterDeath, c.tempAfterTerm, c.killedMidDocument,
		c.resumedByRange, c.tempAfterRerun, c.rerunNotIdentical, c.rerunFailed, c.termExit)
}

// TestCampaign kills the example programs at random moments and reruns them. The short form
// (CI) does a few of each kind; -proc.kills=N does N.
func TestCampaign(t *testing.T) {
	n := *kills
	if n <= 0 {
		n = 4
	}
	bins := build(t, "invoices", "usage")
	w := startWorld(t)
	js := jobs(bins, w)

	// Undisturbed runs: what every rerun must reproduce, and how long a run takes.
	golden := map[string]map[string][]byte{}
	took := map[string]time.Duration{}
	for _, j := range js {
		dir := t.TempDir()
		r := runProc(t, j, dir, 0, 0)
		require.Equal(t, 0, r.code, "%s: %s", j.name, r.stderr)
		golden[j.name] = snapshot(t, dir)
		took[j.name] = r.elapsed
		for name := range golden[j.name] {
			require.False(t, isTemp(name), "%s left %s", j.name, name)
		}
		t.Logf("%s: %d files in %s", j.name, len(golden[j.name]), r.elapsed.Round(time.Millisecond))
	}

	rng := rand.New(rand.NewPCG(uint64(*seed), 0x6b696c6c))
	c := counts{termExit: map[int]int{}}
	for i := range n {
		j := js[i%len(js)]
		sig := syscall.SIGKILL
		if rng.IntN(4) == 0 {
			sig = syscall.SIGTERM
		}
		dir := filepath.Join(t.TempDir(), "out")
		// Half the time the folder already holds an earlier, killed attempt: kills pile up.
		attempts := 1 + rng.IntN(2)
		var r result
		for range attempts {
			delay := time.Duration(rng.Int64N(int64(took[j.name]) * 11 / 10))
			r = runProc(t, j, dir, sig, delay)
			c.runs++
			if sig == syscall.SIGKILL {
				c.sigkill++
			} else {
				c.sigterm++
			}
			if !r.signaled && r.code == 0 {
				c.finishedBeforeSignal++
			}
			if sig == syscall.SIGTERM && !r.signaled {
				c.termExit[r.code]++
			}
			after := snapshot(t, dir)
			for name, b := range after {
				want, ok := golden[j.name][name]
				switch {
				case isTemp(name):
					c.tempAfterDeath++
					if sig == syscall.SIGTERM {
						c.tempAfterTerm++
						t.Errorf("%s run %d: SIGTERM left %s", j.name, i, name)
					}
					if strings.HasSuffix(name, ".part") {
						c.killedMidDocument++
					}
				case bookkeeping(name):
				case !ok:
					c.wrongAfter++
					t.Errorf("%s run %d: unexpected file %s", j.name, i, name)
				case !bytes.Equal(b, want):
					if len(b) < len(want) && bytes.Equal(b, want[:len(b)]) {
						c.partialAfterDeath++
					} else {
						c.wrongAfter++
					}
					t.Errorf("%s run %d: %s differs from the undisturbed run (%d of %d bytes)", j.name, i, name, len(b), len(want))
				}
			}
		}
		// The rerun finishes the job, continuing broken-off documents with Range requests.
		since := w.srv.Now() // the request log is bounded: select by time, not by position
		r = runProc(t, j, dir, 0, 0)
		for _, req := range w.srv.BlobRequests() {
			if !req.Time.Before(since) && req.Header.Get("Range") != "" {
				c.resumedByRange++
			}
		}
		if r.code != 0 {
			c.rerunFailed++
			t.Errorf("%s run %d: the rerun exited %d: %s", j.name, i, r.code, r.stderr)
			continue
		}
		after := snapshot(t, dir)
		for name := range after {
			if isTemp(name) {
				c.tempAfterRerun++
				t.Errorf("%s run %d: %s left after the rerun", j.name, i, name)
			}
		}
		for name, want := range golden[j.name] {
			if bookkeeping(name) {
				continue // its lines come in completion order
			}
			if !bytes.Equal(after[name], want) {
				c.rerunNotIdentical++
				t.Errorf("%s run %d: %s is not byte-identical after the rerun", j.name, i, name)
			}
		}
	}
	t.Logf("campaign (seed %d): %s", *seed, c)
}

// A run that fails in part exits non-zero after saying what failed: here a folder where one
// document's final name is taken by a directory.
func TestFailingRunExitsNonZero(t *testing.T) {
	bins := build(t, "invoices")
	w := startWorld(t)
	j := jobs(bins, w)[0]
	dir := t.TempDir()
	r := runProc(t, j, dir, 0, 0)
	require.Equal(t, 0, r.code, r.stderr)
	var victim string
	for name := range snapshot(t, dir) {
		if strings.HasSuffix(name, ".pdf") {
			victim = name
			break
		}
	}
	require.NotEmpty(t, victim)
	require.NoError(t, os.Remove(filepath.Join(dir, victim)))
	require.NoError(t, os.Mkdir(filepath.Join(dir, victim), 0o755))

	r = runProc(t, j, dir, 0, 0)

	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stderr, victim)
	require.NotContains(t, r.stderr, ".part", "errors name final paths")
}
