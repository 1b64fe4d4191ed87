//go:build wasip1

// Command hostile is a test module that follows the ABI and then
// misbehaves as its options say: {"do": "ok" | "loop" | "oom" | "trap" |
// "bad_json" | "error" | "bad_pointer" | "echo" | "clock"}.
package main

import (
	"encoding/json"
	"os"
	"time"
	"unsafe"
)

var (
	input, output []byte
	hoard         [][]byte
	spin          uint64
)

//go:wasmexport alloc
func alloc(size uint32) uint32 {
	input = make([]byte, max(size, 1))
	return uint32(uintptr(unsafe.Pointer(&input[0])))
}

func reply(b []byte) uint64 {
	output = b
	return uint64(uintptr(unsafe.Pointer(&output[0])))<<32 | uint64(len(output))
}

//go:wasmexport extract
func extract(ptr, htmlLen, optsLen uint32) uint64 {
	var o struct {
		Do string `json:"do"`
	}
	_ = json.Unmarshal(input[htmlLen:htmlLen+optsLen], &o)
	switch o.Do {
	case "loop":
		for {
			spin++
		}
	case "oom":
		for {
			hoard = append(hoard, make([]byte, 1<<20))
		}
	case "trap":
		panic("hostile module trapped on purpose")
	case "bad_json":
		return reply([]byte("this is not json"))
	case "error":
		return reply([]byte(`{"error":"the module refuses this page"}`))
	case "bad_pointer":
		return 0xFFFF0000<<32 | 16
	case "files":
		_, err := os.ReadFile("/etc/passwd")
		b, _ := json.Marshal(map[string]any{"fields": map[string]any{"error": err != nil}})
		return reply(b)
	case "clock":
		b, _ := json.Marshal(map[string]any{"fields": map[string]any{"year": time.Now().Year()}})
		return reply(b)
	case "echo":
		b, _ := json.Marshal(map[string]any{"fields": map[string]any{"html_bytes": htmlLen, "calls": spin}})
		spin++
		return reply(b)
	}
	return reply([]byte(`{"fields":{}}`))
}

func main() {}
