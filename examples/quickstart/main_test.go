package main

import (
	"bytes"
	"context"
	"github.com/azbilling/azbilling/billing/billingtest"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/examples/internal/target"
)

// The README's first command: the main job must run on the emulator and cover every agreement.
func TestQuickstartRunsOnTheEmulator(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, target.Flags{}))
	s := out.String()
	for _, want := range []string{"agreement MOSP", "agreement EA", "agreement MCA", "roles: Billing profile owner", "Invoices", "Invoice e-mail"} {
		assert.Contains(t, s, want)
	}
	assert.NotContains(t, s, "sig=")
}

func TestQuickstartAsReaderCannotChangeEmail(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, target.Flags{As: "mca-profile-reader"}))
	assert.Contains(t, out.String(), "roles: Billing profile reader")
	assert.NotContains(t, out.String(), "change the invoice e-mail preference")
}

// shape is the output with every number replaced by N, so that a run on another date (other
// amounts, dates, invoice counts of the same length) compares equal when it behaves the same.
func shape(s string) string {
	return regexp.MustCompile(` +`).ReplaceAllString(regexp.MustCompile(`[0-9]+`).ReplaceAllString(s, "N"), " ")
}

// The quickstart behaves the same with the world clock five months ahead.
func TestQuickstartMonthsAhead(t *testing.T) {
	var today, ahead bytes.Buffer
	require.NoError(t, run(context.Background(), &today, target.Flags{}))
	require.NoError(t, run(context.Background(), &ahead, target.Flags{Options: []billingtest.Option{billingtest.WithNow(monthsAhead(5))}}))
	assert.Equal(t, shape(today.String()), shape(ahead.String()))
}

// monthsAhead is noon UTC, n months ahead, on today's day of the month (at most the 28th, so
// that the date stays on the same side of invoice days and billing period starts as today's):
// the instant an unpinned emulator lays its world out from on that date.
func monthsAhead(n int) time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month()+time.Month(n), min(now.Day(), 28), 12, 0, 0, 0, time.UTC)
}
