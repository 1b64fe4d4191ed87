package sqsqueue

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/shared/awsapi"
)

// Service is Amazon SQS on the AWS JSON 1.0 protocol (the SDK's since
// 2023): every operation a POST to the service endpoint with
// X-Amz-Target AmazonSQS.<Operation>. The queue URL travels in the body;
// the request goes to the SQS endpoint of the configured region (or
// AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL, moto in tests), never to the
// queue URL's host, as with the SDK. SQS is query-compatible: its errors
// carry the old query code too (Error.QueryCode
// "AWS.SimpleQueueService.NonExistentQueue" beside Code
// "QueueDoesNotExist").
var Service = awsapi.Service{ID: "SQS", EndpointPrefix: "sqs", SigningName: "sqs",
	TargetPrefix: "AmazonSQS", JSONVersion: "1.0", QueryCompatible: true}

// CodeQueueDoesNotExist is SQS's error code for a queue URL that names no
// queue (awsapi.IsCode; its query code is
// AWS.SimpleQueueService.NonExistentQueue).
const CodeQueueDoesNotExist = "QueueDoesNotExist"

// Client makes the SQS calls the queue needs through awsapi, without the
// SDK's SQS client: its generated schema and endpoint tables cost every
// function that links the jobs code ~1.5 ms of package init (see
// shared/awsapi). Safe for concurrent use.
type Client struct {
	api *awsapi.Client
}

// NewClient returns an SQS client for cfg (region, credentials, endpoint
// settings, the SDK's standard retries unless opts say otherwise).
func NewClient(ctx context.Context, cfg aws.Config, opts awsapi.Options) (*Client, error) {
	api, err := awsapi.New(ctx, cfg, Service, opts)
	if err != nil {
		return nil, err
	}
	return &Client{api: api}, nil
}

// MessageAttribute is a message attribute (DataType "String", "Number"
// or "Binary", with a custom suffix allowed: "String.priority").
type MessageAttribute struct {
	DataType    string  `json:"DataType"`
	StringValue *string `json:"StringValue,omitempty"`
	BinaryValue []byte  `json:"BinaryValue,omitempty"` // base64 on the wire, as encoding/json writes []byte
}

// SendMessageInput is SendMessage's request.
type SendMessageInput struct {
	QueueURL    string `json:"QueueUrl"`
	MessageBody string `json:"MessageBody"`
	// DelaySeconds 0 is left out, so the queue's own delay applies, as
	// with the SDK (FIFO queues refuse a per-message delay).
	DelaySeconds      int32                       `json:"DelaySeconds,omitempty"`
	MessageAttributes map[string]MessageAttribute `json:"MessageAttributes,omitempty"`
}

// SendMessageOutput is SendMessage's answer.
type SendMessageOutput struct {
	MessageID        string `json:"MessageId"`
	MD5OfMessageBody string `json:"MD5OfMessageBody"`
}

// SendMessage sends one message. The body's MD5 that SQS returns is
// checked, as the SDK's client checks it.
func (c *Client) SendMessage(ctx context.Context, in *SendMessageInput) (*SendMessageOutput, error) {
	var out SendMessageOutput
	if _, err := c.api.CallJSON(ctx, "SendMessage", in, &out); err != nil {
		return nil, err
	}
	if err := checkMD5(in.MessageBody, out.MD5OfMessageBody); err != nil {
		return nil, fmt.Errorf("SQS SendMessage %s: %w", out.MessageID, err)
	}
	return &out, nil
}

// ReceiveMessageInput is ReceiveMessage's request.
type ReceiveMessageInput struct {
	QueueURL            string `json:"QueueUrl"`
	MaxNumberOfMessages int32  `json:"MaxNumberOfMessages,omitempty"`
	// WaitTimeSeconds is always sent, 0 included: left out, the queue's
	// ReceiveMessageWaitTimeSeconds applies (20 s on the deployed queues),
	// and a short poll becomes a 20-second long poll.
	WaitTimeSeconds             int32    `json:"WaitTimeSeconds"`
	VisibilityTimeout           int32    `json:"VisibilityTimeout,omitempty"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames,omitempty"`
	MessageAttributeNames       []string `json:"MessageAttributeNames,omitempty"`
}

