package billingtest

import (
	"bytes"
	"fmt"
	"strings"
)

// invoicePDF renders a small but valid one-page PDF 1.4 for a document of an invoice: catalog,
// page tree, page, content stream and font, a cross-reference table with exact byte offsets, a
// trailer and %%EOF. The invoice number is printed on the page (and so appears in the bytes).
// pad adds an unreferenced stream of about that many bytes. Output is deterministic.
func invoicePDF(inv *Invoice, d InvoiceDocument, pad int) []byte {
	title := map[string]string{
		"Invoice": "Invoice", "CreditNote": "Credit note", "TaxReceipt": "Tax receipt", "VoidNote": "Void note",
		"Summary": "Invoice summary", "Transactions": "Transactions",
	}[d.Kind]
	if title == "" {
		title = d.Kind
	}
	billedTo := inv.billedTo
	if billedTo == "" {
		billedTo = inv.Account
	}
	lines := []string{
		"Microsoft Azure - " + title,
		"Invoice number: " + inv.Name,
		"Document: " + d.Name,
		fmt.Sprintf("Billing period: %s to %s", inv.PeriodStart.Format("2006-01-02"), inv.PeriodEnd.Format("2006-01-02")),
		"Invoice date: " + inv.Date.Format("2006-01-02"),
		"Due date: " + inv.DueDate.Format("2006-01-02"),
		"Billed to: " + billedTo,
	}
	if inv.Agreement != AgreementMOSP && inv.truth.Charges != "" {
		// The summary the invoice prints: charges, what reduced them, tax.
		lines = append(lines,
			"Charges: "+inv.truth.Charges+" "+inv.Currency,
			"Credits: -"+inv.Credit+" "+inv.Currency,
			"Azure prepayment applied: -"+inv.Prepayment+" "+inv.Currency,
			"Free Azure credit applied: -"+inv.FreeCredit+" "+inv.Currency,
			"Subtotal: "+inv.SubTotal+" "+inv.Currency,
			fmt.Sprintf("Tax (%s): %s %s", inv.truth.TaxRate, inv.Tax, inv.Currency),
			"Total: "+inv.Total+" "+inv.Currency)
	}
	lines = append(lines,
		"Billed amount: "+inv.Billed+" "+inv.Currency,
		"Amount due: "+inv.AmountDue+" "+inv.Currency,
		"Status: "+inv.Status,
	)
	if inv.CreditFor != "" {
		lines = append(lines, "Credit for invoice: "+inv.CreditFor)
	}
	return buildPDF(lines, pad)
}

// buildPDF lays out lines of text on a Letter page in Helvetica.
func buildPDF(lines []string, pad int) []byte {
	var content strings.Builder
	content.WriteString("BT\n/F1 12 Tf\n14 TL\n72 720 Td\n")
	for i, l := range lines {
		if i == 0 {
			content.WriteString("/F1 16 Tf\n")
		}
		fmt.Fprintf(&content, "(%s) Tj T*\n", pdfEscape(l))
		if i == 0 {
			content.WriteString("/F1 12 Tf\nT*\n")
		}
	}
	content.WriteString("ET\n")

	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	if pad > 0 {
		// Unreferenced objects are allowed: readers ignore them, and the xref still lists them.
		var p strings.Builder
		const row = "% padding 0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
		for p.Len() < pad {
			p.WriteString(row)
		}
		objs = append(objs, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", p.Len(), p.String()))
	}

	var b bytes.Buffer
	// The binary comment line tells transfer tools the file is binary, as real PDFs do.
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n", len(objs)+1)
	b.WriteString("0000000000 65535 f \n") // each entry is exactly 20 bytes
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// pdfEscape escapes a PDF literal string and keeps it to printable ASCII.
func pdfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
