package usage

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

// A small pay-as-you-go file to build variants from.
const paygHeader = "SubscriptionGuid,ResourceGroup,ResourceLocation,UsageDateTime,MeterCategory,MeterSubcategory,MeterId,MeterName,MeterRegion,UsageQuantity,ResourceRate,PreTaxCost,ConsumedService,ResourceType,InstanceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ServiceName,ServiceTier,Currency,UnitOfMeasure"

func paygRow(date, qty, cost string) string {
	return "sub-1,rg,US East," + date + ",Storage,Tables,m-1,LRS Data Stored,," + qty + ",0.045," + cost + `,Microsoft.Storage,t,/subscriptions/sub-1,"{""env"":""dev""}",,,,,Storage,Tables,USD,1 GB/Month`
}

func paygFile(rows ...string) string {
	return paygHeader + "\n" + strings.Join(rows, "\n") + "\n"
}

func TestReaderAcceptsBOMAndLineEndings(t *testing.T) {
	body := paygFile(paygRow("2024-01-01", "1", "0.5"), paygRow("2024-01-02", "2", "1.5"))
	for name, data := range map[string]string{
		"lf":         body,
		"crlf":       strings.ReplaceAll(body, "\n", "\r\n"),
		"bom":        "\xef\xbb\xbf" + body,
		"bom crlf":   "\xef\xbb\xbf" + strings.ReplaceAll(body, "\n", "\r\n"),
		"no last nl": strings.TrimSuffix(body, "\n"),
		"blank rows": strings.Replace(body, "\n", "\n\n\r\n", 2),
	} {
		t.Run(name, func(t *testing.T) {
			r, recs := readAll(t, []byte(data), nil)
			require.Len(t, recs, 2)
			assert.Equal(t, billing.NewDate(2024, time.January, 2), recs[1].Date)
			assertDec(t, "2", sum(recs, func(r Record) billing.Decimal { return r.Cost }))
			v, _ := recs[1].Tags.Get("env")
			assert.Equal(t, "dev", v)
			h, err := r.Header()
			require.NoError(t, err)
			assert.Equal(t, "SubscriptionGuid", h[0], "BOM removed")
		})
	}
}

func TestReaderReadsThroughOneByteReads(t *testing.T) {
	data := readSample(t, sharedSample(t, "EA_amortized_c360-costdetails_finops-toolkit.csv"))
	_, want := readAll(t, data, nil)
	r := NewReader(iotest.OneByteReader(bytes.NewReader(data)), nil)
	var got []Record
	for rec, err := range r.All() {
		require.NoError(t, err)
		got = append(got, rec)
	}
	require.Len(t, got, len(want))
	for i := range got {
		assert.Equal(t, want[i].Fields(nil), got[i].Fields(nil))
		assert.True(t, want[i].Cost.Equal(got[i].Cost))
	}
}

func TestReaderDecompressesGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(readSample(t, sharedSample(t, "EA_actual_c360-costdetails_finops-toolkit.csv")))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	_, recs := readAll(t, buf.Bytes(), nil)
	assert.Len(t, recs, 11)
}

func TestCorruptGzipIsAnError(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(readSample(t, sharedSample(t, "EA_actual_c360-costdetails_finops-toolkit.csv")))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	data := buf.Bytes()
	for name, in := range map[string][]byte{
		"bad header": {0x1f, 0x8b, 0, 0},
		"truncated":  data[:len(data)/2],
		"corrupt":    append(append([]byte{}, data[:30]...), bytes.Repeat([]byte{0xff}, 100)...),
	} {
		r := NewReader(bytes.NewReader(in), &ReaderOptions{File: "u.csv.gz"})
		var err error
		for _, e := range r.All() {
			if e != nil {
				err = e
			}
		}
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "u.csv.gz", name)
	}
}

func TestReaderQuotedFieldsWithLineBreaks(t *testing.T) {
	data := paygHeader + "\r\n" +
		strings.Replace(paygRow("2024-01-01", "1", "1"), "Storage,Tables,USD", "\"Multi\r\nline, \"\"quoted\"\"\",Tables,USD", 1) + "\r\n" +
		paygRow("2024-01-02", "1", "1") + "\r\n"
	_, recs := readAll(t, []byte(data), nil)
	require.Len(t, recs, 2)
	v, ok := recs[0].Column("ServiceName")
	assert.True(t, ok)
	assert.Equal(t, "Multi\nline, \"quoted\"", v, "CR LF inside quotes reads as LF, doubled quotes as one")
	assert.Equal(t, 2, recs[0].Line)
	assert.Equal(t, 4, recs[1].Line, "the quoted line break counts")
}

