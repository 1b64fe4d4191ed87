// Package config reads RipTide's configuration from environment variables.
// Every variable, its default and meaning is listed in Vars, which also
// renders the configuration table in README.md (a test keeps them equal).
package config

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/ratelimit"
)

// Var documents one environment variable.
type Var struct {
	Name    string
	Default string
	Meaning string
}

// Vars lists every environment variable RipTide reads.
var Vars = []Var{
	{"RIPTIDE_ADDR", "127.0.0.1:8080", "Listen address of `riptide serve` (local server only)."},
	{"RIPTIDE_API_KEYS", "", "Comma-separated API keys accepted in `X-API-Key` or `Authorization: Bearer`. With none set and auth on, protected routes answer 401 saying so."},
	{"RIPTIDE_API_KEYS_SECRET_ARN", "", "Secrets Manager secret holding the API keys (AWS); read on first use and cached 5 minutes. Rotated by the admin function (docs/security.md)."},
	{"RIPTIDE_API_KEYS_OVERLAP", "24h", "After a rotation of `RIPTIDE_API_KEYS_SECRET_ARN`, how long the keys of its previous version (`AWSPREVIOUS`) are still accepted, counted from the new version's creation; `0s` ends them at once. At most `168h`."},
	{"RIPTIDE_AUTH", "required", "`required`, or `disabled` to turn authentication off (private local use only)."},
	{"RIPTIDE_METRICS_PUBLIC", "true", "Serve `/metrics` without an API key."},
	{"RIPTIDE_OIDC_ISSUER", "", "OAuth2/OIDC issuer whose JWT bearer tokens are accepted beside API keys (docs/security.md). Empty: API keys only."},
	{"RIPTIDE_OIDC_AUDIENCE", "", "Audience a token must carry (`aud`); required with `RIPTIDE_OIDC_ISSUER`."},
	{"RIPTIDE_OIDC_JWKS_URL", "", "Signing keys of the issuer; empty reads `jwks_uri` from the issuer's discovery document on the first token."},
	{"RIPTIDE_OIDC_SCOPE_CLAIM", "scope", "Claim holding a token's scopes (space-separated string or list; `crawl` or `riptide:crawl`)."},
	{"RIPTIDE_OIDC_TENANT_CLAIM", "tenant", "Claim holding a token's tenant."},
	{"RIPTIDE_OIDC_PLAN_CLAIM", "plan", "Claim naming a token's rate-limit plan (one of `RIPTIDE_RATE_PLANS`); absent or unknown: `default`."},
	{"RIPTIDE_KEY_PEPPER", "", "Server secret mixed into the hash of every managed API key (docs/security.md); in AWS use `RIPTIDE_KEY_PEPPER_SECRET_ARN` instead. Changing it invalidates every managed key."},
	{"RIPTIDE_KEY_PEPPER_SECRET_ARN", "", "Secrets Manager secret holding the pepper (a plain string, or JSON with a `password` field; CDK generates it). Read once per process, on the first managed key checked or created. Not with `RIPTIDE_KEY_PEPPER`."},
	{"RIPTIDE_RATE_LIMIT", "600", "Requests per minute per API key across every route group, the `default` plan's request quota (GCRA in Redis across instances); 0 turns the built-in limits off."},
	{"RIPTIDE_RATE_PLANS", "", "Rate-limit plans as JSON, `{\"plan\": {\"group or *\": {\"requests|urls|render_seconds|llm_tokens\": per_minute or {\"per_minute\": n, \"burst\": b}}}}`; a plan named here replaces the built-in one of that name (docs/security.md lists the built-in `default`). Managed keys name their plan."},
	{"RIPTIDE_RATE_FAIL_CLOSED", "render,deepsearch,llm,strategies", "Route groups refused (503, Retry-After) while the rate-limit store is unreachable, because they spend money; every other group is limited per instance instead."},
	{"RIPTIDE_SESSION_RATE_LIMIT", "100", "Pages per minute crawled or rendered with one session (`session_id`), counted in Redis across instances; 0 turns the limit off."},
	{"RIPTIDE_CORS_ORIGINS", "*", "Comma-separated origins allowed by CORS; `*` any, empty none."},
	{"RIPTIDE_LOG_LEVEL", "info", "`debug`, `info`, `warn` or `error`. Logs are JSON on stderr."},
	{"REDIS_URL", "", "Redis URL (`redis://` or `rediss://` for TLS, with `user:password@`). Empty: an in-process Redis (miniredis), state lost on exit."},
	{"REDIS_AUTH_SECRET_ARN", "", "Secrets Manager secret holding the Redis auth token (ElastiCache); used when REDIS_URL has no password."},
	{"RIPTIDE_KEY_PREFIX", "riptide:", "Prefix of every Redis key, to share one Redis between deployments."},
	{"RIPTIDE_ALLOW_CIDRS", "", "CIDRs the SSRF guard lets through although private (e.g. `127.0.0.0/8` for tests). Empty: only public addresses are fetched."},
	{"RIPTIDE_RENDER_FUNCTION", "", "Name or ARN of the render Lambda that the crawl and stealth functions invoke for headless pages; empty renders in process with a local Chromium."},
	{"RIPTIDE_CHROMIUM_PATH", "", "Chromium binary for in-process rendering; empty searches chromium-headless-shell, chromium, chromium-browser, google-chrome on PATH."},
	{"RIPTIDE_ARTIFACTS_BUCKET", "", "S3 bucket for blobs: render artifacts larger than RIPTIDE_ARTIFACT_INLINE_MAX (returned as presigned links), WASM modules, uploads, job result pages and spider result records of 16 KiB or more (with a real Redis), under one prefix each. Empty: RIPTIDE_BLOB_DIR, else process memory (artifacts then always inline; spider records stay in Redis)."},
	{"RIPTIDE_BACKUP_BUCKET", "", "S3 bucket the workers function's daily backup task writes the store's logical backup to (AWS; set by CDK). Empty: `backups/` in RIPTIDE_BLOB_DIR, else the task fails; locally `riptide backup` writes a file."},
	{"RIPTIDE_AUDIT_BUCKET", "", "S3 bucket (Object Lock) that `riptide audit export` writes the audit trail to (AWS; set by CDK on the workers and job-producing functions). Empty: the blob store (`RIPTIDE_ARTIFACTS_BUCKET`, else `RIPTIDE_BLOB_DIR`, else memory)."},
	{"RIPTIDE_BLOB_DIR", "", "Folder for blobs when no bucket is set (local server: modules and results survive a restart; with REDIS_URL, spider result records of 16 KiB or more go here instead of Redis, and are removed with their run, not when it expires: docs/data-retention.md). Empty: process memory."},
	{"RIPTIDE_WASM_CACHE_DIR", "", "Folder of the WASM compilation cache. Empty: riptide-wasm in the system temp folder (/tmp in Lambda)."},
	{"RIPTIDE_ARTIFACT_INLINE_MAX", "1048576", "Largest artifact (bytes) returned inline as base64 when a bucket is configured."},
	{"RIPTIDE_WS_ENDPOINT", "", "API Gateway management endpoint for WebSocket replies (crawl-ws function); empty derives it from each event (`https://{domain}/{stage}`)."},
	{"RIPTIDE_WS_SELF_ALIAS", "", "Alias the crawl-ws function hands WebSocket messages to (CDK sets `live`, so hand-offs follow the canary and run the version the alias serves). Empty: the unqualified name (`$LATEST`)."},
	{"RIPTIDE_SPIDER_STATE_MACHINE_ARN", "", "Step Functions state machine that runs spider crawls (AWS). Empty: the local orchestrator runs them in the process (`riptide serve`)."},
	{"RIPTIDE_QUEUE_URL", "", "SQS queue of normal and low priority jobs (AWS; set by CDK). Empty: the local queue in Redis (`riptide serve`); set, `riptide serve` uses SQS too."},
	{"RIPTIDE_QUEUE_HIGH_URL", "", "SQS queue of high-priority jobs; empty sends them to `RIPTIDE_QUEUE_URL`."},
	{"RIPTIDE_DLQ_URL", "", "Dead-letter queue of `RIPTIDE_QUEUE_URL` (queue statistics and redrive)."},
	{"RIPTIDE_DLQ_HIGH_URL", "", "Dead-letter queue of `RIPTIDE_QUEUE_HIGH_URL`."},
	{"RIPTIDE_QUEUE_ARN", "", "ARN of `RIPTIDE_QUEUE_URL`: the target of EventBridge Scheduler schedules."},
	{"RIPTIDE_QUEUE_HIGH_ARN", "", "ARN of `RIPTIDE_QUEUE_HIGH_URL`."},
	{"RIPTIDE_SCHEDULE_GROUP", "", "EventBridge Scheduler group holding one schedule per user schedule (AWS). Empty: schedules fire from the in-process cron."},
	{"RIPTIDE_GATEWAY_STACK", "", "Stack whose API Gateway usage plans and keys the authorizer function meters callers on (AWS; set by CDK): usage plans `<stack>-<plan>`, one key per caller (docs/security.md, \"API Gateway usage plans\")."},
	{"RIPTIDE_GATEWAY_PLANS", "default", "Comma-separated plans the stack has usage plans for; a caller whose plan is not listed is metered on `default`, a request without a valid credential on `anonymous` when listed."},
	{"RIPTIDE_SCHEDULER_ROLE_ARN", "", "Role EventBridge Scheduler assumes to send a schedule's job to the queue."},
	{"RIPTIDE_JOB_WORKERS", "4", "Jobs run at once by the local worker pool of `riptide serve`."},
	{"RIPTIDE_LEGACY_SUNSET", "2027-06-30", "Date (RFC 3339 date) announced in the `Sunset` header of legacy unprefixed paths."},
	{"RIPTIDE_VENDOR_KEYS_SECRET_ARN", "", "Secrets Manager secret holding search and LLM vendor keys as a JSON object keyed by variable name (`{\"SERPER_API_KEY\":\"...\"}`); a key set in the environment wins. Read on first use, cached 5 minutes."},
	{"RIPTIDE_SEARCH_PROVIDER", "auto", "Default search provider: `serper`, `brave`, `tavily`, `searxng`, or `auto` (the first one configured, in that order). Requests may name another (`provider`)."},
	{"SERPER_API_KEY", "", "serper.dev key (Google results)."},
	{"BRAVE_API_KEY", "", "Brave Search API subscription token."},
	{"TAVILY_API_KEY", "", "Tavily API key."},
	{"SEARXNG_URL", "", "Base URL of a SearXNG instance with the `json` format enabled (no key)."},
	{"RIPTIDE_LLM_PROVIDER", "auto", "Active LLM provider (`openai`, `anthropic`, `azure_openai`, `bedrock`, `openrouter`, `ollama`, `vllm`, `localai`), or `auto` (the first configured). `POST /api/v1/llm/providers/switch` overrides it."},
	{"RIPTIDE_LLM_FAILOVER", "", "Comma-separated providers tried after the active one on a timeout, 429 or 5xx; empty means every other configured provider, `none` disables failover."},
	{"OPENAI_API_KEY", "", "OpenAI key."},
	{"OPENAI_BASE_URL", "https://api.openai.com/v1", "OpenAI-compatible base URL (up to, not including, `/chat/completions`)."},
	{"OPENAI_MODEL", "gpt-4.1-mini", "OpenAI model."},
	{"ANTHROPIC_API_KEY", "", "Anthropic key."},
	{"ANTHROPIC_BASE_URL", "https://api.anthropic.com", "Anthropic API base URL."},
	{"ANTHROPIC_MODEL", "claude-sonnet-4-5", "Anthropic model."},
	{"AZURE_OPENAI_API_KEY", "", "Azure OpenAI key (sent as `api-key`)."},
	{"AZURE_OPENAI_BASE_URL", "", "Azure OpenAI v1 base URL, `https://<resource>.openai.azure.com/openai/v1`."},
	{"AZURE_OPENAI_MODEL", "", "Azure OpenAI deployment name."},
	{"OPENROUTER_API_KEY", "", "OpenRouter key."},
	{"OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1", "OpenRouter base URL."},
	{"OPENROUTER_MODEL", "openai/gpt-4.1-mini", "OpenRouter model."},
	{"BEDROCK_MODEL_ID", "", "Bedrock model or inference profile id (`amazon.nova-lite-v1:0`); setting it enables the bedrock provider (IAM credentials, `bedrock:InvokeModel`)."},
	{"BEDROCK_REGION", "", "Bedrock region; empty uses `AWS_REGION`."},
	{"BEDROCK_BASE_URL", "", "Bedrock runtime endpoint override (VPC endpoint)."},
	{"OLLAMA_BASE_URL", "http://127.0.0.1:11434/v1", "Ollama's OpenAI-compatible base URL."},
	{"OLLAMA_MODEL", "", "Ollama model; setting it enables the ollama provider."},
	{"VLLM_BASE_URL", "", "vLLM server base URL (`http://host:8000/v1`)."},
	{"VLLM_API_KEY", "", "vLLM `--api-key`, if the server has one."},
	{"VLLM_MODEL", "", "vLLM model name."},
	{"LOCALAI_BASE_URL", "", "LocalAI base URL (`http://host:8080/v1`)."},
	{"LOCALAI_API_KEY", "", "LocalAI key, if the server has one."},
	{"LOCALAI_MODEL", "", "LocalAI model name."},
}

