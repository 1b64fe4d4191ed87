package sessionsapi

import (
	"reflect"

	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/sessions"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	enums := map[reflect.Type][]string{reflect.TypeFor[sessions.SameSite](): sessions.SameSite("").EnumValues()}
	bodies := map[string]any{"SessionsCreate": sessions.CreateSpec{}, "SessionsExtend": ExtendRequest{}, "SessionsCookieSpec": sessions.CookieSpec{}}
	responses := map[string]any{
		"SessionsSession": sessions.View{}, "SessionsPage": sessions.Page{}, "SessionsStats": sessions.Stats{},
		"SessionsCleanup": sessions.CleanupReport{}, "SessionsCookie": sessions.Cookie{}, "SessionsCookieList": CookieList{},
	}
	s := routes.Schemas{Components: map[string]any{}, Bodies: map[string]string{
		"sessions.create": "SessionsCreate", "sessions.extend": "SessionsExtend", "sessions.cookies.set": "SessionsCookieSpec",
	}, Responses: map[string]string{
		"sessions.create": "SessionsSession", "sessions.list": "SessionsPage", "sessions.stats": "SessionsStats",
		"sessions.cleanup": "SessionsCleanup", "sessions.get": "SessionsSession", "sessions.extend": "SessionsSession",
		"sessions.cookies.set": "SessionsCookie", "sessions.cookies.list": "SessionsCookieList",
		"sessions.cookies.domain": "SessionsCookieList", "sessions.cookies.get": "SessionsCookie",
	}}
	required := map[string][]string{"SessionsCookieSpec": {"domain", "name", "value"}}
	for name, v := range bodies {
		sc := routes.SchemaOf(reflect.TypeOf(v), enums, true)
		if r := required[name]; len(r) > 0 {
			sc["required"] = r
		}
		s.Components[name] = sc
	}
	for name, v := range responses {
		s.Components[name] = routes.SchemaOf(reflect.TypeOf(v), enums, false)
	}
	return s
}
