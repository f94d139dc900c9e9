package usage

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/roles"
)

// The real files of ../shared/samples/usage-real (see SOURCES.md there);
// the sums were computed independently with Python's csv module and
// decimal arithmetic, NULL and empty read as zero (FOCUS: Quantity is
// PricingQuantity).
func TestRealLayoutsExactTotals(t *testing.T) {
	for _, tc := range []struct {
		file                   string
		opts                   ReaderOptions
		layout                 Layout
		rows                   int
		cost, quantity         string
		currency               string
		firstDate, lastDate    billing.Date
		listPrice, contractual string
	}{
		{file: "FOCUS-Sample-Data__focus_sample.csv", layout: Layout{Dialect: DialectFOCUS}, rows: 1000,
			cost: "20.52022672899", quantity: "13438.62931081682", currency: "USD",
			firstDate: billing.NewDate(2024, time.September, 1), lastDate: billing.NewDate(2024, time.September, 30),
			listPrice: "389.313914232300", contractual: "97.99729000000"},
		{file: "expressapp_extension__AzureUsage.csv", layout: Layout{Dialect: DialectSponsorship}, rows: 365,
			cost: "82.8652254648", quantity: "802.801849",
			firstDate: billing.NewDate(2020, time.September, 19), lastDate: billing.NewDate(2020, time.October, 22)},
		{file: "azurecost__AzureUsage.csv", layout: Layout{Dialect: DialectSponsorship}, opts: ReaderOptions{Currency: "usd"}, rows: 184,
			cost: "5.289876", quantity: "173.516634", currency: "USD"},
		{file: "AzureBillingReports__test_sample.csv", layout: Layout{Dialect: DialectEAReporting, Version: "v3"}, rows: 6,
			cost: "3.504510206102199", quantity: "120.499544",
			firstDate: billing.NewDate(2021, time.October, 16), lastDate: billing.NewDate(2021, time.October, 17)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := readSample(t, sharedReal(t, tc.file))
			for _, workers := range []int{1, 2} {
				opts := tc.opts
				opts.Workers = workers
				r, recs := readAll(t, data, &opts)
				layout, err := r.Layout()
				require.NoError(t, err)
				assert.Equal(t, tc.layout, layout)
				require.Len(t, recs, tc.rows)
				assertDec(t, tc.cost, sum(recs, func(r Record) billing.Decimal { return r.Cost }), "cost")
				assertDec(t, tc.quantity, sum(recs, func(r Record) billing.Decimal { return r.Quantity }), "quantity")
				if tc.listPrice != "" {
					assertDec(t, tc.listPrice, sum(recs, func(r Record) billing.Decimal { return r.PayGPrice }), "list price")
					assertDec(t, tc.contractual, sum(recs, func(r Record) billing.Decimal { return r.UnitPrice }), "contracted price")
				}
				first, last := recs[0].Date, recs[0].Date
				for _, rec := range recs {
					assert.Equal(t, tc.currency, rec.Currency, "line %d: a file without a currency column never makes one up", rec.Line)
					require.False(t, rec.Date.IsZero(), "line %d", rec.Line)
					if rec.Date.Before(first) {
						first = rec.Date
					}
					if last.Before(rec.Date) {
						last = rec.Date
					}
					assert.NotContains(t, rec.SubscriptionID, "{")
					assert.NotEqual(t, "NULL", rec.ResourceID)
					assert.NotEqual(t, "NULL", string(rec.Tags))
				}
				if !tc.firstDate.IsZero() {
					assert.Equal(t, tc.firstDate, first)
					assert.Equal(t, tc.lastDate, last)
				}
			}
		})
	}
}

