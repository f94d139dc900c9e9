package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestCommitPutsTheFileInPlaceAndLeavesNothingElse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "folder")
	path := filepath.Join(dir, "report.csv")
	f, err := Create(path)
	require.NoError(t, err)
	_, err = f.Write([]byte("a,b\n"))
	require.NoError(t, err)
	if runtime.GOOS == "linux" {
		assert.Empty(t, names(t, dir), "where Linux offers it, the file has no name while it is written")
	}
	require.NoError(t, f.Commit(true))
	f.Abort() // no effect after Commit
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "a,b\n", string(b))
	assert.Equal(t, []string{"report.csv"}, names(t, dir))
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "keep.csv"), []byte("old"), 0o644))
	f, err := Create(filepath.Join(dir, "keep.csv"))
	require.NoError(t, err)
	_, _ = f.Write([]byte("new, half"))
	f.Abort()
	b, _ := os.ReadFile(filepath.Join(dir, "keep.csv"))
	assert.Equal(t, "old", string(b), "an existing file is kept")
	assert.Equal(t, []string{"keep.csv"}, names(t, dir))
}

// Sweep removes what a dead writer left (nobody holds its lock) and never a file a live writer
// holds — here a partial file this process is still writing.
func TestSweepTellsDeadWritersFromLiveOnes(t *testing.T) {
	if !locksWork {
		t.Skip("no locks here")
	}
	dir := t.TempDir()
	live, err := CreatePartial(filepath.Join(dir, "a.pdf"), "s100")
	require.NoError(t, err)
	defer live.Abort()
	dead := filepath.Join(dir, ".b.pdf.s100.azb0123456789abcdef.part")
	deadTmp := filepath.Join(dir, ".c.csv.azbfedcba9876543210.tmp")
	for _, p := range []string{dead, deadTmp} {
		require.NoError(t, os.WriteFile(p, []byte("%PDF-"), 0o644))
	}
	Sweep(dir, nil)
	assert.ElementsMatch(t, []string{filepath.Base(live.tmp)}, names(t, dir))

	// A partial that a dead writer left can be adopted, and then it is live again.
	require.NoError(t, os.WriteFile(dead, []byte("%PDF-1"), 0o644))
	ps := Partials(filepath.Join(dir, "b.pdf"))
	require.Len(t, ps, 1)
	assert.Equal(t, Partial{Path: dead, Meta: "s100", Size: 6}, ps[0])
	adopted, ok := Adopt(filepath.Join(dir, "b.pdf"), ps[0])
	require.True(t, ok)
	_, ok = Adopt(filepath.Join(dir, "b.pdf"), ps[0])
	assert.False(t, ok, "held by a live writer")
	Sweep(dir, nil)
	assert.FileExists(t, dead)
	_, err = adopted.Write([]byte("rest"))
	require.NoError(t, err)
	require.NoError(t, adopted.Commit(false))
	b, _ := os.ReadFile(filepath.Join(dir, "b.pdf"))
	assert.Equal(t, "%PDF-1rest", string(b))
}

// Earlier versions' temporary files carry no lock: only old ones go, and only names they wrote.
func TestSweepLegacyNames(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	for name, age := range map[string]time.Time{
		".u.csv.123.tmp": old, ".d.pdf.45.part": old, ".d.pdf.azbilling.6.part": old, ".z.zip.7.part": old,
		".recent.csv.8.tmp": time.Now(), ".draft.docx.42.part": old, "notes.tmp": old,
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, nil, 0o644))
		require.NoError(t, os.Chtimes(p, age, age))
	}
	Sweep(dir, nil)
	assert.ElementsMatch(t, []string{".recent.csv.8.tmp", ".draft.docx.42.part", "notes.tmp"}, names(t, dir))
}

// Two writers of one path: both succeed, the file is one of them whole, nothing else is left.
func TestTwoWritersOfOnePath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.csv")
	a, err := Create(path)
	require.NoError(t, err)
	b, err := Create(path)
	require.NoError(t, err)
	_, _ = a.Write([]byte("aaaa"))
	_, _ = b.Write([]byte("bb"))
	Sweep(dir, nil) // must not disturb either
	require.NoError(t, a.Commit(false))
	require.NoError(t, b.Commit(false))
	got, _ := os.ReadFile(path)
	assert.Equal(t, "bb", string(got))
	assert.Equal(t, []string{"x.csv"}, names(t, dir))
}

// Errors name the final path, never a temporary one, and keep the OS error for errors.Is.
func TestErrorsNameTheFinalPath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	_, err := Create(filepath.Join(blocker, "sub", "x.csv"))
	var fe *billing.FileError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "create folder", fe.Op)
	assert.NotContains(t, err.Error(), ".tmp")

	require.NoError(t, os.Mkdir(filepath.Join(dir, "x.csv"), 0o755))
	f, err := Create(filepath.Join(dir, "x.csv"))
	require.NoError(t, err)
	err = f.Commit(false)
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "rename", fe.Op)
	assert.Equal(t, filepath.Join(dir, "x.csv"), fe.Path)
	assert.NotContains(t, err.Error(), ".azb")
	assert.Contains(t, err.Error(), "a folder of that name is in the way")
	var pe *fs.PathError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, fe.Path, pe.Path)
	assert.Equal(t, []string{"file", "x.csv"}, names(t, dir), "nothing left behind")
}

func TestModeIsTheUsualOne(t *testing.T) {
	dir := t.TempDir()
	probe := filepath.Join(dir, "probe")
	require.NoError(t, os.WriteFile(probe, nil, 0o644))
	want, err := os.Stat(probe)
	require.NoError(t, err)
	f, err := Create(filepath.Join(dir, "x"))
	require.NoError(t, err)
	require.NoError(t, f.Commit(false))
	got, err := os.Stat(filepath.Join(dir, "x"))
	require.NoError(t, err)
	assert.Equal(t, want.Mode().Perm(), got.Mode().Perm(), "0644 before the umask, like os.WriteFile(..., 0o644)")
}
