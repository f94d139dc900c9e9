package billingtest

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Wire shapes of the Cost Details API (Microsoft.CostManagement, 2022-05-01 … 2025-03-01).

type wireCostDetailsRequest struct {
	Metric     string `json:"metric,omitempty"`
	TimePeriod *struct {
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"timePeriod,omitempty"`
	BillingPeriod string `json:"billingPeriod,omitempty"`
	InvoiceID     string `json:"invoiceId,omitempty"`
}

type wireCostDetailsResult struct {
	ID        string              `json:"id"`
	Name      string              `json:"name"`
	Status    string              `json:"status"`
	Manifest  *wireReportManifest `json:"manifest,omitempty"`
	ValidTill string              `json:"validTill,omitempty"`
	Error     *wireErrorDetail    `json:"error,omitempty"`
}

type wireReportManifest struct {
	ManifestVersion string             `json:"manifestVersion"`
	DataFormat      string             `json:"dataFormat"`
	BlobCount       int                `json:"blobCount"`
	ByteCount       int64              `json:"byteCount"`
	CompressData    bool               `json:"compressData"`
	RequestContext  wireRequestContext `json:"requestContext"`
	Blobs           []wireBlobInfo     `json:"blobs"`
}

type wireRequestContext struct {
	RequestScope string          `json:"requestScope"`
	RequestBody  json.RawMessage `json:"requestBody"`
}

type wireBlobInfo struct {
	BlobLink  string `json:"blobLink"`
	ByteCount int64  `json:"byteCount"`
}

// costDetailsBadRequest is the service's 400 for a rejected report request.
func costDetailsBadRequest(msg string) response { return badRequest("BadRequest", msg) }

// createCostDetails answers POST {scope}/providers/Microsoft.CostManagement/generateCostDetailsReport.
func (s *Server) createCostDetails(rc *reqCtx) response {
	switch {
	case rc.params["resourceGroupName"] != "" || rc.params["managementGroupId"] != "":
		return costDetailsBadRequest("Invalid scope: Currently Resource Group and Management Group are not supported.")
	case rc.params["customerName"] != "":
		return rc.notFound("customer", rc.params["customerName"])
	}
	body, err := io.ReadAll(io.LimitReader(rc.r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		return badRequest("InvalidRequestContent", "The request content could not be read or is too large.")
	}
	var req wireCostDetailsRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return costDetailsBadRequest("Invalid request payload: the body is not valid JSON: " + jsonErrorText(err))
		}
	}

	s.mu.RLock()
	sc, acct, fail := rc.usageScope()
	if fail == nil {
		fail = rc.require(sc, opViewCharges)
	}
	if fail != nil {
		s.mu.RUnlock()
		return *fail
	}
	subs := s.usageSubsIn(sc)
	s.mu.RUnlock()

	amortized := false
	switch {
	case req.Metric == "" || strings.EqualFold(req.Metric, "ActualCost"):
	case strings.EqualFold(req.Metric, "AmortizedCost"):
		amortized = true
	default:
		return costDetailsBadRequest(fmt.Sprintf("Invalid request payload: metric '%s' is not one of ActualCost, AmortizedCost.", req.Metric))
	}
	n := 0
	for _, set := range []bool{req.TimePeriod != nil, req.BillingPeriod != "", req.InvoiceID != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return costDetailsBadRequest("Invalid request payload: can only have either timePeriod or invoiceId or billingPeriod.")
	}
	if acct.Agreement == AgreementMOSP {
		return costDetailsBadRequest("Cost Details is not supported for subscriptions of a Microsoft Online Services Program (pay-as-you-go) billing account. Use the Consumption usage details API.")
	}
	today := day(s.Now())
	cutoff := today.AddDate(0, -13, 0)
	var start, end time.Time
	switch {
	case req.TimePeriod != nil:
		st, err1 := time.Parse(time.DateOnly, req.TimePeriod.Start)
		en, err2 := time.Parse(time.DateOnly, req.TimePeriod.End)
		if err1 != nil || err2 != nil {
			return costDetailsBadRequest("Invalid request payload: timePeriod start and end must be dates like 2020-03-15.")
		}
		if en.Before(st) {
			return costDetailsBadRequest("Invalid request payload: the end date is before the start date.")
		}
		if !en.Before(st.AddDate(0, 1, 0)) {
			return costDetailsBadRequest("The maximum allowed date range is 1 months.")
		}
		if st.Before(cutoff) {
			return costDetailsBadRequest("Start date must be after " + cutoff.Format(time.DateOnly) + ".")
		}
		start, end = st, en
	case req.BillingPeriod != "":
		if acct.Agreement != AgreementEA {
			return costDetailsBadRequest("Invalid request payload: billingPeriod can only be used by Enterprise Agreement customers.")
		}
		m, err := time.Parse("200601", req.BillingPeriod)
		if err != nil || len(req.BillingPeriod) != 6 {
			return costDetailsBadRequest(fmt.Sprintf("Invalid request payload: billingPeriod '%s' is not in the format YYYYMM.", req.BillingPeriod))
		}
		start, end = m, m.AddDate(0, 1, -1)
		if end.Before(cutoff) {
			return costDetailsBadRequest("Start date must be after " + cutoff.Format(time.DateOnly) + ".")
		}
	case req.InvoiceID != "":
		if acct.Agreement != AgreementMCA || sc.kind() != scopeProfile {
			return costDetailsBadRequest("Invalid request payload: invoiceId can only be used by Microsoft Customer Agreement customers at the billing profile or customer scope.")
		}
		inv, ok := s.usageInvoice(sc.profile, req.InvoiceID)
		if !ok {
			return errResp(http.StatusNotFound, "InvoiceNotFound",
				fmt.Sprintf("The invoice '%s' was not found for billing profile '%s'.", req.InvoiceID, sc.profile))
		}
		m := firstOfMonth(inv.PeriodStart)
		start, end = m, m.AddDate(0, 1, -1)
		if end.Before(cutoff) {
			return costDetailsBadRequest("Start date must be after " + cutoff.Format(time.DateOnly) + ".")
		}
	default:
		start, end = firstOfMonth(today), today // the open month
	}

	plan := s.newUsagePlan(subs, start, end, amortized)
	echo, _ := json.Marshal(req)
	segs, _ := splitPath(rc.r.URL.EscapedPath())
	scopePath := strings.TrimPrefix(escapedScopePath(segs[:len(segs)-3]), "/") // drop providers/Microsoft.CostManagement/generateCostDetailsReport
	throttled, limitHeader := s.limitCostDetails(scopePath)
	if throttled != nil {
		return *throttled
	}
	empty := plan.count() == 0
	if empty && s.usage.cfg.noData == NoDataNoContent {
		return response{status: http.StatusNoContent, header: limitHeader}
	}
	// The report's blobs are planned now, so that a report above the size limit is refused
	// here (413) and the completion only publishes them.
	var blobs []usageBlobPart
	preamble := usagePreamble(plan.agreement())
	if !empty {
		blobs = planUsageBlobs(plan, preamble, s.usage.cfg.blobSize)
		var size int64
		for _, b := range blobs {
			size += b.size
		}
		if size > s.usageReportLimit() {
			s.mu.Lock()
			s.usage.tooLarge++
			s.mu.Unlock()
			r := reportTooLarge()
			r.header = limitHeader
			return r
		}
	}
	s.mu.Lock()
	s.usage.reports++
	failed := s.usage.reports <= s.usage.cfg.failures
	s.mu.Unlock()

	resp := s.startCostDetails(rc, scopePath, func(opID string) response {
		res := wireCostDetailsResult{
			ID:   scopePath + "/providers/Microsoft.CostManagement/costDetailsOperationResults/" + opID,
			Name: opID,
		}
		manifest := &wireReportManifest{
			ManifestVersion: rc.apiVersion, DataFormat: "Csv",
			RequestContext: wireRequestContext{RequestScope: scopePath, RequestBody: echo},
			Blobs:          []wireBlobInfo{},
		}
		switch {
		case failed:
			res.Status = "Failed"
			res.Error = &wireErrorDetail{Code: "ReportGenerationFailed", Message: "The cost details report could not be generated. Please try again later."}
		case empty && s.usage.cfg.noData == NoDataNoContentOnPoll:
			return response{status: http.StatusNoContent}
		case empty:
			res.Status = "NoDataFound"
			res.Manifest = manifest
		default:
			res.Status = "Completed"
			links, validTill := s.publishUsageBlobs(plan, blobs, preamble, opID)
			manifest.Blobs = links
			manifest.BlobCount = len(links)
			for _, b := range links {
				manifest.ByteCount += b.ByteCount
			}
			res.Manifest = manifest
			res.ValidTill = validTill.UTC().Format("2006-01-02T15:04:05.0000000Z")
		}
		return jsonResp(http.StatusOK, res)
	})
	for k, v := range limitHeader {
		resp.header[k] = v
	}
	return resp
}

// usageScope resolves the route's scope to a scopeRef with ancestors filled in. Callers hold s.mu.
func (rc *reqCtx) usageScope() (scopeRef, *Account, *response) {
	w := rc.s.world
	if id, ok := rc.params["subscriptionId"]; ok {
		sub := w.Subscription(id)
		if sub == nil {
			r := errResp(http.StatusNotFound, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", id))
			return scopeRef{}, nil, &r
		}
		return scopeOfSubscription(sub), w.Account(sub.Account), nil
	}
	if _, ok := rc.params["billingAccountName"]; !ok {
		// /providers/Microsoft.Billing/departments/{id} or .../enrollmentAccounts/{id}: find the enrollment.
		kind, name := "departments", rc.params["departmentName"]
		if n, ok := rc.params["enrollmentAccountName"]; ok {
			kind, name = "enrollmentAccounts", n
		}
		sc, a, err := rc.s.usageScopeRef("/providers/Microsoft.Billing/" + kind + "/" + name)
		if err != nil {
			r := rc.notFound(strings.TrimSuffix(kind, "s"), name)
			return scopeRef{}, nil, &r
		}
		return sc, a, nil
	}
	return rc.resolveScope()
}

// startCostDetails starts a Cost Details operation: 202 with Location
// {ARM}/{scope}/providers/Microsoft.CostManagement/costDetailsOperationResults/{GUID}?api-version=…
// and Retry-After, like startOperationAt but with the service's bare GUID operation ids.
func (s *Server) startCostDetails(rc *reqCtx, scopePath string, result func(opID string) response) response {
	s.mu.Lock()
	s.opSeq++
	id := s.nextID()
	loc := rc.base() + "/" + scopePath + "/providers/Microsoft.CostManagement/costDetailsOperationResults/" + id +
		"?api-version=" + url.QueryEscape(rc.apiVersion)
	op := &lroOp{principal: rc.principal, location: loc, remaining: s.cfg.lroPolls, result: func() response { return result(id) }}
	s.ops[strings.ToLower(id)] = op
	resp := s.acceptedResp(op)
	s.mu.Unlock()
	return resp
}

// usageBlobPart is one planned blob of a report: where its rows start, how many, its size and MD5.
type usageBlobPart struct {
	from rowPos
	rows int
	size int64
	md5  []byte
}

// planUsageBlobs walks the plan once, cutting a new blob whenever the next row would push the
// current one past limit (a blob always holds at least one row), and hashing as it goes so
// that serving a blob never needs a separate MD5 pass.
func planUsageBlobs(p *usagePlan, preamble string, limit int64) []usageBlobPart {
	var parts []usageBlobPart
	var cur *usageBlobPart
	h := md5.New()
	buf := make([]byte, 0, 2048)
	closeCur := func() {
		if cur != nil {
			cur.md5 = h.Sum(nil)
			parts = append(parts, *cur)
			cur = nil
		}
	}
	p.each(rowPos{}, func(pos rowPos, r *usageRow) bool {
		buf = p.appendUsageRow(buf[:0], r)
		if cur != nil && cur.rows > 0 && cur.size+int64(len(buf)) > limit {
			closeCur()
		}
		if cur == nil {
			cur = &usageBlobPart{from: pos, size: int64(len(preamble))}
			h.Reset()
			_, _ = io.WriteString(h, preamble)
		}
		cur.rows++
		cur.size += int64(len(buf))
		_, _ = h.Write(buf)
		return true
	})
	closeCur()
	return parts
}

// writeUsageBlob writes one planned blob: preamble, then its rows.
func writeUsageBlob(w io.Writer, p *usagePlan, preamble string, part usageBlobPart) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(preamble); err != nil {
		return err
	}
	buf := make([]byte, 0, 2048)
	left := part.rows
	var werr error
	p.each(part.from, func(_ rowPos, r *usageRow) bool {
		buf = p.appendUsageRow(buf[:0], r)
		if _, werr = bw.Write(buf); werr != nil {
			return false
		}
		left--
		return left > 0
	})
	if werr != nil {
		return werr
	}
	return bw.Flush()
}

// agreement is the agreement whose CSV layout the plan's rows take.
func (p *usagePlan) agreement() string {
	if len(p.subs) > 0 {
		return p.subs[0].agreement
	}
	return AgreementEA
}

// publishUsageBlobs stores the report's planned blobs as generated blobs and returns their
// manifest entries and the links' expiry.
func (s *Server) publishUsageBlobs(p *usagePlan, parts []usageBlobPart, preamble, opID string) ([]wireBlobInfo, time.Time) {
	var out []wireBlobInfo
	var validTill time.Time
	date := s.Now().Format("20060102")
	for i, part := range parts {
		part := part
		c := blobContent{
			Name:        fmt.Sprintf("armreports/%s/%s/part_%04d.csv", date, opID, i+1),
			ContentType: "text/csv",
			Size:        part.size,
			Generate:    func(w io.Writer) error { return writeUsageBlob(w, p, preamble, part) },
			TTL:         s.usage.cfg.linkTTL,
		}
		if s.usage.cfg.inMemory {
			var buf bytes.Buffer
			buf.Grow(int(part.size))
			_ = writeUsageBlob(&buf, p, preamble, part)
			c.Data, c.Generate, c.Size = buf.Bytes(), nil, int64(buf.Len())
		}
		link, exp := s.putBlob(c)
		s.seedBlobMD5(link, base64.StdEncoding.EncodeToString(part.md5))
		if validTill.IsZero() || exp.Before(validTill) {
			validTill = exp
		}
		out = append(out, wireBlobInfo{BlobLink: link, ByteCount: part.size})
	}
	return out, validTill
}

// seedBlobMD5 gives a generated blob the MD5 computed while planning it, so the blob store does
// not generate the whole blob once more just to hash it.
func (s *Server) seedBlobMD5(sasURL, sum string) {
	u, err := url.Parse(sasURL)
	if err != nil {
		return
	}
	s.mu.RLock()
	b := s.blobs[u.EscapedPath()]
	s.mu.RUnlock()
	if b != nil {
		b.md5Once.Do(func() { b.md5 = sum })
	}
}
