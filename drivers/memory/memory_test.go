package memory_test

import (
	"testing"

	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

func TestConformance(t *testing.T) {
	sessiontest.Run(t, func(*testing.T) runtime.Driver { return memory.New() })
}
