// Package fetch is RipTide's HTTP fetch engine: one GET per URL per call,
// made safe to point at user-supplied URLs. It is a pure engine (no Redis,
// no AWS, no server); build one Fetcher with New and share it.
//
// What a Fetch does, in order, for the URL and again for every redirect hop:
//
//  1. Validate the URL (shared/urlnorm): http/https only, no userinfo, host
//     in canonical form, legacy IPv4 spellings rewritten (0x7f.1 is
//     127.0.0.1). Failures are invalid_url.
//  2. SSRF guard (ssrf.go). Literal addresses and localhost names are judged
//     at once; names are resolved once by the dialer, every address judged,
//     and only judged addresses dialled, so a rebinding DNS server gets no
//     second answer in. Refused: loopback, private, link-local, CGNAT,
//     multicast, broadcast, unspecified, reserved and documentation ranges,
//     cloud metadata endpoints, and IPv6 forms embedding such an IPv4
//     address (mapped, translated, NAT64, 6to4). Teredo is refused outright.
//     Options.AllowCIDRs admits ranges (a metadata address only by an exact
//     entry). Proxies, from Options or per request, are judged the same way;
//     through a proxy the target is resolved and judged locally first (the
//     proxy resolves again itself, which the guard cannot see). Failures
//     are blocked_url.
//  3. robots.txt (robots.go), cached per scheme://host:port: 2xx parsed, 4xx
//     means no rules, 5xx and 429 disallow the host for RobotsErrorTTL,
//     network failures are reported as fetch_error/timeout_error and not
//     cached. Failures are robots_disallowed.
//  4. Circuit breaker per host (breaker.go): open after consecutive
//     failures, fast fetch_error "circuit open" with a Retry-After hint,
//     one probe after the cooldown.
//  5. Politeness (politeness.go): per-host concurrency and minimum delay.
//  6. The request, with connect, first-byte and total timeouts
//     (timeout_error, each named in the message), retried on 429, 503 and
//     connection failures with backoff and jitter or Retry-After (retry.go).
//  7. The body: capped at MaxBodyBytes (cut and reported as Truncated, not
//     refused), gzip/br/deflate decoded with a decompression-bomb guard
//     (decode.go), text converted to UTF-8 (charset.go).
//  8. Bot walls (challenge.go): a challenge page is blocked_by_target with
//     the vendor, never a success. DetectChallenge also works on rendered
//     HTML.
//
// HTTP statuses >= 400 are fetch_error "HTTP 404 Not Found"; with that error
// and with blocked_by_target the Response is returned too.
//
// Known limits: the breaker, the politeness limiter and the robots cache
// live in process memory (HostLimiter can be replaced by a shared one); a
// GET on a kept-alive connection that turns out dead before any response is
// resent once by net/http itself (RFC 9112 section 9.3.1), below the retry
// policy.
package fetch
