package billingtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
)

// Cost Management exports (Microsoft.CostManagement, 2025-03-01 and the versions before it that
// share its shapes): PUT/GET/DELETE {scope}/providers/Microsoft.CostManagement/exports/{name},
// GET .../exports, POST .../exports/{name}/run, GET .../exports/{name}/runHistory. A run writes
// its output into the storage set with SetExportStorage (Azurite in the tests) synchronously,
// before the run request is answered; see exports_output.go.

// exportAPIVersions are the versions whose export shapes the emulator answers.
func exportAPIVersions() []string {
	return []string{"2023-07-01-preview", "2023-08-01", "2023-11-01", "2024-08-01", "2025-03-01"}
}

// exportState is the exports feature's state.
type exportState struct {
	mu      sync.Mutex
	storage *azblob.Client
	cfg     ExportStorageOptions
	exports map[string]*exportRes // by lower-case ARM id
	done    map[string]ExportRun  // by run ARM id
	runSeq  int
}

// exportRes is one export resource.
type exportRes struct {
	id, name, scope string
	seq             int
	body            wireExportBody
	runs            []wireExportRun // newest first
}

type wireExportBody struct {
	ID         string           `json:"id,omitempty"`
	Name       string           `json:"name,omitempty"`
	Type       string           `json:"type,omitempty"`
	ETag       string           `json:"eTag,omitempty"`
	Identity   *json.RawMessage `json:"identity,omitempty"`
	Location   string           `json:"location,omitempty"`
	Properties *wireExportProps `json:"properties"`
}

type wireExportProps struct {
	Schedule     *wireExportSchedule `json:"schedule,omitempty"`
	Format       string              `json:"format,omitempty"`
	DeliveryInfo *struct {
		Destination *wireExportDest `json:"destination"`
	} `json:"deliveryInfo"`
	Definition            *wireExportDef     `json:"definition"`
	RunHistory            *wireExportRunList `json:"runHistory,omitempty"`
	PartitionData         *bool              `json:"partitionData,omitempty"`
	DataOverwriteBehavior string             `json:"dataOverwriteBehavior,omitempty"`
	CompressionMode       string             `json:"compressionMode,omitempty"`
	ExportDescription     string             `json:"exportDescription,omitempty"`
	NextRunTimeEstimate   string             `json:"nextRunTimeEstimate,omitempty"`
}

type wireExportSchedule struct {
	Status           string            `json:"status,omitempty"`
	Recurrence       string            `json:"recurrence,omitempty"`
	RecurrencePeriod *wireExportFromTo `json:"recurrencePeriod,omitempty"`
}

type wireExportFromTo struct {
	From string `json:"from"`
	To   string `json:"to,omitempty"`
}

type wireExportDest struct {
	Type           string `json:"type,omitempty"`
	ResourceID     string `json:"resourceId,omitempty"`
	Container      string `json:"container"`
	RootFolderPath string `json:"rootFolderPath,omitempty"`
}

type wireExportDef struct {
	Type       string            `json:"type"`
	Timeframe  string            `json:"timeframe"`
	TimePeriod *wireExportFromTo `json:"timePeriod,omitempty"`
	DataSet    *struct {
		Granularity   string `json:"granularity,omitempty"`
		Configuration *struct {
			DataVersion string `json:"dataVersion,omitempty"`
		} `json:"configuration,omitempty"`
	} `json:"dataSet,omitempty"`
}

type wireExportRunList struct {
	Value []wireExportRun `json:"value"`
}

type wireExportRun struct {
	ID         string `json:"id"`
	Properties struct {
		ExecutionType       string           `json:"executionType"`
		Status              string           `json:"status"`
		SubmittedBy         string           `json:"submittedBy"`
		SubmittedTime       string           `json:"submittedTime"`
		ProcessingStartTime string           `json:"processingStartTime"`
		ProcessingEndTime   string           `json:"processingEndTime"`
		StartDate           string           `json:"startDate"`
		EndDate             string           `json:"endDate"`
		ManifestFile        string           `json:"manifestFile,omitempty"`
		FileName            string           `json:"fileName,omitempty"`
		Error               *wireErrorDetail `json:"error,omitempty"`
	} `json:"properties"`
}

// ExportStorageOptions shape what export runs write.
type ExportStorageOptions struct {
	// PartitionBytes cuts a run's data into blobs of at most this many uncompressed bytes (a blob
	// holds at least one row). 0 means 1 GB, the service's limit.
	PartitionBytes int64
	// RowGroupRows is the number of rows per Parquet row group; 0 means 65,536.
	RowGroupRows int
	// ParquetText writes every Parquet column as text (optional UTF-8 strings holding the CSV's
	// text), as some writers do; by default cost, price and quantity columns are DECIMAL(38,18)
	// as the service writes them (see exports_output.go).
	ParquetText bool
}

