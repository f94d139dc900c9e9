package exports

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/azbilling/azbilling/billing"
)

// Manifest is a run's manifest.json (manifestVersion 2024-04-01): what the
// run exported, how, and the blobs it wrote.
type Manifest struct {
	Version   string // manifestVersion, e.g. "2024-04-01"
	ByteCount int64  // total size of the blobs
	BlobCount int    // number of blobs
	RowCount  int64  // total rows (dataRowCount)

	ExportName  string    // exportConfig.exportName
	ExportID    string    // exportConfig.resourceId
	Dataset     Dataset   // exportConfig.type
	DataVersion string    // exportConfig.dataVersion
	APIVersion  string    // exportConfig.apiVersion
	Timeframe   Timeframe // exportConfig.timeFrame
	Granularity string    // exportConfig.granularity

	Format      Format      // deliveryConfig.fileFormat
	Compression Compression // deliveryConfig.compressionMode, lower case
	Overwrite   Overwrite   // deliveryConfig.dataOverwriteBehavior
	Partitioned bool        // deliveryConfig.partitionData
	RootFolder  string      // deliveryConfig.rootFolderPath

	RunID         string         // runInfo.runId
	ExecutionType string         // runInfo.executionType: "OnDemand" or "Scheduled"
	Submitted     time.Time      // runInfo.submittedTime
	Period        billing.Period // runInfo.startDate .. endDate

	Blobs []ManifestBlob // in the order the service lists them
}

// ManifestBlob is one partition of a run.
type ManifestBlob struct {
	Name string // blobName: the blob's path in the container
	Size int64  // byteCount, as stored (compressed for gzip)
	Rows int64  // dataRowCount
}

type wireManifest struct {
	ManifestVersion string `json:"manifestVersion"`
	ByteCount       int64  `json:"byteCount"`
	BlobCount       int    `json:"blobCount"`
	DataRowCount    int64  `json:"dataRowCount"`
	ExportConfig    struct {
		ExportName  string `json:"exportName"`
		ResourceID  string `json:"resourceId"`
		DataVersion string `json:"dataVersion"`
		APIVersion  string `json:"apiVersion"`
		Type        string `json:"type"`
		TimeFrame   string `json:"timeFrame"`
		Granularity string `json:"granularity"`
	} `json:"exportConfig"`
	DeliveryConfig struct {
		PartitionData         bool   `json:"partitionData"`
		DataOverwriteBehavior string `json:"dataOverwriteBehavior"`
		FileFormat            string `json:"fileFormat"`
		CompressionMode       string `json:"compressionMode"`
		ContainerURI          string `json:"containerUri"`
		RootFolderPath        string `json:"rootFolderPath"`
	} `json:"deliveryConfig"`
	RunInfo struct {
		ExecutionType string `json:"executionType"`
		SubmittedTime string `json:"submittedTime"`
		RunID         string `json:"runId"`
		StartDate     string `json:"startDate"`
		EndDate       string `json:"endDate"`
	} `json:"runInfo"`
	Blobs []struct {
		BlobName     string `json:"blobName"`
		ByteCount    int64  `json:"byteCount"`
		DataRowCount int64  `json:"dataRowCount"`
	} `json:"blobs"`
}

// maxManifestBlobs bounds the blobs one manifest may list (at under 1 GB
// each, far more than any export writes).
const maxManifestBlobs = 100000

// ParseManifest decodes and checks a manifest.json. name is the manifest's
// blob name, for errors. A manifest that is not JSON, lists more than
// 100,000 blobs, has blobs with empty or escaping names or negative sizes,
// or whose totals disagree with its blobs is a *ManifestError.
func ParseManifest(name string, data []byte) (*Manifest, error) {
	var w wireManifest
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, &ManifestError{Blob: name, Reason: "is not valid JSON", Err: err}
	}
	bad := func(format string, a ...any) (*Manifest, error) {
		return nil, &ManifestError{Blob: name, Reason: fmt.Sprintf(format, a...)}
	}
	if len(w.Blobs) > maxManifestBlobs {
		return bad("lists %d blobs", len(w.Blobs))
	}
	if w.BlobCount != 0 && w.BlobCount != len(w.Blobs) {
		return bad("says blobCount %d but lists %d blobs", w.BlobCount, len(w.Blobs))
	}
	m := &Manifest{
		Version: w.ManifestVersion, ByteCount: w.ByteCount, BlobCount: len(w.Blobs), RowCount: w.DataRowCount,
		ExportName: w.ExportConfig.ExportName, ExportID: w.ExportConfig.ResourceID, Dataset: Dataset(w.ExportConfig.Type),
		DataVersion: w.ExportConfig.DataVersion, APIVersion: w.ExportConfig.APIVersion, Timeframe: Timeframe(w.ExportConfig.TimeFrame),
		Granularity: w.ExportConfig.Granularity,
		Format:      Format(w.DeliveryConfig.FileFormat), Compression: Compression(strings.ToLower(w.DeliveryConfig.CompressionMode)),
		Overwrite: Overwrite(w.DeliveryConfig.DataOverwriteBehavior), Partitioned: w.DeliveryConfig.PartitionData,
		RootFolder: w.DeliveryConfig.RootFolderPath,
		RunID:      w.RunInfo.RunID, ExecutionType: w.RunInfo.ExecutionType, Submitted: parseTime(w.RunInfo.SubmittedTime),
		Period: billing.Period{Start: dateOf(w.RunInfo.StartDate), End: dateOf(w.RunInfo.EndDate)},
	}
	var bytes, rows int64
	for i, b := range w.Blobs {
		n := strings.TrimSpace(b.BlobName)
		if n == "" {
			return bad("has no name for blob %d", i+1)
		}
		if c := path.Clean(n); c != strings.TrimSuffix(n, "/") || strings.HasPrefix(c, "../") || c == ".." || strings.HasPrefix(c, "/") {
			return bad("names blob %d %q, which is not a plain path in the container", i+1, truncate(n))
		}
		if b.ByteCount < 0 || b.DataRowCount < 0 {
			return bad("gives blob %d a negative size or row count", i+1)
		}
		bytes += b.ByteCount
		rows += b.DataRowCount
		m.Blobs = append(m.Blobs, ManifestBlob{Name: n, Size: b.ByteCount, Rows: b.DataRowCount})
	}
	if w.ByteCount < 0 || w.DataRowCount < 0 {
		return bad("has a negative byteCount or dataRowCount")
	}
	if len(w.Blobs) > 0 && w.ByteCount != 0 && bytes != w.ByteCount {
		return bad("says byteCount %d but its blobs add up to %d", w.ByteCount, bytes)
	}
	if len(w.Blobs) > 0 && w.DataRowCount != 0 && rows != w.DataRowCount {
		return bad("says dataRowCount %d but its blobs add up to %d", w.DataRowCount, rows)
	}
	if w.DataRowCount == 0 {
		m.RowCount = rows
	}
	if w.ByteCount == 0 {
		m.ByteCount = bytes
	}
	return m, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
