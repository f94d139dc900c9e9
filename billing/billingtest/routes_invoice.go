package billingtest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// registerInvoiceRoutes installs the invoice routes (Invoices_* of api-version 2024-04-01):
//
//	GET  billingAccounts/{ba}/invoices[/{invoiceName}]                    list (period filter, paging) and get, any agreement
//	GET  billingAccounts/{ba}/billingProfiles/{bp}/invoices                MCA list per billing profile
//	GET  billingAccounts/default/billingSubscriptions/{sub}/invoices[/{n}] MOSP subscription route
//	GET  billingAccounts/default/invoices/{invoiceName}                    MCA get by name
//	POST billingAccounts/{ba}/invoices/{n}/download?documentName=          download operation (202 → Location → 200 {expiryTime,url})
//	POST billingAccounts/{ba}/invoices/{n}/downloadSummary                 EA summary
//	POST billingAccounts/{ba}/downloadDocuments                            zip of several documents (MCA, MOSP)
//	POST billingAccounts/default/billingSubscriptions/{sub}/invoices/{n}/download and …/downloadDocuments
//
// Lists need the role operation "invoices/read" at the scope listed; gets and downloads are
// checked at the invoice's own scope (its billing profile, subscription or enrollment), with
// "invoices/download" for downloads. periodStartDate and periodEndDate (YYYY-MM-DD, optional in
// 2024-04-01, required in 2020-05-01) select invoices whose billing period overlaps the range.
// Download operations answer 202 with Location and Retry-After (WithLRODelay) and finish with a
// SAS link to the PDF on the blob listener, valid for an hour of world time.
func (s *Server) registerInvoiceRoutes() {
	s.invoices = newInvoiceState(s.world)
	s.invoices.amounts = s.computeInvoiceAmounts
	v, v24 := billingAPIVersions(), billingAPIVersions2024()
	acct := accountsPath + "/" + pAccount
	prof := acct + "/billingProfiles/" + pProfile
	subr := accountsPath + "/default/billingSubscriptions/{subscriptionId}"

	s.handle(http.MethodGet, acct+"/invoices", v, s.listAccountInvoices)
	s.handle(http.MethodGet, acct+"/invoices/{invoiceName}", v, s.getAccountInvoice)
	s.handle(http.MethodGet, prof+"/invoices", v, s.listProfileInvoices)
	s.handle(http.MethodGet, subr+"/invoices", v, s.listSubscriptionInvoices)
	s.handle(http.MethodGet, subr+"/invoices/{invoiceName}", v, s.getSubscriptionInvoice)
	s.handle(http.MethodGet, accountsPath+"/default/invoices/{invoiceName}", v, s.getDefaultInvoice)
	s.handle(http.MethodPost, acct+"/invoices/{invoiceName}/download", v24, s.downloadAccountInvoice)
	s.handle(http.MethodPost, acct+"/invoices/{invoiceName}/downloadSummary", v24, s.downloadInvoiceSummary)
	s.handle(http.MethodPost, acct+"/invoices/{invoiceName}/transactionsDownload", v24, s.downloadTransactions)
	s.handle(http.MethodGet, acct+"/invoices/{invoiceName}/operationResults/{operationId}", nil, func(rc *reqCtx) response {
		return s.pollOperation(rc, rc.param("operationId"))
	})
	s.handle(http.MethodPost, acct+"/downloadDocuments", v24, s.downloadAccountDocuments)
	s.handle(http.MethodPost, subr+"/invoices/{invoiceName}/download", v24, s.downloadSubscriptionInvoice)
	s.handle(http.MethodPost, subr+"/downloadDocuments", v24, s.downloadSubscriptionDocuments)
}

