package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/version"
	"github.com/riptidecrawler/riptide/web/playground"
)

// serve runs `riptide serve`: every group on one Process, listening on addr
// (default: the configured RIPTIDE_ADDR) until ctx ends.
func serve(ctx context.Context, addr string, lookup config.LookupFunc, stdout io.Writer) error {
	p, err := newProcess(ctx, "local", lookup)
	if err != nil {
		return err
	}
	defer p.Close()
	if _, err := p.Store.EnsureSchema(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	handlers, err := localHandlers(ctx, p)
	if err != nil {
		return err
	}
	h, err := p.HTTPHandler(routes.Routes(), handlers)
	if err != nil {
		return err
	}
	// The web playground at / (docs/playground.md): its files are public,
	// the API calls it makes are not.
	site, err := playground.New()
	if err != nil {
		return fmt.Errorf("playground: %w", err)
	}
	h = site.Mount(h)
	listen := p.Config.Addr
	if addr != "" {
		listen = addr
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	// Requests net/http refuses before routing (bad header bytes, headers
	// too large) get the unified error shape too (docs/errors.md).
	ln = httpx.ProtocolErrorListener(ln, p.Logger)
	srv := newServer(h)
	srv.ErrorLog = slog.NewLogLogger(p.Logger.Handler(), slog.LevelWarn)
	fmt.Fprintf(stdout, "RipTide %s listening on http://%s (redis: %s)\n", version.String(), ln.Addr(), p.Store.Kind())
	fmt.Fprintf(stdout, "Playground: http://%s/\n", ln.Addr())
	p.Logger.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("redis", p.Store.Kind()))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	p.Logger.Info("stopped")
	return nil
}

// Timeouts of the local server (docs/security.md, "Server limits").
const (
	// serverHeaderTimeout bounds reading a request's line and headers.
	serverHeaderTimeout = 10 * time.Second
	// serverWriteTimeout bounds a response from the end of its request's
	// headers: above the longest synchronous request (a 120 s PDF, a 60 s
	// render, waiting for a body for httpx.DefaultBodyReadTimeout).
	// Streams set a deadline per write instead (httpx.StreamWriteTimeout)
	// and WebSockets have none once upgraded.
	serverWriteTimeout = 5 * time.Minute
	// serverIdleTimeout closes a keep-alive connection with no request.
	serverIdleTimeout = 120 * time.Second
	// serverMaxHeaderBytes caps a request's headers (net/http's 1 MiB
	// default is far more than any client of this API sends).
	serverMaxHeaderBytes = 64 << 10
)

// newServer is the local server around h. Its read timeout is split in
// two: serverHeaderTimeout for the headers, and a deadline on the body
// set once the route has accepted the request (httpx.Options
// BodyReadTimeout). http.Server.ReadTimeout is not set: it would stay
// armed while the handler works and cancel its context when it passed.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: serverHeaderTimeout,
		WriteTimeout:      serverWriteTimeout,
		IdleTimeout:       serverIdleTimeout,
		MaxHeaderBytes:    serverMaxHeaderBytes,
	}
}
