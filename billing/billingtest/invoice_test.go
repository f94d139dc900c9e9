package billingtest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The invoice routes are tested here over raw HTTP: the emulator shares no code with the client.

const mcaProfileInvoices = accountsPath + "/" + MCAAccount + "/billingProfiles/" + MCAProfileUS + "/invoices"

func TestInvoiceWorldHasTheSeededShapes(t *testing.T) {
	s := NewServer(t)
	count := map[string]int{}
	kinds := map[string]int{}
	statuses := map[string]int{}
	for _, inv := range s.Invoices() {
		key := inv.Agreement + "/" + inv.Profile + inv.Subscription
		if inv.DocumentType == "Invoice" {
			count[key]++
		}
		statuses[inv.Status]++
		for _, d := range inv.Documents {
			kinds[d.Kind]++
		}
	}
	assert.Equal(t, 24, count[AgreementMOSP+"/"+SubscriptionPayAsYouGo])
	assert.Equal(t, 24, count[AgreementMCA+"/"+MCAProfileUS])
	assert.Equal(t, 24, count[AgreementMCA+"/"+MCAProfileEU])
	assert.Equal(t, 24, count[AgreementEA+"/"])
	for _, k := range []string{"Invoice", "TaxReceipt", "CreditNote", "VoidNote", "Transactions"} {
		assert.Positive(t, kinds[k], k)
	}
	for _, st := range []string{"Due", "OverDue", "Paid", "Void"} {
		assert.Positive(t, statuses[st], st)
	}
}

