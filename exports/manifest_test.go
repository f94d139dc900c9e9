package exports_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/exports"
)

// A manifest in the documented 2024-04-01 shape (values invented, shape as Microsoft's
// exports documentation shows it, including the zone-less startDate).
const manifestJSON = `{
  "manifestVersion": "2024-04-01",
  "byteCount": 300,
  "blobCount": 2,
  "dataRowCount": 7,
  "exportConfig": {"exportName": "daily", "resourceId": "/subscriptions/s/providers/Microsoft.CostManagement/exports/daily",
    "dataVersion": "1.0r2", "apiVersion": "2025-03-01", "type": "FocusCost", "timeFrame": "MonthToDate", "granularity": "Daily"},
  "deliveryConfig": {"partitionData": true, "dataOverwriteBehavior": "OverwritePreviousReport", "fileFormat": "Parquet",
    "compressionMode": "Snappy", "containerUri": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a",
    "rootFolderPath": "cost"},
  "runInfo": {"executionType": "Scheduled", "submittedTime": "2026-10-16T15:27:00.2762450Z", "runId": "r1",
    "startDate": "2026-10-01T00:00:00", "endDate": "2026-10-16T00:00:00+00:00"},
  "blobs": [
    {"blobName": "cost/daily/20261001-20261031/r1/part_0_0001.snappy.parquet", "byteCount": 200, "dataRowCount": 5},
    {"blobName": "cost/daily/20261001-20261031/r1/part_0_0002.snappy.parquet", "byteCount": 100, "dataRowCount": 2}
  ]
}`

func TestParseManifest(t *testing.T) {
	m, err := exports.ParseManifest("m.json", []byte(manifestJSON))
	require.NoError(t, err)
	require.Equal(t, "2024-04-01", m.Version)
	require.Equal(t, exports.FocusCost, m.Dataset)
	require.Equal(t, exports.Parquet, m.Format)
	require.Equal(t, exports.Snappy, m.Compression)
	require.Equal(t, exports.OverwritePreviousReport, m.Overwrite)
	require.Equal(t, "r1", m.RunID)
	require.Equal(t, billing.Period{Start: billing.NewDate(2026, time.October, 1), End: billing.NewDate(2026, time.October, 16)}, m.Period)
	require.Equal(t, time.Date(2026, 10, 16, 15, 27, 0, 276245000, time.UTC), m.Submitted)
	require.EqualValues(t, 7, m.RowCount)
	require.Len(t, m.Blobs, 2)
	require.EqualValues(t, 200, m.Blobs[0].Size)

	for _, c := range []struct{ name, edit string }{
		{"not json", `{`},
		{"blob count", `{"blobCount": 3, "blobs": [{"blobName": "a"}]}`},
		{"bytes", `{"byteCount": 5, "blobs": [{"blobName": "a", "byteCount": 4}]}`},
		{"rows", `{"dataRowCount": 5, "blobs": [{"blobName": "a", "dataRowCount": 4}]}`},
		{"escaping name", `{"blobs": [{"blobName": "../other/a.csv"}]}`},
		{"absolute name", `{"blobs": [{"blobName": "/a.csv"}]}`},
		{"empty name", `{"blobs": [{"blobName": " "}]}`},
		{"negative", `{"blobs": [{"blobName": "a", "byteCount": -1}]}`},
	} {
		_, err := exports.ParseManifest("m.json", []byte(c.edit))
		var me *exports.ManifestError
		require.True(t, errors.As(err, &me), "%s: %v", c.name, err)
	}
}

// FuzzParseManifest: never a panic; an accepted manifest's totals agree with its blobs.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(manifestJSON))
	f.Add([]byte(`{"blobs":[{"blobName":"a/b.csv","byteCount":1,"dataRowCount":1}]}`))
	f.Add([]byte(`{"blobs":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := exports.ParseManifest("f.json", b)
		if err != nil {
			var me *exports.ManifestError
			if !errors.As(err, &me) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		var bytes, rows int64
		for _, bl := range m.Blobs {
			if bl.Name == "" || bl.Size < 0 || bl.Rows < 0 {
				t.Fatalf("bad blob accepted: %+v", bl)
			}
			bytes += bl.Size
			rows += bl.Rows
		}
		if len(m.Blobs) > 0 && (bytes != m.ByteCount || rows != m.RowCount) {
			t.Fatalf("totals %d/%d disagree with blobs %d/%d", m.ByteCount, m.RowCount, bytes, rows)
		}
		_, _ = json.Marshal(m)
	})
}
