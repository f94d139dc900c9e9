package billing

import (
	"fmt"
	"time"
)

// Period is a range of calendar days, both ends included. The zero Period means "not set".
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

// LastMonths is the n whole calendar months before the current one (UTC), oldest first as one
// Period. LastMonths(1) is last month. n < 1 is treated as 1.
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
