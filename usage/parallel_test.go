package usage

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcome is everything a read of a whole input shows: the records (as
// dump renders them, line numbers included), the error, and the skipped
// rows' count and errors.
type outcome struct {
	dump        string
	err         string
	rows        int
	skipped     int
	skippedErrs []string
}

// readOutcome reads data to the end. workers 1 is the sequential reader;
// with more, chunk sets the read-ahead size and the source hands out at most
// step bytes per Read, so that chunks end anywhere.
func readOutcome(t testing.TB, data []byte, opts ReaderOptions, workers, chunk, step int) (outcome, *Reader) {
	t.Helper()
	opts.Workers = workers
	var src io.Reader = bytes.NewReader(data)
	if step > 0 {
		src = &stepReader{data: data, step: step}
	}
	r := NewReader(src, &opts)
	if chunk > 0 {
		r.chunkSize, r.forceParallel = chunk, true
	}
	var recs []Record
	var o outcome
	for rec, err := range r.All() {
		if err != nil {
			o.err = err.Error()
			break
		}
		recs = append(recs, rec)
	}
	layout, _ := r.Layout()
	o.dump = dump(layout, recs)
	o.rows, o.skipped = r.Rows(), r.Skipped()
	for _, e := range r.SkippedErrors() {
		o.skippedErrs = append(o.skippedErrs, e.Error())
	}
	return o, r
}

// stepReader returns at most step bytes per Read.
type stepReader struct {
	data []byte
	step int
}

func (s *stepReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), s.step)], s.data)
	s.data = s.data[n:]
	return n, nil
}

// TestParallelMatchesSequential reads every sample, fixture and a generated
// file of every dialect in parallel, with chunks from a few bytes to the
// default, and compares records, line numbers, errors and skipped rows with
// the sequential reader's.
func TestParallelMatchesSequential(t *testing.T) {
	inputs := map[string][]byte{}
	for _, path := range append(sharedSampleFiles(t), fixtureFiles(t)...) {
		inputs[path] = readSample(t, path)
	}
	for _, name := range []string{"ea-c360", "mca-2023-12-01-preview", "focus-1.0", "payg-2019-11-01"} {
		rows := 2000
		if testing.Short() {
			rows = 300
		}
		inputs["generated "+name] = genFile(t, genHeader(t, name), rows, name == "mca-2023-12-01-preview", true)
	}
	// Bad rows in the middle, a quoted field with line breaks across a
	// chunk boundary, blank lines, and an unclosed quote at the end.
	bad := paygFile(paygRow("2024-01-01", "1", "1"), paygRow("2024-01-02", "x", "1"), "\r\n",
		paygRow("2024-01-03", "1", "2"), "a,b", paygRow("2024-13-01", "1", "1"))
	bad += strings.Repeat(paygRow("2024-01-04", "2", "3")+"\n", 50)
	bad += `sub,rg,loc,2024-01-05,cat,sub,mid,meter,reg,1,1,1,svc,type,inst,"{""a"":` + "\n\n" + `""b""}",,,,,,,USD,1 Hour` + "\n"
	bad += strings.Repeat(paygRow("2024-01-06", "2", "3")+"\n", 50) + `x,"never closed` + "\nmore,rows\n"
	inputs["bad rows"] = []byte(bad)

	for name, data := range inputs {
		for _, skip := range []bool{false, true} {
			want, _ := readOutcome(t, data, ReaderOptions{SkipBadRows: skip, MaxSkippedErrors: 3}, 1, 0, 0)
			for _, c := range []struct{ chunk, step int }{{1, 7}, {97, 13}, {4096, 1000}, {0, 0}} {
				if c.chunk < 4096 && (len(data) > 200_000 || testing.Short() && len(data) > 20_000) {
					continue // tiny chunks of large files take long and find nothing more
				}
				got, _ := readOutcome(t, data, ReaderOptions{SkipBadRows: skip, MaxSkippedErrors: 3}, 3, c.chunk, c.step)
				require.Equal(t, want, got, "%s skip=%v chunk=%d step=%d", name, skip, c.chunk, c.step)
			}
		}
	}
}

// TestParallelReallyRunsInParallel checks that a large input is handed to
// the pipeline (and a small one is not), so the tests above compare what
// they mean to.
func TestParallelReallyRunsInParallel(t *testing.T) {
	data := genFile(t, genHeader(t, "ea-c360"), 1000, false, false)
	r := NewReader(bytes.NewReader(data), &ReaderOptions{Workers: 2})
	_, err := r.Read()
	require.NoError(t, err)
	assert.NotNil(t, r.pipe, "a file larger than the first buffer is parsed in parallel")
	require.NoError(t, r.Close())
	_, err = r.Read()
	assert.Error(t, err, "reading after Close fails")

	small := NewReader(strings.NewReader(paygFile(paygRow("2024-01-01", "1", "1"))), &ReaderOptions{Workers: 2})
	_, err = small.Read()
	require.NoError(t, err)
	assert.Nil(t, small.pipe)
}

