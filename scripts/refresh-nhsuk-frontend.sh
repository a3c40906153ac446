#!/usr/bin/env bash
# Refresh engage/static/nhsuk from the npm package nhsuk-frontend, and build its
# right-to-left stylesheet with rtlcss. Keep VERSION paired with the
# nhsuk-frontend-jinja pin in pyproject.toml (the table in that package's README).
set -euo pipefail
VERSION="${1:-10.6.1}"
RTLCSS_VERSION="4.3.0"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/engage/static/nhsuk"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "nhsuk-frontend@$VERSION" >/dev/null
tar xzf "nhsuk-frontend-$VERSION.tgz"
dist="package/dist/nhsuk"

rm -rf "$dest"
mkdir -p "$dest/images"
cp "$dist/nhsuk-frontend.min.css" "$dest/"
cp "$dist/nhsuk-frontend.min.js" "$dest/"
# icons only: the NHS logo images (favicons, opengraph) are not shipped
cp "$dist"/assets/images/nhsuk-icon-{arrow,chevron,cross,minus,plus,search,tick,user}*.svg "$dest/images/" 2>/dev/null || true
# keep the source-map comments from pointing at files we do not ship
sed -i 's#/\*\# sourceMappingURL=.*\*/##; s#//\# sourceMappingURL=.*##' "$dest"/*.min.css "$dest"/*.min.js
# Frutiger is licensed to NHS services and loads from an NHS server, which the strict
# CSP (and an offline machine) refuses: drop it, so the stack falls back to Arial.
# Icons are served from beside the stylesheet.
sed -i -E 's#@font-face\{font-family:Frutiger W01;[^}]*\}##g; s#url\(/assets/images/#url(images/#g' \
  "$dest/nhsuk-frontend.min.css"

npm install --silent --no-save --prefix "$work/rtl" "rtlcss@$RTLCSS_VERSION" >/dev/null
"$work/rtl/node_modules/.bin/rtlcss" "$dest/nhsuk-frontend.min.css" "$dest/nhsuk-frontend.rtl.min.css" >/dev/null 2>&1

cat > "$dest/LICENSE" <<LICENSE
nhsuk-frontend $VERSION (https://github.com/nhsuk/nhsuk-frontend), copied from the
npm package by scripts/refresh-nhsuk-frontend.sh. nhsuk-frontend.rtl.min.css is the
same stylesheet mirrored for right-to-left scripts by rtlcss $RTLCSS_VERSION.

MIT License

Copyright (c) 2019 NHS.UK

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LICENSE
echo "engage/static/nhsuk now holds nhsuk-frontend $VERSION"
