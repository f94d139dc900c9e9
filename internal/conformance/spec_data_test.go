package conformance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSpecExamplesAreListed keeps the example data honest: every file under
// testdata/specexamples is listed in its README with the path and commit it came from, and is an
// x-ms-examples document (parameters and responses).
func TestSpecExamplesAreListed(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("testdata", "specexamples", "README.md"))
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| `(specification/[^`]+)` \\| `([0-9a-f]{40})` \\|$")
	listed := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		listed[m[1]] = m[2]
	}
	n := 0
	err = filepath.WalkDir(filepath.Join("testdata", "specexamples"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		n++
		rel := filepath.ToSlash(strings.TrimPrefix(path, filepath.Join("testdata", "specexamples")+string(filepath.Separator)))
		src, ok := listed[rel]
		if assert.True(t, ok, "%s is not listed in the README", rel) {
			assert.Equal(t, filepath.Base(rel), filepath.Base(src), rel)
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		var ex struct {
			Parameters map[string]json.RawMessage `json:"parameters"`
			Responses  map[string]json.RawMessage `json:"responses"`
		}
		require.NoError(t, json.Unmarshal(b, &ex), rel)
		assert.NotEmpty(t, ex.Parameters, rel)
		assert.NotEmpty(t, ex.Responses, rel)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, len(listed), n, "the README lists files that are not there")
}
