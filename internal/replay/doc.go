// Package replay replays answers that Azure really gave, as recorded by the public test suites of
// other Azure tools, through azbilling's public API.
//
// The fixtures in testdata reproduce recorded interactions — status, the headers that matter,
// bodies with their real values and shapes — one JSON file per scenario; testdata/README.md names
// the recording each one stands for (repository, path, commit) and says what was abridged or
// replaced. Server serves them over TLS the way Resource Manager would, and a second server plays
// the blob host that SAS download links point at.
package replay
