package main

import (
	"testing"

	"github.com/riptidecrawler/riptide/internal/functest"
)

func TestSampleEvents(t *testing.T) { functest.DriveEvents(t, "admin", function.Handler) }
