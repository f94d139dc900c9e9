package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

func TestMonth(t *testing.T) {
	p := billing.Month(2024, time.February)
	assert.Equal(t, "2024-02-01..2024-02-29", p.String())
	assert.Equal(t, 29, p.Days())
	assert.Equal(t, "2026-12-01..2026-12-31", billing.Month(2026, time.December).String())
}

func TestLastMonthsAtAndMonthToDate(t *testing.T) {
	now := time.Date(2026, time.January, 15, 10, 0, 0, 0, time.UTC)
	assert.Equal(t, "2025-12-01..2025-12-31", billing.LastMonthsAt(now, 1).String())
	assert.Equal(t, "2025-07-01..2025-12-31", billing.LastMonthsAt(now, 6).String())
	assert.Equal(t, "2026-01-01..2026-01-15", billing.MonthToDate(now).String())
}

func TestPeriodMonthsSplitsAtMonthBoundaries(t *testing.T) {
	p := billing.Period{Start: billing.NewDate(2026, time.January, 20), End: billing.NewDate(2026, time.March, 3)}
	var got []string
	for _, m := range p.Months() {
		got = append(got, m.String())
	}
	assert.Equal(t, []string{"2026-01-20..2026-01-31", "2026-02-01..2026-02-28", "2026-03-01..2026-03-03"}, got)
}

func TestPeriodValidate(t *testing.T) {
	bad := billing.Period{Start: billing.NewDate(2026, 2, 1), End: billing.NewDate(2026, 1, 1)}
	require.ErrorIs(t, bad.Validate(), billing.ErrInvalidInput)
	require.Error(t, billing.Period{}.Validate())
	assert.True(t, billing.Month(2026, 1).Overlaps(billing.Month(2026, 1)))
	assert.False(t, billing.Month(2026, 1).Overlaps(billing.Month(2026, 2)))
	assert.True(t, billing.Month(2026, 1).Contains(billing.NewDate(2026, 1, 31)))
}
