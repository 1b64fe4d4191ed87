package blob_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/blob"
)

// TestS3AgainstMoto stores an object through the real S3 protocol
// (moto_server on loopback) and downloads it through the presigned link.
func TestS3AgainstMoto(t *testing.T) {
	endpoint := testenv.MotoURL(t)
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	ctx := context.Background()
	bucket := "riptide-artifacts-" + time.Now().Format("150405000000")
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	st := blob.NewS3(client, bucket, "artifacts/")
	data := []byte("\x89PNG fake screenshot bytes")
	link, err := st.Put(ctx, "req1/screenshot.png", "image/png", data, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(link, "X-Amz-Signature=") || !strings.Contains(link, "X-Amz-Expires=3600") || !strings.Contains(link, "artifacts/req1/screenshot.png") {
		t.Fatalf("not a presigned link: %s", link)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != string(data) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("download: %d %q %s", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	// A missing bucket is a clear error, not a link to nothing.
	if _, err := blob.NewS3(client, "no-such-bucket-riptide", "").Put(ctx, "k", "image/png", data, time.Hour); err == nil ||
		!strings.Contains(err.Error(), "no-such-bucket-riptide") {
		t.Fatalf("missing bucket: %v", err)
	}
}
