package blob

import (
	"bytes"
	"io"
)

// bytesReader gives the SDK a seekable body, so it can compute the payload
// checksum and retry without buffering a copy.
func bytesReader(b []byte) io.ReadSeeker { return bytes.NewReader(b) }
