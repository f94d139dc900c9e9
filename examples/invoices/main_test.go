package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/examples/internal/target"
	"github.com/azbilling/azbilling/invoice"
)

func TestRunDownloadsAndARerunSkips(t *testing.T) {
	dir := t.TempDir()
	c := config{target: target.Flags{As: string(billingtest.MCAProfileReader)}, months: 3, out: dir, concurrency: 4}
	var out bytes.Buffer

	require.NoError(t, run(context.Background(), &out, c))

	assert.Contains(t, out.String(), "downloaded")
	assert.Contains(t, out.String(), "G000000025")
	files, err := filepath.Glob(filepath.Join(dir, "*.pdf"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.True(t, bytes.HasPrefix(b, []byte("%PDF-")), f)
	}

	out.Reset()
	require.NoError(t, run(context.Background(), &out, c))
	assert.Contains(t, out.String(), "0 downloaded, "+strconv.Itoa(len(files))+" skipped")
}

func TestRunExplainsAMissingInvoice(t *testing.T) {
	c := config{target: target.Flags{As: string(billingtest.MOSPAccountAdmin)}, scope: "/subscriptions/" + billingtest.SubscriptionCredit, months: 2, out: t.TempDir()}
	var out bytes.Buffer

	require.NoError(t, run(context.Background(), &out, c))

	assert.Contains(t, out.String(), "no invoice found")
	assert.Contains(t, out.String(), "monthly credit")
}

func TestRunWithoutRoleSaysWhichRolesAndExits1(t *testing.T) {
	var out, errOut bytes.Buffer

	code := realMain([]string{"-as", string(billingtest.NoRole), "-months", "2", "-out", t.TempDir()}, &out, &errOut)

	assert.Equal(t, 1, code)
	assert.Contains(t, out.String()+errOut.String(), "Billing profile reader")
}

// A folder that cannot be written fails every document: the run stops at the first, says so
// once, and exits 1.
func TestRunIntoAReadOnlyFolderExits1(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only folders")
	}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	var out, errOut bytes.Buffer

	code := realMain([]string{"-months", "3", "-out", dir}, &out, &errOut)

	assert.Equal(t, 1, code)
	assert.Equal(t, 1, strings.Count(out.String(), "permission denied"), out.String())
	assert.Contains(t, out.String(), "stopped early")
	assert.NotContains(t, out.String()+errOut.String(), ".part", "errors name the final path, never a temporary file")
}

func TestFlagsAreCheckedBeforeAnyRequest(t *testing.T) {
	for _, args := range [][]string{
		{"-months", "-5"}, {"-months", "100000"}, {"-months", "0"}, {"-concurrency", "-1"}, {"-kinds", "bogus"},
		{"-scope", "not-a-scope"}, {"-as", "nobody-at-all"}, {"-live"}, {"-emulator", "https://127.0.0.1:1"},
		{"-live", "-emulator", "https://127.0.0.1:1", "-emulator-ca", "x"}, {"stray"},
	} {
		var out, errOut bytes.Buffer
		code := realMain(append(args, "-out", t.TempDir()), &out, &errOut)
		assert.Equal(t, 2, code, "%v", args)
		assert.Empty(t, out.String(), "%v: nothing started", args)
		assert.NotEmpty(t, errOut.String(), "%v: says why", args)
	}
}

func TestParseKinds(t *testing.T) {
	k, err := parseKinds("invoice, credit-note")
	require.NoError(t, err)
	assert.Equal(t, []invoice.DocumentKind{invoice.KindInvoice, invoice.KindCreditNote}, k)
	_, err = parseKinds("bogus")
	assert.Error(t, err)
}

func TestLiveNeedsAScope(t *testing.T) {
	err := config{target: target.Flags{Live: true}, months: 1, out: "x"}.validate(nil)
	assert.ErrorContains(t, err, "-scope")
}

// shape is the output with every number replaced by N, so that a run on another date (other
// amounts, dates, invoice counts of the same length) compares equal when it behaves the same.
func shape(s string) string {
	return regexp.MustCompile(` +`).ReplaceAllString(regexp.MustCompile(`[0-9]+`).ReplaceAllString(s, "N"), " ")
}

// The program behaves the same with the world clock months ahead: same invoices downloaded and
// skipped, the same explanation of a missing one.
func TestRunMonthsAhead(t *testing.T) {
	for _, c := range []config{
		{target: target.Flags{As: string(billingtest.MCAProfileReader)}, months: 3},
		{target: target.Flags{As: string(billingtest.MOSPAccountAdmin)}, scope: "/subscriptions/" + billingtest.SubscriptionNew, months: 2},
		{target: target.Flags{As: string(billingtest.MOSPAccountAdmin)}, scope: "/subscriptions/" + billingtest.SubscriptionCredit, months: 2},
	} {
		var today, ahead bytes.Buffer
		c.out = t.TempDir()
		require.NoError(t, run(context.Background(), &today, c))
		first := c.out
		c.out = t.TempDir()
		c.target.Options = []billingtest.Option{billingtest.WithNow(monthsAhead(7))}
		require.NoError(t, run(context.Background(), &ahead, c))
		// The progress line lists downloads in the order they finish: leave it out.
		progress := regexp.MustCompile(`(?m)^\r.*$`)
		assert.Equal(t, shape(progress.ReplaceAllString(strings.ReplaceAll(today.String(), first, ""), "")),
			shape(progress.ReplaceAllString(strings.ReplaceAll(ahead.String(), c.out, ""), "")))
	}
}

// monthsAhead is noon UTC, n months ahead, on today's day of the month (at most the 28th, so
// that the date stays on the same side of invoice days and billing period starts as today's):
// the instant an unpinned emulator lays its world out from on that date.
func monthsAhead(n int) time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month()+time.Month(n), min(now.Day(), 28), 12, 0, 0, 0, time.UTC)
}