// invoicePeriod reads the optional period filter.
func (rc *reqCtx) invoicePeriod() (from, to time.Time, fail *response) {
	read := func(name string) (time.Time, *response) {
		v := rc.query.Get(name)
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			// The service's own nextLinks write the dates "2000-01-01 00:00:00Z"; it takes them back.
			if u, uerr := time.Parse("2006-01-02 15:04:05Z07:00", v); uerr == nil {
				t, err = u.UTC(), nil
			}
		}
		if err != nil {
			r := badRequest("InvalidDateFormat", fmt.Sprintf("The value '%s' of '%s' is not a valid date: use YYYY-MM-DD.", v, name))
			return time.Time{}, &r
		}
		return t, nil
	}
	if from, fail = read("periodStartDate"); fail != nil {
		return
	}
	if to, fail = read("periodEndDate"); fail != nil {
		return
	}
	if rc.apiVersion == "2020-05-01" && (from.IsZero() || to.IsZero()) {
		r := badRequest("MissingRequiredQueryParameter", "The query parameters 'periodStartDate' and 'periodEndDate' are required.")
		return from, to, &r
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		r := badRequest("InvalidDateRange", "'periodEndDate' must not be before 'periodStartDate'.")
		return from, to, &r
	}
	return from, to, nil
}

func (inv *Invoice) overlaps(from, to time.Time) bool {
	return (from.IsZero() || !inv.PeriodEnd.Before(from)) && (to.IsZero() || !inv.PeriodStart.After(to))
}

// listInvoices answers one page of the invoices that match.
func (s *Server) listInvoices(rc *reqCtx, prefix string, subRoute bool, match func(*Invoice) bool) response {
	from, to, fail := rc.invoicePeriod()
	if fail != nil {
		return *fail
	}
	var out []*Invoice
	for _, inv := range s.invoices.all() {
		if match(inv) && inv.overlaps(from, to) {
			out = append(out, inv)
		}
	}
	return rc.page(len(out), func(i int) any { return s.invoiceWire(out[i], prefix, subRoute) })
}

func (s *Server) listAccountInvoices(rc *reqCtx) response {
	s.mu.RLock()
	sc, a, fail := rc.resolveScope()
	if fail == nil {
		fail = rc.require(sc, opViewInvoices)
	}
	s.mu.RUnlock()
	if fail != nil {
		return *fail
	}
	return s.listInvoices(rc, accountsPath+"/"+a.Name, false, func(inv *Invoice) bool { return inv.Account == a.Name })
}

func (s *Server) listProfileInvoices(rc *reqCtx) response {
	s.mu.RLock()
	sc, a, fail := rc.resolveScope()
	if fail == nil {
		fail = rc.require(sc, opViewInvoices)
	}
	s.mu.RUnlock()
	if fail != nil {
		return *fail
	}
	return s.listInvoices(rc, accountsPath+"/"+a.Name, false, func(inv *Invoice) bool {
		return inv.Account == a.Name && inv.Profile == sc.profile
	})
}

// subscriptionOf resolves {subscriptionId} of the MOSP subscription route and checks op on it.
func (s *Server) subscriptionOf(rc *reqCtx, op operation) (*Subscription, *response) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := rc.param("subscriptionId")
	sub := s.world.Subscription(id)
	if sub == nil {
		r := errResp(http.StatusNotFound, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", id))
		return nil, &r
	}
	return sub, rc.require(scopeOfSubscription(sub), op)
}

func (s *Server) listSubscriptionInvoices(rc *reqCtx) response {
	sub, fail := s.subscriptionOf(rc, opViewInvoices)
	if fail != nil {
		return *fail
	}
	return s.listInvoices(rc, accountsPath+"/default/billingSubscriptions/"+sub.ID, true, func(inv *Invoice) bool {
		return inv.Subscription == sub.ID
	})
}

// invoiceFor finds an invoice and checks op at its scope. Callers do not hold s.mu.
func (s *Server) invoiceFor(rc *reqCtx, name string, op operation, match func(*Invoice) bool) (*Invoice, *response) {
	inv := s.invoices.find(name, match)
	if inv == nil {
		r := errResp(http.StatusNotFound, "InvoiceNotFound", fmt.Sprintf("The invoice '%s' could not be found.", name))
		return nil, &r
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return inv, rc.require(inv.scope(s.world), op)
}

func (s *Server) accountOf(rc *reqCtx) (*Account, *response) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, a, fail := rc.resolveScope()
	return a, fail
}

