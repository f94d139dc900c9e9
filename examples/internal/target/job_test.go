package target

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJobRun(t *testing.T) {
	var out bytes.Buffer
	ran := false
	job := Job{Name: "demo", Stderr: &out, Explain: func(err error) []string { return []string{"because: " + err.Error()} }}

	assert.Equal(t, 2, job.Run(NoArguments([]string{"x", "y"}), func(context.Context) error { ran = true; return nil }))
	assert.False(t, ran, "bad flags: the job does not run")
	assert.Equal(t, "demo: unexpected arguments: x y\nrun with -h for the flags\n", out.String())

	out.Reset()
	assert.Equal(t, 0, job.Run(NoArguments(nil), func(context.Context) error { ran = true; return nil }))
	assert.True(t, ran)
	assert.Empty(t, out.String())

	out.Reset()
	assert.Equal(t, 1, job.Run(nil, func(context.Context) error { return errors.New("boom") }))
	assert.Equal(t, "demo: boom\nbecause: boom\n", out.String(), "no interruption line without a signal")
}
