// Package usage reads Azure usage and cost data as typed records.
//
// A [Reader] streams a usage CSV file of any Azure dialect — Enterprise
// Agreement (the "c360" download and the Cost Details / Exports layouts
// 2019-10-01 to 2024-08-01), Microsoft Customer Agreement (2019-10-01 to
// 2023-12-01-preview), Microsoft Partner Agreement, pay-as-you-go usage-only
// files (also with localized "Name (EnglishName)" headers), FOCUS exports
// (1.0, 1.0r2, 1.2-preview; SQL-style NULL reads as empty), the EA Reporting
// API v3 usage-details CSV and the Azure Sponsorship / Azure for Students
// usage download — and yields one [Record] per row:
//
//	r := usage.NewReader(f, &usage.ReaderOptions{File: "usage.csv"})
//	for rec, err := range r.All() {
//		if err != nil {
//			return err // a *usage.ParseError says file, line, column and text
//		}
//		fmt.Println(rec.Date, rec.MeterCategory, rec.Quantity, rec.Cost, rec.Currency)
//	}
//
// The dialect is detected from the header row (compared case-insensitively,
// bound by name, never by position), so files whose columns were reordered
// or extended still read, and columns a Record does not name stay reachable
// with [Record.Column] and [Record.Raw].
//
// Values are typed exactly: quantities, prices and costs are
// [billing.Decimal] (24 and more fractional digits, E-notation from Excel,
// negatives, trailing zeros kept), dates are [billing.Date] whatever their
// format (09/21/2023, 9/2/2023, 2023-09-21, 2019-07-29 00:00:00,
// 2024-01-01T00:00Z, RFC 3339), decided value by value. Tags keep their raw
// text, including the brace-less form EA files write, and parse on demand
// ([Tags.Get], [Tags.Map]); so does [AdditionalInfo].
//
// Files Excel saved again read too: semicolon-separated with decimal commas
// and day-first dates (Dutch, German, French locales), or tab-separated
// UTF-16 ("Unicode text"); [Layout] says how the file was written. Files
// without a currency column (Sponsorship, EA Reporting v3) take it from
// [ReaderOptions.Currency], or leave Record.Currency empty: unknown, never
// made up. Currency codes are upper-cased and checked.
//
// Nothing is dropped silently: a row that cannot be typed is an error, or,
// with [ReaderOptions.SkipBadRows], is skipped and counted
// ([Reader.Skipped], [Reader.SkippedErrors]).
//
// Large inputs are parsed on every core by default (chunks cut at row
// boundaries, records still in file order, the same line numbers and
// errors; [ReaderOptions.Workers] 1 keeps to the calling goroutine). Either
// way memory is bounded: one allocation per record, whose strings all point
// into it, and a few megabytes of read-ahead (see BENCHMARKS.md in this
// directory).
//
// [Client] fetches usage from Azure: Cost Details reports for EA and MCA
// scopes, Consumption usage details for pay-as-you-go subscriptions. A
// report the service refuses as larger than its limit (413, "2Gb") is
// requested again by halves of its date range, down to single days, and the
// parts read as one stream ([Client.Records], [Client.SaveCSV]); a report's
// blobs download several at once ([Options.BlobConcurrency]) in bounded
// memory, records still in order. [Client.FanOut] reads many scopes at once,
// paced to the published Cost Details rate limits ([PublishedLimits]) and to
// the service's throttle headers, into a folder of per-scope CSV files
// (resumable) or a callback, with a per-scope outcome ([FanOutSummary]).
//
// [DailyBreakdown] aggregates records by day — and optionally meter,
// resource group, subscription or tag — into exact per-currency totals.
// For sums over a whole file, [Breakdown.AddAll] and the general [Fold] are
// faster than a loop over All: each core aggregates the records it parses,
// in place, without a copy of their rows, and the partial results are merged
// at the end (about twice the speed of the loop on two cores; see
// BENCHMARKS.md).
package usage
