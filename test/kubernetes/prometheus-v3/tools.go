//go:build tools

// Package tools pins cmd/prometheus in this module, so `go build github.com/prometheus/prometheus/cmd/prometheus` resolves from go.sum.
package tools

import _ "github.com/prometheus/prometheus/cmd/prometheus"
