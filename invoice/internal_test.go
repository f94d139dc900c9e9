package invoice

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/blob"
	"github.com/azbilling/azbilling/roles"
)

func makeZip(t testing.TB, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestVerifyZipAcceptsAnOrdinaryArchive(t *testing.T) {
	z := makeZip(t, map[string][]byte{"a.pdf": []byte("%PDF-1.4 a"), "dir/b.pdf": []byte("%PDF-1.4 bb")})

	entries, total, p := verifyZip(bytes.NewReader(z), int64(len(z)), 1000, 10)

	require.Nil(t, p)
	assert.Len(t, entries, 2)
	assert.Equal(t, int64(21), total)
}

func TestVerifyZipCatchesALyingHeader(t *testing.T) {
	// A deflated megabyte of zeros whose header claims 10 bytes.
	big := make([]byte, 1<<20)
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	require.NoError(t, err)
	_, _ = fw.Write(big)
	require.NoError(t, fw.Close())
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "bomb.pdf", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(big),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: 10})
	require.NoError(t, err)
	_, err = w.Write(comp.Bytes())
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	z := buf.Bytes()

	_, _, p := verifyZip(bytes.NewReader(z), int64(len(z)), 64<<10, 10)

	require.NotNil(t, p)
	assert.Contains(t, []blob.Kind{blob.KindTooLarge, blob.KindIntegrity}, p.kind)
}

func TestVerifyZipCatchesTooManyBytesAndFiles(t *testing.T) {
	z := makeZip(t, map[string][]byte{"a": make([]byte, 5000), "b": make([]byte, 5000)})

	_, _, p := verifyZip(bytes.NewReader(z), int64(len(z)), 6000, 10)
	require.NotNil(t, p)
	assert.Equal(t, blob.KindTooLarge, p.kind)

	_, _, p = verifyZip(bytes.NewReader(z), int64(len(z)), 1<<20, 1)
	require.NotNil(t, p)
	assert.Equal(t, blob.KindTooLarge, p.kind)
}

func TestVerifyZipRejectsUnsafeNames(t *testing.T) {
	for _, name := range []string{"../evil.pdf", "/abs.pdf", `..\evil.pdf`, "C:/x.pdf"} {
		z := makeZip(t, map[string][]byte{name: []byte("x")})
		_, _, p := verifyZip(bytes.NewReader(z), int64(len(z)), 1000, 10)
		require.NotNil(t, p, name)
		assert.Equal(t, blob.KindContent, p.kind, name)
	}
}

func FuzzVerifyZip(f *testing.F) {
	f.Add(makeZip(f, map[string][]byte{"a.pdf": []byte("%PDF-1.4")}))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Add([]byte("not a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, total, p := verifyZip(bytes.NewReader(data), int64(len(data)), 1<<20, 100)
		if p != nil {
			return
		}
		var sum int64
		for _, e := range entries {
			if !safeEntryName(e.Name) {
				t.Fatalf("unsafe name accepted: %q", e.Name)
			}
			sum += e.Size
		}
		if sum != total || total > 1<<20 {
			t.Fatalf("sizes: entries %d, total %d", sum, total)
		}
	})
}

func TestDescribeContent(t *testing.T) {
	cases := map[string]string{
		"":                                       "an empty body",
		"<!DOCTYPE html><html><body>x</body>":    `an HTML page of 10 bytes starting with "<!DOCTYPE html><html><body>x</body>"`,
		"\n  <HTML>":                             "an HTML page",
		`<?xml version="1.0"?><Error>`:           "an XML document",
		`{"error":{"code":"x"}}`:                 "JSON",
		"PK\x03\x04rest":                         "a zip archive",
		"\x00\x01binary":                         "data that is not a PDF",
		"see https://h/x.pdf?sv=1&sig=SECRET== ": "REDACTED",
	}
	for in, want := range cases {
		got := describeContent([]byte(in), 10)
		assert.Contains(t, got, want, "%q", in)
		assert.NotContains(t, got, "SECRET")
	}
}

func TestParseExpiry(t *testing.T) {
	want := time.Date(2023, 2, 16, 17, 32, 28, 0, time.UTC)
	for _, s := range []string{"2023-02-16T17:32:28Z", "2023-02-16T17:32:28.0000000Z", "2023-02-16T17:32:28", "2023-02-16T18:32:28+01:00"} {
		assert.True(t, want.Equal(parseExpiry(s)), s)
	}
	assert.True(t, parseExpiry("next tuesday").IsZero())
	assert.True(t, parseExpiry("").IsZero())
}

func TestCompleteChecksHeaderTrailerAndRecord(t *testing.T) {
	dir := t.TempDir()
	pdf := []byte("%PDF-1.4\nbody\n%%EOF\n")
	tg := target{invoice: "G1", kind: KindInvoice}
	bk := &book{dir: dir, m: map[string]record{}}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plain.pdf"), pdf, 0o644))
	// Structure alone is enough only without bookkeeping.
	n, ok := complete(dir, "plain.pdf", tg, bk, true)
	assert.True(t, ok)
	assert.Equal(t, int64(len(pdf)), n)
	_, ok = complete(dir, "plain.pdf", tg, bk, false)
	assert.False(t, ok, "no record: the file cannot be proven to be G1's invoice")

	sum := sha256.Sum256(pdf)
	require.NoError(t, bk.add(record{File: "plain.pdf", Invoice: "G1", Kind: string(KindInvoice), Size: int64(len(pdf)), SHA256: hex.EncodeToString(sum[:])}))
	_, ok = complete(dir, "plain.pdf", tg, bk, false)
	assert.True(t, ok)
	_, ok = complete(dir, "plain.pdf", target{invoice: "G2", kind: KindInvoice}, bk, false)
	assert.False(t, ok, "the record names another invoice")
	// The record survives a reload from disk.
	_, ok = complete(dir, "plain.pdf", tg, openBook(dir), false)
	assert.True(t, ok)

	for name, content := range map[string][]byte{"noeof.pdf": pdf[:12], "html.pdf": []byte("<html>%%EOF</html>")} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), content, 0o644))
		_, ok = complete(dir, name, tg, bk, true)
		assert.False(t, ok, name)
	}
	_, ok = complete(dir, "missing.pdf", tg, bk, true)
	assert.False(t, ok)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "dir.pdf"), 0o755))
	_, ok = complete(dir, "dir.pdf", tg, bk, true)
	assert.False(t, ok)

	// A file changed after it was recorded (another tool rewrote it) is incomplete.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plain.pdf"), append([]byte("%PDF-1.7\n"), pdf[9:]...), 0o644))
	_, ok = complete(dir, "plain.pdf", tg, bk, false)
	assert.False(t, ok)
}

func TestIsRefusal(t *testing.T) {
	assert.True(t, isRefusal(&roles.PermissionError{}))
	assert.True(t, isRefusal(&billing.NotFoundError{}))
	assert.True(t, isRefusal(&billing.ServiceError{StatusCode: 400, Code: "UnsupportedAgreementType"}))
	assert.True(t, isRefusal(&billing.ServiceError{StatusCode: 400, Message: "This operation is not supported for EA."}))
	assert.False(t, isRefusal(&billing.ServiceError{StatusCode: 400, Code: "InvalidRequest"}))
	assert.False(t, isRefusal(&billing.ServiceError{StatusCode: 500, Code: "UnsupportedThing"}))
	assert.False(t, isRefusal(&billing.ThrottledError{StatusCode: 429}))
}