func (s *Server) getAccountInvoice(rc *reqCtx) response {
	a, fail := s.accountOf(rc)
	if fail != nil {
		return *fail
	}
	inv, fail := s.invoiceFor(rc, rc.param("invoiceName"), opViewInvoices, func(inv *Invoice) bool { return inv.Account == a.Name })
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, s.invoiceWire(inv, accountsPath+"/"+a.Name, false))
}

func (s *Server) getSubscriptionInvoice(rc *reqCtx) response {
	sub, fail := s.subscriptionOf(rc, opViewInvoices)
	if fail != nil {
		return *fail
	}
	inv, fail := s.invoiceFor(rc, rc.param("invoiceName"), opViewInvoices, func(inv *Invoice) bool { return inv.Subscription == sub.ID })
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, s.invoiceWire(inv, accountsPath+"/default/billingSubscriptions/"+sub.ID, true))
}

// getDefaultInvoice is Invoices_Get (MCA/MPA): an invoice by name without its billing account.
func (s *Server) getDefaultInvoice(rc *reqCtx) response {
	inv, fail := s.invoiceFor(rc, rc.param("invoiceName"), opViewInvoices, func(inv *Invoice) bool { return inv.Agreement == AgreementMCA })
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, s.invoiceWire(inv, accountsPath+"/"+inv.Account, false))
}

func eaRefusal() response {
	return badRequest("UnsupportedAgreementType",
		"Downloading invoices is not supported for billing accounts with agreement type EnterpriseAgreement: invoices are sent to the enrollment's invoice recipient.")
}

func (s *Server) downloadAccountInvoice(rc *reqCtx) response {
	a, fail := s.accountOf(rc)
	if fail != nil {
		return *fail
	}
	inv, fail := s.invoiceFor(rc, rc.param("invoiceName"), opDownloadInvoice, func(inv *Invoice) bool { return inv.Account == a.Name })
	if fail != nil {
		return *fail
	}
	if inv.Agreement == AgreementEA && s.invoices.eaRefused() {
		return eaRefusal()
	}
	return s.startInvoiceDownload(rc, a.Name, inv, false)
}

func (s *Server) downloadSubscriptionInvoice(rc *reqCtx) response {
	sub, fail := s.subscriptionOf(rc, opViewInvoices)
	if fail != nil {
		return *fail
	}
	inv, fail := s.invoiceFor(rc, rc.param("invoiceName"), opDownloadInvoice, func(inv *Invoice) bool { return inv.Subscription == sub.ID })
	if fail != nil {
		return *fail
	}
	return s.startInvoiceDownload(rc, "default", inv, false)
}

func (s *Server) downloadInvoiceSummary(rc *reqCtx) response {
	a, fail := s.accountOf(rc)
	if fail != nil {
		return *fail
	}
	if a.Agreement != AgreementEA {
		return badRequest("UnsupportedAgreementType", fmt.Sprintf(
			"Downloading an invoice summary is supported for billing accounts with agreement type EnterpriseAgreement only, not %s.", a.Agreement))
	}
	inv, fail := s.invoiceFor(rc, rc.param("invoiceName"), opDownloadInvoice, func(inv *Invoice) bool { return inv.Account == a.Name })
	if fail != nil {
		return *fail
	}
	if s.invoices.eaRefused() {
		return eaRefusal()
	}
	return s.startInvoiceDownload(rc, a.Name, inv, true)
}

