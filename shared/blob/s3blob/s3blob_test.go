package s3blob_test

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
	"github.com/riptidecrawler/riptide/shared/blob/blobtest"
	"github.com/riptidecrawler/riptide/shared/blob/s3blob"
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
	st := s3blob.New(client, bucket, "artifacts/")
	blobtest.Run(t, st)
	data := []byte("\x89PNG fake screenshot bytes")
	if err := st.Put(ctx, "req1/screenshot.png", "image/png", data); err != nil {
		t.Fatal(err)
	}
	link, err := st.DownloadLink(ctx, "req1/screenshot.png", time.Hour)
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
	// A client uploads through a presigned PUT with the declared type.
	up, err := st.UploadLink(ctx, "uploads/doc.pdf", "application/pdf", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, up, strings.NewReader("%PDF-1.4 tiny"))
	req.Header.Set("Content-Type", "application/pdf")
	put, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	put.Body.Close()
	if put.StatusCode != 200 {
		t.Fatalf("presigned upload: %d", put.StatusCode)
	}
	if got, obj, err := st.Get(ctx, "uploads/doc.pdf"); err != nil || string(got) != "%PDF-1.4 tiny" || obj.ContentType != "application/pdf" {
		t.Fatalf("uploaded object: %q %+v %v", got, obj, err)
	}
	// A missing bucket is a clear error, not a link to nothing.
	if err := s3blob.New(client, "no-such-bucket-riptide", "").Put(ctx, "k", "image/png", data); err == nil ||
		!strings.Contains(err.Error(), "no-such-bucket-riptide") {
		t.Fatalf("missing bucket: %v", err)
	}
}