func TestReaderToleratesPreambleLines(t *testing.T) {
	data := "Usage report for billing period - 202401\n\n" + paygFile(paygRow("2024-01-01", "1", "1"))
	_, recs := readAll(t, []byte(data), nil)
	require.Len(t, recs, 1)
	assert.Equal(t, 4, recs[0].Line)
}

func TestUnknownHeaderListsWhatWasExpected(t *testing.T) {
	r := NewReader(strings.NewReader("Foo,Bar,Baz\n1,2,3\n"), &ReaderOptions{File: "x.csv"})
	_, err := r.Read()
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, ErrUnknownHeader)
	assert.Equal(t, "x.csv", pe.File)
	assert.Equal(t, 1, pe.Line)
	assert.Contains(t, err.Error(), "CostInBillingCurrency")
	assert.Contains(t, err.Error(), "ChargePeriodStart")
	assert.Contains(t, err.Error(), "Foo,Bar,Baz")
	// The error sticks.
	_, err2 := r.Read()
	assert.Equal(t, err, err2)
}

func TestEmptyInputHasNoHeader(t *testing.T) {
	for _, in := range []string{"", "\xef\xbb\xbf", "\n\n"} {
		_, err := NewReader(strings.NewReader(in), nil).Read()
		assert.ErrorIs(t, err, ErrNoHeader, "%q", in)
	}
}

func TestHeaderOnlyFileHasNoRecords(t *testing.T) {
	r, recs := readAll(t, []byte(paygHeader+"\n"), nil)
	assert.Empty(t, recs)
	l, err := r.Layout()
	require.NoError(t, err)
	assert.Equal(t, DialectPAYG, l.Dialect)
	_, err = r.Read()
	assert.Equal(t, io.EOF, err)
}

func TestBadValueErrorsSayWhere(t *testing.T) {
	for name, tc := range map[string]struct {
		row      string
		sentinel error
		column   int
		header   string
		text     string
	}{
		"decimal":  {paygRow("2024-01-01", "1", "1,5x"), nil, 0, "", ""}, // becomes a field count error
		"decimal2": {paygRow("2024-01-01", "1", "12.3.4"), ErrBadDecimal, 12, "PreTaxCost", "12.3.4"},
		"date":     {paygRow("2024-02-30", "1", "1"), ErrBadDate, 4, "UsageDateTime", "2024-02-30"},
		"date fmt": {paygRow("01.30.2024", "1", "1"), ErrBadDate, 4, "UsageDateTime", "01.30.2024"},
		"quote":    {strings.Replace(paygRow("2024-01-01", "1", "1"), "LRS Data", `LRS "Data"`, 1), ErrQuote, 8, "MeterName", ""},
	} {
		t.Run(name, func(t *testing.T) {
			data := paygFile(paygRow("2024-01-01", "1", "1"), tc.row)
			r := NewReader(strings.NewReader(data), &ReaderOptions{File: "u.csv"})
			n := 0
			var err error
			for _, e := range r.All() {
				if e != nil {
					err = e
					break
				}
				n++
			}
			assert.Equal(t, 1, n, "the good row comes first")
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "u.csv", pe.File)
			assert.Equal(t, 3, pe.Line)
			if tc.sentinel == nil {
				assert.ErrorIs(t, err, ErrFieldCount)
				return
			}
			assert.ErrorIs(t, err, tc.sentinel)
			assert.Equal(t, tc.column, pe.Column)
			assert.Equal(t, tc.header, pe.Header)
			if tc.text != "" {
				assert.Equal(t, tc.text, pe.Text)
			}
			assert.Contains(t, err.Error(), "u.csv: line 3, column")
		})
	}
}

func TestBadDecimalUnwrapsToBillingError(t *testing.T) {
	_, err := NewReader(strings.NewReader(paygFile(paygRow("2024-01-01", "abc", "1"))), nil).Read()
	assert.ErrorIs(t, err, ErrBadDecimal)
	assert.ErrorIs(t, err, billing.ErrInvalidDecimal)
	assert.Equal(t, `line 2, column 10 (UsageQuantity): bad decimal: "abc"`, err.Error())
}

