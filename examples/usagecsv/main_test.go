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

// samples returns ../shared/samples/usage relative to the module root (real
// files taken from public repositories, not part of the project) with a
// trailing separator, and skips the test when it is absent.
func samples(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("no module root")
		}
		dir = filepath.Dir(dir)
	}
	p := filepath.Join(dir, "..", "shared", "samples", "usage")
	if _, err := os.Stat(p); err != nil {
		t.Skip("../shared/samples/usage is not present")
	}
	return p + string(filepath.Separator)
}

const fixtures = "../../usage/testdata/fixtures/"

// TestCurrencyForFilesWithoutOne: a Sponsorship file has no currency column;
// its totals are under "" (unknown) unless -currency names it.
func TestCurrencyForFilesWithoutOne(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{fixtures + "sponsorship.csv"}, &out, &errb), errb.String())
	assert.Contains(t, out.String(), `"dialect":"sponsorship","rows":4,"skipped":0,"cost":{"":"1.2519168"}`)
	out.Reset()
	require.Equal(t, 0, run([]string{"-currency", "usd", fixtures + "sponsorship.csv"}, &out, &errb), errb.String())
	assert.Contains(t, out.String(), `"cost":{"USD":"1.2519168"}`)
	assert.Equal(t, 2, run([]string{"-currency", "dollars", fixtures + "sponsorship.csv"}, &out, &errb))
}

// TestExcelResavedFile: the same rows saved by Excel with a Dutch locale
// (semicolons, decimal commas, day-first dates) give the same totals.
func TestExcelResavedFile(t *testing.T) {
	data, err := os.ReadFile(fixtures + "sponsorship.csv")
	require.NoError(t, err)
	nl := strings.NewReplacer(",", ";", "0.", "0,", "4E-06", "4E-06", "1.5E+01", "1,5E+01", "10/3/2021", "3-10-2021", "10/12/2021", "12-10-2021", "11/1/2021", "1-11-2021").Replace(string(data))
	path := filepath.Join(t.TempDir(), "nl.csv")
	require.NoError(t, os.WriteFile(path, []byte(nl), 0o600))
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"-currency", "EUR", path}, &out, &errb), errb.String())
	assert.Contains(t, out.String(), `"cost":{"EUR":"1.2519168"},"first_date":"2021-10-03","last_date":"2021-11-01"`)
}

func TestSummaryLineIsTheLastLine(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{samples(t) + "EA_actual_c360-costdetails_finops-toolkit.csv"}, &out, &errb)
	require.Equal(t, 0, code, errb.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Contains(t, lines[0], "DATE")
	var s summary
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &s))
	assert.Equal(t, summary{Files: 1, Dialect: "ea-c360", Rows: 11, Skipped: 0,
		Cost: map[string]string{"USD": "8.5450077867419368"}, FirstDate: "2023-09-04", LastDate: "2023-09-21"}, s)
}

func TestAllSamplesTogether(t *testing.T) {
	files, err := filepath.Glob(samples(t) + "*.csv")
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
	data, err := os.ReadFile(samples(t) + "EA_amortized_c360-costdetails_finops-toolkit.csv")
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
