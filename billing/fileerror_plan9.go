//go:build plan9

package billing

// repeatingErrors: Plan 9 reports these conditions as strings only.
func repeatingErrors() []error { return nil }