func TestErrorTextIsTruncated(t *testing.T) {
	long := strings.Repeat("9", 500) + "x"
	_, err := NewReader(strings.NewReader(paygFile(paygRow("2024-01-01", long, "1"))), nil).Read()
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Less(t, len(pe.Text), 100)
	assert.True(t, strings.HasSuffix(pe.Text, "…"))
}

func TestSkipBadRowsCountsAndReportsThem(t *testing.T) {
	data := paygFile(
		paygRow("2024-01-01", "1", "1"),
		paygRow("2024-01-02", "x", "1"), // bad quantity
		paygRow("2024-01-03", "1", "1"),
		"too,few,fields",
		paygRow("2024-13-01", "1", "1"), // bad month
		paygRow("2024-01-04", "1", "2"),
	)
	r := NewReader(strings.NewReader(data), &ReaderOptions{SkipBadRows: true, MaxSkippedErrors: 2})
	var recs []Record
	for rec, err := range r.All() {
		require.NoError(t, err)
		recs = append(recs, rec)
	}
	require.Len(t, recs, 3)
	assertDec(t, "4", sum(recs, func(r Record) billing.Decimal { return r.Cost }))
	assert.Equal(t, 3, r.Skipped())
	errs := r.SkippedErrors()
	require.Len(t, errs, 2, "capped at MaxSkippedErrors")
	assert.Equal(t, 3, errs[0].Line)
	assert.ErrorIs(t, errs[0], ErrBadDecimal)
	assert.ErrorIs(t, errs[1], ErrFieldCount)
	assert.Equal(t, 3, r.Rows())
}

func TestUnclosedQuoteStopsWithRowTooLong(t *testing.T) {
	data := paygFile(paygRow("2024-01-01", "1", "1")) + `x,"never closed` + strings.Repeat("\nmore,rows", 1000)
	r := NewReader(strings.NewReader(data), &ReaderOptions{MaxRowBytes: 1024, SkipBadRows: true})
	n := 0
	var err error
	for _, e := range r.All() {
		if e != nil {
			err = e
			break
		}
		n++
	}
	assert.Equal(t, 1, n)
	assert.ErrorIs(t, err, ErrRowTooLong)
}

func TestUnclosedQuoteAtEndOfInput(t *testing.T) {
	data := paygFile(paygRow("2024-01-01", "1", "1")) + `x,"never closed`
	r := NewReader(strings.NewReader(data), nil)
	_, err := r.Read()
	require.NoError(t, err)
	_, err = r.Read()
	assert.ErrorIs(t, err, ErrQuote)
}

func TestReadReturnsEOFAfterLastRecord(t *testing.T) {
	r := NewReader(strings.NewReader(paygFile(paygRow("2024-01-01", "1", "1"))), nil)
	rec, err := r.Read()
	require.NoError(t, err)
	assert.Equal(t, "sub-1", rec.SubscriptionID)
	_, err = r.Read()
	assert.Equal(t, io.EOF, err)
	_, err = r.Read()
	assert.Equal(t, io.EOF, err)
}

func TestBreakingOutOfAllLeavesTheReaderUsable(t *testing.T) {
	r := NewReader(strings.NewReader(paygFile(paygRow("2024-01-01", "1", "1"), paygRow("2024-01-02", "1", "1"))), nil)
	for range r.All() {
		break
	}
	rec, err := r.Read()
	require.NoError(t, err)
	assert.Equal(t, 2, rec.Date.Day)
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestIOErrorsAreWrapped(t *testing.T) {
	boom := errors.New("connection reset")
	src := io.MultiReader(strings.NewReader(paygFile(paygRow("2024-01-01", "1", "1"))), failingReader{boom})
	r := NewReader(src, &ReaderOptions{File: "blob-1.csv"})
	var err error
	for _, e := range r.All() {
		if e != nil {
			err = e
		}
	}
	assert.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "blob-1.csv")
}

func TestRecordsStayValidAfterTheReaderMovesOn(t *testing.T) {
	data := readSample(t, sharedSample(t, "EA_amortized_c360-costdetails_finops-toolkit.csv"))
	r := NewReader(iotest.HalfReader(bytes.NewReader(data)), nil)
	first, err := r.Read()
	require.NoError(t, err)
	want := first.Fields(nil)
	for _, err := range r.All() {
		require.NoError(t, err)
	}
	assert.Equal(t, want, first.Fields(nil))
	assert.Equal(t, "ProdDS1VMReservation", first.BenefitName)
}

