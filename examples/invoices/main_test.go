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
	"github.com/azbilling/azbilling/invoice"
)

func TestRunDownloadsAndARerunSkips(t *testing.T) {
	dir := t.TempDir()
	c := config{as: billingtest.MCAProfileReader, months: 3, out: dir, concurrency: 4}
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
	c := config{as: billingtest.MOSPAccountAdmin, scope: "/subscriptions/" + billingtest.SubscriptionCredit, months: 2, out: t.TempDir()}
	var out bytes.Buffer

	require.NoError(t, run(context.Background(), &out, c))

	assert.Contains(t, out.String(), "no invoice found")
	assert.Contains(t, out.String(), "monthly credit")
}

func TestRunWithoutRoleSaysWhichRoles(t *testing.T) {
	c := config{as: billingtest.NoRole, months: 2, out: t.TempDir()}
	var out bytes.Buffer

	require.NoError(t, run(context.Background(), &out, c))

	assert.Contains(t, out.String(), "Billing profile reader")
}

func TestParseKinds(t *testing.T) {
	k, err := parseKinds("invoice, credit-note")
	require.NoError(t, err)
	assert.Equal(t, []invoice.DocumentKind{invoice.KindInvoice, invoice.KindCreditNote}, k)
	_, err = parseKinds("bogus")
	assert.Error(t, err)
}

func TestLiveNeedsAScope(t *testing.T) {
	err := run(context.Background(), &bytes.Buffer{}, config{live: true})
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
		{as: billingtest.MCAProfileReader, months: 3},
		{as: billingtest.MOSPAccountAdmin, scope: "/subscriptions/" + billingtest.SubscriptionNew, months: 2},
		{as: billingtest.MOSPAccountAdmin, scope: "/subscriptions/" + billingtest.SubscriptionCredit, months: 2},
	} {
		var today, ahead bytes.Buffer
		c.out = t.TempDir()
		require.NoError(t, run(context.Background(), &today, c))
		first := c.out
		c.out = t.TempDir()
		c.emulator = []billingtest.Option{billingtest.WithNow(monthsAhead(7))}
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
