#!/usr/bin/env bash
# Vendor the JavaScript the static book needs so that it works offline (no CDN):
#   _vendor/mathjax/       MathJax 3 (tex-chtml.js and the components it loads on demand)
#   _vendor/html-manager/  @jupyter-widgets/html-manager embed.js (renders saved widget state)
# _config.yml serves _vendor/ as a Sphinx static path, so these end up under _static/.
# Versions are pinned in site/package.json and site/package-lock.json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! command -v npm >/dev/null 2>&1; then
    echo "vendor.sh: npm is required (Debian: apt-get install -y npm)" >&2
    exit 1
fi

# --ignore-scripts: nothing we copy needs an install script (fontawesome/core-js postinstalls).
(cd site && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

nm="site/node_modules"
tmp="$(mktemp -d _vendor.tmp.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

# MathJax 3: the combined component plus the directories it lazy-loads from
# (TeX extensions via autoload, CHTML fonts, the context menu, accessibility).
mkdir -p "$tmp/mathjax"
cp "$nm/mathjax/es5/tex-chtml.js" "$tmp/mathjax/"
for d in input output ui a11y sre adaptors; do
    cp -r "$nm/mathjax/es5/$d" "$tmp/mathjax/"
done
cp "$nm/mathjax/LICENSE" "$tmp/mathjax/LICENSE"

# html-manager: the self-contained embed.js (NOT embed-amd.js), its webpack chunks and
# fonts (loaded relative to embed.js). Source maps are left out.
mkdir -p "$tmp/html-manager"
find "$nm/@jupyter-widgets/html-manager/dist" -maxdepth 1 -type f \
    ! -name '*.map' ! -name '*amd*' -exec cp {} "$tmp/html-manager/" \;
cp "$nm/@jupyter-widgets/html-manager/LICENSE" "$tmp/html-manager/LICENSE"

# html-manager compiles its widget-state JSON schema with a default Ajv, whose strict mode logs
# "strict mode: use allowUnionTypes to allow union type keyword" on every widget page. The
# schema does use union types on purpose, so give Ajv the option its message asks for.
ajv='rp=new(ep()),ip=rp.compile(tp)'
if [ "$(grep -c -F "$ajv" "$tmp/html-manager/embed.js")" != 1 ]; then
    echo "vendor.sh: html-manager's Ajv set-up changed; update the allowUnionTypes patch" >&2
    exit 1
fi
sed -i 's/rp=new(ep()),ip=rp.compile(tp)/rp=new(ep())({allowUnionTypes:!0}),ip=rp.compile(tp)/' "$tmp/html-manager/embed.js"

chmod 755 "$tmp"   # mktemp -d creates it 0700
rm -rf _vendor
mv "$tmp" _vendor
trap - EXIT
touch _vendor/.stamp
echo "vendored into _vendor/: $(du -sh _vendor | cut -f1)"
