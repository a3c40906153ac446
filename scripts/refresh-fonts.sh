#!/usr/bin/env bash
# Refresh engage/static/fonts from the npm package @fontsource/noto-nastaliq-urdu
# (SIL Open Font License 1.1): the Arabic-script subset only, regular and bold, woff2.
# Latin text keeps the NHS.UK stack (Arial), so English pages load no web font at all.
set -euo pipefail
VERSION="${1:-5.3.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/engage/static/fonts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "@fontsource/noto-nastaliq-urdu@$VERSION" >/dev/null
tar xzf fontsource-noto-nastaliq-urdu-*.tgz
rm -rf "$dest" && mkdir -p "$dest"
cp package/files/noto-nastaliq-urdu-arabic-{400,700}-normal.woff2 "$dest/"
cp package/LICENSE "$dest/LICENSE-noto-nastaliq-urdu.txt"
range=$(grep -A8 'arabic-400-normal \*/' package/400.css | grep -m1 -o 'unicode-range: [^;]*')
{
  echo "/* Noto Nastaliq Urdu $VERSION (@fontsource), SIL OFL 1.1: see LICENSE-noto-nastaliq-urdu.txt */"
  for weight in 400 700; do
    cat <<CSS
@font-face {
  font-family: "Noto Nastaliq Urdu";
  font-style: normal;
  font-display: swap;
  font-weight: $weight;
  src: url(noto-nastaliq-urdu-arabic-$weight-normal.woff2) format("woff2");
  $range;
}
CSS
  done
} > "$dest/fonts.css"
echo "engage/static/fonts now holds Noto Nastaliq Urdu $VERSION"
