package renderapi

import (
	"context"
	"net/http"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/blob/s3blob"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/store"
)

// Wire returns the group's handler builder around renderer (nil: this
// process cannot render; browser requests get dependency_error).
func Wire(renderer render.Renderer) app.Handlers {
	return func(b *app.Base) (map[string]http.Handler, error) {
		p, err := pipeline.New(pipeline.Config{AllowCIDRs: b.Config.AllowCIDRs, Cache: store.NewCache(b.Store), Logger: b.Logger})
		if err != nil {
			return nil, err
		}
		d := Deps{Renderer: renderer, Pipeline: p, Sessions: sessions.New(b.Store), InlineMax: b.Config.ArtifactInlineMax, LinkTTL: time.Hour}
		if b.Config.ArtifactsBucket != "" {
			cfg, err := awsconfig.LoadDefaultConfig(context.Background())
			if err != nil {
				return nil, err
			}
			d.Blob = s3blob.New(s3.NewFromConfig(cfg), b.Config.ArtifactsBucket, "artifacts/")
		}
		return Handlers(d), nil
	}
}
