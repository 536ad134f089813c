#!/usr/bin/env bash
# Re-vendor the renderer's DejaVu fonts from Debian's packages (fonts-dejavu-core, fonts-dejavu-extra 2.37)
# and check them against the hashes in functions/markdown_documents/fonts/README.md. Run as root on Debian.
set -euo pipefail
DEST="$(cd "$(dirname "$0")/.." && pwd)/functions/markdown_documents/fonts"
SRC=/usr/share/fonts/truetype/dejavu
FILES=(DejaVuSans.ttf DejaVuSans-Bold.ttf DejaVuSans-Oblique.ttf DejaVuSans-BoldOblique.ttf DejaVuSansMono.ttf)
if [[ ! -f "$SRC/DejaVuSans-Oblique.ttf" || ! -f "$SRC/DejaVuSans.ttf" ]]; then
  apt-get install -y --no-install-recommends fonts-dejavu-core fonts-dejavu-extra
fi
for f in "${FILES[@]}"; do
  expected="$(grep -F "| $f |" "$DEST/README.md" | awk -F'|' '{gsub(/ /, "", $4); print $4}')"
  actual="$(sha256sum "$SRC/$f" | cut -d' ' -f1)"
  if [[ "$expected" != "$actual" ]]; then
    echo "$f: sha256 $actual, README.md records $expected (another package version?)" >&2
    exit 1
  fi
  cp "$SRC/$f" "$DEST/$f"
done
echo "fonts vendored into $DEST"
