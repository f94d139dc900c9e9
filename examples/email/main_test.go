package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/examples/internal/target"
	"github.com/azbilling/azbilling/roles"
)

func TestRunOnTheEmulatorAddsAndRemovesARecipient(t *testing.T) {
	var out bytes.Buffer

	err := run(context.Background(), &out, config{target: target.Flags{As: string(billingtest.MCAProfileOwner)}})

	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "added cfo@contoso.example")
	assert.Contains(t, out.String(), "recipients:     billing@contoso.example, finance@contoso.example, cfo@contoso.example")
	assert.Contains(t, out.String(), "removed cfo@contoso.example")
}

func TestRunAsReaderIsRefused(t *testing.T) {
	var out bytes.Buffer

	err := run(context.Background(), &out, config{target: target.Flags{As: string(billingtest.MCAProfileReader)}})

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.Contains(t, out.String(), "not allowed")
}

func TestFlagsAreCheckedBeforeAnyRequest(t *testing.T) {
	for _, args := range [][]string{
		{"-optin", "-optout"}, {"-add", "not-an-address"}, {"-account", "A"}, {"-live"}, {"-as", "nobody-at-all"}, {"stray"},
	} {
		var out, errOut bytes.Buffer
		assert.Equal(t, 2, realMain(args, &out, &errOut), "%v", args)
		assert.Empty(t, out.String(), "%v", args)
	}
	var out, errOut bytes.Buffer
	assert.Equal(t, 1, realMain([]string{"-as", string(billingtest.MCAProfileReader)}, &out, &errOut), "a refusal is a failure")
}

// shape is the output with every number replaced by N, so that a run on another date (other
// amounts, dates, invoice counts of the same length) compares equal when it behaves the same.
func shape(s string) string {
	return regexp.MustCompile(` +`).ReplaceAllString(regexp.MustCompile(`[0-9]+`).ReplaceAllString(s, "N"), " ")
}

// The program behaves the same with the world clock months ahead.
func TestRunMonthsAhead(t *testing.T) {
	var today, ahead bytes.Buffer
	require.NoError(t, run(context.Background(), &today, config{target: target.Flags{As: string(billingtest.MCAProfileOwner)}}))
	require.NoError(t, run(context.Background(), &ahead, config{target: target.Flags{As: string(billingtest.MCAProfileOwner), Options: []billingtest.Option{billingtest.WithNow(monthsAhead(6))}}}))
	assert.Equal(t, shape(today.String()), shape(ahead.String()))
}

// monthsAhead is noon UTC, n months ahead, on today's day of the month (at most the 28th, so
// that the date stays on the same side of invoice days and billing period starts as today's):
// the instant an unpinned emulator lays its world out from on that date.
func monthsAhead(n int) time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month()+time.Month(n), min(now.Day(), 28), 12, 0, 0, 0, time.UTC)
}
