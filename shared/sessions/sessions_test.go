package sessions_test

import (
	"context"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/store"
)

func TestCookieJarInRealRedis(t *testing.T) {
	s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: testenv.KeyPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := sessions.New(s)
	now := time.Now()
	st.Now = func() time.Time { return now }
	ctx := context.Background()
	if jar, err := st.Cookies(ctx, "new-session"); err != nil || len(jar) != 0 {
		t.Fatalf("new session: %v %v", jar, err)
	}
	soon := now.Add(time.Minute)
	if err := st.Save(ctx, "s1", []sessions.Cookie{{Name: "sid", Value: "a", Domain: "x.example", Path: "/"}, {Name: "tmp", Value: "t", Domain: "x.example", Expires: &soon}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, "s1", []sessions.Cookie{{Name: "sid", Value: "b", Domain: "x.example", Path: "/"}}); err != nil {
		t.Fatal(err)
	}
	jar, _ := st.Cookies(ctx, "s1")
	if len(jar) != 2 || jar[0].Value != "b" {
		t.Fatalf("merge: %+v", jar)
	}
	now = now.Add(2 * time.Minute)
	if jar, _ := st.Cookies(ctx, "s1"); len(jar) != 1 {
		t.Fatalf("expired cookie still served: %+v", jar)
	}
	if ttl := s.Client.TTL(ctx, s.Prefix()+"session:s1:cookies").Val(); ttl <= 0 || ttl > sessions.DefaultTTL {
		t.Fatalf("session TTL %v", ttl)
	}
	if _, err := st.Cookies(ctx, "bad id!"); core.TypeOf(err) != core.ErrValidation {
		t.Fatalf("bad id: %v", err)
	}
}
