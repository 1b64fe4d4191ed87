// Command build compiles every Lambda function for its architecture
// (linux, CGO off, lambda.norpc, trimmed and stripped) into
// build/<name>/bootstrap and packs build/<name>.zip. It is what `make
// build` runs; written in Go so a fresh machine needs no zip tool.
//
//	go run ./tools/build [-out build] [-host] [name ...]
//
// -host builds for the machine's own architecture (for the emulator).
package main

import (
	"archive/zip"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/riptidecrawler/riptide/shared/routes"
)

func main() {
	out := flag.String("out", "build", "output directory")
	host := flag.Bool("host", false, "build for this machine's architecture instead of the function's")
	ldflags := flag.String("ldflags", "-s -w", "extra linker flags (e.g. -X for the version)")
	flag.Parse()
	want := map[string]bool{}
	for _, n := range flag.Args() {
		want[n] = true
	}
	for _, f := range routes.Functions() {
		if len(want) > 0 && !want[f.Name] {
			continue
		}
		arch := map[string]string{"arm64": "arm64", "x86_64": "amd64"}[f.Architecture()]
		if *host {
			arch = runtime.GOARCH
		}
		start := time.Now()
		if err := build(*out, f.Name, arch, *ldflags); err != nil {
			fmt.Fprintln(os.Stderr, "build:", err)
			os.Exit(1)
		}
		st, _ := os.Stat(filepath.Join(*out, f.Name+".zip"))
		fmt.Printf("%-11s linux/%-5s %6.1f MB zip  (%.1fs)\n", f.Name, arch, float64(st.Size())/1e6, time.Since(start).Seconds())
	}
}

func build(out, name, arch, ldflags string) error {
	dir := filepath.Join(out, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", ldflags, "-o", bin, "./functions/"+name)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return zipBootstrap(bin, filepath.Join(out, name+".zip"))
}

// zipBootstrap packs the binary as "bootstrap" with mode 0755, which the
// provided.al2023 runtime executes.
func zipBootstrap(bin, zipPath string) error {
	src, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	f, err := os.Create(zipPath)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	hdr, err := zip.FileInfoHeader(st)
	if err != nil {
		return err
	}
	hdr.Name = "bootstrap"
	hdr.Method = zip.Deflate
	hdr.SetMode(0o755)
	hdr.Modified = time.Unix(0, 0) // reproducible zips: same binary, same zip
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, src); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
