#!/usr/bin/env bash
# SAM's own local runner, for people with Docker. It cannot stream (aws-sam-cli#6501) and does not
# emulate Function URLs, so the functions run in buffered mode (RESPONSE_MODE=buffered from
# events/env.json). For real streaming locally use `npm start` (our Function URL host) instead.
#
#   npm run sam:local                                    build, then start-api on :3000 (REST front, buffered)
#   npm run sam:local -- invoke PrmFunction events/prm-get.json
#   TOKEN="$(npm run -s token)" npm run sam:local -- invoke McpFunction events/mcp-initialize.json
#
# "${TOKEN}" in an event file is replaced with $TOKEN. The containers use the host network so the
# issuer http://127.0.0.1:8080/realms/mcp (the AS that `npm start` runs) is reachable from inside them
# (Linux; Docker Desktop needs host networking enabled). Set SAM_LOCAL_ISSUER for another AS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
export SAM_CLI_TELEMETRY=0
ISSUER="${SAM_LOCAL_ISSUER:-http://127.0.0.1:8080/realms/mcp}"
BUILD="$ROOT/.aws-sam/build"
PARAMS=(
  "IssuerUrl=$ISSUER"
  "PublicBaseUrl=http://127.0.0.1:3000"
  "ResponseMode=buffered"
  # sam local start-api reads AWS::ApiGateway::Method resources but only understands the classic
  # .../invocations URI, so the REST front is rendered in BUFFERED mode for it.
  "Front=ApiGateway"
  "ApiResponseTransferMode=BUFFERED"
)

command -v sam >/dev/null 2>&1 || { echo "sam-local: the SAM CLI is not on PATH (pip install aws-sam-cli)" >&2; exit 2; }
command -v docker >/dev/null 2>&1 || { echo "sam-local: sam local needs Docker, which is not installed here" >&2; exit 2; }

# Same staging build as scripts/sam-check.sh (keeps .cache/ and the like out of the copy).
STAGE="$(mktemp -d "${TMPDIR:-/tmp}/sam-local.XXXXXX")"
# (not exec'd below, so this also removes the token-substituted event file)
trap 'rm -rf "$STAGE"' EXIT
# The tool catalogue (generated/tools.ts) follows tools/*.ts: regenerate it, then stage both with the code.
(cd "$ROOT" && node scripts/generate.ts)
cp -R "$ROOT/template.yaml" "$ROOT/package.json" "$ROOT/package-lock.json" "$ROOT/tsconfig.json" \
  "$ROOT/functions" "$ROOT/lib" "$ROOT/tools" "$ROOT/generated" "$ROOT/layers" "$STAGE/"
npm_config_prefer_offline=true sam build --template "$STAGE/template.yaml" --base-dir "$STAGE" --build-dir "$BUILD" --parallel

mode="${1:-start-api}"
case "$mode" in
  invoke)
    fn="${2:?usage: sam-local.sh invoke <FunctionLogicalId> <event.json>}"
    event="${3:?usage: sam-local.sh invoke <FunctionLogicalId> <event.json>}"
    resolved="$STAGE/event.json"
    sed "s|\${TOKEN}|${TOKEN:-}|g" "$event" >"$resolved"
    sam local invoke "$fn" -t "$BUILD/template.yaml" -e "$resolved" \
      --env-vars "$ROOT/events/env.json" --parameter-overrides "${PARAMS[@]}" --docker-network host
    ;;
  start-api)
    sam local start-api -t "$BUILD/template.yaml" --port "${SAM_LOCAL_PORT:-3000}" \
      --env-vars "$ROOT/events/env.json" --parameter-overrides "${PARAMS[@]}" --docker-network host
    ;;
  *)
    echo "usage: sam-local.sh [start-api | invoke <FunctionLogicalId> <event.json>]" >&2
    exit 2
    ;;
esac
