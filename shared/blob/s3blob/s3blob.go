// Package s3blob is the S3 adapter of the blob port: objects in one bucket
// under a prefix, private, with presigned links for downloads and uploads.
//
// It makes S3's REST-XML requests itself over shared/awsapi (the SDK's
// signer, credentials and retryer) instead of linking the SDK's S3 client,
// whose endpoint tables and customizations cost every function that can
// store a blob ~0.6 ms and ~1,000 allocations of package init at each cold
// start (docs/cold-start.md). The six operations it needs are below.
package s3blob

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/blob"
)

// Service is Amazon S3 as awsapi calls it.
var Service = awsapi.Service{ID: "S3", EndpointPrefix: "s3", SigningName: "s3", S3: true}

// maxObjectBytes bounds an object read whole by Get. Object sizes are
// bounded where objects are written (artifact, upload and result limits);
// this only keeps a stray huge object from being read without end.
const maxObjectBytes = 1 << 30

// Store stores objects in one bucket under a prefix.
type Store struct {
	Bucket string
	Prefix string // e.g. "artifacts/"
	api    *awsapi.Client
	// pageSize is ListObjectsV2's max-keys; 0 leaves S3's 1,000 (tests
	// lower it to cross page boundaries).
	pageSize int
}

var (
	_ blob.Store  = (*Store)(nil)
	_ blob.Linker = (*Store)(nil)
)

// New returns an S3 store of bucket under prefix, calling S3 as cfg says
// (region, credentials, retryer, endpoint: AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL or cfg.BaseEndpoint, else S3's regional endpoint).
// opts.Endpoint overrides the endpoint.
func New(ctx context.Context, cfg aws.Config, bucket, prefix string, opts awsapi.Options) (*Store, error) {
	if bucket == "" {
		return nil, fmt.Errorf("s3blob: no bucket")
	}
	opts.Bucket = bucket
	if opts.MaxResponseBytes == 0 {
		opts.MaxResponseBytes = maxObjectBytes
	}
	api, err := awsapi.New(ctx, cfg, Service, opts)
	if err != nil {
		return nil, fmt.Errorf("s3blob: bucket %s: %w", bucket, err)
	}
	return &Store{Bucket: bucket, Prefix: prefix, api: api}, nil
}

func (s *Store) key(key string) (string, error) {
	if err := blob.ValidKey(key); err != nil {
		return "", err
	}
	return s.Prefix + key, nil
}

// objectPath is the request path of an object key.
func objectPath(k string) string { return "/" + awsapi.PathGreedyLabel(k) }

// Put implements blob.Store (PutObject). The payload's SHA-256 is signed,
// so S3 refuses a body changed on the way.
func (s *Store) Put(ctx context.Context, key, contentType string, data []byte) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	if _, err := s.api.Do(ctx, awsapi.Request{Method: http.MethodPut, Path: objectPath(k), Header: h, Body: data}); err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", s.Bucket, k, err)
	}
	return nil
}

// Get implements blob.Store (GetObject).
func (s *Store) Get(ctx context.Context, key string) ([]byte, blob.Object, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, blob.Object{}, err
	}
	resp, err := s.api.Do(ctx, awsapi.Request{Method: http.MethodGet, Path: objectPath(k)})
	if err != nil {
		if awsapi.IsCode(err, "NoSuchKey") {
			return nil, blob.Object{}, fmt.Errorf("s3://%s/%s: %w", s.Bucket, k, blob.ErrNotFound)
		}
		return nil, blob.Object{}, fmt.Errorf("get s3://%s/%s: %w", s.Bucket, k, err)
	}
	o := blob.Object{Key: key, Size: int64(len(resp.Body)), ContentType: resp.Header.Get("Content-Type")}
	if t, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		o.Modified = t.UTC()
	}
	return resp.Body, o, nil
}

// Delete implements blob.Store (HeadObject, DeleteObject). S3 deletes a
// missing key without error, so existence is checked first to keep the
// port's contract.
func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if _, err := s.api.Do(ctx, awsapi.Request{Method: http.MethodHead, Path: objectPath(k)}); err != nil {
		if awsapi.IsCode(err, "NotFound") {
			return fmt.Errorf("s3://%s/%s: %w", s.Bucket, k, blob.ErrNotFound)
		}
		return fmt.Errorf("head s3://%s/%s: %w", s.Bucket, k, err)
	}
	if _, err := s.api.Do(ctx, awsapi.Request{Method: http.MethodDelete, Path: objectPath(k)}); err != nil {
		return fmt.Errorf("delete s3://%s/%s: %w", s.Bucket, k, err)
	}
	return nil
}

// List implements blob.Store (ListObjectsV2, every page).
func (s *Store) List(ctx context.Context, prefix string) ([]blob.Object, error) {
	var out []blob.Object
	full := s.Prefix + prefix
	token := ""
	for {
		page, err := s.listPage(ctx, full, token)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", s.Bucket, full, err)
		}
		for _, o := range page.Contents {
			obj := blob.Object{Key: strings.TrimPrefix(o.Key, s.Prefix), Size: o.Size}
			if !o.LastModified.IsZero() {
				obj.Modified = o.LastModified.UTC()
			}
			out = append(out, obj)
		}
		if !page.IsTruncated || page.NextContinuationToken == "" || page.NextContinuationToken == token {
			return out, nil
		}
		token = page.NextContinuationToken
	}
}

// DownloadLink implements blob.Linker: a presigned GET. The bucket's
// lifecycle rules delete objects after their data class's retention, so
// links never outlive what they point to by more than that.
func (s *Store) DownloadLink(ctx context.Context, key string, ttl time.Duration) (string, error) {
	k, err := s.key(key)
	if err != nil {
		return "", err
	}
	link, err := s.api.Presign(ctx, awsapi.Request{Method: http.MethodGet, Path: objectPath(k), Query: url.Values{"x-id": {"GetObject"}}}, ttl)
	if err != nil {
		return "", fmt.Errorf("presign s3://%s/%s: %w", s.Bucket, k, err)
	}
	return link, nil
}

// UploadLink implements blob.Linker: a presigned PUT bound to the content
// type (a client sending another type gets 403 from S3).
func (s *Store) UploadLink(ctx context.Context, key, contentType string, ttl time.Duration) (string, error) {
	k, err := s.key(key)
	if err != nil {
		return "", err
	}
	req := awsapi.Request{Method: http.MethodPut, Path: objectPath(k), Query: url.Values{"x-id": {"PutObject"}},
		Header: http.Header{"Content-Type": {contentType}}}
	link, err := s.api.Presign(ctx, req, ttl)
	if err != nil {
		return "", fmt.Errorf("presign upload s3://%s/%s: %w", s.Bucket, k, err)
	}
	return link, nil
}
