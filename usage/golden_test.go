package usage

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGolden reads every sample and fixture (one or more per dialect and
// version) and compares the typed records with testdata/golden. After an
// intended change, run: go test ./usage -run TestGolden -update
func TestGolden(t *testing.T) {
	files := fixtureFiles(t)
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".csv")
		t.Run(name, func(t *testing.T) {
			r, recs := readFile(t, path)
			layout, err := r.Layout()
			require.NoError(t, err)
			golden(t, name, dump(layout, recs))
		})
	}
}
