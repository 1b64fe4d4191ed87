package s3blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/blob/blobtest"
)

// TestS3AgainstMoto stores objects through the real S3 protocol
// (moto_server on loopback), reads them back with the SDK's own S3 client
// and the other way round, pages through a listing, and downloads and
// uploads through presigned links.
func TestS3AgainstMoto(t *testing.T) {
	cfg := motoaws.Config(t, "us-east-1")
	sdk := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	bucket := "riptide-artifacts-" + time.Now().Format("150405000000")
	if _, err := sdk.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	st, err := New(ctx, cfg, bucket, "artifacts/", awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, st)

	data := []byte("\x89PNG fake screenshot bytes")
	if err := st.Put(ctx, "req1/screenshot.png", "image/png", data); err != nil {
		t.Fatal(err)
	}
	// What the store wrote is what the SDK reads.
	out, err := sdk.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("artifacts/req1/screenshot.png")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if !bytes.Equal(got, data) || aws.ToString(out.ContentType) != "image/png" {
		t.Fatalf("SDK read %q %q", got, aws.ToString(out.ContentType))
	}
	// What the SDK wrote is what the store reads, with its metadata.
	before := time.Now().Add(-time.Minute)
	if _, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("artifacts/sdk/x.json"),
		Body: strings.NewReader(`{"x":1}`), ContentType: aws.String("application/json")}); err != nil {
		t.Fatal(err)
	}
	if got, obj, err := st.Get(ctx, "sdk/x.json"); err != nil || string(got) != `{"x":1}` || obj.ContentType != "application/json" ||
		obj.Size != 7 || obj.Modified.Before(before) || obj.Modified.Location() != time.UTC {
		t.Fatalf("store read %q %+v %v", got, obj, err)
	}

	// Listing crosses pages (max-keys 2 over 5 keys) and keeps keys in order.
	for _, k := range []string{"p/1", "p/2", "p/3", "p/4", "p/5"} {
		if err := st.Put(ctx, k, "text/plain", []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	st.pageSize = 2
	list, err := st.List(ctx, "p/")
	st.pageSize = 0
	if err != nil || len(list) != 5 || list[0].Key != "p/1" || list[4].Key != "p/5" || list[2].Size != 3 || list[0].Modified.IsZero() {
		t.Fatalf("paged list: %+v %v", list, err)
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
	missing, err := New(ctx, cfg, "no-such-bucket-riptide", "", awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = missing.Put(ctx, "k", "image/png", data)
	if err == nil || !strings.Contains(err.Error(), "no-such-bucket-riptide") || !awsapi.IsCode(err, "NoSuchBucket") {
		t.Fatalf("missing bucket: %v", err)
	}
	if _, _, err := missing.Get(ctx, "k"); err == nil || errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a missing bucket is not a missing key: %v", err)
	}
}
