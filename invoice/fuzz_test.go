package invoice_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/invoice"
)

// Invoice JSON as the service sends it (spec examples, 2020-05-01 quirks, odd values).
var invoiceSeeds = []string{
	`{"id":"/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/11111111-1111-1111-1111-111111111111/invoices/E987654321","name":"E987654321","type":"Microsoft.Billing/billingAccounts/billingSubscriptions/invoices","properties":{"amountDue":{"currency":"USD","value":8.53},"billedAmount":{"currency":"USD","value":33.99},"documents":[{"kind":"Invoice","name":"12345678"}],"dueDate":"2023-01-16T17:32:28Z","invoiceDate":"2023-01-01T17:32:28Z","invoicePeriodEndDate":"2023-01-15T17:32:28Z","invoicePeriodStartDate":"2023-01-01T17:32:28Z","invoiceType":"AzureSupport","payments":[{"amount":{"currency":"USD","value":2000},"date":"2023-01-14T17:32:28Z","paymentMethodFamily":"CreditCard","paymentMethodType":"visa","paymentType":"credited"}],"purchaseOrderNumber":"123456","status":"Due","subscriptionDisplayName":"Contoso Operations Billing","subscriptionId":"11111111-1111-1111-1111-111111111111"}}`,
	`{"id":"providers/Microsoft.Billing/billingAccounts/123/invoices/G123456789","properties":{"documentType":"Invoice","documents":[{"name":"12345678","kind":"Invoice"},{"name":"22345678","kind":"TaxReceipt"},{"kind":"Brand new kind","url":"https://management.azure.com/x"}],"isMonthlyInvoice":false,"status":"Locked","totalAmount":{"currency":"EUR","value":"1234.5678901234567890123456"}}}`,
	`{"name":"X","properties":{"amountDue":{"value":1e-7},"billedAmount":null,"invoiceDate":"2023-01-01","dueDate":"","rebillDetails":{"a":{}}}}`,
	`{"properties":{"amountDue":{"value":"abc"}}}`,
	`{"properties":{"invoiceDate":"01-16-2023"}}`,
	`{}`, `null`, `[]`, `{"properties":null}`,
}

func TestDecodeInvoiceSpecExample(t *testing.T) {
	inv, err := invoice.DecodeInvoice([]byte(invoiceSeeds[0]))

	require.NoError(t, err)
	assert.Equal(t, "E987654321", inv.Name)
	assert.Equal(t, "8.53 USD", inv.AmountDue.String())
	assert.Equal(t, "33.99", inv.Billed.Value.String())
	assert.Equal(t, invoice.StatusDue, inv.Status)
	assert.Equal(t, invoice.TypeAzureSupport, inv.Type)
	assert.Equal(t, billing.NewDate(2023, 1, 16), inv.DueDate)
	assert.Equal(t, billing.Period{Start: billing.NewDate(2023, 1, 1), End: billing.NewDate(2023, 1, 15)}, inv.Period)
	require.Len(t, inv.Payments, 1)
	assert.Equal(t, "2000 USD", inv.Payments[0].Amount.String())
	assert.Equal(t, "credited", inv.Payments[0].Type)
	assert.Equal(t, "123456", inv.PurchaseOrder)
}

func TestDecodeInvoiceKeepsUnknownValuesAndExactDecimals(t *testing.T) {
	inv, err := invoice.DecodeInvoice([]byte(invoiceSeeds[1]))

	require.NoError(t, err)
	assert.Equal(t, "G123456789", inv.Name, "name from an id without leading slash")
	assert.Equal(t, invoice.Status("Locked"), inv.Status)
	assert.Equal(t, invoice.DocumentKind("Brand new kind"), inv.Documents[2].Kind)
	assert.Equal(t, "1234.5678901234567890123456", inv.Total.Value.String())
	assert.Equal(t, "https://management.azure.com/x", inv.Documents[2].URL)
}

