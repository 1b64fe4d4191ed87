// Package s3blob is the S3 adapter of the blob port: objects in one bucket
// under a prefix, private, with presigned links for downloads and uploads.
package s3blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/riptidecrawler/riptide/shared/blob"
)

// Store stores objects in one bucket under a prefix.
type Store struct {
	Client  *s3.Client
	Bucket  string
	Prefix  string // e.g. "artifacts/"
	presign *s3.PresignClient
}

var (
	_ blob.Store  = (*Store)(nil)
	_ blob.Linker = (*Store)(nil)
)

// New returns an S3 store.
func New(client *s3.Client, bucket, prefix string) *Store {
	return &Store{Client: client, Bucket: bucket, Prefix: prefix, presign: s3.NewPresignClient(client)}
}

func (s *Store) key(key string) (string, error) {
	if err := blob.ValidKey(key); err != nil {
		return "", err
	}
	return s.Prefix + key, nil
}

// Put implements blob.Store. The body is a seekable reader so the SDK can
// compute the checksum and retry without buffering a copy.
func (s *Store) Put(ctx context.Context, key, contentType string, data []byte) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if _, err := s.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(k), Body: bytes.NewReader(data), ContentType: aws.String(contentType),
	}); err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", s.Bucket, k, err)
	}
	return nil
}

// Get implements blob.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, blob.Object, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, blob.Object{}, err
	}
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)})
	if err != nil {
		var nk *types.NoSuchKey
		if errors.As(err, &nk) {
			return nil, blob.Object{}, fmt.Errorf("s3://%s/%s: %w", s.Bucket, k, blob.ErrNotFound)
		}
		return nil, blob.Object{}, fmt.Errorf("get s3://%s/%s: %w", s.Bucket, k, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, blob.Object{}, fmt.Errorf("read s3://%s/%s: %w", s.Bucket, k, err)
	}
	o := blob.Object{Key: key, Size: int64(len(data)), ContentType: aws.ToString(out.ContentType)}
	if out.LastModified != nil {
		o.Modified = out.LastModified.UTC()
	}
	return data, o, nil
}

// Delete implements blob.Store. S3 deletes a missing key without error, so
// existence is checked first to keep the port's contract.
func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if _, err := s.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)}); err != nil {
		var nf *types.NotFound
		if errors.As(err, &nf) {
			return fmt.Errorf("s3://%s/%s: %w", s.Bucket, k, blob.ErrNotFound)
		}
		return fmt.Errorf("head s3://%s/%s: %w", s.Bucket, k, err)
	}
	if _, err := s.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)}); err != nil {
		return fmt.Errorf("delete s3://%s/%s: %w", s.Bucket, k, err)
	}
	return nil
}

// List implements blob.Store.
func (s *Store) List(ctx context.Context, prefix string) ([]blob.Object, error) {
	var out []blob.Object
	p := s3.NewListObjectsV2Paginator(s.Client, &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String(s.Prefix + prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", s.Bucket, s.Prefix+prefix, err)
		}
		for _, o := range page.Contents {
			obj := blob.Object{Key: strings.TrimPrefix(aws.ToString(o.Key), s.Prefix), Size: aws.ToInt64(o.Size)}
			if o.LastModified != nil {
				obj.Modified = o.LastModified.UTC()
			}
			out = append(out, obj)
		}
	}
	return out, nil
}

// DownloadLink implements blob.Linker: a presigned GET. The bucket's
// lifecycle rules delete objects after their data class's retention, so
// links never outlive what they point to by more than that.
func (s *Store) DownloadLink(ctx context.Context, key string, ttl time.Duration) (string, error) {
	k, err := s.key(key)
	if err != nil {
		return "", err
	}
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign s3://%s/%s: %w", s.Bucket, k, err)
	}
	return req.URL, nil
}

// UploadLink implements blob.Linker: a presigned PUT bound to the content
// type (a client sending another type gets 403 from S3).
func (s *Store) UploadLink(ctx context.Context, key, contentType string, ttl time.Duration) (string, error) {
	k, err := s.key(key)
	if err != nil {
		return "", err
	}
	req, err := s.presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k), ContentType: aws.String(contentType)},
		s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign upload s3://%s/%s: %w", s.Bucket, k, err)
	}
	return req.URL, nil
}
