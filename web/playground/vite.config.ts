import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { defineConfig, type Plugin } from "vite";

const require = createRequire(import.meta.url);

// Swagger UI is 1.5 MB: it is not bundled with the app but copied as is,
// under a versioned name, and loaded only when the API reference view
// opens (src/views/Reference.tsx).
function swaggerUI(): Plugin {
  const pkg = require("swagger-ui-dist/package.json") as { version: string };
  return {
    name: "riptide-swagger-ui",
    generateBundle() {
      for (const [from, to] of [
        ["swagger-ui-dist/swagger-ui-bundle.js", `assets/swagger-ui-${pkg.version}.js`],
        ["swagger-ui-dist/swagger-ui.css", `assets/swagger-ui-${pkg.version}.css`],
      ]) {
        this.emitFile({ type: "asset", fileName: to, source: readFileSync(require.resolve(from)) });
      }
    },
  };
}

// licenses writes the licence texts of everything the build ships
// (bundled into the app, or Swagger UI copied as is) next to it.
function licenses(): Plugin {
  const files = [
    ["preact", "preact/LICENSE"],
    ["marked", "marked/LICENSE.md"],
    ["dompurify (used under Apache-2.0)", "dompurify/LICENSE"],
    ["swagger-ui-dist", "swagger-ui-dist/LICENSE"],
    ["swagger-ui-dist NOTICE", "swagger-ui-dist/NOTICE"],
    ["swagger-ui-bundle.js: bundled packages", "swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt"],
  ];
  return {
    name: "riptide-licenses",
    generateBundle() {
      const text = files
        .map(([name, file]) => `==> ${name} <==\n\n${readFileSync(new URL(`./node_modules/${file}`, import.meta.url), "utf8").trim()}\n`)
        .join("\n");
      this.emitFile({ type: "asset", fileName: "assets/third-party-licenses.txt", source: text });
    },
  };
}

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  define: {
    __SWAGGER_UI__: JSON.stringify(`/assets/swagger-ui-${(require("swagger-ui-dist/package.json") as { version: string }).version}`),
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts or data: URLs for assets: the CSP allows 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022",
  },
  server: {
    // `npm run dev` against a `riptide serve` on the default address.
    proxy: { "/api": "http://127.0.0.1:8080", "/healthz": "http://127.0.0.1:8080" },
  },
  plugins: [swaggerUI(), licenses()],
});
