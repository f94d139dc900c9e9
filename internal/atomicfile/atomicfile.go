// Package atomicfile writes files that appear under their final name only once they are
// complete, and cleans up after writers that died.
//
// A file is written to a temporary file in its destination folder, synced, then put in place
// with a rename. Where Linux offers it, the temporary file has no name at all until it is
// complete (O_TMPFILE), so a killed process leaves nothing; elsewhere, and for the resumable
// partial files of invoice documents, it is a hidden file named after the final one. Every
// temporary file is locked (flock) for as long as its writer lives, so Sweep can tell the
// leftovers of a dead process, which it removes, from a file another live process is still
// writing, which it never touches. On Windows a file another process holds open cannot be
// removed, which gives the same guarantee; elsewhere Sweep only removes files older than
// StaleAge.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/azbilling/azbilling/billing"
)

// Mode is the permission of every file the SDK creates, before the process's umask.
const Mode fs.FileMode = 0o644

// StaleAge is how old a temporary file must be before Sweep removes it where locks are not
// available, and how old a temporary file of an earlier version of the SDK (which did not lock
// them) must be.
const StaleAge = 15 * time.Minute

const (
	tmpSuffix  = ".tmp"
	partSuffix = ".part"
	marker     = "azb" // starts the random part of our temporary names: never touch another tool's files
)

// File is a file being written. Write to it, then Commit or Abort.
type File struct {
	f       *os.File
	final   string // the path it will have
	tmp     string // its current name; "" while it has none (O_TMPFILE)
	done    bool
	partial bool
}

// MkdirAll creates dir and its parents (mode 0755 before umask), as a *billing.FileError.
func MkdirAll(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &billing.FileError{Op: "create folder", Path: dir, Err: err}
	}
	return nil
}

// Create starts the file that will appear at path on Commit. The folder is created if missing.
// Errors are *billing.FileError naming path.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if err := MkdirAll(dir); err != nil {
		return nil, err
	}
	if f, ok := createUnnamed(dir); ok {
		return &File{f: f, final: path}, nil
	}
	f, tmp, err := createNamed(dir, "."+shorten(base)+".", tmpSuffix)
	if err != nil {
		return nil, fileError("create", path, err)
	}
	return &File{f: f, final: path, tmp: tmp}, nil
}

// CreatePartial starts a resumable file for path: a named, locked temporary file whose name
// carries meta (letters, digits and '-' only), which a later run finds with Partials and
// continues with Adopt if this process dies.
func CreatePartial(path, meta string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if err := MkdirAll(dir); err != nil {
		return nil, err
	}
	f, tmp, err := createNamed(dir, "."+base+"."+meta+".", partSuffix)
	if err != nil {
		return nil, fileError("create", path, err)
	}
	return &File{f: f, final: path, tmp: tmp, partial: true}, nil
}

// Partial is a partial file that a dead writer left for path.
type Partial struct {
	Path string // the temporary file
	Meta string // what CreatePartial was given
	Size int64
}

