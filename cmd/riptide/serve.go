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

	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/version"
	"github.com/riptidecrawler/riptide/shared/wire"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "", "listen address (default $RIPTIDE_ADDR or 127.0.0.1:8080)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := wire.New(ctx, "local", os.LookupEnv)
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
	listen := p.Config.Addr
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
		ErrorLog:          slog.NewLogLogger(p.Logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "RipTide %s listening on http://%s (redis: %s)\n", version.String(), ln.Addr(), p.Store.Kind())
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