// startInvoiceDownload starts the download operation of one document (documentName, or the
// invoice PDF when absent; the summary when summary is set).
func (s *Server) startInvoiceDownload(rc *reqCtx, opAccount string, inv *Invoice, summary bool) response {
	var d InvoiceDocument
	name := rc.query.Get("documentName")
	if summary {
		d = InvoiceDocument{Name: inv.Name + "_summary", Kind: "Summary"}
	} else {
		found := false
		for _, doc := range inv.Documents {
			if (name == "" && doc.Kind == "Invoice") || (name != "" && doc.Name == name) {
				d, found = doc, true
				break
			}
		}
		if !found && name == "" && len(inv.Documents) > 0 {
			d, found = inv.Documents[0], true // a credit note has no Invoice document
		}
		if !found {
			return errResp(http.StatusNotFound, "DocumentNotFound", fmt.Sprintf("The document '%s' of invoice '%s' could not be found.", name, inv.Name))
		}
	}
	pad := s.invoices.paddingBytes()
	// As recorded: EA operations answer 202 without Retry-After and a Location whose t= changes
	// on every answer; a download polls operationResults under the invoice, a summary an
	// account-level operationResults/invoiceSummaryDownload_…; results are {"url"} alone (the
	// expiry only in the SAS link's se=; also recorded so for MCA at 2020-05-01).
	ea := inv.Agreement == AgreementEA && s.realShapes()
	kind := "invoiceDownload"
	prefix := accountsPath + "/" + url.PathEscape(opAccount) + "/operationResults"
	if summary {
		kind = "invoiceSummaryDownload"
	} else if s.realShapes() && opAccount != "default" {
		prefix = accountsPath + "/" + url.PathEscape(opAccount) + "/invoices/" + url.PathEscape(inv.Name) + "/operationResults"
	}
	result := func() response {
		name := "invoices/" + inv.Name + "/" + d.Name + ".pdf"
		u, exp := s.putBlob(blobContent{Name: name, ContentType: "application/pdf", Data: s.invoices.pdf(inv, d, pad)})
		if s.invoices.takeExpired() {
			exp = s.Now().Add(-time.Minute).Truncate(time.Second)
			u = s.blobSASURL(blobStorePath(name), exp)
		}
		return s.downloadResult(u, exp)
	}
	return s.startOperationWith(rc, prefix, kind, ea, result)
}

// downloadResult is a download operation's final answer: {"url"} alone as recorded, or with
// expiryTime WithSpecShapes.
func (s *Server) downloadResult(u string, exp time.Time) response {
	if s.realShapes() {
		return jsonResp(http.StatusOK, wireDocumentDownloadResult{URL: u})
	}
	return jsonResp(http.StatusOK, wireDocumentDownloadResult{ExpiryTime: wireTime(exp), URL: u})
}

// downloadTransactions answers POST …/invoices/{n}/transactionsDownload (EA): as recorded, an
// account-level operationResults/transactionsDownload_… operation without Retry-After that ends
// with {"url"} of a CSV. The CSV's columns are the emulator's own (no recorded content).
func (s *Server) downloadTransactions(rc *reqCtx) response {
	a, fail := s.accountOf(rc)
	if fail != nil {
		return *fail
	}
	if a.Agreement != AgreementEA {
		return badRequest("UnsupportedAgreementType", fmt.Sprintf(
			"Downloading invoice transactions is supported for billing accounts with agreement type EnterpriseAgreement only, not %s.", a.Agreement))
	}
	inv, fail := s.invoiceFor(rc, rc.param("invoiceName"), opDownloadInvoice, func(inv *Invoice) bool { return inv.Account == a.Name })
	if fail != nil {
		return *fail
	}
	if s.invoices.eaRefused() {
		return eaRefusal()
	}
	return s.startOperationWith(rc, accountsPath+"/"+url.PathEscape(a.Name)+"/operationResults", "transactionsDownload", s.realShapes(), func() response {
		u, exp := s.putBlob(blobContent{Name: "invoicetransactions/" + inv.Name + "_invoice_transactions.csv", ContentType: "text/csv", Data: invoiceTransactionsCSV(inv)})
		return s.downloadResult(u, exp)
	})
}

// TransactionsCSV is the content an EA invoice's transactions download serves (nil for an
// unknown or non-EA invoice).
func (s *Server) TransactionsCSV(invoiceName string) []byte {
	inv := s.invoices.find(invoiceName, nil)
	if inv == nil || inv.Agreement != AgreementEA {
		return nil
	}
	return invoiceTransactionsCSV(inv)
}

func invoiceTransactionsCSV(inv *Invoice) []byte {
	return []byte("InvoiceNumber,BillingPeriodStart,BillingPeriodEnd,Currency,Total\r\n" +
		inv.Name + "," + inv.PeriodStart.Format(time.DateOnly) + "," + inv.PeriodEnd.Format(time.DateOnly) + "," +
		inv.Currency + "," + inv.Total + "\r\n")
}