// SetExportStorage makes export runs write their output through client, an azblob client of a
// storage account (Azurite's, in the tests): every export's storage account resource id is
// mapped to it, and the container is created if missing. Without it, a run answers 400
// StorageAccountNotReachable (an invented code).
func (s *Server) SetExportStorage(client *azblob.Client, opts *ExportStorageOptions) {
	st := s.exports
	st.mu.Lock()
	defer st.mu.Unlock()
	st.storage = client
	st.cfg = ExportStorageOptions{}
	if opts != nil {
		st.cfg = *opts
	}
	if st.cfg.PartitionBytes <= 0 {
		st.cfg.PartitionBytes = 1 << 30
	}
	if st.cfg.RowGroupRows <= 0 {
		st.cfg.RowGroupRows = 1 << 16
	}
}

// ExportRun is one run the emulator performed, for tests.
type ExportRun struct {
	RunID  string   // the run's id (its folder)
	Export string   // the export's name
	Period DayRange // the days it covered
	Rows   int      // rows written
	Blobs  int      // data blobs written
	Folder string   // its folder in the container
}

// ExportRuns lists the runs of the export name at scope (an ARM id), oldest first.
func (s *Server) ExportRuns(scope, name string) []ExportRun {
	st := s.exports
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []ExportRun
	e := st.exports[strings.ToLower(strings.TrimRight(scope, "/")+"/providers/microsoft.costmanagement/exports/"+name)]
	if e == nil {
		return nil
	}
	for i := len(e.runs) - 1; i >= 0; i-- {
		r := e.runs[i]
		out = append(out, st.done[r.ID])
	}
	return out
}

func (s *Server) registerExportRoutes() {
	s.exports = &exportState{exports: map[string]*exportRes{}, done: map[string]ExportRun{}}
	const cm = "/providers/Microsoft.CostManagement/exports"
	acct := accountsPath + "/" + pAccount
	prof := acct + "/billingProfiles/" + pProfile
	scopes := []string{
		acct, prof, prof + "/invoiceSections/" + pSection,
		acct + "/departments/" + pDept, acct + "/enrollmentAccounts/" + pEnrollAcc,
		acct + "/customers/{customerName}",
		"/subscriptions/{subscriptionId}",
		"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}",
		"/providers/Microsoft.Management/managementGroups/{managementGroupId}",
	}
	v := exportAPIVersions()
	for _, sc := range scopes {
		s.handle(http.MethodGet, sc+cm, v, s.listExports)
		s.handle(http.MethodPut, sc+cm+"/{exportName}", v, s.putExport)
		s.handle(http.MethodGet, sc+cm+"/{exportName}", v, s.getExport)
		s.handle(http.MethodDelete, sc+cm+"/{exportName}", v, s.deleteExport)
		s.handle(http.MethodPost, sc+cm+"/{exportName}/run", v, s.runExport)
		s.handle(http.MethodGet, sc+cm+"/{exportName}/runHistory", v, s.exportRunHistory)
	}
}

// exportScope is the route's scope as an escaped ARM path without the provider part, checked
// against the world and the caller's roles. subs are the subscriptions whose usage it holds.
func (rc *reqCtx) exportScope() (string, []*usageSub, *Account, *response) {
	segs, _ := splitPath(rc.r.URL.EscapedPath())
	i := 0
	for i < len(segs) && !(strings.EqualFold(segs[i], "providers") && i+1 < len(segs) && strings.EqualFold(segs[i+1], "Microsoft.CostManagement")) {
		i++
	}
	scopePath := escapedScopePath(segs[:i])
	if rc.params["managementGroupId"] != "" {
		return scopePath, nil, nil, nil
	}
	if rc.params["customerName"] != "" {
		r := rc.notFound("customer", rc.params["customerName"])
		return "", nil, nil, &r
	}
	s := rc.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, acct, fail := rc.usageScope()
	if fail == nil {
		fail = rc.require(sc, opViewCharges)
	}
	if fail != nil {
		return "", nil, nil, fail
	}
	return scopePath, s.usageSubsIn(sc), acct, nil
}

func exportKey(scopePath, name string) string {
	return strings.ToLower(scopePath + "/providers/Microsoft.CostManagement/exports/" + name)
}

