package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	pdfread "github.com/ledongthuc/pdf"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Limits of one file. The zero Options means these defaults.
const (
	DefaultMaxPages = 2000
	// DefaultMaxContentBytes bounds one page's decoded content streams: a
	// compression bomb stops here instead of filling memory.
	DefaultMaxContentBytes = 32 << 20
	// DefaultMaxTextBytes bounds the text of the whole document.
	DefaultMaxTextBytes = 32 << 20
)

// Options tune one extraction.
type Options struct {
	// Password opens an encrypted file whose user password is not empty.
	Password        string
	MaxPages        int
	MaxContentBytes int64
	MaxTextBytes    int
}

func (o Options) withDefaults() Options {
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.MaxContentBytes <= 0 {
		o.MaxContentBytes = DefaultMaxContentBytes
	}
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = DefaultMaxTextBytes
	}
	return o
}

// File is an open PDF. Pages are read on demand (Page), so a caller can
// stream them; a File is not safe for concurrent use.
type File struct {
	r        *pdfread.Reader
	opts     Options
	pages    []pdfread.Value
	meta     Metadata
	textUsed int
	warnings []string
}

// Open parses the file structure: header, cross-reference table, trailer,
// encryption, the page tree and the metadata. Data that is not a PDF is a
// validation_error; an encrypted file without the right password, a
// truncated or damaged one is an extraction_error.
func Open(data []byte, opts Options) (f *File, err error) {
	opts = opts.withDefaults()
	if !IsPDF(data) {
		return nil, core.Errorf(core.ErrValidation, "not a PDF: the data does not start with %%PDF- (got %q)", printablePrefix(data, 8))
	}
	defer recoverAs(&err, "the PDF is damaged")
	src, version := normalizeFile(data)
	passwords := []string{opts.Password}
	r, rerr := pdfread.NewReaderEncrypted(bytes.NewReader(src), int64(len(src)), func() string {
		if len(passwords) == 0 {
			return ""
		}
		p := passwords[0]
		passwords = passwords[1:]
		return p
	})
	if rerr != nil {
		return nil, openError(rerr, opts.Password != "")
	}
	f = &File{r: r, opts: opts}
	root := r.Trailer().Key("Root")
	if root.Kind() != pdfread.Dict {
		return nil, core.Errorf(core.ErrExtraction, "the PDF is damaged: its trailer names no document catalog")
	}
	f.pages = collectPages(root.Key("Pages"), opts.MaxPages+1)
	if len(f.pages) == 0 {
		return nil, core.Errorf(core.ErrExtraction, "the PDF has no readable pages (its page tree is empty or damaged)")
	}
	if len(f.pages) > opts.MaxPages {
		f.pages = f.pages[:opts.MaxPages]
		f.warnings = append(f.warnings, fmt.Sprintf("only the first %d pages were read (page limit)", opts.MaxPages))
	}
	f.meta = readMetadata(r, root, version)
	f.meta.PageCount = len(f.pages)
	return f, nil
}

// IsPDF reports whether data starts like a PDF (after at most 1 KiB of
// leading junk, which readers tolerate).
func IsPDF(data []byte) bool {
	head := data[:min(len(data), 1024)]
	return bytes.Contains(head, []byte("%PDF-"))
}

// normalizeFile returns the bytes the parser accepts: the header moved to
// offset 0 is not attempted (offsets would shift), but a PDF 2.0 header is
// presented as 1.7 (the parser only knows 1.x and 2.0 reads the same for
// text) and bytes after the last %%EOF are cut (the parser looks for it
// in the last 100 bytes only). It also returns the version in the header.
func normalizeFile(data []byte) ([]byte, string) {
	version := ""
	if i := bytes.Index(data[:min(len(data), 1024)], []byte("%PDF-")); i >= 0 && len(data) >= i+8 {
		version = string(data[i+5 : i+8])
	}
	src := data
	if bytes.HasPrefix(src, []byte("%PDF-2.")) {
		src = bytes.Clone(src)
		copy(src, "%PDF-1.7")
	}
	tail := src[max(0, len(src)-4096):]
	if i := bytes.LastIndex(tail, []byte("%%EOF")); i >= 0 {
		src = src[:len(src)-len(tail)+i+len("%%EOF")]
		src = append(src[:len(src):len(src)], '\n')
	}
	return src, version
}

// openError types the parser's failure to open a file.
func openError(err error, gavePassword bool) error {
	msg := err.Error()
	switch {
	case errors.Is(err, pdfread.ErrInvalidPassword) && gavePassword:
		return core.Wrap(core.ErrExtraction, err, "the PDF is encrypted and the password given does not open it")
	case errors.Is(err, pdfread.ErrInvalidPassword):
		return core.Wrap(core.ErrExtraction, err, "the PDF is encrypted with a password: send it in the password field")
	case strings.Contains(msg, "encryption"):
		return core.Wrap(core.ErrExtraction, err, "the PDF is encrypted with a scheme this reader does not support (only RC4 and AES-128 are)")
	case strings.Contains(msg, "invalid header"):
		return core.Wrap(core.ErrExtraction, err, "the PDF header is not at the start of the file or names an unknown version")
	case strings.Contains(msg, "%%EOF"), strings.Contains(msg, "startxref"):
		return core.Wrap(core.ErrExtraction, err, "the PDF is truncated: it does not end with a cross-reference table and %%EOF (was the download cut short?)")
	}
	return core.Wrap(core.ErrExtraction, err, "the PDF is damaged: its cross-reference table cannot be read")
}

// recoverAs turns a panic of the parser into an extraction_error. The
// stack goes to the error's cause (logs), not to the client.
func recoverAs(err *error, msg string) {
	if x := recover(); x != nil {
		*err = panicError(x, msg)
	}
}

// panicError is the error a recovered panic stands for: our own abort
// (deadline, limits) as raised, anything else an extraction_error.
func panicError(x any, msg string) error {
	if ce, ok := x.(*core.Error); ok {
		return ce
	}
	return &core.Error{Type: core.ErrExtraction, Message: msg, Cause: fmt.Errorf("panic: %v\n%s", x, debug.Stack())}
}

// abortOnDone stops a parse that outlived its context.
func abortOnDone(ctx context.Context) {
	if err := ctx.Err(); err != nil {
		panic(core.Wrap(core.ErrTimeout, err, "PDF extraction ran out of time"))
	}
}

func printablePrefix(b []byte, n int) string {
	b = b[:min(len(b), n)]
	return strings.Map(func(r rune) rune {
		if r < 32 || r > 126 {
			return '.'
		}
		return r
	}, string(b))
}
