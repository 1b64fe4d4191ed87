package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const root = "../.."

func checkFile(t *testing.T, rel string, want []byte, regen string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatalf("%s: %v (run `%s`)", rel, err, regen)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run `%s`", rel, regen)
	}
}

func TestTemplateIsCurrent(t *testing.T) {
	want, err := samTemplate()
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, "template.yaml", want, "make sam")
}

func TestEventsAreCurrent(t *testing.T) {
	evs, err := generatedEvents()
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range evs {
		checkFile(t, p, want, "make events")
	}
}

func TestNoticeIsCurrent(t *testing.T) {
	want, err := notice(root)
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, "NOTICE", want, "make notice")
	// The playground's bundled npm packages are listed too.
	for _, pkg := range []string{"preact ", "marked ", "dompurify ", "swagger-ui-dist "} {
		if !bytes.Contains(want, []byte("\n"+pkg)) {
			t.Errorf("NOTICE does not list the playground's npm package %s", pkg)
		}
	}
	if bytes.Contains(want, []byte("UNKNOWN")) {
		t.Errorf("NOTICE has modules with unknown licenses:\n%s", want)
	}
	for _, forbidden := range []string{"GPL-", "AGPL", "SSPL"} {
		for _, line := range strings.Split(string(want), "\n") {
			if strings.Contains(line, "License:") && strings.Contains(line, forbidden) && !strings.Contains(line, "LGPL") {
				t.Errorf("a shipped module has a copyleft license: %s", line)
			}
		}
	}
}

func TestTemplateCoversEveryRoutePath(t *testing.T) {
	b, _ := samTemplate()
	s := string(b)
	for _, p := range []string{"Path: /api/v1/crawl\n", "Path: /crawl\n", "Path: /healthz\n", "Path: /api/v1/sessions/{id}/cookies/{domain}/{name}\n"} {
		if !strings.Contains(s, p) {
			t.Errorf("template lacks %q", p)
		}
	}
	if strings.Contains(s, "Path: /api/v1/crawl/ws\n") {
		t.Error("WebSocket routes belong to the WebSocket API, not the REST API events")
	}
	if !strings.Contains(s, "x86_64") || !strings.Contains(s, "provided.al2023") {
		t.Error("render must be x86_64; runtime provided.al2023")
	}
}
