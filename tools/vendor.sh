#!/usr/bin/env bash
# Refresh web/static/vendor/ from npm: the prebuilt browser bundles of bpmn-js, camunda-bpmn-js, dmn-js and
# form-js (copied as published, no build step), each with its LICENSE, plus one bundle we build ourselves:
# bpmnlint + bpmnlint-plugin-camunda-compat (Camunda 8.8 rules) + bpmn-moddle with the zeebe descriptor,
# as a browser/Node IIFE (global `BpmnLintCamunda`).
#
# Usage: tools/vendor.sh            (needs node + npm; everything happens in a temp dir)
# Change a version below, run it, check `git diff --stat web/static/vendor`, run tests/web/browser, commit.
set -euo pipefail

BPMN_JS=18.31.1
CAMUNDA_BPMN_JS=5.35.0
DMN_JS=17.10.2
FORM_JS=1.23.0
# the lint bundle (built with esbuild from these exact versions)
BPMNLINT=11.15.0
CAMUNDA_COMPAT=2.61.0
ZEEBE_MODDLE=2.0.0
BPMN_MODDLE=10.3.1
ESBUILD=0.28.2
LINT_TARGET=camunda-cloud-8-8

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/web/static/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

pack() {  # pack NAME@VERSION DIR: npm pack and unpack into $TMP/DIR/package
    mkdir -p "$TMP/$2"
    (cd "$TMP/$2" && npm pack --silent "$1" >/dev/null && tar xzf ./*.tgz)
}

echo "== npm pack"
pack "bpmn-js@$BPMN_JS" bpmn-js
pack "camunda-bpmn-js@$CAMUNDA_BPMN_JS" camunda-bpmn-js
pack "dmn-js@$DMN_JS" dmn-js
pack "@bpmn-io/form-js@$FORM_JS" form-js

rm -rf "$OUT"
mkdir -p "$OUT"

copy() {  # copy LIB REL...: package/dist/REL to $OUT/LIB/REL without dist/ and assets/ (the css sits beside
          # the js, as the pages link it: vendor/bpmn-js/diagram-js.css), and the LICENSE
    local lib="$1"; shift
    local src="$TMP/$lib/package"
    for rel in "$@"; do
        local dest="${rel#assets/}"
        mkdir -p "$OUT/$lib/$(dirname "$dest")"
        cp "$src/dist/$rel" "$OUT/$lib/$dest"
    done
    cp "$src/LICENSE" "$OUT/$lib/LICENSE"
}

echo "== copy dist files"
# read-only diagrams with overlays (dashboard, case page)
copy bpmn-js bpmn-navigated-viewer.production.min.js \
    assets/diagram-js.css assets/bpmn-js.css assets/bpmn-font/css/bpmn-embedded.css
# the Camunda 8 modeler with the zeebe properties panel; its css entry @imports the rest
copy camunda-bpmn-js camunda-cloud-modeler.production.min.js \
    assets/camunda-cloud-modeler.css assets/base-modeler.css assets/diagram-js.css assets/bpmn-js.css \
    assets/bpmn-font/css/bpmn-embedded.css assets/diagram-js-minimap.css assets/properties-panel.css \
    assets/color-picker.css assets/element-templates.css assets/element-template-chooser.css \
    assets/popup-menu.css
copy dmn-js dmn-modeler.production.min.js dmn-viewer.production.min.js \
    assets/diagram-js.css assets/dmn-js-shared.css assets/dmn-js-drd.css assets/dmn-js-decision-table.css \
    assets/dmn-js-decision-table-controls.css assets/dmn-js-literal-expression.css \
    assets/dmn-js-boxed-expression.css assets/dmn-js-boxed-expression-controls.css \
    assets/dmn-font/css/dmn-embedded.css
copy form-js form-viewer.umd.js form-editor.umd.js \
    assets/form-js.css assets/form-js-editor.css assets/properties-panel.css assets/flatpickr/light.css

echo "== build the bpmnlint bundle"
LB="$TMP/bpmnlint-build"
mkdir -p "$LB"
cd "$LB"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "bpmnlint@$BPMNLINT" "bpmnlint-plugin-camunda-compat@$CAMUNDA_COMPAT" \
    "zeebe-bpmn-moddle@$ZEEBE_MODDLE" "bpmn-moddle@$BPMN_MODDLE" "esbuild@$ESBUILD"
cat > packed-config.cjs <<EOF
// bpmnlint's own config compiler: resolves every enabled rule to an import (what rollup-plugin-bpmnlint does)
const compileConfig = require('bpmnlint/lib/support/compile-config');
compileConfig({
  extends: ['bpmnlint:recommended', 'plugin:camunda-compat/$LINT_TARGET']
}).then(code => require('fs').writeFileSync('packed-config.mjs', code));
EOF
node packed-config.cjs
cat > entry.mjs <<EOF
import Linter from 'bpmnlint/lib/linter';
import { BpmnModdle } from 'bpmn-moddle';
import zeebe from 'zeebe-bpmn-moddle/resources/zeebe.json';
import { config, resolver } from './packed-config.mjs';

export const target = '$LINT_TARGET';
export const versions = {
  bpmnlint: '$BPMNLINT', 'bpmnlint-plugin-camunda-compat': '$CAMUNDA_COMPAT',
  'zeebe-bpmn-moddle': '$ZEEBE_MODDLE', 'bpmn-moddle': '$BPMN_MODDLE'
};

function flatten(results) {
  const problems = [];
  for (const [rule, reports] of Object.entries(results)) {
    for (const r of reports) {
      problems.push({ rule, id: r.id || null, message: r.message, category: r.category, path: r.path || null });
    }
  }
  problems.sort((a, b) => (a.category === b.category ? 0 : a.category === 'error' ? -1 : 1));
  return problems;
}

// definitions: the moddle root of a diagram parsed with the zeebe descriptor (e.g. modeler.getDefinitions())
export async function lint(definitions) {
  const linter = new Linter({ config, resolver });
  return flatten(await linter.lint(definitions));
}

// xml: a .bpmn document; parse problems are reported as errors of rule 'parse'
export async function lintXml(xml) {
  const moddle = new BpmnModdle({ zeebe });
  let parsed;
  try {
    parsed = await moddle.fromXML(xml, 'bpmn:Definitions');
  } catch (e) {
    return [{ rule: 'parse', id: null, message: String(e.message || e), category: 'error', path: null }];
  }
  return lint(parsed.rootElement);
}
EOF
npx esbuild entry.mjs --bundle --format=iife --global-name=BpmnLintCamunda --platform=browser \
    --minify --legal-comments=eof --metafile=meta.json --outfile=bpmnlint-camunda.min.js --log-level=warning
mkdir -p "$OUT/bpmnlint/licenses"
cp bpmnlint-camunda.min.js "$OUT/bpmnlint/"
# the licence of every npm package that ended up in the bundle
node -e '
const meta = require("./meta.json"), fs = require("fs"), path = require("path");
const pkgs = new Set();
for (const f of Object.keys(meta.inputs)) {
  const m = f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//); if (m) pkgs.add(m[1]);
}
const lines = [];
for (const p of [...pkgs].sort()) {
  const dir = path.join("node_modules", p), pj = require("./" + dir + "/package.json");
  const lic = fs.readdirSync(dir).find(n => /^licen[cs]e/i.test(n));
  if (lic) fs.copyFileSync(path.join(dir, lic), path.join(process.argv[1], "licenses", p.replace("/", "__") + ".LICENSE"));
  lines.push(`${p}@${pj.version} (${pj.license})`);
}
fs.writeFileSync(path.join(process.argv[1], "BUNDLED.txt"), lines.join("\n") + "\n");
' "$OUT/bpmnlint"

echo "== VERSIONS.md"
cd "$ROOT"
{
cat <<EOF
# Vendored browser libraries

Written by \`tools/vendor.sh\`; do not edit by hand. Refresh: change the pinned versions at the top of
\`tools/vendor.sh\`, run it (node + npm, works in a temp dir), run \`pytest tests/web/browser\`, commit.

The bpmn.io licence (bpmn-js, dmn-js, form-js; camunda-bpmn-js bundles bpmn-js) requires the bpmn.io
watermark to stay fully visible and not overlapped: keep overlays and toolbars off the bottom-right corner
of every canvas. Each library's LICENSE sits beside its files.

| folder | npm package | version | files (from the package's \`dist/\`) |
|---|---|---|---|
| \`bpmn-js/\` | \`bpmn-js\` | $BPMN_JS | \`bpmn-navigated-viewer.production.min.js\` (global \`BpmnJS\`), \`assets/*.css\` |
| \`camunda-bpmn-js/\` | \`camunda-bpmn-js\` | $CAMUNDA_BPMN_JS | \`camunda-cloud-modeler.production.min.js\` (global \`BpmnModeler\`, zeebe properties panel), \`assets/camunda-cloud-modeler.css\` and what it imports |
| \`dmn-js/\` | \`dmn-js\` | $DMN_JS | \`dmn-modeler.production.min.js\` (global \`DmnJS\`), \`assets/*.css\` |
| \`form-js/\` | \`@bpmn-io/form-js\` | $FORM_JS | \`form-viewer.umd.js\` (global \`FormViewer\`), \`form-editor.umd.js\` (global \`FormEditor\`), \`assets/*.css\` |
| \`bpmnlint/\` | built by \`tools/vendor.sh\` with esbuild $ESBUILD from \`bpmnlint\` $BPMNLINT, \`bpmnlint-plugin-camunda-compat\` $CAMUNDA_COMPAT, \`bpmn-moddle\` $BPMN_MODDLE, \`zeebe-bpmn-moddle\` $ZEEBE_MODDLE | config \`bpmnlint:recommended\` + \`plugin:camunda-compat/$LINT_TARGET\` | \`bpmnlint-camunda.min.js\` (global \`BpmnLintCamunda\` with \`lint(definitions)\` and \`lintXml(xml)\`; runs in the page and under node), \`BUNDLED.txt\` and \`licenses/\` list every package inside |

Sizes (bytes):

\`\`\`
EOF
(cd "$OUT" && find . -type f -name '*.js' | sort | xargs wc -c)
echo '```'
} > "$OUT/VERSIONS.md"
echo "== done: $(du -sh "$OUT" | cut -f1) in $OUT"
