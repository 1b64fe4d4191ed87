package s3blob

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/awsapi"
)

// listResult is the part of ListObjectsV2's ListBucketResult the store
// reads.
type listResult struct {
	IsTruncated           bool
	NextContinuationToken string
	Contents              []struct {
		Key          string
		Size         int64
		LastModified time.Time
	}
}

// listPage requests one page of ListObjectsV2 (up to 1,000 keys).
func (s *Store) listPage(ctx context.Context, prefix, token string) (*listResult, error) {
	q := url.Values{"list-type": {"2"}}
	if prefix != "" {
		q.Set("prefix", prefix)
	}
	if s.pageSize > 0 {
		q.Set("max-keys", strconv.Itoa(s.pageSize))
	}
	if token != "" {
		q.Set("continuation-token", token)
	}
	resp, err := s.api.Do(ctx, awsapi.Request{Method: http.MethodGet, Path: "/", Query: q})
	if err != nil {
		return nil, err
	}
	var page listResult
	if err := xml.Unmarshal(resp.Body, &page); err != nil {
		return nil, &awsapi.ResponseError{Service: Service.ID, StatusCode: resp.StatusCode, RequestID: resp.RequestID,
			Err: fmt.Errorf("ListObjectsV2 answer is not a ListBucketResult: %w", err)}
	}
	return &page, nil
}
