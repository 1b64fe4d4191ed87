package pdfapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
)

// Uploads go to the blob store under uploadPrefix with a random name; the
// process call may only name keys of that shape, so it cannot read other
// objects of the store (render artifacts, modules).
const (
	uploadPrefix = "pdf-uploads/"
	// UploadLinkTTL is how long an upload URL stays valid.
	UploadLinkTTL = 15 * time.Minute
)

// validUploadKey: "pdf-uploads/" + 32 hex digits + ".pdf".
func validUploadKey(k string) bool {
	id, ok := strings.CutPrefix(k, uploadPrefix)
	id, ok2 := strings.CutSuffix(id, ".pdf")
	return ok && ok2 && len(id) == 32 && isLowerHex(id)
}

func isLowerHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// UploadRequest is the optional body of POST /api/v1/pdf/uploads.
type UploadRequest struct {
	Filename string `json:"filename,omitempty"`
}

// UploadResponse tells the client where to PUT the file.
type UploadResponse struct {
	// UploadURL takes one PUT of the file with the headers in Headers.
	UploadURL string            `json:"upload_url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	// Key is what POST /api/v1/pdf/process takes as upload_key.
	Key       string    `json:"key"`
	ExpiresAt time.Time `json:"expires_at"`
	MaxBytes  int64     `json:"max_bytes"`
	Filename  string    `json:"filename,omitempty"`
}

// errNoUploads: this server's blob store cannot hand out upload links
// (local Memory or Dir stores). Sending the file inline or by URL works
// everywhere, so the answer says that instead of serving uploads itself.
var errNoUploads = core.Errorf(core.ErrNotImplemented,
	"uploads need an S3 blob store and this server has none: send the PDF as base64 in data (up to the 6 MiB body limit, about 4.4 MB of PDF) or as a url")

func (d Deps) upload(w http.ResponseWriter, r *http.Request) {
	var req UploadRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	linker, ok := d.Blob.(blob.Linker)
	if d.Blob == nil || !ok {
		httpx.WriteError(w, r, errNoUploads)
		return
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	key := uploadPrefix + hex.EncodeToString(id[:]) + ".pdf"
	link, err := linker.UploadLink(r.Context(), key, "application/pdf", UploadLinkTTL)
	if err != nil {
		httpx.WriteError(w, r, core.Wrap(core.ErrDependency, err, "could not create an upload link"))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, UploadResponse{
		UploadURL: link, Method: http.MethodPut, Headers: map[string]string{"Content-Type": "application/pdf"},
		Key: key, ExpiresAt: time.Now().Add(UploadLinkTTL).UTC().Truncate(time.Second), MaxBytes: MaxFileBytes, Filename: req.Filename,
	})
}

// readUpload reads an uploaded file, refusing one over MaxFileBytes before
// reading it (a presigned PUT does not bound the size).
func (d Deps) readUpload(ctx context.Context, key string) ([]byte, error) {
	if d.Blob == nil {
		return nil, errNoUploads
	}
	objs, err := d.Blob.List(ctx, key)
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "could not read the upload")
	}
	var size int64 = -1
	for _, o := range objs {
		if o.Key == key {
			size = o.Size
		}
	}
	if size < 0 {
		return nil, core.Errorf(core.ErrNotFound, "no upload under %s: PUT the file to the upload_url first (links expire after %s)", key, UploadLinkTTL)
	}
	if size > MaxFileBytes {
		return nil, core.Errorf(core.ErrPayloadTooLarge, "the upload is %d bytes; the limit is %d", size, MaxFileBytes)
	}
	data, _, err := d.Blob.Get(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, core.Errorf(core.ErrNotFound, "no upload under %s", key)
	}
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, fmt.Sprintf("could not read the upload %s", key))
	}
	return data, nil
}
