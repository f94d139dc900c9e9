package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// splitProgram is the baseline of BenchmarkUsageCSVProcess: a program that only splits a CSV
// file with encoding/csv (ReuseRecord) and counts its rows.
const splitProgram = `package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	r := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
	r.ReuseRecord = true
	n := -1
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		n++
	}
	fmt.Println(n)
}
`

// BenchmarkUsageCSVProcess runs examples/usagecsv (typed records, exact daily totals per
// currency) as a process on a generated usage file, against a process that only splits the
// file with encoding/csv. Whole-process wall time, the file in the page cache. Bar (issue 15):
// x_faster ≥ 2 at 1M rows (-bench.full) on a 2-core machine.
func BenchmarkUsageCSVProcess(b *testing.B) {
	rows := scale(20_000, 1_000_000)
	dir := b.TempDir()
	usagecsv := filepath.Join(dir, "usagecsv")
	build := exec.Command("go", "build", "-o", usagecsv, "github.com/azbilling/azbilling/examples/usagecsv")
	out, err := build.CombinedOutput()
	require.NoError(b, err, "%s", out)

	splitDir := filepath.Join(dir, "split")
	require.NoError(b, os.MkdirAll(splitDir, 0o755))
	require.NoError(b, os.WriteFile(filepath.Join(splitDir, "go.mod"), []byte("module split\n\ngo 1.26\n"), 0o644))
	require.NoError(b, os.WriteFile(filepath.Join(splitDir, "main.go"), []byte(splitProgram), 0o644))
	split := filepath.Join(dir, "csvsplit")
	build = exec.Command("go", "build", "-o", split, ".")
	build.Dir = splitDir
	out, err = build.CombinedOutput()
	require.NoError(b, err, "%s", out)

	for _, d := range csvDialects {
		if d.name != "mca-2023-12-01-preview" && d.name != "focus-1.0" && d.name != "ea-c360" {
			continue
		}
		b.Run(fmt.Sprintf("%s/rows=%dk", d.name, rows/1000), func(b *testing.B) {
			data := genRows(d, rows)
			file := filepath.Join(dir, d.name+".csv")
			require.NoError(b, os.WriteFile(file, data, 0o644))
			defer os.Remove(file)
			proc := func(name string, args ...string) func() (int64, int64) {
				return func() (int64, int64) {
					out, err := exec.Command(name, args...).Output()
					require.NoError(b, err, "%s", out)
					return int64(rows), int64(len(data))
				}
			}
			o, a := pair(b, nil, proc(split, file), proc(usagecsv, file))
			reportFaster(b, o, a)
		})
	}
}
