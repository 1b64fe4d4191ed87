package awsapi

import (
	"net"
	"net/url"
	"strings"
)

// bucketEndpoint addresses bucket on S3's endpoint base the way the SDK's
// S3 endpoint rules do without UsePathStyle: virtual-hosted
// (https://bucket.s3.eu-west-1.amazonaws.com) when the bucket name is a
// DNS label and the endpoint's host is a name, path-style
// (http://127.0.0.1:5000/bucket) when the host is an IP address (moto, a
// local S3) or the name is not a DNS label (dots, which a wildcard TLS
// certificate does not cover).
func bucketEndpoint(base *url.URL, bucket string) *url.URL {
	u := *base
	if virtualHostable(bucket) && net.ParseIP(u.Hostname()) == nil {
		u.Host = bucket + "." + u.Host
		return &u
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + bucket
	u.RawPath = ""
	return &u
}

// virtualHostable is the SDK's isVirtualHostableS3Bucket without dots: 3 to
// 63 lower-case letters, digits and hyphens, starting and ending with a
// letter or digit.
func virtualHostable(bucket string) bool {
	if len(bucket) < 3 || len(bucket) > 63 {
		return false
	}
	for i := 0; i < len(bucket); i++ {
		c := bucket[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (c != '-' || i == 0 || i == len(bucket)-1) {
			return false
		}
	}
	return true
}
