package exports

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
)

// BackfillOptions configure Backfill. The zero value is ready to use.
type BackfillOptions struct {
	// Checkpoint, if set, is a file where finished months are recorded as
	// they finish, so that a Backfill interrupted by an error, a cancelled
	// context or a killed process continues where it stopped. It is written
	// atomically (temporary file, rename).
	Checkpoint string

	// PollInterval is how often the run history is read while a run is
	// going; 0 means 30 seconds (runs take minutes on Azure).
	PollInterval time.Duration

	// MinInterval is the least time between two run requests, to stay
	// within the service's request limits; 0 means none beyond what its
	// throttling answers ask for (those are always honoured).
	MinInterval time.Duration

	// Progress, if set, is called after each month: ran is false when the
	// month was already done (checkpoint or run history) and skipped.
	Progress func(month billing.Period, ran bool)
}

// BackfillResult says what a Backfill did.
type BackfillResult struct {
	// Ran lists the months run by this call, oldest first.
	Ran []billing.Period
	// Skipped lists the months found already done, oldest first.
	Skipped []billing.Period
}

// RunError says that an export run ended without data.
type RunError struct {
	Export  string         // the export's name
	Period  billing.Period // what the run covered
	Status  RunStatus      // its final status, e.g. Failed or Timeout
	Code    string         // the service's error code, if it gave one
	Message string         // the service's message, if it gave one
}

// Error names the export, the period and the status.
func (e *RunError) Error() string {
	s := fmt.Sprintf("azbilling: export %s run for %s..%s ended %s", e.Export, e.Period.Start, e.Period.End, e.Status)
	if e.Code != "" {
		s += " (" + e.Code + ": " + e.Message + ")"
	}
	return s
}

type checkpoint struct {
	Scope  string   `json:"scope"`
	Export string   `json:"export"`
	Done   []string `json:"done"` // months as YYYY-MM
}

// Backfill runs the export once for every calendar month of period (each
// run clipped to period), oldest first, one at a time: it asks for the run,
// waits until the run history shows it finished, records the month in the
// checkpoint, then goes on. A month is skipped when the checkpoint has it or
// the run history already shows a completed run for exactly that month, so
// calling Backfill again after an interruption runs only what is missing.
// Runs that end Failed or Timeout stop the backfill with a *RunError; runs
// that find no data (DataNotAvailable, NewDataNotAvailable) count as done.
func (c *Client) Backfill(ctx context.Context, scope billing.Scope, name string, period billing.Period, opts *BackfillOptions) (*BackfillResult, error) {
	var o BackfillOptions
	if opts != nil {
		o = *opts
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 30 * time.Second
	}
	if err := checkScope(scope); err != nil {
		return nil, err
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := period.Validate(); err != nil {
		return nil, err
	}
	cp := checkpoint{Scope: scope.ID(), Export: name}
	if o.Checkpoint != "" {
		b, err := os.ReadFile(o.Checkpoint)
		switch {
		case err == nil:
			var got checkpoint
			if err := json.Unmarshal(b, &got); err != nil {
				return nil, &billing.InputError{Field: "backfill checkpoint", Value: o.Checkpoint, Reason: "is not a checkpoint file: " + err.Error()}
			}
			if got.Scope != cp.Scope || got.Export != cp.Export {
				return nil, &billing.InputError{Field: "backfill checkpoint", Value: o.Checkpoint, Reason: fmt.Sprintf("belongs to export %s at %s", got.Export, got.Scope)}
			}
			cp.Done = got.Done
		case !os.IsNotExist(err):
			return nil, fmt.Errorf("azbilling: reading the backfill checkpoint: %w", err)
		}
	}
	history, err := c.History(ctx, scope, name)
	if err != nil {
		return nil, err
	}
	res := &BackfillResult{}
	var lastRun time.Time
	for _, m := range months(period) {
		key := fmt.Sprintf("%04d-%02d", m.Start.Year, int(m.Start.Month))
		if slices.Contains(cp.Done, key) || completedIn(history, m) {
			res.Skipped = append(res.Skipped, m)
			if o.Progress != nil {
				o.Progress(m, false)
			}
			continue
		}
		if wait := o.MinInterval - time.Since(lastRun); !lastRun.IsZero() && wait > 0 {
			if err := arm.Sleep(ctx, wait); err != nil {
				return res, err
			}
		}
		if err := c.runAndWait(ctx, scope, name, m, history, o.PollInterval); err != nil {
			return res, err
		}
		lastRun = time.Now()
		res.Ran = append(res.Ran, m)
		cp.Done = append(cp.Done, key)
		if o.Checkpoint != "" {
			if err := saveCheckpoint(o.Checkpoint, cp); err != nil {
				return res, err
			}
		}
		if o.Progress != nil {
			o.Progress(m, true)
		}
	}
	return res, nil
}

// runAndWait runs one month and polls the history until a run for it that
// was not there before has finished.
func (c *Client) runAndWait(ctx context.Context, scope billing.Scope, name string, m billing.Period, before []RunInfo, poll time.Duration) error {
	seen := map[string]bool{}
	for _, r := range before {
		seen[r.ID] = true
	}
	if err := c.Run(ctx, scope, name, m); err != nil {
		return err
	}
	for {
		h, err := c.History(ctx, scope, name)
		if err != nil {
			return err
		}
		for _, r := range h {
			if seen[r.ID] || r.Period != m || !r.Status.Done() {
				continue
			}
			switch r.Status {
			case RunCompleted, RunDataNotAvailable, RunNewDataNotAvailable:
				return nil
			}
			return &RunError{Export: name, Period: m, Status: r.Status, Code: r.ErrorCode, Message: r.ErrorMessage}
		}
		if err := arm.Sleep(ctx, poll); err != nil {
			return err
		}
	}
}

func completedIn(h []RunInfo, m billing.Period) bool {
	for _, r := range h {
		if r.Period == m && r.Status == RunCompleted {
			return true
		}
	}
	return false
}

// months cuts p into calendar months, the first and last clipped to p.
func months(p billing.Period) []billing.Period {
	var out []billing.Period
	for s := p.Start; !s.After(p.End); {
		m := billing.MonthOf(s)
		e := m.End
		if e.After(p.End) {
			e = p.End
		}
		out = append(out, billing.Period{Start: s, End: e})
		s = m.End.AddDays(1)
	}
	return out
}

// saveCheckpoint writes the checkpoint atomically.
func saveCheckpoint(path string, cp checkpoint) error {
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("azbilling: writing the backfill checkpoint: %w", err)
	}
	_, werr := tmp.Write(b)
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("azbilling: writing the backfill checkpoint: %w", werr)
	}
	return nil
}