// MaxAPIKeysOverlap bounds RIPTIDE_API_KEYS_OVERLAP: an old bootstrap key
// should not outlive its rotation by more than a week.
const MaxAPIKeysOverlap = 7 * 24 * time.Hour

// LLMProviders are the values RIPTIDE_LLM_PROVIDER accepts besides auto
// (the llm engine's providers).
var LLMProviders = []string{"openai", "anthropic", "azure_openai", "bedrock", "openrouter", "ollama", "vllm", "localai"}

// Config is the parsed configuration.
type Config struct {
	Addr          string
	APIKeys       []string
	APIKeysSecret string
	// APIKeysOverlap is how long the previous version of the API keys
	// secret stays valid after a rotation.
	APIKeysOverlap time.Duration
	KeyPepper      string
	// KeyPepperSecret is the ARN of the secret holding the pepper.
	KeyPepperSecret string
	// OIDC: JWT bearer tokens of one identity provider (empty Issuer: off).
	OIDCIssuer, OIDCAudience, OIDCJWKSURL, OIDCScopeClaim, OIDCTenantClaim, OIDCPlanClaim string
	AuthDisabled                                                                          bool
	MetricsPublic                                                                         bool
	CORSOrigins                                                                           []string
	RateLimit                                                                             int
	// RatePlans are the rate-limit plans (built-in default plus
	// RIPTIDE_RATE_PLANS); RateFailClosed the groups refused while the
	// limiter's store is down.
	RatePlans      ratelimit.Plans
	RateFailClosed []string
	// SessionRateLimit is pages per minute per session (0: no limit).
	SessionRateLimit int
	LogLevel         slog.Level
	RedisURL         string
	RedisSecret      string
	KeyPrefix        string
	AllowCIDRs       []netip.Prefix
	LegacySunset     time.Time
	WSEndpoint       string
	WSSelfAlias      string

	RenderFunction    string
	ChromiumPath      string
	ArtifactsBucket   string
	BackupBucket      string
	AuditBucket       string
	ArtifactInlineMax int64
	BlobDir           string
	WASMCacheDir      string
	// SpiderStateMachine is the ARN of the spider state machine.
	SpiderStateMachine string

	// Jobs: SQS queues and their DLQs (empty: the local queue), the
	// Scheduler group and role (empty: the in-process cron), and the local
	// worker pool's size.
	QueueURL, QueueHighURL, DLQURL, DLQHighURL string
	QueueARN, QueueHighARN                     string
	ScheduleGroup, SchedulerRole               string
	// GatewayStack and GatewayPlans configure the authorizer function.
	GatewayStack string
	GatewayPlans []string
	JobWorkers   int

	// VendorKeysSecret is the ARN of the secret with search and LLM keys.
	VendorKeysSecret string
	// SearchProvider is the default search provider ("auto" or a name).
	SearchProvider string
	// SearXNGURL is the SearXNG instance, if any.
	SearXNGURL string
	// LLMProvider is the active LLM provider ("auto" or a name).
	LLMProvider string
}

