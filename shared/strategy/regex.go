package strategy

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Regex builds the regex strategy: named patterns (RE2 syntax, so no
// catastrophic backtracking) or built-ins run over the page's visible text
// (one line per block) or its raw HTML.
func Regex() Definition {
	return Definition{
		Name:        "regex",
		Description: "Named regular expressions (RE2) or built-ins over the page text: email, phone (E.164), price (amount and ISO currency), date (ISO 8601 and common formats), url; every distinct match in page order",
		Params: []Param{
			{Name: "patterns", Type: "array", Required: true, Description: "[{name, builtin: email|phone|price|date|url, or pattern (RE2), group (name or number, default the whole match or the only group), first (one value instead of a list), required}]"},
			{Name: "source", Type: "string", Default: "text", Description: "text (visible text, one line per block) or html (the raw HTML)"},
			{Name: "default_region", Type: "string", Description: "ISO 3166-1 region for phone numbers written without a country code (\"US\", \"DE\"); without it such numbers are skipped"},
			{Name: "date_order", Type: "string", Default: "dmy", Description: "dmy or mdy, for numeric dates such as 03/04/2024"},
		},
		New: newRegex,
	}
}

type regexParams struct {
	Patterns      []regexPattern `json:"patterns"`
	Source        string         `json:"source,omitempty"`
	DefaultRegion string         `json:"default_region,omitempty"`
	DateOrder     string         `json:"date_order,omitempty"`
}

type regexPattern struct {
	Name     string          `json:"name"`
	Builtin  string          `json:"builtin,omitempty"`
	Pattern  string          `json:"pattern,omitempty"`
	Group    json.RawMessage `json:"group,omitempty"`
	First    bool            `json:"first,omitempty"`
	Required bool            `json:"required,omitempty"`
}

// maxPatterns and maxMatches bound the work of one step.
const (
	maxPatterns     = 64
	maxMatches      = 1000
	maxPatternBytes = 4096
)

// Built-in patterns: candidates are found by a regular expression and
// then normalised; a candidate that does not normalise (a digit run that
// is no phone number) is not a match.
var builtinPatterns = map[string]string{
	"email": `(?i)\b[a-z0-9][a-z0-9._%+\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}\b`,
	"phone": `(?:\+|\b)\(?\d[\d\-. ()/\x{00a0}]{5,20}\d\b`,
	"price": `(?i)(?:(US\$|C\$|A\$|R\$|[$€£¥₹₩₽₺₪]|\b(?:` + currencyCodes + `))\s?(\d(?:[\d.,'\x{00a0} ]*\d)?))|(?:(\d(?:[\d.,'\x{00a0} ]*\d)?)\s?([$€£¥₹₩₽₺₪]|\b(?:` + currencyCodes + `)\b|kr\b|zł))`,
	"date":  `(?i)\b(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?|\d{1,2}[./]\d{1,2}[./]\d{4}|(?:` + monthNames + `)\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{1,2}(?:st|nd|rd|th)?\.? (?:` + monthNames + `)\.? \d{4})\b`,
	"url":   `(?i)\bhttps?://[^\s<>"'` + "`" + `]+`,
}

const (
	currencyCodes = "USD|EUR|GBP|JPY|CHF|CAD|AUD|NZD|CNY|HKD|SGD|INR|KRW|SEK|NOK|DKK|PLN|CZK|HUF|RUB|TRY|BRL|MXN|ZAR|ILS|AED|SAR"
	monthNames    = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)

// dateLikeRE keeps dates out of phone candidates (both are digit runs
// with dashes).
var dateLikeRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$`)
})

var currencySymbols = map[string]string{
	"$": "USD", "US$": "USD", "C$": "CAD", "A$": "AUD", "R$": "BRL", "€": "EUR", "£": "GBP", "¥": "JPY",
	"₹": "INR", "₩": "KRW", "₽": "RUB", "₺": "TRY", "₪": "ILS", "zł": "PLN", "kr": "SEK",
}

type compiledPattern struct {
	name     string
	builtin  string
	re       *regexp.Regexp
	group    int
	first    bool
	required bool
}

type regexStrategy struct {
	patterns []compiledPattern
	html     bool
	region   string
	dmy      bool
}

func newRegex(params json.RawMessage) (Strategy, error) {
	var p regexParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	if len(p.Patterns) == 0 {
		return nil, core.Errorf(core.ErrValidation, "patterns: at least one pattern is required")
	}
	if len(p.Patterns) > maxPatterns {
		return nil, core.Errorf(core.ErrValidation, "patterns: at most %d", maxPatterns)
	}
	s := &regexStrategy{region: strings.ToUpper(p.DefaultRegion), dmy: p.DateOrder != "mdy"}
	switch p.Source {
	case "", "text":
	case "html":
		s.html = true
	default:
		return nil, core.Errorf(core.ErrValidation, "source: must be text or html")
	}
	if p.DateOrder != "" && p.DateOrder != "dmy" && p.DateOrder != "mdy" {
		return nil, core.Errorf(core.ErrValidation, "date_order: must be dmy or mdy")
	}
	if s.region != "" && !validRegion(s.region) {
		return nil, core.Errorf(core.ErrValidation, "default_region: %q is not an ISO 3166-1 region with a calling code", p.DefaultRegion)
	}
	names := map[string]bool{}
	for i, pt := range p.Patterns {
		path := fmt.Sprintf("patterns[%d]", i)
		if pt.Name == "" {
			return nil, core.Errorf(core.ErrValidation, "%s.name: required (the output field)", path)
		}
		if names[pt.Name] {
			return nil, core.Errorf(core.ErrValidation, "%s.name: %q is used twice", path, pt.Name)
		}
		names[pt.Name] = true
		cp := compiledPattern{name: pt.Name, first: pt.First, required: pt.Required}
		switch {
		case pt.Builtin != "" && pt.Pattern != "":
			return nil, core.Errorf(core.ErrValidation, "%s: give builtin or pattern, not both", path)
		case pt.Builtin != "":
			src, ok := builtinPatterns[pt.Builtin]
			if !ok {
				return nil, core.Errorf(core.ErrValidation, "%s.builtin: %q is not one of email, phone, price, date, url", path, pt.Builtin)
			}
			if len(pt.Group) > 0 {
				return nil, core.Errorf(core.ErrValidation, "%s.group: built-ins have no groups", path)
			}
			cp.builtin, cp.re = pt.Builtin, regexp.MustCompile(src)
		case pt.Pattern != "":
			if len(pt.Pattern) > maxPatternBytes {
				return nil, core.Errorf(core.ErrValidation, "%s.pattern: at most %d bytes", path, maxPatternBytes)
			}
			re, err := regexp.Compile(pt.Pattern)
			if err != nil {
				return nil, core.Errorf(core.ErrValidation, "%s.pattern: %s", path, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
			cp.re = re
			g, err := groupIndex(re, pt.Group)
			if err != nil {
				return nil, core.Errorf(core.ErrValidation, "%s.group: %s", path, err.Error())
			}
			cp.group = g
		default:
			return nil, core.Errorf(core.ErrValidation, "%s: builtin or pattern is required", path)
		}
		s.patterns = append(s.patterns, cp)
	}
	return s, nil
}

// groupIndex resolves the group option: a name or number; by default the
// only capture group when there is exactly one, else the whole match.
func groupIndex(re *regexp.Regexp, raw json.RawMessage) (int, error) {
	if len(raw) == 0 {
		if re.NumSubexp() == 1 {
			return 1, nil
		}
		return 0, nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		if n < 0 || n > re.NumSubexp() {
			return 0, fmt.Errorf("the pattern has %d groups", re.NumSubexp())
		}
		return n, nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return 0, fmt.Errorf("a group name or number")
	}
	if i := re.SubexpIndex(name); i > 0 {
		return i, nil
	}
	return 0, fmt.Errorf("the pattern has no group named %q", name)
}

func (s *regexStrategy) Extract(ctx context.Context, in *Input) (*Output, error) {
	var text string
	if s.html {
		text = string(in.HTML)
	} else {
		text = pageText(in.Page.Node())
	}
	out := &Output{Fields: map[string]any{}}
	for _, p := range s.patterns {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var values []any
		seen := map[string]bool{}
		for _, m := range p.re.FindAllStringSubmatchIndex(text, maxMatches) {
			v, key, ok := s.value(p, text, m)
			if !ok || seen[key] {
				continue
			}
			seen[key] = true
			values = append(values, v)
			if p.first {
				break
			}
		}
		switch {
		case p.first && len(values) > 0:
			out.Fields[p.name] = values[0]
		case p.first:
			out.Fields[p.name] = nil
		default:
			if values == nil {
				values = []any{}
			}
			out.Fields[p.name] = values
		}
		if p.required && len(values) == 0 {
			out.Problems = append(out.Problems, Problem{Field: p.name, Kind: ProblemMissing, Message: "no match"})
		}
	}
	return out, nil
}

// value turns one match into the field's value and its de-duplication key.
func (s *regexStrategy) value(p compiledPattern, text string, m []int) (any, string, bool) {
	whole := text[m[0]:m[1]]
	switch p.builtin {
	case "":
		if m[2*p.group] < 0 {
			return nil, "", false
		}
		v := text[m[2*p.group]:m[2*p.group+1]]
		return v, v, true
	case "email":
		local, domain, _ := strings.Cut(whole, "@")
		v := local + "@" + strings.ToLower(domain)
		return v, strings.ToLower(v), true
	case "phone":
		if dateLikeRE().MatchString(strings.TrimSpace(whole)) {
			return nil, "", false
		}
		v, ok := normalizePhone(whole, s.region)
		return v, v, ok
	case "url":
		v := strings.TrimRight(whole, ".,;:!?)]}'\"")
		return v, v, true
	case "date":
		v, err := parseDate(whole, s.dmy)
		return v, v, err == nil
	case "price":
		sym, num := group(text, m, 1), group(text, m, 2)
		if num == "" {
			num, sym = group(text, m, 3), group(text, m, 4)
		}
		amount, err := parseNumber(num)
		if err != nil {
			return nil, "", false
		}
		cur := strings.ToUpper(sym)
		if c, ok := currencySymbols[sym]; ok {
			cur = c
		} else if c, ok := currencySymbols[strings.ToLower(sym)]; ok {
			cur = c
		}
		v := map[string]any{"amount": amount, "currency": cur, "text": strings.TrimSpace(whole)}
		return v, cur + strconv.FormatFloat(amount, 'f', -1, 64), true
	}
	return nil, "", false
}

func group(text string, m []int, i int) string {
	if 2*i+1 >= len(m) || m[2*i] < 0 {
		return ""
	}
	return text[m[2*i]:m[2*i+1]]
}
