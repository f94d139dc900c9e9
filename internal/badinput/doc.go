// Package badinput drives the SDK's bad-input corpus, testdata/bad at the module root: malformed
// JSON, HTML error pages served with status 200, truncated and malformed CSV, invalid decimals
// and dates, huge fields and bodies, NUL bytes, path-traversal invoice names, hostile download
// URLs and manifests. testdata/bad/cases.json lists each input, the decoder or endpoint it is fed
// to (directly, or served by a test server as the answer of that endpoint) and the typed error
// it must produce. The package has no API: it is its test.
//
//	go test ./internal/badinput                       # every case
//	go test ./internal/badinput -badinput.discover -v # print what each case produces now
package badinput
