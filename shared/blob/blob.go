// Package blob stores binary outputs too large to return inline (render
// screenshots and PDFs, large results) and hands out time-limited links.
// S3 in AWS; locally there is no store and artifacts stay inline.
package blob

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Store keeps an object and returns a link to it valid for ttl.
type Store interface {
	Put(ctx context.Context, key, contentType string, data []byte, ttl time.Duration) (url string, err error)
}

// S3 stores objects in one bucket under a prefix.
type S3 struct {
	Client  *s3.Client
	Bucket  string
	Prefix  string // e.g. "artifacts/"
	presign *s3.PresignClient
}

// NewS3 returns an S3 store.
func NewS3(client *s3.Client, bucket, prefix string) *S3 {
	return &S3{Client: client, Bucket: bucket, Prefix: prefix, presign: s3.NewPresignClient(client)}
}

// Put implements Store: the object is private; the link is a presigned GET.
// The bucket's lifecycle rule deletes objects after a few days, so links
// and objects expire together.
func (s *S3) Put(ctx context.Context, key, contentType string, data []byte, ttl time.Duration) (string, error) {
	k := s.Prefix + key
	if _, err := s.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(s.Bucket),
		Key:         aws.String(k),
		Body:        bytesReader(data),
		ContentType: aws.String(contentType),
	}); err != nil {
		return "", fmt.Errorf("put s3://%s/%s: %w", s.Bucket, k, err)
	}
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)},
		s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign s3://%s/%s: %w", s.Bucket, k, err)
	}
	return req.URL, nil
}
