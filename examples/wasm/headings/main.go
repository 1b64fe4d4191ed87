//go:build wasip1

// Command headings is an example RipTide extractor module: a Go program
// built as a WASI reactor (GOOS=wasip1 GOARCH=wasm go build
// -buildmode=c-shared) that exports the ABI of docs/wasm.md:
//
//	alloc(size u32) -> ptr u32             a buffer for the input
//	extract(ptr, html_len, opts_len u32) -> u64   (out_ptr << 32) | out_len
//
// The host writes the page's HTML followed by the JSON options into the
// buffer alloc returned, calls extract, and reads the JSON output envelope
// from the returned pointer. Build it with `make wasm-example`.
package main

import (
	"encoding/json"
	"unsafe"

	"github.com/riptidecrawler/riptide/examples/wasm/headings/outline"
)

var (
	// input is the buffer of the current call (alloc); output is kept
	// alive until the host has read it (the next call replaces it).
	input  []byte
	output []byte
)

//go:wasmexport alloc
func alloc(size uint32) uint32 {
	input = make([]byte, max(size, 1))
	return uint32(uintptr(unsafe.Pointer(&input[0])))
}

//go:wasmexport extract
func extract(ptr, htmlLen, optsLen uint32) uint64 {
	_ = ptr // the buffer alloc returned, which input already holds
	page, opts := input[:htmlLen], input[htmlLen:htmlLen+optsLen]
	var err error
	if output, err = json.Marshal(outline.Extract(page, opts)); err != nil {
		output = []byte(`{"error":"cannot encode output"}`)
	}
	input = nil
	return uint64(uintptr(unsafe.Pointer(&output[0])))<<32 | uint64(len(output))
}

// main is required by the toolchain; a reactor never runs it.
func main() {}
