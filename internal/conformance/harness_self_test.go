package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDiffJSONCatchesWhatItMust checks the round-trip comparison itself, so a silent harness
// cannot make the official-client suite pass.
func TestDiffJSONCatchesWhatItMust(t *testing.T) {
	t.Parallel()
	diff := func(sent, model string) []string {
		var a, b any
		require.NoError(t, decodeNumbers([]byte(sent), &a))
		require.NoError(t, decodeNumbers([]byte(model), &b))
		var out []string
		diffJSON("$", a, b, &out)
		return out
	}
	same := []struct{ sent, model string }{
		{`{"a":"2026-01-01T00:00:00.0000000Z"}`, `{"a":"2026-01-01T00:00:00Z"}`},
		{`{"v":1234.56}`, `{"v":1234.56}`},
		{`{"v":12345678.91}`, `{"v":12345679}`}, // float32 in the model
		{`{"v":1.0}`, `{"v":1}`},
		{`{"x":null,"l":[],"o":{}}`, `{}`},
		{`[{"a":"b"}]`, `[{"a":"b"}]`},
	}
	for _, c := range same {
		assert.Empty(t, diff(c.sent, c.model), "%s vs %s", c.sent, c.model)
	}
	different := []struct{ sent, model string }{
		{`{"unknown":"x"}`, `{}`},
		{`{"a":"x"}`, `{"a":"y"}`},
		{`{"a":"1"}`, `{"a":1}`},
		{`{"v":1.5}`, `{"v":2}`},
		{`{"l":[1,2]}`, `{"l":[1]}`},
		{`{}`, `{"extra":"z"}`},
		{`{"b":true}`, `{"b":false}`},
		{`{"t":"2026-01-01T00:00:00Z"}`, `{"t":"2026-01-01T00:00:01Z"}`},
	}
	for _, c := range different {
		assert.NotEmpty(t, diff(c.sent, c.model), "%s vs %s", c.sent, c.model)
	}

}
