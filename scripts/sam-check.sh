#!/usr/bin/env bash
# CI check for the SAM application: `sam validate --lint` and `sam build`, no Docker needed.
#
#   scripts/sam-check.sh            validate + build (build output in a temp dir, removed afterwards)
#   SAM_CHECK_KEEP=1 scripts/sam-check.sh   keep the build output and print its path
#
# Needs `sam` (pip install aws-sam-cli; cfn-lint comes with it) on PATH, and Node >= 22 with this repo's
# node_modules (esbuild) installed. Exits non-zero on any lint finding or build failure.
#
# Why a staging copy: with CodeUri "." sam build copies the whole repo for each function (minus
# node_modules/.git/.aws-sam), and that includes .cache/ (Keycloak, Traefik downloads: hundreds of MB).
# The bundles need only functions/, lib/, tools/, generated/, package.json and the lock file, and CedarLayer its
# layers/cedar/, so we stage those.
# Never use `sam build --build-in-source` here: it runs `npm install --omit=dev` in the repo itself,
# which would strip the dev dependencies out of the shared node_modules.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
export SAM_CLI_TELEMETRY=0

if ! command -v sam >/dev/null 2>&1; then
  echo "sam-check: the SAM CLI is not on PATH (pip install aws-sam-cli)" >&2
  exit 2
fi
if ! command -v esbuild >/dev/null 2>&1; then
  echo "sam-check: esbuild not found; run npm ci first" >&2
  exit 2
fi

step() { printf '\n== %s\n' "$*"; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

step "sam $(sam --version | awk '{print $NF}'), cfn-lint $(cfn-lint --version 2>/dev/null | awk '{print $NF}'), node $(node --version), esbuild $(esbuild --version)"

step "sam validate --lint"
t0=$(date +%s)
sam validate --lint --template "$ROOT/template.yaml"
echo "validate ok ($(elapsed "$t0"))"

step "sam build (BuildMethod esbuild)"
t0=$(date +%s)
STAGE="$(mktemp -d "${TMPDIR:-/tmp}/sam-check.XXXXXX")"
cleanup() { if [ -z "${SAM_CHECK_KEEP:-}" ]; then rm -rf "$STAGE"; fi; }
trap cleanup EXIT
mkdir -p "$STAGE/src"
# The tool catalogue (generated/tools.ts) follows tools/*.ts: regenerate it, then stage both with the code.
(cd "$ROOT" && node scripts/generate.ts)
cp -R "$ROOT/template.yaml" "$ROOT/package.json" "$ROOT/package-lock.json" "$ROOT/tsconfig.json" \
  "$ROOT/functions" "$ROOT/lib" "$ROOT/tools" "$ROOT/generated" "$ROOT/layers" "$STAGE/src/"
# The staged build carries the example policies (policies/examples, validated here as npm run build would), so the
# engine check below has decisions to make; the repo's own generated/policies.ts is left as it is.
(cd "$ROOT" && node --input-type=module -e "
  const { readPolicySource, checkPolicySource, policiesSourceText } = await import('./scripts/policies.ts');
  const { writeFileSync } = await import('node:fs');
  const dir = 'policies/examples';
  const source = readPolicySource(process.cwd(), dir);
  await checkPolicySource(source, dir);
  writeFileSync(process.argv[1], policiesSourceText(source, dir));
" "$STAGE/src/generated/policies.ts")
# --parallel builds the three functions at once; npm uses its cache (prefer-offline) for the per-function install.
npm_config_prefer_offline=true npm_config_fund=false npm_config_audit=false \
  sam build --template "$STAGE/src/template.yaml" --base-dir "$STAGE/src" --build-dir "$STAGE/build" --parallel
for fn in McpFunction PrmFunction SseFunction TaskWorkerFunction; do
  bundle="$(find "$STAGE/build/$fn" -maxdepth 1 -name '*.mjs' | head -1)"
  if [ -z "$bundle" ]; then
    echo "sam-check: no .mjs bundle for $fn" >&2
    exit 1
  fi
  printf '  %-12s %s (%s bytes)\n' "$fn" "${bundle#"$STAGE/build/"}" "$(wc -c <"$bundle")"
done
echo "build ok ($(elapsed "$t0"))"

step "Cedar engine in the build (CedarLayer, loaded through NODE_PATH as in Lambda)"
node "$ROOT/scripts/sam-engine-check.ts" "$STAGE/build"
if [ -n "${SAM_CHECK_KEEP:-}" ]; then echo "build output kept in $STAGE/build"; fi
