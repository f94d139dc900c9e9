package billing

import (
	"fmt"
	"time"
)

// Period is a range of calendar days, both ends included. The zero Period means "not set".
//
// The SDK uses these words with one meaning each, in usage, invoice and the helpers below:
//
//   - calendar month: the 1st to the last day of a month (Month, MonthOf).
//   - month to date: the 1st of the current calendar month up to and including today
//     (MonthToDate, Client.MonthToDate). It is a calendar notion for every agreement.
//   - billing period: the days one invoice bills. For EA and MCA/MPA it is the calendar month.
//     For an individual pay-as-you-go (MOSP) subscription it is a monthly cycle that starts on
//     the day of the month the subscription was created (created on the 3rd: the 3rd to the
//     2nd of the next month), so it differs from the calendar month.
//   - open billing period: the billing period that contains today; it has no invoice yet.
//     usage.Options{} (nothing selected) means the open billing period up to today: month to
//     date for EA and MCA, the current cycle for a pay-as-you-go subscription.
//   - invoice period: the billing period an invoice states (invoicePeriodStartDate to
//     invoicePeriodEndDate, invoice.Invoice.Period).
//
// "Today" is the UTC date of a clock: time.Now for the package functions (LastMonths), the
// client's clock for the Client methods (Client.Today, Client.MonthToDate, Client.LastMonths).
// The client's clock is ClientOptions.Now — the real clock by default, the emulator's world
// clock with billingtest's ClientOptions — and it is the clock the SDK uses to tell a future
// period from a past one, so a program that builds its periods with the Client methods always
// agrees with the client it passes them to.
type Period struct {
	Start Date
	End   Date
}

// Month is the whole calendar month m of year y.
func Month(y int, m time.Month) Period {
	start := NewDate(y, m, 1)
	return Period{Start: start, End: NewDate(y, m+1, 1).AddDays(-1)}
}

// MonthOf is the calendar month that contains d.
func MonthOf(d Date) Period { return Month(d.Year, d.Month) }

// MonthToDate is the current month up to and including today (in UTC).
func MonthToDate(now time.Time) Period {
	today := DateOf(now.UTC())
	return Period{Start: NewDate(today.Year, today.Month, 1), End: today}
}

// LastMonths is the n whole calendar months before the current one (UTC, by time.Now), oldest
// first as one Period. LastMonths(1) is last month. n < 1 is treated as 1. A program that holds a
// Client should prefer Client.LastMonths, which reads the client's clock.
func LastMonths(n int) Period { return LastMonthsAt(time.Now(), n) }

// LastMonthsAt is LastMonths relative to now, for tests and reproducible programs.
func LastMonthsAt(now time.Time, n int) Period {
	if n < 1 {
		n = 1
	}
	today := DateOf(now.UTC())
	first := NewDate(today.Year, today.Month, 1)
	return Period{Start: NewDate(first.Year, first.Month-time.Month(n), 1), End: first.AddDays(-1)}
}

// Today is the current date (UTC) by the client's clock, ClientOptions.Now.
func (c *Client) Today() Date { return DateOf(c.Now().UTC()) }

// MonthToDate is the current calendar month up to and including today, by the client's clock.
func (c *Client) MonthToDate() Period { return MonthToDate(c.Now()) }

// LastMonths is the n whole calendar months before the current one by the client's clock,
// oldest first as one Period (LastMonthsAt(c.Now(), n)). LastMonths(1) is last month.
func (c *Client) LastMonths(n int) Period { return LastMonthsAt(c.Now(), n) }

// ValidateAt is Validate plus a check against today's date: a period that starts after today
// is a *InputError, because no usage and no invoice can exist for it yet. The invoice and usage
// packages check every period this way against the client's clock, so a future period fails the
// same way everywhere. A period that starts on or before today and ends after it is valid.
func (p Period) ValidateAt(today Date) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Start.After(today) {
		return inputError("period", p.String(), "the period starts after today ("+today.String()+" by the client's clock)")
	}
	return nil
}

// IsZero reports whether the period is unset.
func (p Period) IsZero() bool { return p.Start.IsZero() && p.End.IsZero() }

// Validate checks that both ends are set and Start is not after End.
func (p Period) Validate() error {
	if p.Start.IsZero() || p.End.IsZero() {
		return inputError("period", p.String(), "both start and end dates are required")
	}
	if p.End.Before(p.Start) {
		return inputError("period", p.String(), "the end is before the start")
	}
	return nil
}

// Contains reports whether d is inside the period.
func (p Period) Contains(d Date) bool { return !d.Before(p.Start) && !d.After(p.End) }

// Overlaps reports whether the two periods share at least one day.
func (p Period) Overlaps(o Period) bool { return !p.End.Before(o.Start) && !o.End.Before(p.Start) }

// Days is the number of days in the period (0 for an invalid one).
func (p Period) Days() int {
	if p.Validate() != nil {
		return 0
	}
	return int(p.End.Time().Sub(p.Start.Time()).Hours()/24) + 1
}

// Months splits the period at calendar month boundaries, oldest first.
func (p Period) Months() []Period {
	if p.Validate() != nil {
		return nil
	}
	var out []Period
	for start := p.Start; !start.After(p.End); {
		m := MonthOf(start)
		end := m.End
		if end.After(p.End) {
			end = p.End
		}
		out = append(out, Period{Start: start, End: end})
		start = m.End.AddDays(1)
	}
	return out
}

// String is "YYYY-MM-DD..YYYY-MM-DD".
func (p Period) String() string {
	if p.IsZero() {
		return "(no period)"
	}
	return fmt.Sprintf("%s..%s", p.Start, p.End)
}
