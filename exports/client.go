package exports

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/core"
	"github.com/azbilling/azbilling/roles"
)

// Client manages exports through Azure Resource Manager.
type Client struct {
	bc *billing.Client
	cc *core.Client
}

// NewClient returns a Client that sends its requests through bc.
func NewClient(bc *billing.Client) *Client {
	return &Client{bc: bc, cc: (*core.Client)(bc)}
}

const provider = "/providers/Microsoft.CostManagement/exports"

// checkName refuses export names the service would not accept, before any
// request: 1 to 64 letters, digits, '-' or '_'.
func checkName(name string) error {
	if name == "" || len(name) > 64 {
		return &billing.InputError{Field: "export name", Value: name, Reason: "must be 1 to 64 characters"}
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return &billing.InputError{Field: "export name", Value: name, Reason: "may hold only letters, digits, '-' and '_'"}
		}
	}
	return nil
}

func checkScope(scope billing.Scope) error {
	if scope.IsZero() {
		return &billing.InputError{Field: "scope", Reason: "is not set"}
	}
	return nil
}

func (c *Client) call(scope billing.Scope) arm.Call {
	return arm.Call{Action: roles.ViewUsage, Scope: scope.ID(), Agreement: scope.AgreementHint()}
}

func exportPath(scope billing.Scope, name string) string { return scope.ID() + provider + "/" + name }

