// Package core holds the state shared by billing.Client and the packages built on it. billing.Client
// is defined as core.Client, so the invoice, usage and email packages reach the ARM and blob layers
// by a type conversion, without exposing them to users.
package core

import (
	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/blob"
)

// Client is the shared state behind billing.Client.
type Client struct {
	ARM  *arm.Client
	Blob *blob.Client
}