func (s *Server) putExport(rc *reqCtx) response {
	scopePath, _, acct, fail := rc.exportScope()
	if fail != nil {
		return *fail
	}
	name := rc.param("exportName")
	body, err := io.ReadAll(io.LimitReader(rc.r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		return badRequest("InvalidRequestContent", "The request content could not be read or is too large.")
	}
	var req wireExportBody
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest("BadRequest", "Invalid request payload: the body is not valid JSON: "+jsonErrorText(err))
	}
	p := req.Properties
	switch {
	case p == nil || p.Definition == nil:
		return badRequest("BadRequest", "Invalid export definition: properties.definition is required.")
	case p.DeliveryInfo == nil || p.DeliveryInfo.Destination == nil || p.DeliveryInfo.Destination.Container == "":
		return badRequest("BadRequest", "Invalid export definition: properties.deliveryInfo.destination.container is required.")
	case p.DeliveryInfo.Destination.ResourceID == "":
		return badRequest("BadRequest", "Invalid export definition: the storage account resourceId is required.")
	}
	ds := p.Definition.Type
	switch strings.ToLower(ds) {
	case "actualcost", "amortizedcost", "usage":
	case "focuscost":
		if rc.params["managementGroupId"] != "" || (acct != nil && acct.Agreement == AgreementMOSP) {
			return badRequest("BadRequest", "The FocusCost export type is not supported for this scope.")
		}
	default:
		return badRequest("BadRequest", fmt.Sprintf("Invalid export definition: type '%s' is not supported by the emulator.", ds))
	}
	format := firstNonEmpty(p.Format, "Csv")
	comp := strings.ToLower(firstNonEmpty(p.CompressionMode, "none"))
	switch {
	case strings.EqualFold(format, "Csv") && (comp == "none" || comp == "gzip"):
	case strings.EqualFold(format, "Parquet") && (comp == "none" || comp == "snappy"):
	default:
		return badRequest("BadRequest", fmt.Sprintf("Invalid export definition: compression '%s' is not supported for format '%s'.", p.CompressionMode, format))
	}
	tf := p.Definition.Timeframe
	if strings.EqualFold(tf, "Custom") && p.Definition.TimePeriod == nil {
		return badRequest("BadRequest", "Invalid export definition: timePeriod is required for the Custom timeframe.")
	}
	if strings.Contains(strings.ToLower(p.DeliveryInfo.Destination.ResourceID), "firewalled") && req.Identity == nil {
		return badRequest("BadRequest", "The storage account is behind a firewall. Exports to storage accounts behind a firewall need a system-assigned managed identity (set identity and location).")
	}
	if strings.Contains(strings.ToLower(p.DeliveryInfo.Destination.ResourceID), "unregistered") {
		return badRequest("MissingSubscriptionRegistration", "The subscription is not registered to use namespace 'Microsoft.CostManagementExports'.")
	}

	st := s.exports
	st.mu.Lock()
	defer st.mu.Unlock()
	key := exportKey(scopePath, name)
	cur := st.exports[key]
	status := http.StatusOK
	if cur == nil {
		cur = &exportRes{id: strings.TrimPrefix(scopePath, "/") + "/providers/Microsoft.CostManagement/exports/" + name, name: name, scope: scopePath}
		st.exports[key] = cur
		status = http.StatusCreated
	} else if req.ETag != "" && req.ETag != cur.body.ETag {
		return errResp(http.StatusPreconditionFailed, "PreconditionFailed", "The eTag does not match the export's current eTag.")
	}
	cur.seq++
	req.ID, req.Name, req.Type = cur.id, name, "Microsoft.CostManagement/exports"
	// Recorded eTags are 15 hex digits in quotes ("1d838558fcbccf2"), a timestamp-like value.
	req.ETag = fmt.Sprintf("\"1d%013x\"", s.Now().UnixNano()/100+int64(cur.seq))
	p.RunHistory = nil
	p.DataOverwriteBehavior = firstNonEmpty(p.DataOverwriteBehavior, "CreateNewReport")
	p.CompressionMode = comp
	p.Format = format
	if p.Schedule != nil && strings.EqualFold(p.Schedule.Status, "Active") {
		p.NextRunTimeEstimate = day(s.Now()).AddDate(0, 0, 1).Add(time.Hour).Format(time.RFC3339)
	} else {
		p.NextRunTimeEstimate = ""
	}
	cur.body = req
	// As recorded (azure-cli costmanagement export create): the PUT answer has no
	// nextRunTimeEstimate, a GET right after it has one.
	out := cur.view(false)
	out.Properties.NextRunTimeEstimate = ""
	return jsonResp(status, out)
}

// view is the export as GET answers it.
func (e *exportRes) view(history bool) wireExportBody {
	b := e.body
	p := *b.Properties
	if history {
		p.RunHistory = &wireExportRunList{Value: append([]wireExportRun{}, e.runs...)}
	}
	b.Properties = &p
	return b
}

// lookup finds the export the request names at scopePath, or the service's 404 answer. The
// caller holds st.mu.
func (st *exportState) lookup(rc *reqCtx, scopePath string) (*exportRes, response) {
	name := rc.param("exportName")
	if e := st.exports[exportKey(scopePath, name)]; e != nil {
		return e, response{}
	}
	return nil, errResp(http.StatusNotFound, "NotFound", fmt.Sprintf("The export '%s' was not found.", name))
}