// LookupFunc reads one variable; os.LookupEnv is one.
type LookupFunc func(name string) (string, bool)

// FromMap is a LookupFunc over a map, for tests.
func FromMap(m map[string]string) LookupFunc {
	return func(name string) (string, bool) { v, ok := m[name]; return v, ok }
}

// Load parses the configuration; lookup is usually os.LookupEnv. Every value
// is validated: a typo in a setting is an error at start, not a silent default.
func Load(lookup LookupFunc) (Config, error) {
	getenv := func(name string) string { v, _ := lookup(name); return v }
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, v := range Vars {
			if v.Name == name {
				return v.Default
			}
		}
		return ""
	}
	var c Config
	var errs []string
	c.Addr = get("RIPTIDE_ADDR")
	c.APIKeys = splitList(getenv("RIPTIDE_API_KEYS"))
	c.APIKeysSecret = get("RIPTIDE_API_KEYS_SECRET_ARN")
	c.KeyPepper = get("RIPTIDE_KEY_PEPPER")
	c.KeyPepperSecret = get("RIPTIDE_KEY_PEPPER_SECRET_ARN")
	if c.KeyPepper != "" && c.KeyPepperSecret != "" {
		errs = append(errs, "RIPTIDE_KEY_PEPPER and RIPTIDE_KEY_PEPPER_SECRET_ARN are both set: set one (two peppers would make half the keys fail)")
	}
	c.OIDCIssuer, c.OIDCAudience, c.OIDCJWKSURL = get("RIPTIDE_OIDC_ISSUER"), get("RIPTIDE_OIDC_AUDIENCE"), get("RIPTIDE_OIDC_JWKS_URL")
	c.OIDCScopeClaim, c.OIDCTenantClaim, c.OIDCPlanClaim = get("RIPTIDE_OIDC_SCOPE_CLAIM"), get("RIPTIDE_OIDC_TENANT_CLAIM"), get("RIPTIDE_OIDC_PLAN_CLAIM")
	if c.OIDCIssuer != "" && c.OIDCAudience == "" {
		errs = append(errs, "RIPTIDE_OIDC_AUDIENCE: required with RIPTIDE_OIDC_ISSUER (a token for another service must not pass)")
	}
	switch a := strings.ToLower(get("RIPTIDE_AUTH")); a {
	case "required":
	case "disabled":
		c.AuthDisabled = true
	default:
		errs = append(errs, fmt.Sprintf("RIPTIDE_AUTH=%q: want required or disabled", a))
	}
	var err error
	if c.APIKeysOverlap, err = time.ParseDuration(get("RIPTIDE_API_KEYS_OVERLAP")); err != nil || c.APIKeysOverlap < 0 || c.APIKeysOverlap > MaxAPIKeysOverlap {
		errs = append(errs, fmt.Sprintf("RIPTIDE_API_KEYS_OVERLAP: %q is not a duration between 0s and 168h", get("RIPTIDE_API_KEYS_OVERLAP")))
	}
	if c.MetricsPublic, err = strconv.ParseBool(get("RIPTIDE_METRICS_PUBLIC")); err != nil {
		errs = append(errs, fmt.Sprintf("RIPTIDE_METRICS_PUBLIC: %v", err))
	}
	// Set-but-empty RIPTIDE_CORS_ORIGINS disables CORS; unset means the default.
	if v, ok := lookup("RIPTIDE_CORS_ORIGINS"); ok {
		c.CORSOrigins = splitList(v)
	} else {
		c.CORSOrigins = []string{"*"}
	}
	if c.RateLimit, err = strconv.Atoi(get("RIPTIDE_RATE_LIMIT")); err != nil || c.RateLimit < 0 {
		errs = append(errs, fmt.Sprintf("RIPTIDE_RATE_LIMIT: %q is not a request count", get("RIPTIDE_RATE_LIMIT")))
	}
	if c.RatePlans, err = ratelimit.ParsePlans(getenv("RIPTIDE_RATE_PLANS"), ratelimit.DefaultPlans(c.RateLimit)); err != nil {
		errs = append(errs, fmt.Sprintf("RIPTIDE_RATE_PLANS: %v", err))
	}
	c.RateFailClosed = splitList(get("RIPTIDE_RATE_FAIL_CLOSED"))
	if v, ok := lookup("RIPTIDE_RATE_FAIL_CLOSED"); ok && strings.TrimSpace(v) == "" {
		c.RateFailClosed = nil // set but empty: every group fails open
	}
	if c.SessionRateLimit, err = strconv.Atoi(get("RIPTIDE_SESSION_RATE_LIMIT")); err != nil || c.SessionRateLimit < 0 {
		errs = append(errs, fmt.Sprintf("RIPTIDE_SESSION_RATE_LIMIT: %q is not a page count", get("RIPTIDE_SESSION_RATE_LIMIT")))
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("RIPTIDE_LOG_LEVEL"))); err != nil {
		errs = append(errs, fmt.Sprintf("RIPTIDE_LOG_LEVEL: %v", err))
	}
	c.RedisURL = get("REDIS_URL")
	c.RedisSecret = get("REDIS_AUTH_SECRET_ARN")
	c.KeyPrefix = get("RIPTIDE_KEY_PREFIX")
	c.SpiderStateMachine = get("RIPTIDE_SPIDER_STATE_MACHINE_ARN")
	c.QueueURL, c.QueueHighURL = get("RIPTIDE_QUEUE_URL"), get("RIPTIDE_QUEUE_HIGH_URL")
	c.DLQURL, c.DLQHighURL = get("RIPTIDE_DLQ_URL"), get("RIPTIDE_DLQ_HIGH_URL")
	c.QueueARN, c.QueueHighARN = get("RIPTIDE_QUEUE_ARN"), get("RIPTIDE_QUEUE_HIGH_ARN")
	c.ScheduleGroup, c.SchedulerRole = get("RIPTIDE_SCHEDULE_GROUP"), get("RIPTIDE_SCHEDULER_ROLE_ARN")
	c.GatewayStack, c.GatewayPlans = get("RIPTIDE_GATEWAY_STACK"), splitList(get("RIPTIDE_GATEWAY_PLANS"))
	if c.JobWorkers, err = strconv.Atoi(get("RIPTIDE_JOB_WORKERS")); err != nil || c.JobWorkers < 1 || c.JobWorkers > 256 {
		errs = append(errs, fmt.Sprintf("RIPTIDE_JOB_WORKERS: %q is not a worker count (1..256)", get("RIPTIDE_JOB_WORKERS")))
	}
	for _, s := range splitList(getenv("RIPTIDE_ALLOW_CIDRS")) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			if a, aerr := netip.ParseAddr(s); aerr == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			} else {
				errs = append(errs, fmt.Sprintf("RIPTIDE_ALLOW_CIDRS: %q is not a CIDR or address", s))
				continue
			}
		}
		c.AllowCIDRs = append(c.AllowCIDRs, p.Masked())
	}
	c.WSEndpoint = get("RIPTIDE_WS_ENDPOINT")
	c.WSSelfAlias = get("RIPTIDE_WS_SELF_ALIAS")
	c.RenderFunction = get("RIPTIDE_RENDER_FUNCTION")
	c.ChromiumPath = get("RIPTIDE_CHROMIUM_PATH")
	c.ArtifactsBucket = get("RIPTIDE_ARTIFACTS_BUCKET")
	c.BackupBucket = get("RIPTIDE_BACKUP_BUCKET")
	c.AuditBucket = get("RIPTIDE_AUDIT_BUCKET")
	c.BlobDir = get("RIPTIDE_BLOB_DIR")
	c.WASMCacheDir = get("RIPTIDE_WASM_CACHE_DIR")
	if c.ArtifactInlineMax, err = strconv.ParseInt(get("RIPTIDE_ARTIFACT_INLINE_MAX"), 10, 64); err != nil || c.ArtifactInlineMax < 0 {
		errs = append(errs, fmt.Sprintf("RIPTIDE_ARTIFACT_INLINE_MAX: %q is not a byte count", get("RIPTIDE_ARTIFACT_INLINE_MAX")))
	}
	c.VendorKeysSecret = get("RIPTIDE_VENDOR_KEYS_SECRET_ARN")
	c.SearXNGURL = get("SEARXNG_URL")
	switch c.SearchProvider = strings.ToLower(get("RIPTIDE_SEARCH_PROVIDER")); c.SearchProvider {
	case "auto", "serper", "brave", "tavily", "searxng":
	default:
		errs = append(errs, fmt.Sprintf("RIPTIDE_SEARCH_PROVIDER=%q: want auto, serper, brave, tavily or searxng", c.SearchProvider))
	}
	if c.LLMProvider = strings.ToLower(get("RIPTIDE_LLM_PROVIDER")); c.LLMProvider != "auto" && !slices.Contains(LLMProviders, c.LLMProvider) {
		errs = append(errs, fmt.Sprintf("RIPTIDE_LLM_PROVIDER=%q: want auto or one of %s", c.LLMProvider, strings.Join(LLMProviders, ", ")))
	}
	if c.LegacySunset, err = time.Parse(time.DateOnly, get("RIPTIDE_LEGACY_SUNSET")); err != nil {
		errs = append(errs, fmt.Sprintf("RIPTIDE_LEGACY_SUNSET: %v", err))
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Markdown renders Vars as the README configuration table.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| variable | default | meaning |\n|---|---|---|\n")
	for _, v := range Vars {
		def := "(unset)"
		if v.Default != "" {
			def = "`" + v.Default + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v.Name, def, v.Meaning)
	}
	return b.String()
}
