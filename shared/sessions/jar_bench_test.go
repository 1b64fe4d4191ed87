package sessions

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"testing"

	"golang.org/x/net/publicsuffix"
)

// BenchmarkCookiesFor compares choosing a request's cookies from a full
// session jar (500 cookies over 20 hosts) with net/http/cookiejar doing
// the same: the peer the jar replaces where it cannot be serialised.
// go test -run ^$ -bench CookiesFor ./shared/sessions/
func BenchmarkCookiesFor(b *testing.B) {
	fill := func(set func(u *url.URL, cs []*http.Cookie)) *url.URL {
		for h := 0; h < 20; h++ {
			u, _ := url.Parse("https://h" + strconv.Itoa(h) + ".shop.example.org/a/b")
			var cs []*http.Cookie
			for i := 0; i < 25; i++ {
				c := &http.Cookie{Name: "c" + strconv.Itoa(i), Value: "v", Path: "/"}
				if i%5 == 0 {
					c.Domain = "shop.example.org"
				}
				cs = append(cs, c)
			}
			set(u, cs)
		}
		u, _ := url.Parse("https://h7.shop.example.org/a/b/c")
		return u
	}
	b.Run("sessions.Jar", func(b *testing.B) {
		j := NewJar(nil, nil)
		u := fill(j.SetCookies)
		b.ReportAllocs()
		for b.Loop() {
			if len(j.Cookies(u)) == 0 {
				b.Fatal("no cookies")
			}
		}
	})
	b.Run("net/http/cookiejar", func(b *testing.B) {
		j, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
		u := fill(j.SetCookies)
		b.ReportAllocs()
		for b.Loop() {
			if len(j.Cookies(u)) == 0 {
				b.Fatal("no cookies")
			}
		}
	})
}