// TestParallelStopsItsGoroutines breaks out of All early, reads on, and
// checks that no goroutine is left running after the loops and after the
// end of the input.
func TestParallelStopsItsGoroutines(t *testing.T) {
	data := genFile(t, genHeader(t, "mca-2023-12-01-preview"), 5000, false, false)
	before := runtime.NumGoroutine()
	r := NewReader(bytes.NewReader(data), &ReaderOptions{Workers: 3})
	r.chunkSize = 4096
	n := 0
	for _, err := range r.All() {
		require.NoError(t, err)
		if n++; n == 100 {
			break
		}
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left after break")
	// The Reader goes on where it stopped.
	rec, err := r.Read()
	require.NoError(t, err)
	assert.Equal(t, 102, rec.Line)
	n++
	for _, err := range r.All() {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 5000, n)
	assert.Equal(t, 5000, r.Rows())
	waitGoroutines(t, before)
}

func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	for range 100 {
		if runtime.NumGoroutine() <= want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d goroutines, want at most %d", runtime.NumGoroutine(), want)
}

// TestParallelErrorLineIsExact puts a bad value deep in a large file and
// checks line, column and text, with and without SkipBadRows.
func TestParallelErrorLineIsExact(t *testing.T) {
	var b strings.Builder
	b.WriteString(paygFile())
	for i := range 6000 {
		if i == 4500 {
			b.WriteString(paygRow("2024-01-01", "1", "1.2.3") + "\n")
			continue
		}
		if i%1000 == 0 {
			// A quoted field with a line break shifts later line numbers.
			b.WriteString(`sub,rg,loc,2024-01-05,cat,sub,mid,meter,reg,1,1,1,svc,type,inst,"a` + "\n" + `b",,,,,,,USD,1 Hour` + "\n")
			continue
		}
		b.WriteString(paygRow("2024-01-02", "1", "1") + "\n")
	}
	data := []byte(b.String())
	r := NewReader(bytes.NewReader(data), &ReaderOptions{Workers: 2, File: "big.csv"})
	r.chunkSize = 8192
	var err error
	n := 0
	for _, e := range r.All() {
		if e != nil {
			err = e
			break
		}
		n++
	}
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	// Header line 1, a blank line; 5 quoted rows before take 2 lines.
	assert.Equal(t, 3+4500+5, pe.Line)
	assert.Equal(t, 12, pe.Column)
	assert.Equal(t, "1.2.3", pe.Text)
	assert.Equal(t, "big.csv", pe.File)
	assert.Equal(t, 4500, n)

	o, _ := readOutcome(t, data, ReaderOptions{SkipBadRows: true}, 2, 8192, 0)
	assert.Equal(t, 5999, o.rows)
	assert.Equal(t, 1, o.skipped)
	assert.Equal(t, []string{fmt.Sprintf("line %d, column 12 (PreTaxCost): bad decimal: %q", 3+4500+5, "1.2.3")}, o.skippedErrs)
}

// TestParallelRowTooLong: an unclosed quote in a large input stops at the
// row limit with the row's line, in parallel as on one goroutine.
func TestParallelRowTooLong(t *testing.T) {
	data := []byte(paygFile() + strings.Repeat(paygRow("2024-01-01", "1", "1")+"\n", 3000) + `x,"never closed` + strings.Repeat("\nmore,rows", 10000))
	for _, workers := range []int{1, 2} {
		r := NewReader(bytes.NewReader(data), &ReaderOptions{Workers: workers, MaxRowBytes: 50_000})
		r.chunkSize = 16 << 10
		n := 0
		var err error
		for _, e := range r.All() {
			if e != nil {
				err = e
				break
			}
			n++
		}
		assert.Equal(t, 3000, n, "workers %d", workers)
		var pe *ParseError
		require.ErrorAs(t, err, &pe, "workers %d", workers)
		assert.ErrorIs(t, err, ErrRowTooLong)
		assert.Equal(t, 3003, pe.Line, "workers %d", workers)
	}
}

// TestParallelIOErrorAfterRows: rows before a failing Read come out, then
// the error.
func TestParallelIOErrorAfterRows(t *testing.T) {
	data := []byte(paygFile() + strings.Repeat(paygRow("2024-01-01", "1", "1")+"\n", 5000))
	boom := fmt.Errorf("boom")
	src := io.MultiReader(bytes.NewReader(data[:len(data)-30]), iotest.ErrReader(boom))
	r := NewReader(src, &ReaderOptions{Workers: 2})
	n := 0
	var err error
	for _, e := range r.All() {
		if e != nil {
			err = e
			break
		}
		n++
	}
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 4999, n)
}

// FuzzParallelMatchesSequential: for any input, parsing in parallel with
// any chunk size gives exactly what the sequential reader gives.
func FuzzParallelMatchesSequential(f *testing.F) {
	for _, path := range fixtureFiles(f) {
		f.Add(firstLines(readSample(f, path), 6), uint16(50), uint8(7), false)
	}
	f.Add([]byte(paygFile(paygRow("2024-01-01", "1", "1"), "\"a\n\nb\",\n", paygRow("2024-01-02", "x", "1"))), uint16(3), uint8(1), true)
	f.Add([]byte("Date;Cost;BillingCurrency;InvoiceSection\n1/2/2024;1,5;EUR;x\n\"a\";\"b\n;\";;\n"), uint16(5), uint8(2), true)
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, step uint8, skip bool) {
		opts := ReaderOptions{SkipBadRows: skip, MaxSkippedErrors: 5}
		want, _ := readOutcome(t, data, opts, 1, 0, 0)
		got, _ := readOutcome(t, data, opts, 2, 1+int(chunk)%4096, 1+int(step))
		if want.err != got.err || want.dump != got.dump || want.rows != got.rows || want.skipped != got.skipped ||
			strings.Join(want.skippedErrs, "\n") != strings.Join(got.skippedErrs, "\n") {
			t.Fatalf("parallel differs:\nsequential %+v\nparallel   %+v", want, got)
		}
	})
}
