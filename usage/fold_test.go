package usage

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/internal/leakcheck"
)

// breakdownDump renders everything a Breakdown holds, for comparisons.
func breakdownDump(b *Breakdown) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "rows %d first %v last %v cost %v\n", b.Rows(), b.FirstDate(), b.LastDate(), b.Cost())
	for _, t := range b.Totals() {
		fmt.Fprintf(&sb, "%+v %d %s %s\n", t.DailyKey, t.Rows, t.Quantity, t.Cost)
	}
	return sb.String()
}

type foldOutcome struct {
	dump, err             string
	rows, skipped         int
	skippedErrs, afterErr string
}

// addAllOutcome reads data with AddAll (parallel when workers > 1, chunks of chunk bytes
// handed out step bytes at a time) or, with workers 0, with a loop adding each record of
// r.All() on one goroutine, into a Breakdown that already holds one record.
func addAllOutcome(t testing.TB, data []byte, ropts ReaderOptions, bopts *BreakdownOptions, workers, chunk, step int) foldOutcome {
	t.Helper()
	b := NewBreakdown(bopts)
	seed := paygRecord(t)
	require.NoError(t, b.Add(&seed))
	var o foldOutcome
	if workers == 0 {
		ropts.Workers = 1
		r := NewReader(bytes.NewReader(data), &ropts)
		for rec, err := range r.All() {
			if err == nil {
				err = b.Add(&rec)
			}
			if err != nil {
				o.err = err.Error()
				break
			}
		}
		if o.err != "" { // AddAll leaves b unchanged on error
			b = NewBreakdown(bopts)
			require.NoError(t, b.Add(&seed))
		}
		o.rows, o.skipped = r.Rows(), r.Skipped()
		for _, e := range r.SkippedErrors() {
			o.skippedErrs += e.Error() + "\n"
		}
		o.dump = breakdownDump(b)
		return o
	}
	ropts.Workers = workers
	r := NewReader(&stepReader{data: data, step: step}, &ropts)
	r.chunkSize, r.forceParallel = chunk, true
	if err := b.AddAll(r); err != nil {
		o.err = err.Error()
		_, again := r.Read()
		if again == nil || again.Error() != o.err {
			o.afterErr = fmt.Sprint("read after the error: ", again)
		}
	}
	if o.err == "" {
		o.rows = r.Rows()
	} else {
		o.rows = -1 // counts up to an error differ: records after it may have been parsed
	}
	o.skipped = r.Skipped()
	for _, e := range r.SkippedErrors() {
		o.skippedErrs += e.Error() + "\n"
	}
	o.dump = breakdownDump(b)
	return o
}

// paygRecord is one record to start a Breakdown with.
func paygRecord(t testing.TB) Record {
	r := NewReader(strings.NewReader(paygFile(paygRow("2024-01-01", "1", "0.25"))), &ReaderOptions{Workers: 1})
	rec, err := r.Read()
	require.NoError(t, err)
	return rec
}

func sameFold(t testing.TB, want, got foldOutcome) {
	t.Helper()
	if want.err != "" {
		want.rows = -1
	}
	require.Equal(t, want, got)
}

// TestAddAllMatchesAddingEachRecord reads generated files of every dialect, the fixtures and
// files with bad rows, tags that do not parse and broken quoting with AddAll in parallel, with
// chunks from a few hundred bytes to the default, and compares the Breakdown, the error and
// the row counts with a loop adding each record on one goroutine.
func TestAddAllMatchesAddingEachRecord(t *testing.T) {
	inputs := map[string][]byte{}
	for _, h := range testHeaders {
		inputs["gen-"+h.name] = genFile(t, h.header, 800, false, false)
	}
	for _, path := range fixtureFiles(t) {
		inputs[path] = readSample(t, path)
	}
	good := func(day int) string {
		return paygRow(fmt.Sprintf("2024-01-%02d", 1+day%28), "1.5", fmt.Sprintf("0.%03d", day))
	}
	var rows []string
	for i := range 2000 {
		rows = append(rows, good(i))
	}
	badTags := strings.Replace(good(7), `"{""env"":""dev""}"`, `"{""env"":"`, 1)
	withBad := func(at int, row string) []byte {
		r := append([]string(nil), rows...)
		r[at] = row
		return []byte(paygFile(r...))
	}
	inputs["bad tags late"] = withBad(1700, badTags)
	inputs["bad tags early"] = withBad(3, badTags)
	inputs["bad date late"] = withBad(1500, paygRow("bad", "1", "1"))
	inputs["unclosed quote late"] = withBad(1999, `sub-1,"rg`)

	for name, data := range inputs {
		for i, skip := range []bool{false, true} {
			for _, bopts := range []*BreakdownOptions{nil, {ByTag: "env", ByMeter: true, BySubscription: true}} {
				ropts := ReaderOptions{SkipBadRows: skip, MaxSkippedErrors: 3}
				want := addAllOutcome(t, data, ropts, bopts, 0, 0, 0)
				// Two chunkings per case, a different pair for the other SkipBadRows value.
				chunkings := []struct{ workers, chunk, step int }{{2, 700, 4096}, {3, 5000, 333}, {2, 64 << 10, 1 << 20}, {4, 3000, 1 << 20}}
				for _, c := range chunkings[2*i : 2*i+2] {
					t.Run(fmt.Sprintf("%s/skip=%v/tag=%v/%d/%d", name, skip, bopts != nil, c.workers, c.chunk), func(t *testing.T) {
						sameFold(t, want, addAllOutcome(t, data, ropts, bopts, c.workers, c.chunk, c.step))
					})
				}
			}
		}
	}
}

