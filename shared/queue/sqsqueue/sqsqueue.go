// Package sqsqueue is the jobs.Queue on Amazon SQS: high-priority jobs on
// their own queue (served first), normal and low ones on the main queue,
// each with a dead-letter queue that SQS's redrive policy fills after
// maxReceiveCount receives (infra/cdk/jobs.go).
//
// The SQS calls go through Client (client.go), the five operations over
// shared/awsapi, not the SDK's SQS client, for cold start.
package sqsqueue

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
)

// API is the part of SQS the queue uses (*Client).
type API interface {
	SendMessage(ctx context.Context, in *SendMessageInput) (*SendMessageOutput, error)
	ReceiveMessage(ctx context.Context, in *ReceiveMessageInput) (*ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *DeleteMessageInput) error
	ChangeMessageVisibility(ctx context.Context, in *ChangeMessageVisibilityInput) error
	GetQueueAttributes(ctx context.Context, in *GetQueueAttributesInput) (*GetQueueAttributesOutput, error)
}

// The attribute names the queue asks SQS for.
const (
	attrReceiveCount     = "ApproximateReceiveCount"
	attrSentTimestamp    = "SentTimestamp"
	attrVisible          = "ApproximateNumberOfMessages"
	attrInFlight         = "ApproximateNumberOfMessagesNotVisible"
	attrDelayed          = "ApproximateNumberOfMessagesDelayed"
	priorityAttribute    = "priority"
	priorityAttrDataType = "String"
)

// Queue is the SQS job queue.
type Queue struct {
	Client API
	// URL is the main queue; HighURL the high-priority one (empty: URL).
	URL, HighURL string
	// DLQURL and DLQHighURL are their dead-letter queues (empty: none).
	DLQURL, DLQHighURL string
}

// MaxDelay implements jobs.Queue: SQS delays a message at most 15 minutes.
func (q *Queue) MaxDelay() time.Duration { return 15 * time.Minute }

func (q *Queue) urlOf(p jobs.Priority) string {
	if p == jobs.PriorityHigh && q.HighURL != "" {
		return q.HighURL
	}
	return q.URL
}

func dep(err error, what string) error {
	if err == nil {
		return nil
	}
	if awsapi.IsCode(err, CodeQueueDoesNotExist) {
		what += " (the queue does not exist: check RIPTIDE_QUEUE_URL and the other queue settings)"
	}
	return core.Wrap(core.ErrDependency, err, "job queue (SQS): "+what)
}

func seconds(d time.Duration) int32 {
	return int32(min(math.Ceil(max(0, d.Seconds())), 43200))
}

// Send implements jobs.Queue.
func (q *Queue) Send(ctx context.Context, p jobs.Priority, body []byte, delay time.Duration) error {
	prio := string(p)
	_, err := q.Client.SendMessage(ctx, &SendMessageInput{
		QueueURL: q.urlOf(p), MessageBody: string(body), DelaySeconds: min(seconds(delay), 900),
		MessageAttributes: map[string]MessageAttribute{priorityAttribute: {DataType: priorityAttrDataType, StringValue: &prio}},
	})
	return dep(err, "send")
}

// Receive implements jobs.Queue: the high-priority queue first, then the
// main queue (long-polled up to wait).
func (q *Queue) Receive(ctx context.Context, maxN int, wait time.Duration) ([]jobs.Delivery, error) {
	maxN = min(max(1, maxN), 10)
	var out []jobs.Delivery
	if q.HighURL != "" && q.HighURL != q.URL {
		ds, err := q.receive(ctx, q.HighURL, jobs.PriorityHigh, maxN, 0)
		if err != nil {
			return nil, err
		}
		out = ds
	}
	if len(out) > 0 {
		return out, nil
	}
	return q.receive(ctx, q.URL, jobs.PriorityNormal, maxN, min(seconds(wait), 20))
}

