package billingtest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every invoice bills the usage of its scope and billing period, to the last digit, and its
// fields follow the documented chain.
func TestInvoicesAreTheSumOfTheirUsage(t *testing.T) {
	s := NewServer(t)
	for _, inv := range s.Invoices() {
		tr, ok := s.InvoiceTruth(inv.Name)
		require.True(t, ok)
		c := func(v string) int64 { return cents(v) }
		assert.Equal(t, c(tr.Charges)-c(inv.Credit)-c(inv.Prepayment)-c(inv.FreeCredit), c(inv.SubTotal), inv.Name)
		assert.Equal(t, c(inv.SubTotal)+c(inv.Tax), c(inv.Total), inv.Name)
		assert.Equal(t, inv.Total, inv.Billed, inv.Name)
		if inv.DocumentType == "CreditNote" {
			assert.Zero(t, tr.UsageRows)
			assert.Less(t, c(inv.Billed), int64(0))
			continue
		}
		var scope string
		switch inv.Agreement {
		case AgreementMCA:
			scope = accountsPath + "/" + inv.Account + "/billingProfiles/" + inv.Profile
		case AgreementEA:
			scope = accountsPath + "/" + inv.Account
		default:
			scope = "/subscriptions/" + inv.Subscription
		}
		per := Period{Start: inv.PeriodStart, End: inv.PeriodEnd}
		want := s.UsageTotal(scope, per, "ActualCost")[inv.Currency]
		if want == "" {
			want = "0" // months before the profile's first subscription: a zero invoice
		}
		assert.Equal(t, want, tr.Usage, inv.Name)
		assert.Equal(t, s.UsageRowCount(scope, per, "ActualCost"), tr.UsageRows, inv.Name)
		// Rounding is at most half a cent per row.
		r := strings.TrimPrefix(tr.Rounding, "-")
		assert.LessOrEqual(t, parseFixed(r).lo, uint64(tr.UsageRows)*5e9, inv.Name)
	}
}

func parseFixed(v string) u128 {
	whole, frac, _ := strings.Cut(v, ".")
	frac += strings.Repeat("0", costScale)
	var a u128
	for _, ch := range whole + frac[:costScale] {
		a.lo = a.lo*10 + uint64(ch-'0')
	}
	return a
}

// The same date and seed lay out the same world whenever the server starts; WithNow pins it.
func TestWorldIsDeterministicPerDate(t *testing.T) {
	a, b := NewServer(t), NewServer(t)
	assert.Equal(t, a.Invoices(), b.Invoices())
	x := NewServer(t, WithNow(time.Date(2027, 6, 15, 12, 0, 0, 0, time.UTC)))
	assert.NotEqual(t, a.Invoices()[0].PeriodStart, x.Invoices()[0].PeriodStart)
}

func TestFaultHooksRefuseBadInput(t *testing.T) {
	s := NewServer(t)
	assert.Error(t, s.AlterInvoiceAmount("G000000001", "billedAmount", "1.234"))
	assert.Error(t, s.AlterInvoiceAmount("G000000001", "nope", "1"))
	assert.Error(t, s.AlterInvoiceAmount("NOPE", "billedAmount", "1"))
	require.NoError(t, s.AlterInvoiceAmount("G000000001", "taxAmount", "-0.05"))
	inv, _ := s.Invoice("G000000001")
	tr, _ := s.InvoiceTruth("G000000001")
	assert.Equal(t, cents(tr.Tax)-5, cents(inv.Tax))

	today := s.Now()
	_, err := s.DropUsageRow("nope", today, 0)
	assert.Error(t, err)
	_, err = s.DropUsageRow(SubscriptionMCAData, today.AddDate(0, 0, 2), 0)
	assert.Error(t, err, "a future day has no rows")
	_, err = s.DropUsageRow(SubscriptionMCAData, today, 99)
	assert.Error(t, err)
	before := s.UsageRowCount("/subscriptions/"+SubscriptionMCAData, s.UsageOpenMonth(), "ActualCost")
	row, err := s.DropUsageRow(SubscriptionMCAData, today, 1)
	require.NoError(t, err)
	assert.Equal(t, "USD", row.Currency)
	assert.Equal(t, before-1, s.UsageRowCount("/subscriptions/"+SubscriptionMCAData, s.UsageOpenMonth(), "ActualCost"))
	_, err = s.DropUsageRow(SubscriptionMCAData, today, 1)
	assert.Error(t, err, "already dropped")
}