func TestAddAllErrors(t *testing.T) {
	var rows []string
	for i := range 3000 {
		rows = append(rows, paygRow(fmt.Sprintf("2024-02-%02d", 1+i%28), "1", "0.01"))
	}
	rows[2500] = strings.Replace(rows[2500], `"{""env"":""dev""}"`, `"{""env"":"`, 1)
	data := []byte(paygFile(rows...))
	before := leakcheck.Take()
	defer leakcheck.Verify(t, before) // no worker left after an error either
	r := NewReader(bytes.NewReader(data), &ReaderOptions{Workers: 2, File: "usage.csv"})
	r.chunkSize, r.forceParallel = 4096, true
	b := NewBreakdown(&BreakdownOptions{ByTag: "env"})
	err := b.AddAll(r)
	var re *RecordError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, 2502, re.Line, "the header is line 1")
	assert.Equal(t, "usage.csv", re.File)
	assert.ErrorIs(t, err, ErrBadTags)
	assert.Equal(t, 0, b.Rows(), "unchanged on error")
	_, again := r.Read()
	assert.Equal(t, err, again, "the Reader keeps its error")

	// A Reader already read from in parallel: AddAll adds the rest on the calling goroutine.
	data = []byte(paygFile(rows[:2000]...))
	r = NewReader(bytes.NewReader(data), &ReaderOptions{Workers: 2})
	r.chunkSize, r.forceParallel = 4096, true
	first, err := r.Read()
	require.NoError(t, err)
	b = NewBreakdown(nil)
	require.NoError(t, b.Add(&first))
	require.NoError(t, b.AddAll(r))
	assert.Equal(t, 2000, b.Rows())
	assert.Equal(t, "[20.00 USD]", fmt.Sprint(b.Cost()))
	require.NoError(t, b.AddAll(r), "nothing left")
	assert.Equal(t, 2000, b.Rows())
}

// FuzzAddAllMatchesAddingEachRecord: for any input, AddAll in parallel with any chunk size gives
// the Breakdown, error and counts of a loop adding each record on one goroutine.
func FuzzAddAllMatchesAddingEachRecord(f *testing.F) {
	for _, path := range fixtureFiles(f) {
		f.Add(firstLines(readSample(f, path), 6), uint16(50), uint8(7), false, false)
	}
	f.Add([]byte(paygFile(paygRow("2024-01-01", "1", "1"), strings.Replace(paygRow("2024-01-02", "1", "1"), `""dev""}`, `""d`, 1), paygRow("2024-01-03", "1", "1"))), uint16(3), uint8(1), false, true)
	f.Add([]byte(paygFile(paygRow("2024-01-01", "1", "1"), "\"a\n\nb\",\n", paygRow("2024-01-02", "x", "1"))), uint16(3), uint8(1), true, true)
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, step uint8, skip, byTag bool) {
		ropts := ReaderOptions{SkipBadRows: skip, MaxSkippedErrors: 5}
		var bopts *BreakdownOptions
		if byTag {
			bopts = &BreakdownOptions{ByTag: "env", ByResourceGroup: true}
		}
		want := addAllOutcome(t, data, ropts, bopts, 0, 0, 0)
		got := addAllOutcome(t, data, ropts, bopts, 2, 1+int(chunk)%4096, 1+int(step))
		sameFold(t, want, got)
	})
}

// TestFoldStatesAndBorrowedText checks Fold's contract: one state per goroutine that parsed
// (several in parallel, one on the calling goroutine), every record once, and strings that
// stay right when cloned although the buffers they point into are reused.
func TestFoldStatesAndBorrowedText(t *testing.T) {
	data := genFile(t, genHeader(t, "ea-c360"), 3000, false, false)
	want := map[string]int{}
	for rec, err := range NewReader(bytes.NewReader(data), &ReaderOptions{Workers: 1}).All() {
		require.NoError(t, err)
		want[rec.ResourceID+"|"+string(rec.Tags)]++
	}
	before := leakcheck.Take()
	defer leakcheck.Verify(t, before) // Fold's workers have ended when it returns
	for _, workers := range []int{1, 2, 3} {
		r := NewReader(bytes.NewReader(data), &ReaderOptions{Workers: workers})
		r.chunkSize, r.forceParallel = 16<<10, true
		states, err := Fold(r, func() map[string]int { return map[string]int{} }, func(seen map[string]int, rec *Record) error {
			seen[strings.Clone(rec.ResourceID+"|"+string(rec.Tags))]++
			return nil
		})
		require.NoError(t, err)
		require.Len(t, states, workers)
		got := map[string]int{}
		for _, s := range states {
			for k, n := range s {
				got[k] += n
			}
		}
		require.Equal(t, want, got, "workers %d", workers)
		require.Equal(t, 3000, r.Rows())
	}
}