func TestSponsorshipLayout(t *testing.T) {
	r, recs := readFile(t, "testdata/fixtures/sponsorship.csv")
	layout, err := r.Layout()
	require.NoError(t, err)
	assert.Equal(t, Layout{Dialect: DialectSponsorship}, layout)
	require.Len(t, recs, 4)
	rec := recs[0]
	assert.Equal(t, "3F2A9C41-7B5D-4E8A-9C1F-2D6B8E4A7C90", rec.SubscriptionID, "braces removed")
	assert.Equal(t, "Azure Sponsorship", rec.SubscriptionName)
	assert.Equal(t, billing.NewDate(2021, time.October, 3), rec.Date)
	assert.Equal(t, "5E1D2C3B-4A59-4F68-8E7D-6C5B4A392817", rec.MeterID)
	assert.Equal(t, "Storage", rec.MeterCategory)
	assert.Equal(t, "Tiered Block Blob", rec.MeterSubcategory)
	assert.Equal(t, "US West 2", rec.MeterRegion)
	assert.Equal(t, "All Other Operations", rec.MeterName)
	assert.Empty(t, rec.Currency, "no currency column and no ReaderOptions.Currency: unknown")
	sub, _ := rec.Column("SubscriptionGuid")
	assert.Equal(t, "{3F2A9C41-7B5D-4E8A-9C1F-2D6B8E4A7C90}", sub, "Raw keeps the text")
	assertDec(t, "0.000004", recs[1].Quantity) // 4E-06
	assertDec(t, "15", recs[3].Quantity)       // 1.5E+01
	assert.Equal(t, "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", recs[3].SubscriptionID)
	assertDec(t, "1.2519168", sum(recs, func(r Record) billing.Decimal { return r.Cost }))

	_, recs = readAll(t, readSample(t, "testdata/fixtures/sponsorship.csv"), &ReaderOptions{Currency: "eur"})
	for _, rec := range recs {
		assert.Equal(t, "EUR", rec.Currency)
		assert.Equal(t, "1.2519168 EUR", sumAmount(recs))
	}
}

func sumAmount(recs []Record) string {
	return billing.Amount{Value: sum(recs, func(r Record) billing.Decimal { return r.Cost }), Currency: recs[0].Currency}.String()
}

