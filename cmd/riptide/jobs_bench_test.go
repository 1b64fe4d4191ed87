package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/riptidecrawler/riptide/internal/testenv"
)

// BenchmarkJobs (make bench-jobs) measures the job system against the
// work it wraps, in one run on one loopback fixture site:
//
//   - direct_crawl: POST /api/v1/crawl of the batch's URLs, the peer;
//   - batch_job: the same URLs as one batch_crawl job, submit to completed;
//   - single_jobs/local and single_jobs/sqs: one single_crawl job per URL,
//     all submitted then waited for, through the in-process queue and
//     through SQS (moto_server on loopback).
//
// Each iteration crawls benchJobURLs pages; the cache is bypassed so every
// variant fetches every page. ms/url and jobs/s are reported; compare the
// job variants' ms/url with direct_crawl's for the per-job overhead.
const benchJobURLs = 100

func BenchmarkJobs(b *testing.B) {
	site := articleSite(b)
	urls := make([]string, benchJobURLs)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/p/%d", site.URL, i)
	}
	quoted, _ := json.Marshal(urls)
	opts := `{"cache_mode":"bypass","concurrency":16}`

	serve := func(b *testing.B, env map[string]string) string {
		b.Setenv("REDIS_URL", "")
		b.Setenv("RIPTIDE_AUTH", "disabled")
		b.Setenv("RIPTIDE_ALLOW_CIDRS", "127.0.0.1/32")
		b.Setenv("RIPTIDE_LOG_LEVEL", "error")
		for k, v := range env {
			b.Setenv(k, v)
		}
		return startServe(b)
	}
	perURL := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*benchJobURLs), "ms/url")
		b.ReportMetric(float64(b.N*benchJobURLs)/b.Elapsed().Seconds(), "urls/s")
	}

	b.Run("direct_crawl", func(b *testing.B) {
		base := serve(b, nil)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			code, body := call(b, "POST", base+"/api/v1/crawl", `{"urls":`+string(quoted)+`,"options":`+opts+`}`)
			if code != 200 || strings.Count(body, `"status":200`) < benchJobURLs {
				b.Fatalf("crawl: %d %.300s", code, body)
			}
		}
		perURL(b)
	})
	b.Run("batch_job", func(b *testing.B) {
		base := serve(b, nil)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			id := submitJob(b, base, `{"type":"batch_crawl","urls":`+string(quoted)+`,"options":`+opts+`}`)
			mustComplete(b, base, id)
		}
		perURL(b)
	})
	singles := func(b *testing.B, base string) {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ids := make([]string, len(urls))
			for k, u := range urls {
				ids[k] = submitJob(b, base, `{"type":"single_crawl","url":"`+u+`","options":`+opts+`}`)
			}
			for _, id := range ids {
				mustComplete(b, base, id)
			}
		}
		perURL(b)
		b.ReportMetric(float64(b.N*benchJobURLs)/b.Elapsed().Seconds(), "jobs/s")
	}
	b.Run("single_jobs/local", func(b *testing.B) { singles(b, serve(b, nil)) })
	b.Run("single_jobs/sqs", func(b *testing.B) {
		endpoint := testenv.MotoURL(b)
		c := motoSQS(endpoint)
		mk := func(name string) string {
			out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name + "-" + fmt.Sprint(time.Now().UnixNano())),
				Attributes: map[string]string{"VisibilityTimeout": "60"}})
			if err != nil {
				b.Fatal(err)
			}
			return *out.QueueUrl
		}
		singles(b, serve(b, map[string]string{
			"RIPTIDE_QUEUE_URL": mk("jobs"), "RIPTIDE_QUEUE_HIGH_URL": mk("jobs-high"),
			"RIPTIDE_DLQ_URL": mk("jobs-dlq"), "RIPTIDE_DLQ_HIGH_URL": mk("jobs-high-dlq"),
			"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
		}))
	})
}
