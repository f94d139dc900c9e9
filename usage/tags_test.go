package usage

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTagsForms(t *testing.T) {
	for name, tc := range map[string]struct {
		in   Tags
		want map[string]string
	}{
		"ea braceless":     {`"CostCenter": "1234","env": "prod"`, map[string]string{"CostCenter": "1234", "env": "prod"}},
		"json":             {`{"project":"p1"}`, map[string]string{"project": "p1"}},
		"json spaced":      {` { "a" : "1" , "b":"2" } `, map[string]string{"a": "1", "b": "2"}},
		"empty value":      {`"aks-managed-createOperationID": "","x": "y"`, map[string]string{"aks-managed-createOperationID": "", "x": "y"}},
		"empty text":       {``, map[string]string{}},
		"empty object":     {`{}`, map[string]string{}},
		"blank":            {"  ", map[string]string{}},
		"non-string":       {`{"n": 12.50, "b": true, "z": null}`, map[string]string{"n": "12.50", "b": "true", "z": ""}},
		"nested":           {`{"o": {"k": [1, "}"]}, "s": "v"}`, map[string]string{"o": `{"k": [1, "}"]}`, "s": "v"}},
		"escapes":          {`{"q": "say \"hi\"", "u": "caf\u00e9 \ud83d\ude00", "p": "a\/b\\c\n"}`, map[string]string{"q": `say "hi"`, "u": "café 😀", "p": "a/b\\c\n"}},
		"escaped key":      {`"a\"b": "c"`, map[string]string{`a"b`: "c"}},
		"duplicate key":    {`"k": "1","k": "2"`, map[string]string{"k": "2"}},
		"braces in values": {`"a": "{x}","b": "y}"`, map[string]string{"a": "{x}", "b": "y}"}},
		"colon in value":   {`"cm-resource-parent": "/subscriptions/x/Microsoft.Cloud/hubs/h","t": "a:b"`, map[string]string{"cm-resource-parent": "/subscriptions/x/Microsoft.Cloud/hubs/h", "t": "a:b"}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := tc.in.Map()
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestTagsMalformed(t *testing.T) {
	for _, in := range []Tags{
		`{"a": "b"`, `"a": "b"}`, `"a" "b"`, `"a": `, `a: b`, `"a": "b",`, `"a": "b" "c": "d"`, `"a": "unterminated`,
		`{"a": {"b": 1}`, `"a": "\x"`, `"a": "\u12"`, `{`, `}`, `"a": [1, 2`, `,"a": "b"`,
	} {
		_, err := in.Map()
		assert.ErrorIs(t, err, ErrBadTags, "%q", in)
		_, ok := in.Get("a")
		assert.False(t, ok, "%q: Get on malformed text", in)
	}
}

func TestTagsGet(t *testing.T) {
	tags := Tags(`"env": "dev","Env": "prod","ENV": "test","Team": "payments"`)
	v, ok := tags.Get("env")
	assert.True(t, ok)
	assert.Equal(t, "dev", v, "an exact match wins")
	v, ok = tags.Get("eNv")
	assert.True(t, ok)
	assert.Equal(t, "test", v, "else the last case-insensitive match")
	_, ok = tags.Get("missing")
	assert.False(t, ok)
}

func TestTagsAllStopsOnError(t *testing.T) {
	var keys []string
	var gotErr error
	for p, err := range Tags(`"a": "1","b": 2,"c" "3"`).All() {
		if err != nil {
			gotErr = err
			continue
		}
		keys = append(keys, p.Key)
	}
	assert.Equal(t, []string{"a", "b"}, keys)
	assert.ErrorIs(t, gotErr, ErrBadTags)
	for range Tags(`"a": "1","b": "2"`).All() {
		break // early exit must not panic
	}
}

func TestTagsJSON(t *testing.T) {
	assert.Equal(t, `{"a": "b"}`, Tags(`"a": "b"`).JSON())
	assert.Equal(t, `{"a":"b"}`, Tags(` {"a":"b"} `).JSON())
	assert.Equal(t, `{}`, Tags(``).JSON())
	var m map[string]string
	require.NoError(t, json.Unmarshal([]byte(Tags(`"CostCenter": "1234","env": "prod"`).JSON()), &m))
	assert.Equal(t, "1234", m["CostCenter"])
}

func TestAdditionalInfo(t *testing.T) {
	info := AdditionalInfo(`{  "UsageType": "ComputeHR",  "ImageType": null,  "VCPUs":2, "RINormalizationRatio":2.0, "AHB":"True", "VmName": "vm-1"}`)
	v, ok := info.Get("VMName")
	assert.True(t, ok)
	assert.Equal(t, "vm-1", v)
	v, _ = info.Get("RINormalizationRatio")
	assert.Equal(t, "2.0", v)
	m, err := info.Map()
	require.NoError(t, err)
	assert.Equal(t, json.Number("2"), m["VCPUs"])
	assert.Nil(t, m["ImageType"])
	var n int
	for _, err := range info.All() {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 6, n)

	_, err = AdditionalInfo(`{"a": 1} x`).Map()
	assert.ErrorIs(t, err, ErrBadAdditionalInfo)
	_, err = AdditionalInfo(`not json`).Map()
	assert.ErrorIs(t, err, ErrBadAdditionalInfo)
	for _, err := range AdditionalInfo(`{"a" 1}`).All() {
		assert.ErrorIs(t, err, ErrBadAdditionalInfo)
	}
	m, err = AdditionalInfo("").Map()
	require.NoError(t, err)
	assert.Empty(t, m)
}

func TestTagsDoNotAllocateWithoutEscapes(t *testing.T) {
	tags := Tags(`"CostCenter": "1234","env": "prod","org": "trey"`)
	allocs := testing.AllocsPerRun(100, func() {
		if v, ok := tags.Get("org"); !ok || v != "trey" {
			t.Fatal("lookup failed")
		}
	})
	assert.Zero(t, allocs)
}

// FuzzTags checks that any text either parses or fails with ErrBadTags, and
// that for text encoding/json accepts as an object of strings the two agree.
func FuzzTags(f *testing.F) {
	for _, s := range []string{
		`"CostCenter": "1234","env": "prod"`, `{"project":"p1"}`, `"a": ""`, ``, `{}`, `{"n": 1, "z": null}`,
		`{"u": "\u00e9\ud83d\ude00"}`, `"a": "b",`, `{"a": {"b": [1, "}"]}}`, `"a\"b": "c"`, `{"a": "\ud800"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Tags(s).Map()
		if err != nil {
			require.ErrorIs(t, err, ErrBadTags)
			return
		}
		// encoding/json turns invalid UTF-8 into U+FFFD; Tags keeps the bytes.
		var want map[string]string
		if utf8.ValidString(s) && json.Unmarshal([]byte(s), &want) == nil && want != nil {
			require.Equal(t, want, m, "%q", s)
		}
		for k, v := range m {
			got, ok := Tags(s).Get(k)
			require.True(t, ok)
			require.Equal(t, v, got, "Get agrees with Map on %q", k)
		}
	})
}