func TestRawAndFields(t *testing.T) {
	_, recs := readFile(t, sharedSample(t, "EA_actual_c360-costdetails_finops-toolkit.csv"))
	rec := recs[1]
	fields := rec.Fields(nil)
	require.Len(t, fields, 55)
	for i, f := range fields {
		assert.Equal(t, f, rec.Raw(i), "column %d", i)
	}
	assert.Equal(t, string(rec.Tags), rec.Raw(32))
	assert.Empty(t, rec.Raw(-1))
	assert.Empty(t, rec.Raw(55))
	var zero Record
	assert.Empty(t, zero.Raw(0))
	assert.Empty(t, zero.Fields(nil))
	_, ok := zero.Column("Cost")
	assert.False(t, ok)
}

func TestCostColumnOption(t *testing.T) {
	data := readSample(t, sharedSample(t, "MCA_actual_2019-11-01-camelCase_koku.csv"))
	_, recs := readAll(t, data, &ReaderOptions{CostColumn: "paygCostInBillingCurrency"})
	assertDec(t, "0.0000204972", recs[0].Cost)

	_, err := NewReader(bytes.NewReader(data), &ReaderOptions{CostColumn: "NoSuch"}).Read()
	assert.ErrorIs(t, err, ErrUnknownHeader)
	assert.Contains(t, err.Error(), "NoSuch")
}

func TestFOCUSPeriodEndsBecomeInclusive(t *testing.T) {
	_, recs := readFile(t, "testdata/fixtures/focus-1.0.csv")
	rec := recs[0]
	assert.Equal(t, billing.NewDate(2024, time.January, 15), rec.Date)
	assert.Equal(t, billing.NewDate(2024, time.January, 31), rec.BillingPeriodEnd, "2024-02-01T00:00Z exclusive")
	assert.Equal(t, "2639de71-ca37-4a17-a104-17665a50e7fc", rec.SubscriptionID, "from /subscriptions/{id}")
	assertDec(t, "1.25", rec.Cost) // BilledCost

	_, recs = readAll(t, readSample(t, "testdata/fixtures/focus-1.0.csv"), &ReaderOptions{CostColumn: "EffectiveCost"})
	assertDec(t, "1.10", recs[0].Cost)
}

func TestDialectAgreements(t *testing.T) {
	assert.Equal(t, "EnterpriseAgreement", string(DialectEAC360.Agreement()))
	assert.Equal(t, "EnterpriseAgreement", string(DialectEAExport.Agreement()))
	assert.Equal(t, "MicrosoftCustomerAgreement", string(DialectMCA.Agreement()))
	assert.Equal(t, "MicrosoftPartnerAgreement", string(DialectMPA.Agreement()))
	assert.Equal(t, "MicrosoftOnlineServicesProgram", string(DialectPAYG.Agreement()))
	assert.Equal(t, "Other", string(DialectFOCUS.Agreement()))
	assert.Equal(t, "ea-export 2024-08-01", Layout{Dialect: DialectEAExport, Version: "2024-08-01"}.String())
	assert.Equal(t, "mpa", Layout{Dialect: DialectMPA}.String())
}

// TestDetectEveryDocumentedHeader checks the dialect and version detected for
// each header line in reference/usage-data.md §4, also with the header
// upper-cased, since detection ignores case.
func TestDetectEveryDocumentedHeader(t *testing.T) {
	for _, h := range testHeaders {
		t.Run(h.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(h.header+"\n"), nil)
			l, err := r.Layout()
			require.NoError(t, err)
			assert.Equal(t, h.layout, l)

			up := NewReader(strings.NewReader(strings.ToUpper(h.header)+"\n"), nil)
			l, err = up.Layout()
			require.NoError(t, err)
			assert.Equal(t, h.layout.Dialect, l.Dialect)
		})
	}
}

func TestAllocationsPerRowAtMostOne(t *testing.T) {
	// Compare files of 1000 and 3000 rows, so the fixed cost per file
	// (buffer, header, bindings) cancels out.
	allocs := func(data []byte) float64 {
		return testing.AllocsPerRun(3, func() {
			for _, err := range NewReader(bytes.NewReader(data), nil).All() {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	for _, name := range benchLayouts {
		small := allocs(genFile(t, genHeader(t, name), 1000, false, false))
		large := allocs(genFile(t, genHeader(t, name), 3000, false, false))
		assert.LessOrEqual(t, (large-small)/2000, 1.0, name)
	}
}