func TestDecodeInvoiceReadsEveryDateFormAndKeepsUnreadText(t *testing.T) {
	inv, err := invoice.DecodeInvoice([]byte(`{"name":"E1","properties":{"invoiceDate":"6/1/2020 12:00:00 AM +00:00",
		"dueDate":"2020-06-30T23:59:59.9999999","invoicePeriodStartDate":"2020-05-01T00:00:00","invoicePeriodEndDate":"31.05.2020",
		"payments":[{"date":"0001-01-01T00:00:00.0000000Z"},{"date":"2020-06-10T00:00:00+00:00"},{"date":"soon"}]}}`))
	require.NoError(t, err, "an unreadable date never fails the invoice")
	assert.Equal(t, billing.NewDate(2020, 6, 1), inv.Date)
	assert.Equal(t, billing.NewDate(2020, 6, 30), inv.DueDate)
	assert.Equal(t, billing.Period{Start: billing.NewDate(2020, 5, 1)}, inv.Period, "the unreadable end is left zero")
	require.Len(t, inv.Payments, 3)
	assert.True(t, inv.Payments[0].Date.IsZero(), "0001-01-01 means none")
	assert.Equal(t, billing.NewDate(2020, 6, 10), inv.Payments[1].Date)
	assert.True(t, inv.Payments[2].Date.IsZero())
	assert.Equal(t, map[string]string{"invoicePeriodEndDate": "31.05.2020", "payments[2].date": "soon"}, inv.UnreadDates)

	inv, err = invoice.DecodeInvoice([]byte(invoiceSeeds[0]))
	require.NoError(t, err)
	assert.Nil(t, inv.UnreadDates, "no map while every date reads")

	inv, err = invoice.DecodeInvoice([]byte(`{"name":"E2","properties":{"status":"Paid ","invoiceType":" AzureServices",
		"documents":[{"kind":"Invoice ","source":"Other ","url":"https://x/y"}],"amountDue":{"currency":"USD ","value":1}}}`))
	require.NoError(t, err)
	assert.Equal(t, invoice.StatusPaid, inv.Status, "padded text is trimmed")
	assert.Equal(t, invoice.TypeAzureServices, inv.Type)
	assert.Equal(t, invoice.KindInvoice, inv.Documents[0].Kind)
	assert.Equal(t, "Other", inv.Documents[0].Source)
	assert.Equal(t, "1 USD", inv.AmountDue.String())
}

func TestDecodeInvoiceRejectsBadAmounts(t *testing.T) {
	_, err := invoice.DecodeInvoice([]byte(invoiceSeeds[3]))
	assert.ErrorIs(t, err, billing.ErrInvalidInput)
}

func FuzzDecodeInvoice(f *testing.F) {
	for _, s := range invoiceSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := invoice.DecodeInvoice(data)
		if err != nil {
			return
		}
		for _, a := range []billing.Amount{inv.AmountDue, inv.Billed, inv.Total, inv.Tax, inv.SubTotal, inv.Credit, inv.FreeCredit, inv.Prepayment} {
			back, err := billing.ParseDecimal(a.Value.String())
			if err != nil || back.Cmp(a.Value) != 0 {
				t.Fatalf("amount %s does not round-trip: %v", a.Value, err)
			}
		}
		// A name that is safe to use must give a safe file name whatever the kinds say.
		for _, d := range inv.Documents {
			checkSafeName(t, invoice.FileName(inv, d))
		}
	})
}

var safeNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)

func checkSafeName(t *testing.T, name string) {
	t.Helper()
	if !safeNameRE.MatchString(name) || strings.Contains(name, "..") || strings.HasSuffix(name, ".") ||
		len(name) > 130 || filepath.Base(name) != name || !filepath.IsLocal(name) {
		t.Fatalf("unsafe file name %q", name)
	}
	stem, _, _ := strings.Cut(strings.ToUpper(name), ".")
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "COM1", "LPT1", "COM0", "LPT9":
		t.Fatalf("reserved file name %q", name)
	}
}

func TestSafeFileName(t *testing.T) {
	cases := map[string]string{
		"G123456789-invoice":     "G123456789-invoice",
		"../../etc/passwd":       "etc_passwd",
		`C:\Windows\system32`:    "C_Windows_system32",
		"..":                     "document",
		"":                       "document",
		".hidden":                "hidden",
		"a..b":                   "a.b",
		"CON":                    "CON_",
		"nul.pdf":                "nul_.pdf",
		"com1":                   "com1_",
		"trailing.":              "trailing",
		"tab\there\x00nul\nnew":  "tab_here_nul_new",
		"émoji😀":                 "moji_",
		"-rf":                    "rf",
		strings.Repeat("a", 300): strings.Repeat("a", 120),
	}
	for in, want := range cases {
		assert.Equal(t, want, invoice.SafeFileName(in), "%q", in)
	}
}

func FuzzSafeFileName(f *testing.F) {
	for _, s := range []string{"G123456789-invoice", "../x", "CON", "a\x00b", "..", "....", "aux.txt", "日本語", " . ", "COM9.pdf", "x/../../y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name := invoice.SafeFileName(s)
		checkSafeName(t, name)
		if invoice.SafeFileName(name) != name {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, name, invoice.SafeFileName(name))
		}
		inv := invoice.Invoice{Name: s, Documents: []invoice.Document{{Name: s, Kind: invoice.DocumentKind(s)}, {Name: s + "2", Kind: invoice.DocumentKind(s)}}}
		for _, d := range inv.Documents {
			fn := invoice.FileName(inv, d)
			checkSafeName(t, fn)
			if !strings.HasSuffix(fn, ".pdf") {
				t.Fatalf("%q lacks .pdf", fn)
			}
		}
	})
}