func TestInvoiceListWireShape(t *testing.T) {
	s := NewServer(t, WithNow(ReferenceNow()))
	resp, body := get(t, s, MCAProfileReader, mcaProfileInvoices+apiV+"&periodStartDate=2026-10-01&periodEndDate=2026-10-31")
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))

	// Amounts are bare JSON numbers, exactly as stored.
	assert.Regexp(t, `"billedAmount":\{"currency":"USD","value":-?\d+\.\d\d\}`, string(body))
	var list struct {
		Value []map[string]any `json:"value"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Value, 1)
	inv := list.Value[0]
	assert.Equal(t, "Microsoft.Billing/billingAccounts/invoices", inv["type"])
	assert.Equal(t, accountsPath+"/"+MCAAccount+"/invoices/G000000025", inv["id"])
	p := inv["properties"].(map[string]any)
	// Seven fractional digits, as recorded (Azure/azure-cli test_invoice_list.yaml).
	assert.Equal(t, "2026-10-01T00:00:00.0000000Z", p["invoicePeriodStartDate"])
	assert.Equal(t, "2026-10-31T23:59:59.9999999Z", p["invoicePeriodEndDate"]) // the period's last tick
	assert.Equal(t, "Due", p["status"])
	assert.Equal(t, "PO-2026-001", p["purchaseOrderNumber"])
	assert.NotEmpty(t, p["documents"])
}

func TestInvoiceListSpecShapes(t *testing.T) {
	s := NewServer(t, WithSpecShapes(), WithNow(ReferenceNow()))
	m := getJSON(t, s, MCAProfileReader, mcaProfileInvoices+apiV+"&periodStartDate=2026-10-01&periodEndDate=2026-10-31")
	p := props(m["value"].([]any)[0].(map[string]any))
	assert.Equal(t, "2026-10-01T00:00:00Z", p["invoicePeriodStartDate"])
}

// TestInvoiceNextLinkHasRawBlanks: as recorded, an invoice list's nextLink is relative, starts
// with $skiptoken and writes the period dates "2026-07-15 00:00:00Z" with a raw blank. Sent as
// is, the request line is malformed (400, as the service answers); escaped, the service takes
// the dates back.
func TestInvoiceNextLinkHasRawBlanks(t *testing.T) {
	s := NewServer(t, WithPageSize(1), WithNow(ReferenceNow()))
	m := getJSON(t, s, MCAProfileOwner, mcaProfileInvoices+apiV+"&periodStartDate=2026-07-15&periodEndDate=2026-08-15")
	next := m["nextLink"].(string)
	assert.True(t, strings.HasPrefix(next, mcaProfileInvoices+"?$skiptoken="), next)
	assert.Contains(t, next, "&periodStartDate=2026-07-15 00:00:00Z")
	assert.Contains(t, next, "&periodEndDate=2026-08-15 00:00:00Z")

	conn, err := tls.Dial("tcp", strings.TrimPrefix(s.ARMEndpoint(), "https://"), &tls.Config{RootCAs: s.CertPool()})
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", next, MCAProfileOwner)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	items, _ := listAll(t, s, MCAProfileOwner, mcaProfileInvoices+apiV+"&periodStartDate=2026-07-15&periodEndDate=2026-08-15")
	assert.Equal(t, []string{"G000000021", "G000000022", "G000000023"}, names(items))
}

func TestInvoiceListPeriodFilterAndVersions(t *testing.T) {
	s := NewServer(t, WithPageSize(5), WithNow(ReferenceNow()))
	items, pages := listAll(t, s, MCAProfileOwner, mcaProfileInvoices+apiV)
	assert.Len(t, items, 25)
	assert.Equal(t, 5, pages)

	items, _ = listAll(t, s, MCAProfileOwner, mcaProfileInvoices+apiV+"&periodStartDate=2026-07-15&periodEndDate=2026-08-15")
	assert.Equal(t, []string{"G000000021", "G000000022", "G000000023"}, names(items), "July (and its credit note) and August overlap")

	resp, body := get(t, s, MCAProfileOwner, mcaProfileInvoices+apiV+"&periodStartDate=10-01-2026")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, string(body), "InvalidDateFormat")

	resp, body = get(t, s, MCAProfileOwner, mcaProfileInvoices+"?api-version=2020-05-01")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, string(body), "periodStartDate")
}

func TestInvoiceRoutesEnforceRoles(t *testing.T) {
	s := NewServer(t)
	cases := []struct {
		p      Principal
		target string
		want   int
	}{
		{MCAProfileReader, mcaProfileInvoices, 200},
		{MCAInvoiceManager, mcaProfileInvoices, 200},
		{MCAAccountOwner, mcaProfileInvoices, 200},
		{MCAInvoiceSectionOwner, mcaProfileInvoices, 403},
		{NoRole, mcaProfileInvoices, 403},
		{MCAProfileOwner, accountsPath + "/" + MCAAccount + "/invoices", 403}, // account-level list needs an account role
		{MCAProfileOwner, accountsPath + "/" + MCAAccount + "/invoices/G000000001", 200},
		{MCAProfileOwner, accountsPath + "/" + MCAAccount + "/invoices/G000000026", 403}, // the EU profile's
		{EAEnterpriseReader, accountsPath + "/" + EAAccount + "/invoices", 200},
		{EADepartmentAdmin, accountsPath + "/" + EAAccount + "/invoices", 403},
		{MOSPAccountAdmin, accountsPath + "/default/billingSubscriptions/" + SubscriptionPayAsYouGo + "/invoices", 200},
		{NoRole, accountsPath + "/default/billingSubscriptions/" + SubscriptionPayAsYouGo + "/invoices", 403},
		{MOSPAccountAdmin, accountsPath + "/default/billingSubscriptions/" + SubscriptionNew + "/invoices", 200},
		{MCAProfileOwner, accountsPath + "/default/invoices/G000000003", 200},
		{MCAProfileOwner, accountsPath + "/" + MCAAccount + "/invoices/G999999999", 404},
	}
	for _, tc := range cases {
		resp, body := get(t, s, tc.p, tc.target+apiV)
		assert.Equal(t, tc.want, resp.StatusCode, "%s GET %s: %s", tc.p, tc.target, body)
		if tc.want == 403 {
			assert.Contains(t, string(body), "AuthorizationFailed")
		}
	}
	resp, _ := get(t, s, "", mcaProfileInvoices+apiV)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// download runs a download operation to its end and returns the final body.
func download(t *testing.T, s *Server, p Principal, target string, body any) map[string]string {
	t.Helper()
	resp, b := call(t, s, p, http.MethodPost, target, body)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, string(b))
	loc := resp.Header.Get("Location")
	require.Regexp(t, `/operationResults/(invoice|invoiceSummary|transactions)Download_`, loc)
	for range 10 {
		resp, b = get(t, s, p, loc)
		if resp.StatusCode == http.StatusOK {
			var out map[string]string
			require.NoError(t, json.Unmarshal(b, &out))
			return out
		}
		require.Equal(t, http.StatusAccepted, resp.StatusCode, string(b))
	}
	t.Fatal("the operation never finished")
	return nil
}

func fetchBlob(t *testing.T, s *Server, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := s.HTTPClient().Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestInvoiceDownloadOperationServesAValidPDF(t *testing.T) {
	s := NewServer(t)
	res := download(t, s, MCAProfileReader, accountsPath+"/"+MCAAccount+"/invoices/G000000002/download"+apiV, nil)
	assert.True(t, strings.HasPrefix(res["url"], s.BlobEndpoint()+"/"))
	assert.NotContains(t, res, "expiryTime") // as recorded: the expiry is only the link's se=
	u, err := url.Parse(res["url"])
	require.NoError(t, err)
	exp, err := time.Parse(time.RFC3339, u.Query().Get("se"))
	require.NoError(t, err)
	assert.WithinDuration(t, s.Now().Add(time.Hour), exp, 5*time.Second)

	resp, pdf := fetchBlob(t, s, res["url"])
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	assert.Equal(t, s.DocumentBytes("G000000002", ""), pdf)
	checkPDF(t, pdf, "G000000002")

	// A tax receipt by its document name.
	inv, _ := s.Invoice("G000000002")
	require.Len(t, inv.Documents, 2)
	res = download(t, s, MCAProfileReader, accountsPath+"/"+MCAAccount+"/invoices/G000000002/download"+apiV+"&documentName="+inv.Documents[1].Name, nil)
	_, pdf = fetchBlob(t, s, res["url"])
	assert.Contains(t, string(pdf), "Tax receipt")
	checkPDF(t, pdf, "G000000002")
}

// checkPDF verifies the structure: header, every xref offset pointing at its object, startxref
// pointing at the xref table, the trailer and %%EOF.
func checkPDF(t *testing.T, pdf []byte, number string) {
	t.Helper()
	require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-1.")))
	require.True(t, bytes.HasSuffix(pdf, []byte("%%EOF\n")))
	assert.Contains(t, string(pdf), "Invoice number: "+number)
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	require.NotNil(t, m)
	xref, _ := strconv.Atoi(string(m[1]))
	require.True(t, bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")))
	lines := strings.Split(string(pdf[xref:]), "\n")
	n, _ := strconv.Atoi(strings.Fields(lines[1])[1])
	for i := 1; i < n; i++ {
		entry := lines[2+i]
		require.Len(t, entry+"\n", 20, "xref entries are 20 bytes")
		off, _ := strconv.Atoi(entry[:10])
		assert.True(t, bytes.HasPrefix(pdf[off:], fmt.Appendf(nil, "%d 0 obj\n", i)), "object %d at %d", i, off)
	}
	assert.Contains(t, string(pdf), fmt.Sprintf("trailer\n<< /Size %d /Root 1 0 R >>", n))
}

func TestInvoiceDocumentPaddingKeepsThePDFValid(t *testing.T) {
	s := NewServer(t)
	s.SetInvoiceDocumentPadding(100 << 10)
	pdf := s.DocumentBytes("EA00000001", "")
	assert.Greater(t, len(pdf), 100<<10)
	checkPDF(t, pdf, "EA00000001")
	checkPDF(t, s.DocumentBytes("EA00000001", "Summary"), "EA00000001")
}

func TestInvoiceBlobSupportsRange(t *testing.T) {
	s := NewServer(t)
	res := download(t, s, MOSPAccountAdmin, accountsPath+"/default/billingSubscriptions/"+SubscriptionPayAsYouGo+"/invoices/E000000003/download"+apiV, nil)
	req, _ := http.NewRequest(http.MethodGet, res["url"], nil)
	req.Header.Set("Range", "bytes=100-")
	resp, err := s.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, s.DocumentBytes("E000000003", "")[100:], b)
}

// TestInvoiceEARecordedDocumentsAndOperations: EA invoices list the recorded documents (Invoice,
// Summary, Transactions, one number, urls of the operations, source Other, no name); a download
// polls operationResults under the invoice with a Location that changes on every 202; the
// transactions download ends with a CSV link.
func TestInvoiceEARecordedDocumentsAndOperations(t *testing.T) {
	s := NewServer(t)
	m := getJSON(t, s, EAEnterpriseAdmin, accountsPath+"/"+EAAccount+"/invoices/EA00000005"+apiV)
	docs := props(m)["documents"].([]any)
	require.Len(t, docs, 3)
	var kinds []string
	for _, d := range docs {
		d := d.(map[string]any)
		kinds = append(kinds, d["kind"].(string))
		assert.NotContains(t, d, "name")
		assert.Equal(t, "Other", d["source"])
		assert.Equal(t, docs[0].(map[string]any)["documentNumbers"], d["documentNumbers"])
	}
	assert.Equal(t, []string{"Invoice", "Summary", "Transactions"}, kinds)
	assert.True(t, strings.HasSuffix(docs[2].(map[string]any)["url"].(string), "/invoices/EA00000005/transactionsDownload?api-version=2024-04-01"))
	p := props(m)["payments"]
	if p != nil {
		assert.Equal(t, "Other", p.([]any)[0].(map[string]any)["paymentMethodFamily"])
	}

	s2 := NewServer(t, WithLRODelay(0, 2))
	resp, b := call(t, s2, EAEnterpriseAdmin, http.MethodPost, accountsPath+"/"+EAAccount+"/invoices/EA00000005/download"+apiV, nil)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, string(b))
	loc := resp.Header.Get("Location")
	assert.Contains(t, loc, accountsPath+"/"+EAAccount+"/invoices/EA00000005/operationResults/invoiceDownload_")
	assert.Empty(t, resp.Header.Values("Retry-After"))
	resp, _ = get(t, s2, EAEnterpriseAdmin, loc)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.NotEqual(t, loc, resp.Header.Get("Location"))

	res := download(t, s, EAEnterpriseAdmin, accountsPath+"/"+EAAccount+"/invoices/EA00000005/transactionsDownload"+apiV, nil)
	assert.Contains(t, res["url"], "_invoice_transactions.csv")
	_, csv := fetchBlob(t, s, res["url"])
	assert.Equal(t, s.TransactionsCSV("EA00000005"), csv)
	assert.Contains(t, string(csv), "EA00000005,")
	resp, _ = call(t, s, MCAAccountOwner, http.MethodPost, accountsPath+"/"+MCAAccount+"/invoices/G000000001/transactionsDownload"+apiV, nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestInvoiceLinksExpire(t *testing.T) {
	s := NewServer(t)
	s.ExpireNextInvoiceLinks(1)
	target := accountsPath + "/" + EAAccount + "/invoices/EA00000002/download" + apiV
	res := download(t, s, EAEnterpriseAdmin, target, nil)
	// EA results are {"url"} alone, as recorded: the expiry is only the SAS link's se=.
	assert.NotContains(t, res, "expiryTime")
	u, err := url.Parse(res["url"])
	require.NoError(t, err)
	exp, err := time.Parse(time.RFC3339, u.Query().Get("se"))
	require.NoError(t, err)
	assert.True(t, exp.Before(s.Now()))
	resp, body := fetchBlob(t, s, res["url"])
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, string(body), "AuthenticationFailed")

	res = download(t, s, EAEnterpriseAdmin, target, nil)
	resp, _ = fetchBlob(t, s, res["url"])
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestInvoiceEASummaryAndRefusal(t *testing.T) {
	s := NewServer(t)
	// As recorded: an account-level invoiceSummaryDownload_ operation, 202s without Retry-After.
	resp, b := call(t, s, EAEnterpriseAdmin, http.MethodPost, accountsPath+"/"+EAAccount+"/invoices/EA00000005/downloadSummary"+apiV, nil)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, string(b))
	assert.Contains(t, resp.Header.Get("Location"), accountsPath+"/"+EAAccount+"/operationResults/invoiceSummaryDownload_")
	assert.Empty(t, resp.Header.Values("Retry-After"))
	resp, _ = get(t, s, EAEnterpriseAdmin, resp.Header.Get("Location"))
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Empty(t, resp.Header.Values("Retry-After"))

	res := download(t, s, EAEnterpriseAdmin, accountsPath+"/"+EAAccount+"/invoices/EA00000005/downloadSummary"+apiV, nil)
	assert.Contains(t, res["url"], "EA00000005_summary.pdf")
	_, pdf := fetchBlob(t, s, res["url"])
	assert.Contains(t, string(pdf), "Invoice summary")

	resp, body := call(t, s, MCAAccountOwner, http.MethodPost, accountsPath+"/"+MCAAccount+"/invoices/G000000001/downloadSummary"+apiV, nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, string(body))

	s.RefuseEAInvoiceDownloads(true)
	resp, body = call(t, s, EAEnterpriseAdmin, http.MethodPost, accountsPath+"/"+EAAccount+"/invoices/EA00000005/download"+apiV, nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, string(body), "UnsupportedAgreementType")
	resp, _ = call(t, s, EADepartmentAdmin, http.MethodPost, accountsPath+"/"+EAAccount+"/invoices/EA00000005/download"+apiV, nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "roles are checked first")
}

func TestInvoiceDownloadDocumentsZips(t *testing.T) {
	s := NewServer(t)
	body := []map[string]string{{"invoiceName": "G000000001"}, {"invoiceName": "G000000002", "documentName": ""}}
	res := download(t, s, MCAProfileOwner, accountsPath+"/"+MCAAccount+"/downloadDocuments"+apiV, body)
	_, zb := fetchBlob(t, s, res["url"])
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	require.NoError(t, err)
	require.Len(t, zr.File, 2)
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, _ := io.ReadAll(rc)
		rc.Close()
		inv, doc, _ := strings.Cut(strings.TrimSuffix(f.Name, ".pdf"), "_")
		assert.Equal(t, s.DocumentBytes(inv, doc), b)
	}

	resp, b := call(t, s, MCAProfileOwner, http.MethodPost, accountsPath+"/"+MCAAccount+"/downloadDocuments"+apiV, []map[string]string{{"invoiceName": "G000000026"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the EU profile's invoice: %s", b)
	resp, _ = call(t, s, MCAProfileOwner, http.MethodPost, accountsPath+"/"+MCAAccount+"/downloadDocuments"+apiV, []map[string]string{})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = call(t, s, EAEnterpriseAdmin, http.MethodPost, accountsPath+"/"+EAAccount+"/downloadDocuments"+apiV, []map[string]string{{"invoiceName": "EA00000001"}})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestInvoiceDownloadNeedsTheDownloadRole(t *testing.T) {
	s := NewServer(t)
	resp, _ := call(t, s, MCAInvoiceSectionOwner, http.MethodPost, accountsPath+"/"+MCAAccount+"/invoices/G000000001/download"+apiV, nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = call(t, s, MCAProfileOwner, http.MethodPost, accountsPath+"/"+MCAAccount+"/invoices/G000000001/download"+apiV+"&documentName=nope", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = call(t, s, MCAProfileOwner, http.MethodPost, accountsPath+"/"+MCAAccount+"/invoices/G000000001/download?api-version=2020-05-01", nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "documentName downloads are 2024-04-01")
}
