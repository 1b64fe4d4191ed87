package search

import "github.com/riptidecrawler/riptide/shared/core"

// notConfigured is the error of a provider lacking its key or URL: not
// retryable, since repeating the request will not set the variable.
func notConfigured(format string, args ...any) error {
	e := core.Errorf(core.ErrDependency, format, args...)
	e.Permanent = true
	return e
}

func missingKey(name string) error {
	return notConfigured("%s is not configured: set the environment variable %s", name, name)
}
