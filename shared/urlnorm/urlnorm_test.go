package urlnorm

import (
	"errors"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
)

func TestValidateAccepts(t *testing.T) {
	cases := []struct{ in, host string }{
		{"http://example.com/", "example.com"},
		{"HTTPS://EXAMPLE.COM/Path", "example.com"},
		{"https://example.com:8443/x", "example.com:8443"},
		{"http://example.com:080/", "example.com:80"},
		{"http://bücher.example/", "xn--bcher-kva.example"},
		{"http://ｅｘａｍｐｌｅ.com/", "example.com"},
		{"http://example.com./", "example.com"},
		{"http://my_host.example.com/", "my_host.example.com"},
		{"http://r3---sn-apo3qvuoxuxbt-j5pe.example/", "r3---sn-apo3qvuoxuxbt-j5pe.example"},
		// Legacy IPv4 spellings are rewritten to what a browser would dial.
		{"http://2130706433/", "127.0.0.1"},
		{"http://0177.0.0.1/", "127.0.0.1"},
		{"http://0x7f.1/", "127.0.0.1"},
		{"http://127.1/", "127.0.0.1"},
		{"http://0x7F000001/", "127.0.0.1"},
		{"http://１２７．０．０．１/", "127.0.0.1"},
		{"http://[::FFFF:127.0.0.1]/", "[::ffff:127.0.0.1]"},
		{"http://[0:0:0:0:0:0:0:1]:8080/", "[::1]:8080"},
		// Substrings the original service refused are ordinary paths.
		{"https://api.example.com/v10.2/items", "api.example.com"},
		{"https://example.com/data.json", "example.com"},
		{"https://example.com/192.168.1.1/localhost", "example.com"},
	}
	for _, c := range cases {
		u, err := Validate(c.in)
		if err != nil {
			t.Errorf("Validate(%q): %v", c.in, err)
			continue
		}
		if u.Host != c.host {
			t.Errorf("Validate(%q).Host = %q, want %q", c.in, u.Host, c.host)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct{ in, msg string }{
		{"", "empty"},
		{"ftp://example.com/", `scheme must be http or https, got "ftp"`},
		{"file:///etc/passwd", "scheme must be http or https"},
		{"javascript:alert(1)", "scheme must be http or https"},
		{"gopher://127.0.0.1:6379/_INFO", "scheme must be http or https"},
		{"example.com/path", "not absolute"},
		{"//example.com/", "not absolute"},
		{"http:example.com", "no host"},
		{"http:///path", "no host"},
		{"http://user:pass@example.com/", "user name or password"},
		{"http://example.com@127.0.0.1/", "user name or password"},
		{"http://@example.com/", "user name or password"},
		{"http://example.com\\@127.0.0.1/", "backslash"},
		{"http://exa mple.com/", "control character or space"},
		{"http://example.com/\nx", "control character"},
		{"http://example.com:99999/", "invalid port"},
		{"http://example.com:0/", "invalid port"},
		{"http://[fe80::1%25eth0]/", "zone"},
		{"http://1.2.3.4.5/", "invalid IPv4"},
		{"http://256.1.1.1/", "invalid IPv4"},
		{"http://1.2.3.0x1ffffff/", "invalid IPv4"},
		{"http://example.0x/", "invalid IPv4"},
		{"http://08.1.1.1/", "invalid IPv4"},
		{"http://exa<mple.com/", `contains "<"`},
		{"http://%31%32%37.0.0.1/", "invalid URL escape"},
		{"http://exa*mple.com/", "contains"},
		{"http://a..b/", "empty label"},
		{"http://" + strings.Repeat("a", 64) + ".com/", "longer than 63"},
		{"http://example.com/" + strings.Repeat("a", MaxURLLength), "longer than 2048"},
	}
	for _, c := range cases {
		_, err := Validate(c.in)
		var ce *core.Error
		if !errors.As(err, &ce) || ce.Type != core.ErrInvalidURL {
			t.Errorf("Validate(%q) = %v, want invalid_url", c.in, err)
			continue
		}
		if !strings.Contains(ce.Message, c.msg) {
			t.Errorf("Validate(%q) message %q does not name the problem (%q)", c.in, ce.Message, c.msg)
		}
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"HTTP://Example.COM", "http://example.com/"},
		{"http://example.com:80/a", "http://example.com/a"},
		{"https://example.com:443/a", "https://example.com/a"},
		{"http://example.com:443/a", "http://example.com:443/a"},
		{"http://example.com/a/./b/../c", "http://example.com/a/c"},
		{"http://example.com/a/b/..", "http://example.com/a/"},
		{"http://example.com/../../x", "http://example.com/x"},
		{"http://example.com/%2e%2E/x", "http://example.com/x"},
		{"http://example.com/a//b", "http://example.com/a//b"},
		{"http://example.com/%7euser/%41", "http://example.com/~user/A"},
		{"http://example.com/a%2fb", "http://example.com/a%2Fb"},
		{"http://example.com/caf%c3%a9", "http://example.com/caf%C3%A9"},
		{"http://example.com/café", "http://example.com/caf%C3%A9"},
		{"http://example.com/é!(x)", "http://example.com/%C3%A9!(x)"},
		{"http://example.com/a!b", "http://example.com/a!b"},
		{"http://example.com/a#frag", "http://example.com/a"},
		{"http://example.com/?", "http://example.com/"},
		{"http://example.com/?b=2&a=1&a=0", "http://example.com/?a=0&a=1&b=2"},
		{"http://example.com/?utm_source=x&id=5&UTM_Medium=y&fbclid=abc&gclid=1", "http://example.com/?id=5"},
		{"http://example.com/?q=a+b&r=%7e&s=%zz", "http://example.com/?q=a+b&r=~&s=%25zz"},
		{"http://example.com/?a=b=c&&flag", "http://example.com/?a=b=c&flag"},
		{"http://bücher.example/", "http://xn--bcher-kva.example/"},
		{"http://0x7f.1:80/", "http://127.0.0.1/"},
		{"http://[0::1]:80/", "http://[::1]/"},
	}
	for _, c := range cases {
		got, err := Normalize(c.in)
		if err != nil {
			t.Errorf("Normalize(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNormalizeOptions(t *testing.T) {
	in := "http://example.com/a/?z=1&utm_source=x&a=2#top"
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"zero value keeps every parameter", Options{}, "http://example.com/a/?a=2&utm_source=x&z=1"},
		{"custom ignore list", Options{IgnoreParams: []string{"z", "utm_*"}}, "http://example.com/a/?a=2"},
		{"remove trailing slash", Options{TrailingSlash: RemoveTrailingSlash}, "http://example.com/a?a=2&utm_source=x&z=1"},
		{"keep order", Options{KeepQueryOrder: true}, "http://example.com/a/?z=1&utm_source=x&a=2"},
		{"keep fragment", Options{KeepFragment: true}, "http://example.com/a/?a=2&utm_source=x&z=1#top"},
	}
	for _, c := range cases {
		got, err := c.opts.Normalize(in)
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	if got, _ := (Options{TrailingSlash: AddTrailingSlash}).Normalize("http://e.com/a"); got != "http://e.com/a/" {
		t.Errorf("add trailing slash: %q", got)
	}
	if got, _ := (Options{TrailingSlash: RemoveTrailingSlash}).Normalize("http://e.com/"); got != "http://e.com/" {
		t.Errorf("root must stay /: %q", got)
	}
}

func TestParseIPv4Forms(t *testing.T) {
	cases := map[string]string{
		"0":             "0.0.0.0",
		"0x":            "0.0.0.0",
		"1.2.3":         "1.2.0.3",
		"1.65536":       "1.1.0.0",
		"4294967295":    "255.255.255.255",
		"0xffffffff":    "255.255.255.255",
		"017700000001":  "127.0.0.1",
		"192.168.0x1.1": "192.168.1.1",
		"10.0.0.1.":     "10.0.0.1",
	}
	for in, want := range cases {
		a, ok := parseIPv4(in)
		if !ok || a.String() != want {
			t.Errorf("parseIPv4(%q) = %v %v, want %s", in, a, ok, want)
		}
	}
	for _, in := range []string{"4294967296", "1.2.3.4.5", "0x1g", "09", "1.256.1.1", "-1"} {
		if a, ok := parseIPv4(in); ok {
			t.Errorf("parseIPv4(%q) = %v, want failure", in, a)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"http://example.com/a/./b/../c?b=2&a=1#x",
		"HTTPS://EXAMPLE.COM:443/%7e%2F%zz?utm_source=1&q=a+b",
		"http://0x7f.1/", "http://[::ffff:127.0.0.1]:80/", "http://bücher.example/ü?ä=ö",
		"http://example.com//..//./a/", "http://a.b/?&&=&a==", "http://x/%25%2525",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, opts := range []Options{DefaultOptions(), {TrailingSlash: RemoveTrailingSlash, KeepFragment: true}} {
			once, err := opts.Normalize(raw)
			if err != nil {
				var ce *core.Error
				if !errors.As(err, &ce) || ce.Type != core.ErrInvalidURL {
					t.Fatalf("Normalize(%q) error %v is not invalid_url", raw, err)
				}
				continue
			}
			twice, err := opts.Normalize(once)
			if err != nil {
				t.Fatalf("Normalize(%q) = %q, which does not normalise again: %v", raw, once, err)
			}
			if once != twice {
				t.Fatalf("not idempotent:\n in   %q\n once %q\n twice %q", raw, once, twice)
			}
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	in := "HTTPS://Www.Example.COM:443/a/./b/../c/%7euser/caf%c3%a9?z=1&utm_source=x&b=2&a=1#frag"
	for b.Loop() {
		if _, err := Normalize(in); err != nil {
			b.Fatal(err)
		}
	}
}