// blobStorePath is the escaped path putBlob stores a named blob under.
func blobStorePath(name string) string {
	segs := strings.Split(strings.Trim(name, "/"), "/")
	for i, sg := range segs {
		segs[i] = url.PathEscape(sg)
	}
	return "/" + strings.Join(segs, "/")
}

func (s *Server) downloadAccountDocuments(rc *reqCtx) response {
	a, fail := s.accountOf(rc)
	if fail != nil {
		return *fail
	}
	if a.Agreement == AgreementEA {
		return badRequest("UnsupportedAgreementType",
			"Downloading several documents is supported for billing accounts with agreement type MicrosoftCustomerAgreement or MicrosoftPartnerAgreement only.")
	}
	return s.downloadDocuments(rc, a.Name, func(inv *Invoice) bool { return inv.Account == a.Name })
}

func (s *Server) downloadSubscriptionDocuments(rc *reqCtx) response {
	sub, fail := s.subscriptionOf(rc, opViewInvoices)
	if fail != nil {
		return *fail
	}
	return s.downloadDocuments(rc, "default", func(inv *Invoice) bool { return inv.Subscription == sub.ID })
}

// downloadDocuments starts an operation that zips the requested documents.
func (s *Server) downloadDocuments(rc *reqCtx, opAccount string, match func(*Invoice) bool) response {
	body, err := io.ReadAll(io.LimitReader(rc.r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		return badRequest("InvalidRequestContent", "The request content could not be read or is too large.")
	}
	var in []wireDocumentDownloadRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return badRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized: "+jsonErrorText(err))
	}
	if len(in) == 0 || len(in) > 100 {
		return badRequest("InvalidRequestContent", "Name between 1 and 100 documents.")
	}
	type entry struct {
		inv *Invoice
		doc InvoiceDocument
	}
	entries := make([]entry, 0, len(in))
	for _, req := range in {
		inv, fail := s.invoiceFor(rc, req.InvoiceName, opDownloadInvoice, match)
		if fail != nil {
			return *fail
		}
		var d InvoiceDocument
		found := false
		for _, doc := range inv.Documents {
			if (req.DocumentName == "" && doc.Kind == "Invoice") || (req.DocumentName != "" && doc.Name == req.DocumentName) {
				d, found = doc, true
				break
			}
		}
		if !found {
			return errResp(http.StatusNotFound, "DocumentNotFound", fmt.Sprintf("The document '%s' of invoice '%s' could not be found.", req.DocumentName, inv.Name))
		}
		entries = append(entries, entry{inv, d})
	}
	pad := s.invoices.paddingBytes()
	return s.startOperation(rc, opAccount, "invoiceDownload", func() response {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range entries {
			h := &zip.FileHeader{Name: e.inv.Name + "_" + e.doc.Name + ".pdf", Method: zip.Deflate, Modified: e.inv.Date}
			w, err := zw.CreateHeader(h)
			if err == nil {
				_, err = w.Write(s.invoices.pdf(e.inv, e.doc, pad))
			}
			if err != nil {
				return errResp(http.StatusInternalServerError, "InternalServerError", "building the archive failed")
			}
		}
		if err := zw.Close(); err != nil {
			return errResp(http.StatusInternalServerError, "InternalServerError", "building the archive failed")
		}
		u, exp := s.putBlob(blobContent{ContentType: "application/zip", Data: buf.Bytes()})
		return jsonResp(http.StatusOK, wireDocumentDownloadResult{ExpiryTime: wireTime(exp), URL: u})
	})
}

// DocumentContent is what downloading a listed document serves: the document named name, or,
// for a listed document without a name (EA documents are listed so), the one of that kind: an
// EA invoice's Summary PDF, its Transactions CSV (TransactionsCSV), or its document of that kind.
func (s *Server) DocumentContent(invoiceName, kind, name string) []byte {
	if name != "" {
		return s.DocumentBytes(invoiceName, name)
	}
	if inv, ok := s.Invoice(invoiceName); ok && inv.Agreement == AgreementEA && strings.EqualFold(kind, "Transactions") {
		return s.TransactionsCSV(invoiceName)
	}
	return s.DocumentBytes(invoiceName, kind)
}
