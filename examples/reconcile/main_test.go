package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
)

func lastLine(t *testing.T, out string) summary {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var s summary
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &s), lines[len(lines)-1])
	return s
}

// Every invoice of every agreement reconciles to exactly zero, today and with the world clock
// moved months ahead.
func TestEveryInvoiceReconciles(t *testing.T) {
	for _, ahead := range []int{0, 5} {
		var out bytes.Buffer
		c := config{months: 12, concurrency: 4}
		if ahead > 0 {
			c.target.Options = []billingtest.Option{billingtest.WithNow(time.Now().AddDate(0, ahead, 0))}
		}
		require.NoError(t, run(context.Background(), &out, c), out.String())
		s := lastLine(t, out.String())
		assert.GreaterOrEqual(t, s.Invoices, 45, "MOSP, EA and both MCA profiles, a year each")
		assert.Equal(t, s.Invoices, s.Reconciled, out.String())
		assert.Equal(t, map[string]string{"USD": "0", "EUR": "0"}, s.Unexplained)
		assert.Greater(t, s.UsageRows, 5000)
		assert.Contains(t, out.String(), "G000000025 ")
		assert.Contains(t, out.String(), "- prepayment 150")
		assert.Contains(t, out.String(), "- free-credit ")
	}
}

func TestVerbosePrintsTheLines(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, config{months: 1, concurrency: 1, verbose: true, as: []billingtest.Principal{billingtest.MCAProfileOwner}}))
	assert.Contains(t, out.String(), "usage  ")
	assert.Contains(t, out.String(), "rounding")
	assert.Contains(t, out.String(), "tax (taxAmount)")
	s := lastLine(t, out.String())
	assert.Equal(t, 1, s.Invoices)
}

func TestNoAccessFailsAndStillPrintsTheSummary(t *testing.T) {
	var out bytes.Buffer
	// An EA account owner may not view the enrollment's invoices.
	err := run(context.Background(), &out, config{months: 2, concurrency: 2, as: []billingtest.Principal{billingtest.EAAccountOwner}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "could not be reconciled")
	assert.Contains(t, out.String(), "not allowed to view invoices")
	s := lastLine(t, out.String())
	assert.Equal(t, summary{Unexplained: map[string]string{}}, s)
}

func TestMonthsBounds(t *testing.T) {
	assert.Error(t, config{months: 13, concurrency: 1}.validate(nil))
	assert.Error(t, config{months: 0, concurrency: 1}.validate(nil))
	assert.Equal(t, 2, realMain([]string{"-months", "-5"}, &bytes.Buffer{}, &bytes.Buffer{}))
	assert.Equal(t, 2, realMain([]string{"-as", "nobody,mca-profile-owner"}, &bytes.Buffer{}, &bytes.Buffer{}))
}