func TestEAReportingV3Layout(t *testing.T) {
	r, recs := readFile(t, "testdata/fixtures/ea-reporting-v3.csv")
	layout, err := r.Layout()
	require.NoError(t, err)
	assert.Equal(t, Layout{Dialect: DialectEAReporting, Version: "v3"}, layout)
	assert.Equal(t, roles.AgreementEA, layout.Dialect.Agreement())
	require.Len(t, recs, 3)
	rec := recs[1]
	assert.Equal(t, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", rec.SubscriptionID, "from SubscriptionGuid, not the numeric SubscriptionId")
	assert.Equal(t, "dana.scott@contoso.example", rec.AccountOwnerID)
	assert.Equal(t, "Platform", rec.InvoiceSectionName)
	assert.Equal(t, "98765", rec.InvoiceSectionID)
	assert.Equal(t, billing.NewDate(2022, time.March, 1), rec.Date)
	assertDec(t, "48", rec.Quantity)
	assertDec(t, "0.096", rec.EffectivePrice)
	assert.Equal(t, "Virtual Machines Dsv3 Series - D2s v3 - EU West", rec.ProductName)
	assert.True(t, strings.HasSuffix(rec.ResourceID, "/virtualMachines/vm-app-01"))
	v, _ := rec.AdditionalInfo.Get("ServiceType")
	assert.Equal(t, "Standard_D2s_v3", v)
	v, _ = recs[0].Tags.Get("owner")
	assert.Equal(t, "dana", v)
	assert.Empty(t, rec.Currency)
	assertDec(t, "4.6185", sum(recs, func(r Record) billing.Decimal { return r.Cost }))
	assertDec(t, "48.50001", sum(recs, func(r Record) billing.Decimal { return r.Quantity }))
}

func TestFOCUSNullReadsAsEmpty(t *testing.T) {
	_, recs := readFile(t, "testdata/fixtures/focus-1.0-null.csv")
	require.Len(t, recs, 3)
	credit := recs[1]
	assert.True(t, credit.Quantity.IsZero())
	assert.True(t, credit.UnitPrice.IsZero())
	assert.True(t, credit.PayGPrice.IsZero())
	assert.Empty(t, credit.ResourceID)
	assert.Empty(t, string(credit.Tags))
	assert.Empty(t, recs[0].SubscriptionID, "NULL SubAccountId")
	assert.Empty(t, recs[2].BenefitID, `"NULL" quoted is NULL too`)
	raw, _ := credit.Column("ResourceId")
	assert.Equal(t, "NULL", raw, "Raw keeps the text")
	assertDec(t, "-1.1148", sum(recs, func(r Record) billing.Decimal { return r.Cost }))
	assertDec(t, "4.06", sum(recs, func(r Record) billing.Decimal { return r.Quantity }))

	// Elsewhere NULL is not a number.
	_, err := readErr(t, paygFile(paygRow("2024-01-01", "NULL", "1")), nil)
	assert.ErrorIs(t, err, ErrBadDecimal)
}

func readErr(t *testing.T, data string, opts *ReaderOptions) ([]Record, error) {
	t.Helper()
	r := NewReader(strings.NewReader(data), opts)
	var recs []Record
	for rec, err := range r.All() {
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

func TestCurrencyCodesNormalisedAndChecked(t *testing.T) {
	row := func(cur string) string {
		return strings.Replace(paygRow("2024-01-01", "1", "2"), ",USD,", ","+cur+",", 1)
	}
	recs, err := readErr(t, paygFile(row("usd"), row("Eur"), row(" GBP "), row("")), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"USD", "EUR", "GBP", ""}, []string{recs[0].Currency, recs[1].Currency, recs[2].Currency, recs[3].Currency})
	for _, bad := range []string{"US", "US$", "USDX", "U\xc3\x9cD", "123"} {
		_, err := readErr(t, paygFile(row(bad)), nil)
		var pe *ParseError
		require.ErrorAs(t, err, &pe, bad)
		assert.ErrorIs(t, err, ErrBadCurrency)
		assert.Equal(t, 23, pe.Column)
		assert.Equal(t, "Currency", pe.Header)
		assert.Equal(t, 2, pe.Line)
	}
	_, err = readErr(t, paygFile(row("USD")), &ReaderOptions{Currency: "dollars"})
	assert.ErrorIs(t, err, ErrBadCurrency)
}

// excelVariant rewrites a usage file as Excel saves it: separated by sep,
// numbers with a decimal comma if comma is set, ISO dates in the day-first
// form of the locale (dateSep '.' or '-'; 0 keeps them), CRLF line ends.
// Other text stays as written (Excel's own damage to long decimals and
// US dates is out of reach of any reader).
func excelVariant(t testing.TB, data []byte, sep rune, comma bool, dateSep byte) []byte {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	require.NoError(t, err)
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	w.Comma, w.UseCRLF = sep, true
	for i, row := range rows {
		for j, v := range row {
			if i == 0 {
				continue
			}
			if comma && numberRE.MatchString(v) {
				row[j] = strings.Replace(v, ".", ",", 1)
			}
			if m := isoDateRE.FindStringSubmatch(v); m != nil && dateSep != 0 {
				row[j] = fmt.Sprintf("%s%c%s%c%s", strings.TrimPrefix(m[3], "0"), dateSep, strings.TrimPrefix(m[2], "0"), dateSep, m[1])
			}
		}
		require.NoError(t, w.Write(row))
	}
	w.Flush()
	return out.Bytes()
}

var (
	numberRE  = regexp.MustCompile(`^-?[0-9]+\.[0-9]+(E[-+]?[0-9]+)?$`)
	isoDateRE = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})$`)
)

// utf16Variant encodes text as UTF-16 with a byte order mark.
func utf16Variant(text []byte, bigEndian bool) []byte {
	units := utf16.Encode([]rune(string(text)))
	out := make([]byte, 2, 2+2*len(units))
	var order binary.AppendByteOrder = binary.LittleEndian
	if bigEndian {
		out[0], out[1], order = 0xfe, 0xff, binary.BigEndian
	} else {
		out[0], out[1] = 0xff, 0xfe
	}
	for _, u := range units {
		out = order.AppendUint16(out, u)
	}
	return out
}

// TestExcelVariantsSameTotals: every fixture and real sample, re-saved as
// Excel does with a Dutch, German or French locale (';', decimal comma) and
// as "Unicode text" (UTF-16, tab), reads to the same records' totals and
// dates as the original, and Layout says how it was written.
func TestExcelVariantsSameTotals(t *testing.T) {
	files := append(fixtureFiles(t), sharedSampleFiles(t)...)
	if dir, ok := sharedPath("usage-real"); ok {
		for _, f := range []string{"FOCUS-Sample-Data__focus_sample.csv", "expressapp_extension__AzureUsage.csv",
			"AzureBillingReports__test_sample.csv", "task3__SenecBillingReport_01162fff-2f41-4d36-b801-1eea691cc25d.csv",
			"Multi-Domain-Django-Platform__part_0_0001.csv", "koku__costreport_a243c6f2-199f-4074-9a2c-40e671cf1584.csv"} {
			files = append(files, filepath.Join(dir, f))
		}
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			orig := readSample(t, path)
			r0, want := readAll(t, orig, nil)
			l0, err := r0.Layout()
			require.NoError(t, err)
			variants := []struct {
				name   string
				data   []byte
				layout Layout
			}{
				{"nl", excelVariant(t, orig, ';', true, '-'), Layout{Separator: ';', DecimalComma: true}},
				{"de", excelVariant(t, orig, ';', true, '.'), Layout{Separator: ';', DecimalComma: true}},
				{"fr", excelVariant(t, orig, ';', true, 0), Layout{Separator: ';', DecimalComma: true}},
				{"unicode-text-le", utf16Variant(excelVariant(t, orig, '\t', false, 0), false), Layout{Separator: '\t', Encoding: "UTF-16LE"}},
				{"unicode-text-be", utf16Variant(excelVariant(t, orig, '\t', false, 0), true), Layout{Separator: '\t', Encoding: "UTF-16BE"}},
			}
			for _, v := range variants {
				for _, workers := range []int{1, 2} {
					r, got := readAll(t, v.data, &ReaderOptions{Workers: workers})
					layout, err := r.Layout()
					require.NoError(t, err)
					wantLayout := l0
					wantLayout.Separator, wantLayout.DecimalComma, wantLayout.Encoding = v.layout.Separator, v.layout.DecimalComma, v.layout.Encoding
					assert.Equal(t, wantLayout, layout, v.name)
					require.Len(t, got, len(want), v.name)
					for i := range want {
						require.True(t, want[i].Cost.Equal(got[i].Cost), "%s line %d: cost %s, want %s", v.name, want[i].Line, got[i].Cost, want[i].Cost)
						require.True(t, want[i].Quantity.Equal(got[i].Quantity), "%s line %d: quantity", v.name, want[i].Line)
						require.Equal(t, want[i].Date, got[i].Date, "%s line %d", v.name, want[i].Line)
						require.Equal(t, want[i].BillingPeriodEnd, got[i].BillingPeriodEnd, "%s line %d", v.name, want[i].Line)
						require.Equal(t, want[i].Currency, got[i].Currency, "%s line %d", v.name, want[i].Line)
						require.Equal(t, want[i].ResourceID, got[i].ResourceID, "%s line %d", v.name, want[i].Line)
						wt, _ := want[i].Tags.Map()
						gt, _ := got[i].Tags.Map()
						require.Equal(t, wt, gt, "%s line %d", v.name, want[i].Line)
					}
				}
			}
		})
	}
}

func TestDecimalComma(t *testing.T) {
	for in, want := range map[string]string{
		"0,075": "0.075", "-1,5": "-1.5", "5,64902E-05": "0.0000564902", "3": "3", "1.234,5": "1234.5",
		"1.234.567,25": "1234567.25", "0.5": "0.5", "": "0",
	} {
		d, err := parseNumberComma([]byte(in))
		require.NoError(t, err, in)
		assertDec(t, want, d, in)
	}
	for _, in := range []string{"1,2,3", "1,5.2", "12.34,5", ",", "x,1"} {
		_, err := parseNumberComma([]byte(in))
		assert.ErrorIs(t, err, ErrBadDecimal, in)
	}
}

func TestDayFirstDates(t *testing.T) {
	for in, want := range map[string]billing.Date{
		"21.09.2023":       billing.NewDate(2023, time.September, 21),
		"2.9.2023":         billing.NewDate(2023, time.February+7, 2),
		"21-9-2023":        billing.NewDate(2023, time.September, 21),
		"04-09-2023 00:00": billing.NewDate(2023, time.September, 4),
		"9/4/2023":         billing.NewDate(2023, time.September, 4),
	} {
		d, err := ParseDate(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, d, in)
	}
	for _, in := range []string{"21.13.2023", "9.21.2023", "1-2/2023", "31-4-2023"} {
		_, err := ParseDate(in)
		assert.ErrorIs(t, err, ErrBadDate, in)
	}
}

// TestUnreadableFilesSayWhy: a separator or encoding the reader does not
// read gets an error that names it, not a quoted data line.
func TestUnreadableFilesSayWhy(t *testing.T) {
	body := paygFile(paygRow("2024-01-01", "1", "2"))
	utf16NoBOM := utf16Variant([]byte(body), false)[2:]
	for name, tc := range map[string]struct {
		data     string
		sentinel error
		says     string
	}{
		"pipes":          {strings.ReplaceAll(body, ",", "|"), ErrNoHeader, `separated by '|'`},
		"utf-16 no bom":  {string(utf16NoBOM), ErrUnknownHeader, "UTF-16 without a byte order mark"},
		"header missing": {paygRow("2024-01-01", "1", "2") + "\n" + paygRow("2024-01-02", "1", "2") + "\n", ErrUnknownHeader, "header line is missing"},
		"windows-1252":   {"Ma\xdfeinheit,Kosten,W\xe4hrung,Datum\n1,2,3,4\n", ErrUnknownHeader, "not valid UTF-8"},
		"one column":     {"just text\nmore text\n", ErrNoHeader, "usage CSV"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readErr(t, tc.data, nil)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.Contains(t, err.Error(), tc.says)
			assert.NotContains(t, err.Error(), "2024-01-01", "no data line quoted")
		})
	}
}

func TestUTF16Decoding(t *testing.T) {
	text := "Date\tCost\tBillingCurrency\tInvoiceSection\tMeterName\n2024-01-02\t1.5\tEUR\tx\tStandard 𝔸 Maßeinheit\n"
	for _, be := range []bool{false, true} {
		data := utf16Variant([]byte(text), be)
		for _, step := range []int{1, 3, 1 << 20} {
			r := NewReader(&stepReader{data: data, step: step}, nil)
			rec, err := r.Read()
			require.NoError(t, err)
			assert.Equal(t, "Standard 𝔸 Maßeinheit", rec.MeterName, "surrogate pairs across reads, step %d", step)
		}
	}
	// A lone surrogate and an odd trailing byte become U+FFFD, never a panic.
	bad := append(utf16Variant([]byte("a,b,c\n"), false), 0x00, 0xd8, 0x41)
	got, err := io.ReadAll(newUTF16Reader(bytes.NewReader(bad[2:]), false))
	require.NoError(t, err)
	assert.Equal(t, "a,b,c\n\uFFFD\uFFFD", string(got))
}

func TestGzipSizeLimit(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(paygFile()))
	for range 5000 {
		_, _ = zw.Write([]byte(paygRow("2024-01-01", "1", "2") + "\n"))
	}
	require.NoError(t, zw.Close())
	for _, workers := range []int{1, 2} {
		_, err := readErr(t, gz.String(), &ReaderOptions{MaxDecompressedBytes: 256 << 10, Workers: workers, File: "u.csv.gz"})
		var pe *ParseError
		require.ErrorAs(t, err, &pe)
		assert.ErrorIs(t, err, ErrTooLarge)
		assert.Equal(t, "u.csv.gz", pe.File)
		recs, err := readErr(t, gz.String(), &ReaderOptions{MaxDecompressedBytes: -1, Workers: workers})
		require.NoError(t, err)
		assert.Len(t, recs, 5000)
	}
}

// TestGzipBombStopsByDefault: blank lines compressed about a thousand times
// stop with ErrTooLarge once past the bomb threshold (1 GiB; 1 MiB here), a
// real file's ratio does not, and an explicit limit switches the ratio check
// off.
func TestGzipBombStopsByDefault(t *testing.T) {
	gzipped := func(body []byte) string {
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(body)
		require.NoError(t, zw.Close())
		return gz.String()
	}
	read := func(data string, opts ReaderOptions) error {
		r := NewReader(strings.NewReader(data), &opts)
		r.bombMin = 1 << 20
		for _, err := range r.All() {
			if err != nil {
				return err
			}
		}
		return nil
	}
	bomb := gzipped(append([]byte(paygFile()), bytes.Repeat([]byte("\n"), 4<<20)...))
	for _, workers := range []int{1, 2} {
		err := read(bomb, ReaderOptions{Workers: workers})
		assert.ErrorIs(t, err, ErrTooLarge)
		assert.Contains(t, err.Error(), "decompression bomb")
		assert.NoError(t, read(bomb, ReaderOptions{Workers: workers, MaxDecompressedBytes: 64 << 20}))
	}
	real := gzipped(genFile(t, genHeader(t, "ea-c360"), 5000, false, false))
	assert.NoError(t, read(real, ReaderOptions{}), "a generated usage file compresses far less than 200 times")
}

// TestTooLongRowMemory: an unclosed quote stops at MaxRowBytes having
// allocated a small multiple of it (the buffer grows to the limit, not to
// twice it), on one goroutine and in parallel.
func TestTooLongRowMemory(t *testing.T) {
	const limit = 8 << 20
	data := []byte(paygFile() + `x,"never closed` + strings.Repeat("\nmore,rows", 2*limit/10))
	for _, workers := range []int{1, 2} {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		_, err := readErr(t, string(data), &ReaderOptions{MaxRowBytes: limit, Workers: workers})
		runtime.ReadMemStats(&ms1)
		assert.ErrorIs(t, err, ErrRowTooLong)
		// readErr's string(data) copy is 2×limit of it.
		allocated := ms1.TotalAlloc - ms0.TotalAlloc - uint64(len(data))
		// Growing by doubling allocates 1 + 1/2 + 1/4 ... times the last
		// buffer, which is the limit plus one read: under 3.5 times the
		// limit in all (it was 4 times, with a last buffer of twice the
		// limit), and at most about twice the limit at once.
		assert.Less(t, allocated, uint64(3.5*limit), "workers %d: allocated %d MiB for a %d MiB row limit", workers, allocated>>20, limit>>20)
	}
}
