package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/version"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "", "listen address (default $RIPTIDE_ADDR or 127.0.0.1:8080)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := app.New(ctx, "local", os.LookupEnv)
	if err != nil {
		return err
	}
	defer b.Close()
	if _, err := b.Store.EnsureSchema(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	groups, stopBrowser, err := localGroups(ctx, b)
	if err != nil {
		return err
	}
	defer stopBrowser()
	handlers, err := localHandlers(b, groups)
	if err != nil {
		return err
	}
	h, err := b.HTTPHandler(routes.Routes(), handlers)
	if err != nil {
		return err
	}
	listen := b.Config.Addr
	if *addr != "" {
		listen = *addr
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(b.Logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "RipTide %s listening on http://%s (redis: %s)\n", version.String(), ln.Addr(), b.Store.Kind())
	b.Logger.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("redis", b.Store.Kind()))

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
	b.Logger.Info("stopped")
	return nil
}

// localHandlers builds the handlers of every group whose engine exists.
func localHandlers(b *app.Base, groups []app.Handlers) (map[string]http.Handler, error) {
	all := map[string]http.Handler{}
	for _, build := range groups {
		hs, err := build(b)
		if err != nil {
			return nil, err
		}
		for op, h := range hs {
			all[op] = h
		}
	}
	return all, nil
}