// Partials lists the partial files of path that no live process is writing.
func Partials(path string) []Partial {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []Partial
	for _, e := range entries {
		final, meta, ok := parsePartial(e.Name())
		if !ok || final != base {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		out = append(out, Partial{Path: filepath.Join(dir, e.Name()), Meta: meta, Size: info.Size()})
	}
	return out
}

// Adopt takes over a partial file a dead writer left for path. ok is false when another live
// process holds it (or it is gone).
func Adopt(path string, p Partial) (*File, bool) {
	f, err := os.OpenFile(p.Path, os.O_RDWR, 0)
	if err != nil {
		return nil, false
	}
	if !tryLock(f) || !sameFile(f, p.Path) {
		f.Close()
		return nil, false
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, false
	}
	return &File{f: f, final: path, tmp: p.Path, partial: true}, true
}

// OS returns the underlying file, for reading back what was written (ReadAt, Seek, Truncate).
func (f *File) OS() *os.File { return f.f }

// Path is the final path.
func (f *File) Path() string { return f.final }

// Write writes to the temporary file; errors are *billing.FileError naming the final path.
func (f *File) Write(p []byte) (int, error) {
	n, err := f.f.Write(p)
	if err != nil {
		return n, fileError("write", f.final, err)
	}
	return n, nil
}

// Reset empties the file, to write it again from the start.
func (f *File) Reset() error {
	if err := f.f.Truncate(0); err != nil {
		return fileError("write", f.final, err)
	}
	if _, err := f.f.Seek(0, io.SeekStart); err != nil {
		return fileError("write", f.final, err)
	}
	return nil
}

// Commit syncs the file and puts it at its final path, replacing what was there. syncDir also
// syncs the folder, which makes the rename itself durable (a batch does that once at its end
// with SyncDir). On error the temporary file is removed.
func (f *File) Commit(syncDir bool) error {
	if f.done {
		return errors.New("atomicfile: file already committed or aborted")
	}
	if err := f.f.Sync(); err != nil {
		f.Abort()
		return fileError("sync", f.final, err)
	}
	dir := filepath.Dir(f.final)
	if f.tmp == "" {
		// An unnamed file gets a name (locked, like any other, by our open descriptor) and is
		// then renamed over the final path: a link cannot replace an existing file.
		tmp, err := linkUnnamed(f.f, dir, "."+shorten(filepath.Base(f.final))+".", tmpSuffix)
		if err != nil {
			f.Abort()
			return fileError("create", f.final, err)
		}
		f.tmp = tmp
	}
	if runtime.GOOS == "windows" {
		// Windows cannot rename a file that is open.
		if err := f.f.Close(); err != nil {
			f.Abort()
			return fileError("write", f.final, err)
		}
	}
	if err := os.Rename(f.tmp, f.final); err != nil {
		f.Abort()
		if st, serr := os.Lstat(f.final); serr == nil && st.IsDir() {
			err = &fs.PathError{Op: "rename", Path: f.final, Err: folderInTheWay{err}}
		}
		return fileError("rename", f.final, err)
	}
	f.done = true
	if err := f.f.Close(); err != nil && runtime.GOOS != "windows" {
		return fileError("write", f.final, err)
	}
	if syncDir {
		SyncDir(dir)
	}
	return nil
}

// Abort closes and removes the temporary file. It is safe to call after Commit (it does nothing).
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	if runtime.GOOS == "windows" {
		_ = f.f.Close() // Windows cannot remove an open file
	}
	if f.tmp != "" {
		_ = os.Remove(f.tmp) // before Close elsewhere: our lock keeps a sweeper away until then
	}
	_ = f.f.Close()
}

// Keep closes the partial file and leaves it on disk for a later run to resume (the context
// was cancelled, say). Non-partial files are removed as by Abort.
func (f *File) Keep() {
	if !f.partial || f.done {
		f.Abort()
		return
	}
	f.done = true
	_ = f.f.Sync()
	_ = f.f.Close()
}

// SyncDir makes renames in dir durable. Windows cannot open folders for syncing and does not
// need it; elsewhere a failure is not an error (not every file system can sync a folder).
func SyncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Sweep removes the temporary files in dir that writers which died left behind: this package's
// (never one a live process still holds) and, older than StaleAge, those of earlier versions of
// the SDK (".NAME.N.part", ".NAME.N.tmp", ".NAME.azbilling" records and their temporary files).
// keepPartial, when not nil, may claim a resumable partial file instead (it is then left).
func Sweep(dir string, keepPartial func(final string, p Partial) bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, name)
		if final, meta, ok := parsePartial(name); ok {
			if keepPartial != nil {
				if info, err := e.Info(); err == nil && keepPartial(final, Partial{Path: path, Meta: meta, Size: info.Size()}) {
					continue
				}
			}
			removeIfDead(path)
			continue
		}
		if isTemp(name) {
			removeIfDead(path)
			continue
		}
		if isLegacyTemp(name) {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > StaleAge {
				_ = os.Remove(path)
			}
		}
	}
}

// removeIfDead removes path unless a live process holds its lock.
func removeIfDead(path string) {
	if !locksWork {
		if info, err := os.Lstat(path); err != nil || time.Since(info.ModTime()) <= StaleAge {
			return
		}
		_ = os.Remove(path)
		return
	}
	if runtime.GOOS == "windows" {
		// Removing a file that another process holds open fails there: exactly the live ones.
		_ = os.Remove(path)
		return
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			_ = os.Remove(path) // unreadable (e.g. mode 0): nobody can be writing it through us
		}
		return
	}
	defer f.Close()
	if !tryLock(f) {
		return // a live writer
	}
	if sameFile(f, path) {
		_ = os.Remove(path)
	}
}

