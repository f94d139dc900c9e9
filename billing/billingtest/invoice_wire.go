package billingtest

import (
	"strings"
	"time"
)

// Invoice wire shapes (2024-04-01 names), the emulator's own.

type wireInvoice struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Properties wireInvoiceProps  `json:"properties"`
	Tags       map[string]string `json:"tags,omitempty"`
}

type wireInvoiceProps struct {
	AmountDue                 *wireAmount           `json:"amountDue,omitempty"`
	AzurePrepaymentApplied    *wireAmount           `json:"azurePrepaymentApplied,omitempty"`
	BilledAmount              *wireAmount           `json:"billedAmount,omitempty"`
	CreditAmount              *wireAmount           `json:"creditAmount,omitempty"`
	FreeAzureCreditApplied    *wireAmount           `json:"freeAzureCreditApplied,omitempty"`
	SubTotal                  *wireAmount           `json:"subTotal,omitempty"`
	TaxAmount                 *wireAmount           `json:"taxAmount,omitempty"`
	TotalAmount               *wireAmount           `json:"totalAmount,omitempty"`
	BillingProfileDisplayName string                `json:"billingProfileDisplayName,omitempty"`
	BillingProfileID          string                `json:"billingProfileId,omitempty"`
	CreditForDocumentID       string                `json:"creditForDocumentId,omitempty"`
	Documents                 []wireInvoiceDocument `json:"documents"`
	DocumentType              string                `json:"documentType,omitempty"`
	DueDate                   string                `json:"dueDate,omitempty"`
	InvoiceDate               string                `json:"invoiceDate,omitempty"`
	InvoicePeriodEndDate      string                `json:"invoicePeriodEndDate,omitempty"`
	InvoicePeriodStartDate    string                `json:"invoicePeriodStartDate,omitempty"`
	InvoiceType               string                `json:"invoiceType,omitempty"`
	IsMonthlyInvoice          bool                  `json:"isMonthlyInvoice"`
	Payments                  []wireInvoicePayment  `json:"payments,omitempty"`
	PurchaseOrderNumber       string                `json:"purchaseOrderNumber,omitempty"`
	Status                    string                `json:"status"`
	SubscriptionDisplayName   string                `json:"subscriptionDisplayName,omitempty"`
	SubscriptionID            string                `json:"subscriptionId,omitempty"`
	SpecialTaxationType       string                `json:"specialTaxationType,omitempty"`
}

type wireInvoiceDocument struct {
	DocumentNumbers []string `json:"documentNumbers,omitempty"`
	Kind            string   `json:"kind"`
	Name            string   `json:"name,omitempty"`
	Source          string   `json:"source,omitempty"`
	URL             string   `json:"url,omitempty"`
}

type wireInvoicePayment struct {
	Amount              *wireAmount `json:"amount,omitempty"`
	Date                string      `json:"date,omitempty"`
	PaymentMethodFamily string      `json:"paymentMethodFamily,omitempty"`
	PaymentMethodType   string      `json:"paymentMethodType,omitempty"`
	PaymentType         string      `json:"paymentType,omitempty"`
}

// wireDocumentDownloadResult is DocumentDownloadResult (expiryTime is a plain string; EA
// answers leave it out, the expiry being only in the SAS link's se=).
type wireDocumentDownloadResult struct {
	ExpiryTime string `json:"expiryTime,omitempty"`
	URL        string `json:"url"`
}

// wireDocumentDownloadRequest is one element of a downloadDocuments body.
type wireDocumentDownloadRequest struct {
	DocumentName string `json:"documentName"`
	InvoiceName  string `json:"invoiceName"`
}