func (s *Server) getExport(rc *reqCtx) response {
	scopePath, _, _, fail := rc.exportScope()
	if fail != nil {
		return *fail
	}
	st := s.exports
	st.mu.Lock()
	defer st.mu.Unlock()
	e, missing := st.lookup(rc, scopePath)
	if e == nil {
		return missing
	}
	return jsonResp(http.StatusOK, e.view(strings.EqualFold(rc.query.Get("$expand"), "runHistory")))
}

func (s *Server) listExports(rc *reqCtx) response {
	scopePath, _, _, fail := rc.exportScope()
	if fail != nil {
		return *fail
	}
	st := s.exports
	st.mu.Lock()
	defer st.mu.Unlock()
	prefix := strings.ToLower(scopePath + "/providers/Microsoft.CostManagement/exports/")
	out := wireExportList{Value: []wireExportBody{}}
	for k, e := range st.exports {
		if strings.HasPrefix(k, prefix) {
			out.Value = append(out.Value, e.view(false))
		}
	}
	sortExports(out.Value)
	return jsonResp(http.StatusOK, out)
}

type wireExportList struct {
	Value []wireExportBody `json:"value"`
}

func sortExports(v []wireExportBody) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].Name < v[j-1].Name; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

func (s *Server) deleteExport(rc *reqCtx) response {
	scopePath, _, _, fail := rc.exportScope()
	if fail != nil {
		return *fail
	}
	st := s.exports
	st.mu.Lock()
	defer st.mu.Unlock()
	key := exportKey(scopePath, rc.param("exportName"))
	if st.exports[key] == nil {
		return response{status: http.StatusNoContent}
	}
	delete(st.exports, key)
	return response{status: http.StatusOK}
}

func (s *Server) exportRunHistory(rc *reqCtx) response {
	scopePath, _, _, fail := rc.exportScope()
	if fail != nil {
		return *fail
	}
	st := s.exports
	st.mu.Lock()
	defer st.mu.Unlock()
	e, missing := st.lookup(rc, scopePath)
	if e == nil {
		return missing
	}
	return jsonResp(http.StatusOK, wireExportRunList{Value: append([]wireExportRun{}, e.runs...)})
}

// runExport answers POST .../exports/{name}/run: it writes the run's output and records it.
func (s *Server) runExport(rc *reqCtx) response {
	scopePath, subs, _, fail := rc.exportScope()
	if fail != nil {
		return *fail
	}
	body, err := io.ReadAll(io.LimitReader(rc.r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		return badRequest("InvalidRequestContent", "The request content could not be read or is too large.")
	}
	var req struct {
		TimePeriod *wireExportFromTo `json:"timePeriod"`
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return badRequest("BadRequest", "Invalid request payload: the body is not valid JSON: "+jsonErrorText(err))
		}
	}
	st := s.exports
	st.mu.Lock()
	defer st.mu.Unlock()
	e, missing := st.lookup(rc, scopePath)
	if e == nil {
		return missing
	}
	if st.storage == nil {
		return badRequest("StorageAccountNotReachable", "The export's storage account cannot be reached (the emulator has no export storage: call SetExportStorage).")
	}
	today := day(s.Now())
	var start, end time.Time
	def := e.body.Properties.Definition
	tp := req.TimePeriod
	if tp == nil && strings.EqualFold(def.Timeframe, "Custom") {
		tp = def.TimePeriod
	}
	switch {
	case tp != nil:
		st1, err1 := time.Parse(time.RFC3339, tp.From)
		en1, err2 := time.Parse(time.RFC3339, tp.To)
		if err1 != nil || err2 != nil {
			return badRequest("BadRequest", "Invalid request payload: timePeriod from and to must be timestamps like 2023-12-01T00:00:00Z.")
		}
		start, end = day(st1), day(en1)
		if end.Before(start) {
			return badRequest("BadRequest", "Invalid request payload: the end date is before the start date.")
		}
		if !end.Before(start.AddDate(0, 1, 0)) {
			return badRequest("BadRequest", "The maximum allowed date range is 1 month.")
		}
		if start.Before(today.AddDate(-7, 0, 0)) {
			return badRequest("BadRequest", "Data older than 7 years cannot be exported.")
		}
	case strings.EqualFold(def.Timeframe, "TheLastMonth"):
		start = firstOfMonth(today).AddDate(0, -1, 0)
		end = firstOfMonth(today).AddDate(0, 0, -1)
	default: // MonthToDate and the rest: the open month
		start, end = firstOfMonth(today), today
	}
	run, err := s.writeExportRun(rc, e, subs, start, end)
	if err != nil {
		return errResp(http.StatusInternalServerError, "ExportRunFailed", "Writing the export's output failed: "+err.Error())
	}
	e.runs = append([]wireExportRun{run}, e.runs...)
	return response{status: http.StatusOK}
}