// CreateOrUpdate creates the export name at scope, or replaces its
// definition if it exists (sending the current eTag, as the service
// requires for updates). Errors: *billing.InputError for a bad name, scope
// or definition; *billing.UnsupportedError for FOCUS at a scope that does not
// offer it; *DestinationError when the service cannot write to the storage
// account; the billing package's typed errors otherwise.
func (c *Client) CreateOrUpdate(ctx context.Context, scope billing.Scope, name string, def Definition) (*Export, error) {
	if err := checkScope(scope); err != nil {
		return nil, err
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	body, err := def.wire(c.cc.ARM.Now())
	if err != nil {
		return nil, err
	}
	if def.Dataset == FocusCost && scope.Kind() == billing.ScopeManagementGroup {
		return nil, focusUnsupported(scope, "management groups do not offer FOCUS exports", nil)
	}
	cur, err := c.Get(ctx, scope, name, nil)
	var nf *billing.NotFoundError
	switch {
	case err == nil:
		body.ETag = cur.ETag
	case errors.As(err, &nf):
	default:
		return nil, err
	}
	var out wireExport
	_, _, err = c.cc.ARM.DoJSON(ctx, arm.Request{Method: http.MethodPut, Path: exportPath(scope, name), APIVersion: APIVersion,
		Body: body, Call: c.call(scope)}, &out)
	if err != nil {
		return nil, mapError(scope, def.Dataset, err)
	}
	e := out.export()
	return &e, nil
}

// GetOptions select what Get returns.
type GetOptions struct {
	// History adds the export's recent runs (Export.History), with
	// $expand=runHistory.
	History bool
}

// Get returns the export name at scope; a *billing.NotFoundError if there is none.
func (c *Client) Get(ctx context.Context, scope billing.Scope, name string, opts *GetOptions) (*Export, error) {
	if err := checkScope(scope); err != nil {
		return nil, err
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	req := arm.Request{Path: exportPath(scope, name), APIVersion: APIVersion, Call: c.call(scope)}
	if opts != nil && opts.History {
		req.Query = map[string][]string{"$expand": {"runHistory"}}
	}
	var out wireExport
	if _, _, err := c.cc.ARM.DoJSON(ctx, req, &out); err != nil {
		return nil, err
	}
	e := out.export()
	return &e, nil
}

// List returns the exports defined at scope (the service does not page this list).
func (c *Client) List(ctx context.Context, scope billing.Scope) ([]Export, error) {
	if err := checkScope(scope); err != nil {
		return nil, err
	}
	var out wireList
	if _, _, err := c.cc.ARM.DoJSON(ctx, arm.Request{Path: scope.ID() + provider, APIVersion: APIVersion, Call: c.call(scope)}, &out); err != nil {
		return nil, err
	}
	list := make([]Export, 0, len(out.Value))
	for i := range out.Value {
		list = append(list, out.Value[i].export())
	}
	return list, nil
}

// Delete removes the export (not the data it wrote). Deleting an export that
// does not exist is not an error.
func (c *Client) Delete(ctx context.Context, scope billing.Scope, name string) error {
	if err := checkScope(scope); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	_, _, err := c.cc.ARM.DoJSON(ctx, arm.Request{Method: http.MethodDelete, Path: exportPath(scope, name), APIVersion: APIVersion, Call: c.call(scope)}, nil)
	var nf *billing.NotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	return err
}

// Run asks the service to run the export now. A zero period runs it for its
// own timeframe; otherwise for period (at most one month, any time in the
// last seven years), which is how history is backfilled. The service queues
// the run: History tells when it has finished.
func (c *Client) Run(ctx context.Context, scope billing.Scope, name string, period billing.Period) error {
	if err := checkScope(scope); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	var body wireRunRequest
	if !period.IsZero() {
		if err := checkPeriod(period); err != nil {
			return err
		}
		body.TimePeriod = &wireFromTo{From: wireTime(period.Start), To: wireTime(period.End)}
	}
	_, _, err := c.cc.ARM.DoJSON(ctx, arm.Request{Method: http.MethodPost, Path: exportPath(scope, name) + "/run", APIVersion: APIVersion,
		Body: body, Call: c.call(scope)}, nil)
	return mapError(scope, "", err)
}

// History returns the export's run history, newest first as the service sends it.
func (c *Client) History(ctx context.Context, scope billing.Scope, name string) ([]RunInfo, error) {
	if err := checkScope(scope); err != nil {
		return nil, err
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	var out wireRunList
	if _, _, err := c.cc.ARM.DoJSON(ctx, arm.Request{Path: exportPath(scope, name) + "/runHistory", APIVersion: APIVersion, Call: c.call(scope)}, &out); err != nil {
		return nil, err
	}
	runs := make([]RunInfo, 0, len(out.Value))
	for i := range out.Value {
		runs = append(runs, out.Value[i].info())
	}
	return runs, nil
}

func checkPeriod(p billing.Period) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.End.After(p.Start.AddMonths(1).AddDays(-1)) {
		return &billing.InputError{Field: "export period", Value: p.Start.String() + ".." + p.End.String(), Reason: "is longer than one month, the most one run may cover"}
	}
	return nil
}

// wire builds the PUT body of a definition.
func (d Definition) wire(now time.Time) (*wireExport, error) {
	if d.Destination.Container == "" {
		return nil, &billing.InputError{Field: "export destination", Reason: "has no container"}
	}
	if d.Destination.ResourceID == "" {
		return nil, &billing.InputError{Field: "export destination", Reason: "has no storage account resource id"}
	}
	ds := d.Dataset
	if ds == "" {
		ds = ActualCost
	}
	tf := d.Timeframe
	switch {
	case tf == "" && !d.Period.IsZero():
		tf = Custom
	case tf == "":
		tf = MonthToDate
	}
	p := &wireExportProps{
		Format:                string(d.Format),
		DataOverwriteBehavior: string(d.Overwrite),
		CompressionMode:       string(d.Compression),
		ExportDescription:     d.Description,
		DeliveryInfo: wireDeliveryInfo{Destination: wireDestination{Type: "AzureBlob", ResourceID: d.Destination.ResourceID,
			Container: d.Destination.Container, RootFolderPath: d.Destination.RootFolder}},
		Definition: wireDefinition{Type: string(ds), Timeframe: string(tf), DataSet: &wireDataSet{Granularity: "Daily",
			Configuration: &wireDataSetConfig{DataVersion: d.DataVersion}}},
	}
	if p.Format == "" {
		p.Format = string(CSV)
	}
	if p.Definition.DataSet.Configuration.DataVersion == "" {
		p.Definition.DataSet.Configuration.DataVersion = DefaultDataVersion(ds)
	}
	switch {
	case d.Format == Parquet && d.Compression == Gzip:
		return nil, &billing.InputError{Field: "export compression", Value: string(d.Compression), Reason: "Parquet exports are compressed with snappy or not at all"}
	case d.Format != Parquet && d.Compression == Snappy:
		return nil, &billing.InputError{Field: "export compression", Value: string(d.Compression), Reason: "CSV exports are compressed with gzip or not at all"}
	}
	if p.CompressionMode == "" {
		p.CompressionMode = string(NoCompression)
	}
	partition := true // the service always partitions; saying so keeps older api-versions alike
	p.PartitionData = &partition
	if tf == Custom {
		if err := checkPeriod(d.Period); err != nil {
			return nil, err
		}
		p.Definition.TimePeriod = &wireFromTo{From: wireTime(d.Period.Start), To: wireTime(d.Period.End)}
	}
	if s := d.Schedule; s != nil {
		from, to := s.From, s.To
		if from.IsZero() {
			from = now.UTC().Add(time.Minute).Truncate(time.Second)
		}
		if to.IsZero() {
			to = from.AddDate(1, 0, 0)
		}
		rec := s.Recurrence
		if rec == "" {
			rec = Daily
		}
		status := "Active"
		if s.Inactive {
			status = "Inactive"
		}
		p.Schedule = &wireSchedule{Status: status, Recurrence: string(rec),
			RecurrencePeriod: &wireFromTo{From: from.UTC().Format(time.RFC3339), To: to.UTC().Format(time.RFC3339)}}
	}
	w := &wireExport{Properties: p}
	if d.Location != "" {
		w.Identity, w.Location = &wireIdentity{Type: "SystemAssigned"}, d.Location
	}
	return w, nil
}

// DestinationReason says why the service cannot deliver to a storage account.
type DestinationReason int

// Reasons for a DestinationError.
const (
	// DestinationNotRegistered: the storage account's subscription is not
	// registered with the Microsoft.CostManagementExports resource provider.
	DestinationNotRegistered DestinationReason = iota + 1
	// DestinationNoAccess: Cost Management may not write to the account (the
	// caller lacks a role on it that lets the service write there).
	DestinationNoAccess
	// DestinationFirewall: the account is behind a firewall; exports reach it
	// only with a system-assigned identity (Definition.Location set) and
	// api-version 2023-08-01 or later.
	DestinationFirewall
)

// String says the reason in words.
func (r DestinationReason) String() string {
	switch r {
	case DestinationNotRegistered:
		return "the storage account's subscription is not registered with Microsoft.CostManagementExports"
	case DestinationNoAccess:
		return "Cost Management is not allowed to write to the storage account"
	case DestinationFirewall:
		return "the storage account is behind a firewall; set Definition.Location so that the export gets a managed identity the firewall can trust"
	}
	return "the storage account cannot be used"
}

// DestinationError says that the service refused an export because it
// cannot write to its storage account. It wraps the service's error.
type DestinationError struct {
	Reason  DestinationReason // why
	Code    string            // the service's error code, verbatim
	Message string            // the service's message, verbatim
	Err     error             // *billing.ServiceError or *roles.PermissionError
}

// Error names the reason and the service's code.
func (e *DestinationError) Error() string {
	s := "azbilling: export destination refused: " + e.Reason.String()
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	return s
}

// Unwrap returns the service's error.
func (e *DestinationError) Unwrap() error { return e.Err }

func focusUnsupported(scope billing.Scope, reason string, err error) error {
	return &billing.UnsupportedError{Operation: "create a FocusCost export", Agreement: scope.AgreementHint(), Scope: scope.ID(),
		Reason: reason, Alternative: "export ActualCost or AmortizedCost at this scope, or FOCUS at a billing account or profile scope", Err: err}
}

// mapError turns service refusals of an export into the package's typed errors.
func mapError(scope billing.Scope, ds Dataset, err error) error {
	var se *billing.ServiceError
	var pe *roles.PermissionError
	var code, msg string
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		code, msg = se.Code, se.Message
	case errors.As(err, &pe):
		code, msg = pe.Code, pe.Message
	default:
		return err
	}
	lc, lm := strings.ToLower(code), strings.ToLower(msg)
	switch {
	case lc == "missingsubscriptionregistration" || strings.Contains(lm, "microsoft.costmanagementexports"):
		return &DestinationError{Reason: DestinationNotRegistered, Code: code, Message: msg, Err: err}
	case strings.Contains(lm, "firewall") || strings.Contains(lm, "virtual network"):
		return &DestinationError{Reason: DestinationFirewall, Code: code, Message: msg, Err: err}
	case strings.Contains(lm, "storage") && (strings.Contains(lm, "permission") || strings.Contains(lm, "authoriz") || strings.Contains(lm, "access")):
		return &DestinationError{Reason: DestinationNoAccess, Code: code, Message: msg, Err: err}
	case (ds == FocusCost || strings.Contains(lm, "focus")) && strings.Contains(lm, "not supported"):
		return focusUnsupported(scope, msg, err)
	}
	return err
}