// createNamed creates and locks dir/prefix+marker+random+suffix.
func createNamed(dir, prefix, suffix string) (*os.File, string, error) {
	for range 16 {
		name := filepath.Join(dir, prefix+marker+randomHex()+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, Mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		// A sweeper may have locked and removed it between create and lock: then try again.
		if !tryLock(f) || !sameFile(f, name) {
			f.Close()
			continue
		}
		return f, name, nil
	}
	return nil, "", errors.New("could not create a temporary file")
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	return err == nil && os.SameFile(a, b)
}

// shorten keeps temporary names within file name limits (255 bytes): ".{base}.azb{16}.tmp".
func shorten(base string) string {
	const max = 200
	if len(base) > max {
		return base[:max]
	}
	return base
}

// isTemp matches ".{anything}.azb{16 hex}.tmp".
func isTemp(name string) bool {
	rest, ok := strings.CutSuffix(name, tmpSuffix)
	if !ok {
		return false
	}
	i := strings.LastIndexByte(rest, '.')
	return i > 0 && isRandom(rest[i+1:])
}

// parsePartial reads ".{final}.{meta}.azb{16 hex}.part".
func parsePartial(name string) (final, meta string, ok bool) {
	rest, ok := strings.CutSuffix(name, partSuffix)
	if !ok || !strings.HasPrefix(rest, ".") {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 || !isRandom(rest[i+1:]) {
		return "", "", false
	}
	rest = rest[1:i]
	j := strings.LastIndexByte(rest, '.')
	if j <= 0 {
		return "", "", false
	}
	return rest[:j], rest[j+1:], true
}

func isRandom(s string) bool {
	r, ok := strings.CutPrefix(s, marker)
	if !ok || len(r) != 16 {
		return false
	}
	_, err := hex.DecodeString(r)
	return err == nil
}

// isLegacyTemp matches the temporary files earlier versions wrote (digits from
// os.CreateTemp): ".NAME.pdf.123.part" and ".NAME.csv.123.part" (documents, EA transactions),
// ".NAME.pdf.azbilling.123.part" (their records), ".NAME.zip.123.part" (archives) and
// ".NAME.csv.123.tmp" (usage saves).
func isLegacyTemp(name string) bool {
	for _, suf := range []string{partSuffix, tmpSuffix} {
		rest, ok := strings.CutSuffix(name, suf)
		if !ok {
			continue
		}
		i := strings.LastIndexByte(rest, '.')
		if i <= 0 || i == len(rest)-1 || strings.Trim(rest[i+1:], "0123456789") != "" {
			continue
		}
		stem := strings.ToLower(rest[:i])
		if suf == partSuffix && (strings.HasSuffix(stem, ".pdf") || strings.HasSuffix(stem, ".pdf.azbilling") || strings.HasSuffix(stem, ".zip") || strings.HasSuffix(stem, ".csv")) {
			return true
		}
		if suf == tmpSuffix && strings.HasSuffix(stem, ".csv") {
			return true
		}
	}
	return false
}

// fileError wraps err for path, rebuilding a *fs.PathError so that it names path, not the
// temporary file.
func fileError(op, path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		inner := pe.Err
		var fw folderInTheWay
		if errors.As(inner, &fw) {
			inner = fw
		}
		err = &fs.PathError{Op: pe.Op, Path: path, Err: inner}
	}
	var le *os.LinkError
	if pe == nil && errors.As(err, &le) {
		err = &fs.PathError{Op: le.Op, Path: path, Err: le.Err}
	}
	return &billing.FileError{Op: op, Path: path, Err: err}
}

// OpenLocked opens path for reading and appending (creating it with Mode if missing) and
// waits for an exclusive lock on it, which Close releases. When another process replaced the
// file while we waited (ReplaceLocked), the new one is opened and locked instead. Errors are
// *billing.FileError.
func OpenLocked(path string) (*os.File, error) {
	if err := MkdirAll(filepath.Dir(path)); err != nil {
		return nil, err
	}
	for range 100 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, Mode)
		if err != nil {
			return nil, fileError("create", path, err)
		}
		if err := lockWait(f); err != nil {
			f.Close()
			return nil, fileError("create", path, err)
		}
		if sameFile(f, path) {
			return f, nil
		}
		f.Close()
	}
	return nil, fileError("create", path, errors.New("the file keeps being replaced"))
}

// ReplaceLocked writes content to path through a temporary file and a rename, while the
// caller holds the lock of the current file (from OpenLocked) and before it closes it.
func ReplaceLocked(path string, content []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(content); err != nil {
		f.Abort()
		return err
	}
	return f.Commit(false)
}

// folderInTheWay says why a rename failed when a folder has the file's name (the OS only says
// "file exists" or "is a directory").
type folderInTheWay struct{ err error }

func (e folderInTheWay) Error() string { return "a folder of that name is in the way" }
func (e folderInTheWay) Unwrap() error { return e.err }
