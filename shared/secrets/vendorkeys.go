package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
)

// VendorKeysSecretVar names the variable holding the ARN of the secret with
// the search and LLM vendor keys (a JSON object keyed by variable name).
const VendorKeysSecretVar = "RIPTIDE_VENDOR_KEYS_SECRET_ARN"

// VendorKeys resolves search and LLM vendor keys by variable name
// ("OPENAI_API_KEY"): the environment variable first, then the field of
// that name in the JSON object stored in the secret SecretName, so one
// secret (and one IAM grant) holds every vendor key in AWS:
//
//	{"SERPER_API_KEY": "...", "OPENAI_API_KEY": "sk-..."}
//
// Source should be a Cached source: the secret is read once per TTL, not
// per request, and a rotation reaches warm instances within the TTL.
type VendorKeys struct {
	Lookup     func(string) (string, bool)
	Source     Source
	SecretName string
}

// Key returns the key named name, or a dependency_error naming the
// variable (and the secret) to set. The value itself never appears in an
// error.
func (v VendorKeys) Key(ctx context.Context, name string) (string, error) {
	if v.Lookup != nil {
		if val, ok := v.Lookup(name); ok && strings.TrimSpace(val) != "" {
			return strings.TrimSpace(val), nil
		}
	}
	where := "set the environment variable " + name
	if v.SecretName != "" && v.Source != nil {
		raw, err := v.Source.Get(ctx, v.SecretName)
		if err != nil {
			return "", core.Wrap(core.ErrDependency, err, fmt.Sprintf("%s is not set and the vendor keys secret (%s) could not be read", name, VendorKeysSecretVar))
		}
		var fields map[string]any
		if err := json.Unmarshal([]byte(raw), &fields); err != nil {
			return "", &core.Error{Type: core.ErrDependency, Permanent: true,
				Message: fmt.Sprintf("the vendor keys secret (%s) is not a JSON object of variable names to keys", VendorKeysSecretVar)}
		}
		if s, ok := fields[name].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s), nil
		}
		where += fmt.Sprintf(", or add a %q field to the secret %s", name, VendorKeysSecretVar)
	}
	// Repeating the request will not help until someone sets the key.
	return "", &core.Error{Type: core.ErrDependency, Permanent: true, Message: fmt.Sprintf("%s is not configured: %s", name, where)}
}
