// Package render loads pages in headless Chromium: waits, scrolling,
// actions, screenshots, PDFs, cookies, resource blocking and stealth, with
// every request the browser makes checked by an address guard.
//
// Two adapters satisfy Renderer: Local drives a Chromium in this process
// (the render Lambda and `riptide serve`), Remote invokes the render Lambda
// from any other function.
package render

import "context"

// Renderer renders one page.
//
// Errors are *core.Error: validation_error and invalid_url for a bad
// request, blocked_url when the guard refuses the page (or a redirect of
// it), fetch_error when the page cannot be loaded, timeout_error when the
// deadline passes, render_error when the browser fails, dependency_error
// when no browser can be started or the render function cannot be reached.
type Renderer interface {
	Render(ctx context.Context, req Request) (*Result, error)
}
