package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const samples = "../../usage/testdata/samples/"

func TestSummaryLineIsTheLastLine(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{samples + "EA_actual_c360-costdetails_finops-toolkit.csv"}, &out, &errb)
	require.Equal(t, 0, code, errb.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Contains(t, lines[0], "DATE")
	var s summary
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &s))
	assert.Equal(t, summary{Files: 1, Dialect: "ea-c360", Rows: 11, Skipped: 0,
		Cost: map[string]string{"USD": "8.5450077867419368"}, FirstDate: "2023-09-04", LastDate: "2023-09-21"}, s)
}

func TestAllSamplesTogether(t *testing.T) {
	files, err := filepath.Glob(samples + "*.csv")
	require.NoError(t, err)
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(append([]string{"-by", "tag:env"}, files...), &out, &errb), errb.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var s summary
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &s))
	assert.Equal(t, 6, s.Files)
	assert.Equal(t, 74, s.Rows)
	assert.Equal(t, "1.26136926505726", s.Cost["CAD"])
	assert.Equal(t, "2019-07-28", s.FirstDate)
}

func TestBadInputExitsWithTheParseError(t *testing.T) {
	data, err := os.ReadFile(samples + "EA_amortized_c360-costdetails_finops-toolkit.csv")
	require.NoError(t, err)
	bad := filepath.Join(t.TempDir(), "bad.csv")
	require.NoError(t, os.WriteFile(bad, bytes.Replace(data, []byte("09/22/2023"), []byte("09/31/2023"), 1), 0o600))

	var out, errb bytes.Buffer
	assert.Equal(t, 1, run([]string{bad}, &out, &errb))
	assert.Equal(t, "usagecsv: "+bad+": line 2, column 11 (Date): bad date: \"09/31/2023\"\n", errb.String())
	assert.NotContains(t, errb.String(), "goroutine")

	out.Reset()
	errb.Reset()
	require.Equal(t, 0, run([]string{"-skip-bad", bad}, &out, &errb))
	assert.Contains(t, out.String(), `"rows":27,"skipped":1`)
	assert.Contains(t, errb.String(), "skipped: "+bad+": line 2")
}

func TestUsageErrors(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, 2, run(nil, &out, &errb))
	assert.Contains(t, errb.String(), "usage: usagecsv")
	assert.Equal(t, 2, run([]string{"-by", "color", "x.csv"}, &out, &errb))
	assert.Equal(t, 1, run([]string{filepath.Join(t.TempDir(), "missing.csv")}, &out, &errb))
	empty := filepath.Join(t.TempDir(), "empty.csv")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	errb.Reset()
	assert.Equal(t, 1, run([]string{empty}, &out, &errb))
	assert.Contains(t, errb.String(), "no header row")
}
