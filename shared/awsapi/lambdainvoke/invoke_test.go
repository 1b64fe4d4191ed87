package lambdainvoke_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/awsapi/lambdainvoke"
)

// The request is the one the SDK's Invoke sends (its request snapshot):
// the name as an escaped path label, the qualifier as ?Qualifier=, the
// options as X-Amz-* headers, the payload as an octet-stream body.
func TestInvokeWireFormat(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, body = r, nil
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.Header().Set("X-Amz-Log-Result", "bG9n")
		w.Header().Set("X-Amz-Executed-Version", "7")
		w.Header().Set("X-Amzn-RequestId", "inv-1")
		io.WriteString(w, `{"errorType":"x","errorMessage":"y"}`)
	}))
	defer srv.Close()
	c, err := lambdainvoke.New(context.Background(), aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")},
		awsapi.Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Invoke(context.Background(), lambdainvoke.Input{FunctionName: "arn:aws:lambda:eu-west-1:123456789012:function:riptide-render",
		Qualifier: "live", LogType: "Tail", ClientContext: "e30=", Payload: []byte(`{"url":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.URL.EscapedPath(); p != "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Ariptide-render/invocations" {
		t.Errorf("path %s", p)
	}
	if got.Method != "POST" || got.URL.RawQuery != "Qualifier=live" || got.Header.Get("X-Amz-Invocation-Type") != "RequestResponse" ||
		got.Header.Get("X-Amz-Log-Type") != "Tail" || got.Header.Get("X-Amz-Client-Context") != "e30=" ||
		got.Header.Get("Content-Type") != "application/octet-stream" || string(body) != `{"url":"x"}` {
		t.Errorf("request %s %s %v %s", got.Method, got.URL, got.Header, body)
	}
	if out.StatusCode != 200 || out.FunctionError != "Unhandled" || out.LogResult != "bG9n" || out.ExecutedVersion != "7" ||
		out.RequestID != "inv-1" || string(out.Payload) != `{"errorType":"x","errorMessage":"y"}` {
		t.Errorf("output %+v", out)
	}

	if _, err := c.Invoke(context.Background(), lambdainvoke.Input{FunctionName: "f", InvocationType: lambdainvoke.Event}); err != nil {
		t.Fatal(err)
	}
	if got.Header.Get("X-Amz-Invocation-Type") != "Event" || got.URL.RawQuery != "" || got.Header.Get("X-Amz-Log-Type") != "" {
		t.Errorf("event request %s %v", got.URL, got.Header)
	}
}

func TestInvokeErrorsAreAWSErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
		w.WriteHeader(404)
		io.WriteString(w, `{"Type":"User","Message":"Function not found: arn:aws:lambda:eu-west-1:1:function:nope"}`)
	}))
	defer srv.Close()
	c, _ := lambdainvoke.New(context.Background(), aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")},
		awsapi.Options{Endpoint: srv.URL})
	_, err := c.Invoke(context.Background(), lambdainvoke.Input{FunctionName: "nope"})
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.Code != "ResourceNotFoundException" || ae.StatusCode != 404 || ae.Message == "" {
		t.Fatalf("%T %v", err, err)
	}
}