func (q *Queue) receive(ctx context.Context, url string, p jobs.Priority, maxN int, wait int32) ([]jobs.Delivery, error) {
	res, err := q.Client.ReceiveMessage(ctx, &ReceiveMessageInput{
		QueueURL: url, MaxNumberOfMessages: int32(maxN), WaitTimeSeconds: wait,
		MessageSystemAttributeNames: []string{attrReceiveCount, attrSentTimestamp},
		MessageAttributeNames:       []string{priorityAttribute},
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, dep(err, "receive")
	}
	out := make([]jobs.Delivery, 0, len(res.Messages))
	for _, m := range res.Messages {
		out = append(out, FromMessage(m.MessageID, m.ReceiptHandle, m.Body, m.Attributes, priorityOf(m.MessageAttributes, p)))
	}
	return out, nil
}

func priorityOf(attrs map[string]MessageAttribute, def jobs.Priority) jobs.Priority {
	if a, ok := attrs[priorityAttribute]; ok && a.StringValue != nil {
		return jobs.Priority(*a.StringValue)
	}
	return def
}

// FromMessage builds a delivery from an SQS message's fields (a receive,
// or a record of the Lambda SQS event).
func FromMessage(id, receipt, body string, attrs map[string]string, p jobs.Priority) jobs.Delivery {
	rc, _ := strconv.Atoi(attrs[attrReceiveCount])
	sent, _ := strconv.ParseInt(attrs[attrSentTimestamp], 10, 64)
	return jobs.Delivery{ID: id, Receipt: receipt, Body: []byte(body), ReceiveCount: max(rc, 1), Priority: p, SentAt: time.UnixMilli(sent)}
}

// Delete implements jobs.Queue.
func (q *Queue) Delete(ctx context.Context, d jobs.Delivery) error {
	return dep(q.Client.DeleteMessage(ctx, &DeleteMessageInput{QueueURL: q.urlOf(d.Priority), ReceiptHandle: d.Receipt}), "delete")
}

// Release implements jobs.Queue: the message becomes visible after delay
// (SQS keeps no failure reason; the worker logs it and records it on the
// job).
func (q *Queue) Release(ctx context.Context, d jobs.Delivery, delay time.Duration, _ string) error {
	return q.Extend(ctx, d, delay)
}

// Extend implements jobs.Queue.
func (q *Queue) Extend(ctx context.Context, d jobs.Delivery, by time.Duration) error {
	err := q.Client.ChangeMessageVisibility(ctx, &ChangeMessageVisibilityInput{
		QueueURL: q.urlOf(d.Priority), ReceiptHandle: d.Receipt, VisibilityTimeout: seconds(by)})
	return dep(err, "change visibility")
}

func (q *Queue) depths(ctx context.Context, url string) (visible, inFlight, delayed int64, err error) {
	res, err := q.Client.GetQueueAttributes(ctx, &GetQueueAttributesInput{QueueURL: url, AttributeNames: []string{attrVisible, attrInFlight, attrDelayed}})
	if err != nil {
		return 0, 0, 0, dep(err, "queue attributes")
	}
	n := func(name string) int64 {
		v, _ := strconv.ParseInt(res.Attributes[name], 10, 64)
		return v
	}
	return n(attrVisible), n(attrInFlight), n(attrDelayed), nil
}

// Stats implements jobs.Queue with SQS's approximate counts. Low-priority
// jobs share the main queue, so they are counted under normal.
func (q *Queue) Stats(ctx context.Context) (*jobs.QueueStats, error) {
	s := &jobs.QueueStats{Backend: "sqs", Visible: map[jobs.Priority]int64{jobs.PriorityHigh: 0, jobs.PriorityNormal: 0, jobs.PriorityLow: 0}}
	queues := map[jobs.Priority]string{jobs.PriorityNormal: q.URL}
	if q.HighURL != "" && q.HighURL != q.URL {
		queues[jobs.PriorityHigh] = q.HighURL
	}
	for p, url := range queues {
		v, f, d, err := q.depths(ctx, url)
		if err != nil {
			return nil, err
		}
		s.Visible[p], s.InFlight, s.Delayed = v, s.InFlight+f, s.Delayed+d
	}
	for _, url := range []string{q.DLQURL, q.DLQHighURL} {
		if url == "" {
			continue
		}
		v, f, _, err := q.depths(ctx, url)
		if err != nil {
			return nil, err
		}
		s.DeadLetter += v + f
	}
	return s, nil
}

// Redrive implements jobs.Queue: every message of the DLQs is sent back to
// its queue, then deleted from the DLQ (at least once: a failure between
// the two leaves a copy in the DLQ, and the job's worker ignores a
// duplicate of a finished job).
func (q *Queue) Redrive(ctx context.Context) (int, error) {
	if q.DLQURL == "" && q.DLQHighURL == "" {
		return 0, core.Errorf(core.ErrNotImplemented, "no dead-letter queue is configured (RIPTIDE_DLQ_URL)")
	}
	moved := 0
	for _, pair := range [][2]string{{q.DLQURL, q.URL}, {q.DLQHighURL, q.urlOf(jobs.PriorityHigh)}} {
		if pair[0] == "" {
			continue
		}
		for moved < 100_000 {
			// A short poll: an empty DLQ ends the redrive at once rather
			// than after the queue's 20-second long poll.
			res, err := q.Client.ReceiveMessage(ctx, &ReceiveMessageInput{QueueURL: pair[0], MaxNumberOfMessages: 10,
				MessageAttributeNames: []string{priorityAttribute}})
			if err != nil {
				return moved, dep(err, "receive from the DLQ")
			}
			if len(res.Messages) == 0 {
				break
			}
			for _, m := range res.Messages {
				if _, err := q.Client.SendMessage(ctx, &SendMessageInput{QueueURL: pair[1], MessageBody: m.Body, MessageAttributes: m.MessageAttributes}); err != nil {
					return moved, dep(err, "redrive")
				}
				if err := q.Client.DeleteMessage(ctx, &DeleteMessageInput{QueueURL: pair[0], ReceiptHandle: m.ReceiptHandle}); err != nil {
					return moved, dep(err, "delete from the DLQ")
				}
				moved++
			}
		}
	}
	return moved, nil
}

var _ jobs.Queue = (*Queue)(nil)