// Message is a received message.
type Message struct {
	MessageID     string `json:"MessageId"`
	ReceiptHandle string `json:"ReceiptHandle"`
	Body          string `json:"Body"`
	MD5OfBody     string `json:"MD5OfBody"`
	// Attributes are the system attributes asked for
	// (ApproximateReceiveCount, SentTimestamp, ...).
	Attributes        map[string]string           `json:"Attributes"`
	MessageAttributes map[string]MessageAttribute `json:"MessageAttributes"`
}

// ReceiveMessageOutput is ReceiveMessage's answer.
type ReceiveMessageOutput struct {
	Messages []Message `json:"Messages"`
}

// ReceiveMessage receives up to MaxNumberOfMessages messages, waiting up
// to WaitTimeSeconds for the first. Each body's MD5 is checked.
func (c *Client) ReceiveMessage(ctx context.Context, in *ReceiveMessageInput) (*ReceiveMessageOutput, error) {
	var out ReceiveMessageOutput
	if _, err := c.api.CallJSON(ctx, "ReceiveMessage", in, &out); err != nil {
		return nil, err
	}
	for _, m := range out.Messages {
		if err := checkMD5(m.Body, m.MD5OfBody); err != nil {
			return nil, fmt.Errorf("SQS ReceiveMessage, message %s: %w", m.MessageID, err)
		}
	}
	return &out, nil
}

// DeleteMessageInput is DeleteMessage's request.
type DeleteMessageInput struct {
	QueueURL      string `json:"QueueUrl"`
	ReceiptHandle string `json:"ReceiptHandle"`
}

// DeleteMessage deletes a received message.
func (c *Client) DeleteMessage(ctx context.Context, in *DeleteMessageInput) error {
	_, err := c.api.CallJSON(ctx, "DeleteMessage", in, nil)
	return err
}

// ChangeMessageVisibilityInput is ChangeMessageVisibility's request.
type ChangeMessageVisibilityInput struct {
	QueueURL      string `json:"QueueUrl"`
	ReceiptHandle string `json:"ReceiptHandle"`
	// VisibilityTimeout is required and always sent: 0 makes the message
	// visible at once.
	VisibilityTimeout int32 `json:"VisibilityTimeout"`
}

// ChangeMessageVisibility hides a received message for
// VisibilityTimeout seconds from now.
func (c *Client) ChangeMessageVisibility(ctx context.Context, in *ChangeMessageVisibilityInput) error {
	_, err := c.api.CallJSON(ctx, "ChangeMessageVisibility", in, nil)
	return err
}

// GetQueueAttributesInput is GetQueueAttributes' request.
type GetQueueAttributesInput struct {
	QueueURL       string   `json:"QueueUrl"`
	AttributeNames []string `json:"AttributeNames,omitempty"`
}

// GetQueueAttributesOutput is GetQueueAttributes' answer; every value is
// a string ("42" for a count).
type GetQueueAttributesOutput struct {
	Attributes map[string]string `json:"Attributes"`
}

// GetQueueAttributes reads attributes of a queue.
func (c *Client) GetQueueAttributes(ctx context.Context, in *GetQueueAttributesInput) (*GetQueueAttributesOutput, error) {
	var out GetQueueAttributesOutput
	if _, err := c.api.CallJSON(ctx, "GetQueueAttributes", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// checkMD5 compares a body with the MD5 SQS computed of it (hex), which
// catches a body mangled in transit or by an encoding mismatch. An answer
// without a checksum is not checked, as in the SDK.
func checkMD5(body, sum string) error {
	if sum == "" {
		return nil
	}
	got := md5.Sum([]byte(body))
	if hex.EncodeToString(got[:]) != sum {
		return fmt.Errorf("body checksum mismatch: SQS computed MD5 %s, the body has %s", sum, hex.EncodeToString(got[:]))
	}
	return nil
}