// invoiceWire renders an invoice as listed under prefix (the path its id hangs off: the billing
// account, or billingAccounts/default/billingSubscriptions/{id} on the MOSP subscription route).
// MOSP invoices carry only the fields the service documents for them (amount due and billed).
// Dates have seven fractional digits, payment dates an offset, and EA documents the recorded
// EA shape (eaDocuments), unless the server runs WithSpecShapes.
func (s *Server) invoiceWire(inv *Invoice, prefix string, subRoute bool) wireInvoice {
	amt := func(v string) *wireAmount {
		if v == "" {
			return nil
		}
		return &wireAmount{Currency: inv.Currency, Value: wireNum(v)}
	}
	p := wireInvoiceProps{
		AmountDue: amt(inv.AmountDue), BilledAmount: amt(inv.Billed),
		DocumentType: inv.DocumentType, InvoiceType: inv.Type, IsMonthlyInvoice: inv.CreditFor == "",
		DueDate: s.time7Z(inv.DueDate), InvoiceDate: s.time7Z(inv.Date),
		InvoicePeriodStartDate: s.time7Z(inv.PeriodStart), InvoicePeriodEndDate: s.time7Z(s.endOfDay(inv.PeriodEnd)),
		PurchaseOrderNumber: inv.PurchaseOrder, Status: inv.Status,
		Documents: make([]wireInvoiceDocument, 0, len(inv.Documents)),
	}
	if inv.Agreement != AgreementMOSP {
		p.AzurePrepaymentApplied, p.CreditAmount, p.FreeAzureCreditApplied = amt(inv.Prepayment), amt(inv.Credit), amt(inv.FreeCredit)
		p.SubTotal, p.TaxAmount, p.TotalAmount = amt(inv.SubTotal), amt(inv.Tax), amt(inv.Total)
	}
	if inv.Agreement == AgreementEA && s.realShapes() {
		p.Documents = s.eaDocuments(inv)
	} else {
		for _, d := range inv.Documents {
			p.Documents = append(p.Documents, wireInvoiceDocument{Kind: d.Kind, Name: d.Name, Source: "DRS", DocumentNumbers: []string{d.Name}})
		}
	}
	switch {
	case inv.PaidOn.IsZero():
	case inv.Agreement == AgreementEA && s.realShapes():
		// As recorded: amount, date and a family of "Other", nothing else.
		p.Payments = []wireInvoicePayment{{Amount: amt(inv.Billed), Date: s.time7Z(inv.PaidOn), PaymentMethodFamily: "Other"}}
	default:
		p.Payments = []wireInvoicePayment{{
			Amount: amt(inv.Billed), Date: s.time7Offset(inv.PaidOn), PaymentMethodFamily: paymentFamily(inv),
			PaymentMethodType: strings.ToLower(paymentFamily(inv)), PaymentType: "debited",
		}}
	}
	if inv.Profile != "" {
		p.BillingProfileID = scopeRef{account: inv.Account, profile: inv.Profile}.id()
		p.BillingProfileDisplayName = inv.profileName
		p.SpecialTaxationType = "SubtotalLevel"
	}
	if inv.CreditFor != "" {
		p.CreditForDocumentID = accountsPath + "/" + inv.Account + "/invoices/" + inv.CreditFor
	}
	if inv.Subscription != "" {
		p.SubscriptionID, p.SubscriptionDisplayName = inv.Subscription, inv.subscriptionName
	}
	typ := "Microsoft.Billing/billingAccounts/invoices"
	if subRoute {
		typ = "Microsoft.Billing/billingAccounts/billingSubscriptions/invoices"
	}
	return wireInvoice{ID: prefix + "/invoices/" + inv.Name, Name: inv.Name, Type: typ, Properties: p}
}

// endOfDay is the last tick of t's day when t is a midnight (period ends are recorded as
// 2024-01-31T23:59:59.9999999Z); t unchanged otherwise, or WithSpecShapes.
func (s *Server) endOfDay(t time.Time) time.Time {
	if !s.realShapes() || t.IsZero() || !t.Equal(t.Truncate(24*time.Hour)) {
		return t
	}
	return t.Add(24*time.Hour - 100*time.Nanosecond)
}

// eaDocuments renders an EA invoice's documents as recorded at 2024-04-01: three entries
// (Invoice, Summary, Transactions) that all carry the invoice document's number, each with the
// url of its download operation, source "Other" and no name.
func (s *Server) eaDocuments(inv *Invoice) []wireInvoiceDocument {
	base := s.armURL + accountsPath + "/" + inv.Account + "/invoices/" + inv.Name
	number := inv.Name
	if d, ok := inv.document("Invoice"); ok {
		number = d.Name
	}
	doc := func(kind, op string) wireInvoiceDocument {
		return wireInvoiceDocument{Kind: kind, Source: "Other", DocumentNumbers: []string{number}, URL: base + "/" + op + "?api-version=2024-04-01"}
	}
	return []wireInvoiceDocument{doc("Invoice", "download"), doc("Summary", "downloadSummary"), doc("Transactions", "transactionsDownload")}
}
