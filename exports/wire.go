package exports

import (
	"strings"
	"time"

	"github.com/azbilling/azbilling/billing"
)

// Wire shapes of Microsoft.CostManagement exports (2025-03-01).

type wireExport struct {
	ID         string           `json:"id,omitempty"`
	Name       string           `json:"name,omitempty"`
	Type       string           `json:"type,omitempty"`
	ETag       string           `json:"eTag,omitempty"`
	Identity   *wireIdentity    `json:"identity,omitempty"`
	Location   string           `json:"location,omitempty"`
	Properties *wireExportProps `json:"properties,omitempty"`
}

type wireIdentity struct {
	Type string `json:"type"`
}

type wireExportProps struct {
	Schedule              *wireSchedule    `json:"schedule,omitempty"`
	Format                string           `json:"format,omitempty"`
	DeliveryInfo          wireDeliveryInfo `json:"deliveryInfo"`
	Definition            wireDefinition   `json:"definition"`
	RunHistory            *wireRunList     `json:"runHistory,omitempty"`
	PartitionData         *bool            `json:"partitionData,omitempty"`
	DataOverwriteBehavior string           `json:"dataOverwriteBehavior,omitempty"`
	CompressionMode       string           `json:"compressionMode,omitempty"`
	ExportDescription     string           `json:"exportDescription,omitempty"`
	NextRunTimeEstimate   string           `json:"nextRunTimeEstimate,omitempty"`
}

type wireSchedule struct {
	Status           string      `json:"status,omitempty"`
	Recurrence       string      `json:"recurrence,omitempty"`
	RecurrencePeriod *wireFromTo `json:"recurrencePeriod,omitempty"`
}

type wireFromTo struct {
	From string `json:"from"`
	To   string `json:"to,omitempty"`
}

type wireDeliveryInfo struct {
	Destination wireDestination `json:"destination"`
}

type wireDestination struct {
	Type           string `json:"type,omitempty"`
	ResourceID     string `json:"resourceId,omitempty"`
	Container      string `json:"container"`
	RootFolderPath string `json:"rootFolderPath,omitempty"`
}

type wireDefinition struct {
	Type       string       `json:"type"`
	Timeframe  string       `json:"timeframe"`
	TimePeriod *wireFromTo  `json:"timePeriod,omitempty"`
	DataSet    *wireDataSet `json:"dataSet,omitempty"`
}

type wireDataSet struct {
	Granularity   string             `json:"granularity,omitempty"`
	Configuration *wireDataSetConfig `json:"configuration,omitempty"`
}

type wireDataSetConfig struct {
	DataVersion string `json:"dataVersion,omitempty"`
}

type wireRunList struct {
	Value []wireRun `json:"value"`
}

type wireRun struct {
	ID         string `json:"id"`
	Properties struct {
		ExecutionType       string `json:"executionType"`
		Status              string `json:"status"`
		SubmittedBy         string `json:"submittedBy"`
		SubmittedTime       string `json:"submittedTime"`
		ProcessingStartTime string `json:"processingStartTime"`
		ProcessingEndTime   string `json:"processingEndTime"`
		StartDate           string `json:"startDate"`
		EndDate             string `json:"endDate"`
		ManifestFile        string `json:"manifestFile"`
		Error               *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	} `json:"properties"`
}

type wireRunRequest struct {
	TimePeriod *wireFromTo `json:"timePeriod,omitempty"`
}

type wireList struct {
	Value []wireExport `json:"value"`
}

// wireTime formats a date as the service's midnight UTC timestamp.
func wireTime(d billing.Date) string { return d.String() + "T00:00:00Z" }

// parseTime reads the service's timestamps: RFC 3339 with up to 7
// fractional digits, with or without a zone (UTC is meant). Bad or empty
// text gives the zero time: these are informational fields.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err == nil {
		return t
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.UTC); err == nil {
		return t
	}
	return time.Time{}
}

// dateOf is the calendar day of a service timestamp (zero if unreadable).
func dateOf(s string) billing.Date {
	t := parseTime(s)
	if t.IsZero() {
		return billing.Date{}
	}
	return billing.DateOf(t)
}

func (w *wireExport) export() Export {
	e := Export{ID: w.ID, Name: w.Name, ETag: w.ETag}
	p := w.Properties
	if p == nil {
		return e
	}
	d := &e.Definition
	d.Dataset = Dataset(p.Definition.Type)
	d.Timeframe = Timeframe(p.Definition.Timeframe)
	if tp := p.Definition.TimePeriod; tp != nil {
		d.Period = billing.Period{Start: dateOf(tp.From), End: dateOf(tp.To)}
	}
	if ds := p.Definition.DataSet; ds != nil && ds.Configuration != nil {
		d.DataVersion = ds.Configuration.DataVersion
	}
	if s := p.Schedule; s != nil && s.Recurrence != "" {
		sch := &Schedule{Recurrence: Recurrence(s.Recurrence), Inactive: strings.EqualFold(s.Status, "Inactive")}
		if rp := s.RecurrencePeriod; rp != nil {
			sch.From, sch.To = parseTime(rp.From), parseTime(rp.To)
		}
		d.Schedule = sch
	}
	d.Format = Format(p.Format)
	d.Compression = Compression(strings.ToLower(p.CompressionMode))
	d.Overwrite = Overwrite(p.DataOverwriteBehavior)
	d.Destination = Destination{ResourceID: p.DeliveryInfo.Destination.ResourceID,
		Container: p.DeliveryInfo.Destination.Container, RootFolder: p.DeliveryInfo.Destination.RootFolderPath}
	d.Description = p.ExportDescription
	e.NextRun = parseTime(p.NextRunTimeEstimate)
	if p.RunHistory != nil {
		for _, r := range p.RunHistory.Value {
			e.History = append(e.History, r.info())
		}
	}
	return e
}

func (r *wireRun) info() RunInfo {
	p := &r.Properties
	ri := RunInfo{ID: r.ID, ExecutionType: p.ExecutionType, Status: RunStatus(p.Status), SubmittedBy: p.SubmittedBy,
		Submitted: parseTime(p.SubmittedTime), Started: parseTime(p.ProcessingStartTime), Ended: parseTime(p.ProcessingEndTime),
		Period: billing.Period{Start: dateOf(p.StartDate), End: dateOf(p.EndDate)}, ManifestFile: p.ManifestFile}
	if i := strings.LastIndexByte(r.ID, '/'); i >= 0 {
		ri.RunID = r.ID[i+1:]
	}
	if p.Error != nil {
		ri.ErrorCode, ri.ErrorMessage = p.Error.Code, p.Error.Message
	}
	return ri
}
