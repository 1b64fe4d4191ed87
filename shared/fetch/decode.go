package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/riptidecrawler/riptide/shared/core"
)

// maxExpansionRatio separates a page that is merely larger than the body
// limit from a decompression bomb. Real HTML compresses 5-20x; a bomb is
// built to expand 1000x or more.
const maxExpansionRatio = 100

// decodeContent undoes the Content-Encoding of a body read from the wire,
// producing at most limit bytes. Decoding stops at the limit, so memory is
// bounded whatever the body expands to. Hitting the limit is reported as
// truncation, unless the expansion ratio shows a decompression bomb, which
// is refused.
func decodeContent(contentEncoding string, wire []byte, wireTruncated bool, limit int64) (body []byte, truncated bool, err error) {
	var codings []string
	for c := range strings.SplitSeq(contentEncoding, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		if c != "" && c != "identity" {
			codings = append(codings, c)
		}
	}
	if len(codings) == 0 {
		return wire, wireTruncated, nil
	}
	if len(codings) > 3 {
		return nil, false, core.Errorf(core.ErrFetch, "too many content codings (%q)", contentEncoding)
	}
	counted := &countingReader{r: bytes.NewReader(wire)}
	var r io.Reader = counted
	// Codings are listed in the order they were applied; undo them backwards.
	for i := len(codings) - 1; i >= 0; i-- {
		if r, err = decoder(codings[i], r); err != nil {
			return nil, false, err
		}
	}
	body, err = io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(body)) > limit {
		body = body[:limit]
		// The ratio uses the compressed bytes consumed so far, not the whole
		// wire body: a small bomb followed by filler must not dilute it.
		if int64(len(body))/max(counted.n, 1) >= maxExpansionRatio {
			return nil, false, core.Errorf(core.ErrFetch,
				"refused a probable decompression bomb: %d compressed bytes expand past the %d-byte limit", counted.n, limit)
		}
		return body, true, nil
	}
	if err != nil {
		// A body cut short (by us or by the server) ends mid-stream; keep what
		// decoded, as browsers do, and say it is incomplete.
		if wireTruncated || errors.Is(err, io.ErrUnexpectedEOF) {
			return body, true, nil
		}
		return nil, false, core.Wrap(core.ErrFetch, err, fmt.Sprintf("cannot decode %s body", strings.Join(codings, ", ")))
	}
	return body, wireTruncated, nil
}

func decoder(coding string, r io.Reader) (io.Reader, error) {
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, core.Wrap(core.ErrFetch, err, "cannot decode gzip body")
		}
		return zr, nil
	case "deflate":
		// "deflate" means zlib-wrapped, but some servers send raw deflate;
		// the zlib header identifies itself (RFC 1950 section 2.2).
		br := bufioPeeker{r: r}
		head := br.peek(2)
		if len(head) == 2 && head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
			zr, err := zlib.NewReader(br.reader())
			if err != nil {
				return nil, core.Wrap(core.ErrFetch, err, "cannot decode deflate body")
			}
			return zr, nil
		}
		return flate.NewReader(br.reader()), nil
	case "br":
		return brotli.NewReader(r), nil
	}
	return nil, core.Errorf(core.ErrFetch, "unsupported Content-Encoding %q", coding)
}

// bufioPeeker reads a few bytes ahead and then replays them.
type bufioPeeker struct {
	r    io.Reader
	head []byte
}

func (p *bufioPeeker) peek(n int) []byte {
	buf := make([]byte, n)
	m, _ := io.ReadFull(p.r, buf)
	p.head = buf[:m]
	return p.head
}

func (p *bufioPeeker) reader() io.Reader { return io.MultiReader(bytes.NewReader(p.head), p.r) }

// countingReader counts the compressed bytes a decoder consumed. It keeps
// io.ByteReader so flate decoders read exactly, and hands out small chunks
// so buffering decoders (brotli reads 32 KiB at a time) cannot consume far
// more than they have decoded, which would dilute the expansion ratio.
type countingReader struct {
	r *bytes.Reader
	n int64
}

const countingChunk = 2 << 10

func (c *countingReader) Read(p []byte) (int, error) {
	if len(p) > countingChunk {
		p = p[:countingChunk]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}
