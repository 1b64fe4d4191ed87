import { useEffect, useRef, useState } from "preact/hooks";
import { apiBase, loadKey } from "../api";

declare const __SWAGGER_UI__: string;
declare global {
  interface Window {
    SwaggerUIBundle?: (opts: Record<string, unknown>) => { preauthorizeApiKey(name: string, key: string): void };
  }
}

// load adds a script or stylesheet once.
function load(tag: "script" | "link", src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (document.querySelector(`[data-src="${src}"]`)) return resolve();
    const el = document.createElement(tag);
    el.dataset.src = src;
    if (el instanceof HTMLScriptElement) el.src = src;
    else {
      el.rel = "stylesheet";
      el.href = src;
    }
    el.onload = () => resolve();
    el.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(el);
  });
}

// Reference is Swagger UI on /api/v1/openapi.json, loaded on first use
// (1.5 MB that the other views do not need). "Try it out" sends the key
// of the key field.
export function Reference() {
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    Promise.all([
      fetch(`${apiBase}/api/v1/openapi.json`).then((r) => r.json() as Promise<Record<string, unknown>>),
      load("link", `${__SWAGGER_UI__}.css`),
      load("script", `${__SWAGGER_UI__}.js`),
    ])
      .then(([spec]) => {
        if (!live || !el.current || !window.SwaggerUIBundle) return;
        // "Try it out" calls this server, whatever address the document
        // lists first.
        const servers = (spec.servers as { url: string }[] | undefined) ?? [];
        spec.servers = [{ url: apiBase, description: "This server" }, ...servers.filter((s) => s.url !== apiBase)];
        const ui = window.SwaggerUIBundle({
          spec,
          domNode: el.current,
          deepLinking: false,
          validatorUrl: null,
          persistAuthorization: false,
          docExpansion: "none",
          defaultModelsExpandDepth: 0,
        });
        const key = loadKey();
        if (key) ui.preauthorizeApiKey("ApiKeyHeader", key);
      })
      .catch((e: Error) => setError(e.message));
    return () => {
      live = false;
    };
  }, []);
  return (
    <section aria-labelledby="ref-title" class="reference">
      <h2 id="ref-title">API reference</h2>
      <p class="muted">
        From <a href={`${apiBase}/api/v1/openapi.json`}>/api/v1/openapi.json</a>.
      </p>
      {error ? <p role="alert">{error}</p> : null}
      <div ref={el} id="swagger-ui" />
    </section>
  );
}
