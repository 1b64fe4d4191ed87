#!/usr/bin/env bash
# Builds the Chromium Lambda layer for the render function from the npm
# package @sparticuz/chromium (a chrome-headless-shell build for Amazon
# Linux 2023, x86-64 only, shipped brotli-packed).
#
#   layers/chromium/build.sh                 # decompress now: /opt/chromium/chromium ready to run
#   layers/chromium/build.sh --mode runtime  # ship the .br files; inflate into /tmp at cold start
#
# Output: layers/chromium/build/chromium-layer.zip (layout below, unpacked
# by Lambda under /opt). `make layers` calls this script.
#
#   build mode                        runtime mode
#   chromium/chromium       (exe)     chromium/chromium.br
#   chromium/libGLESv2.so, libEGL.so, chromium/swiftshader.tar.br
#     libvk_swiftshader.so, ...       chromium/al2023.tar.br
#   lib/libnss3.so, ...  (AL2023 libs chromium/fonts.tar.br
#     Lambda puts /opt/lib on LD_LIBRARY_PATH)
#   fonts/fonts.conf, fonts/fonts/...
#
# The render function's environment for build mode:
#   RIPTIDE_CHROMIUM_PATH=/opt/chromium/chromium  FONTCONFIG_PATH=/opt/fonts
# See docs/render.md for the measurements behind the default.
set -euo pipefail

SPARTICUZ_VERSION="${SPARTICUZ_VERSION:-153.0.0}"   # pinned; bump with docs/render.md
MODE=build
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mode) MODE="$2"; shift 2 ;;
    --mode=*) MODE="${1#--mode=}"; shift ;;
    *) echo "usage: $0 [--mode build|runtime]" >&2; exit 2 ;;
  esac
done
[[ "$MODE" == build || "$MODE" == runtime ]] || { echo "mode must be build or runtime" >&2; exit 2; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$HERE/build"
WORK="$BUILD/work"
LAYER="$BUILD/layer"
rm -rf "$WORK" "$LAYER"
mkdir -p "$WORK" "$LAYER/chromium"

echo "fetching @sparticuz/chromium@$SPARTICUZ_VERSION"
(cd "$WORK" && npm pack --silent "@sparticuz/chromium@$SPARTICUZ_VERSION" >/dev/null)
tar -xzf "$WORK"/sparticuz-chromium-*.tgz -C "$WORK"
BIN="$WORK/package/bin"
for f in chromium.br al2023.tar.br swiftshader.tar.br fonts.tar.br; do
  [[ -f "$BIN/$f" ]] || { echo "missing $f in the npm package: the layout changed" >&2; exit 1; }
done

# inflate SRC DST: brotli-decompress with Node's zlib (Node is there for npm
# anyway, so no brotli tool is needed); prints the time it took.
inflate() {
  node --input-type=module -e '
    import { createReadStream, createWriteStream } from "node:fs";
    import { createBrotliDecompress } from "node:zlib";
    import { pipeline } from "node:stream/promises";
    const [src, dst] = process.argv.slice(1);
    const t = performance.now();
    await pipeline(createReadStream(src), createBrotliDecompress(), createWriteStream(dst));
    console.log(`  inflated ${src.split("/").pop()} in ${((performance.now() - t) / 1000).toFixed(2)} s`);
  ' "$1" "$2"
}

if [[ "$MODE" == build ]]; then
  inflate "$BIN/chromium.br" "$LAYER/chromium/chromium"
  chmod 0755 "$LAYER/chromium/chromium"
  inflate "$BIN/swiftshader.tar.br" "$WORK/swiftshader.tar"
  tar -xf "$WORK/swiftshader.tar" -C "$LAYER/chromium"
  inflate "$BIN/al2023.tar.br" "$WORK/al2023.tar"
  tar -xf "$WORK/al2023.tar" -C "$LAYER"          # -> lib/
  inflate "$BIN/fonts.tar.br" "$WORK/fonts.tar"
  mkdir -p "$LAYER/fonts"
  tar -xf "$WORK/fonts.tar" -C "$LAYER"           # -> fonts.conf, fonts/
  mv "$LAYER/fonts.conf" "$LAYER/fonts/fonts.conf"
else
  cp "$BIN"/*.br "$LAYER/chromium/"
fi

# A fixed timestamp keeps the zip identical between builds of the same version.
find "$LAYER" -exec touch -h -d '2020-01-01T00:00:00Z' {} +
ZIP="$BUILD/chromium-layer.zip"
rm -f "$ZIP"
(cd "$LAYER" && zip -q -r -X -9 "$ZIP" .)

unpacked=$(du -sb "$LAYER" | cut -f1)
zipped=$(stat -c %s "$ZIP")
echo "mode=$MODE version=$SPARTICUZ_VERSION zip=$((zipped / 1048576)) MB unpacked=$((unpacked / 1048576)) MB -> $ZIP"
# Lambda allows 250 MB unpacked for the function and all its layers.
if (( unpacked > 220 * 1048576 )); then
  echo "warning: the layer leaves less than 30 MB of Lambda's 250 MB for the function" >&2
fi
rm -rf "$WORK"
