//go:build unix

package target

import (
	"bytes"
	"context"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJobRunInterrupted(t *testing.T) {
	var out bytes.Buffer
	job := Job{Name: "demo", Stderr: &out, Interrupted: "interrupted: run it again"}
	status := job.Run(nil, func(ctx context.Context) error {
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	})
	assert.Equal(t, 1, status)
	assert.Equal(t, "demo: context canceled\ninterrupted: run it again\n", out.String())
}
