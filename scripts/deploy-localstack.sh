#!/usr/bin/env bash
# Builds the SAM application and deploys it to the LocalStack of local/compose.yaml (edge port 4566).
# Needs Docker (LocalStack runs the functions in containers), the SAM CLI, and optionally `samlocal`
# (pip install aws-sam-cli-local), which is used when present.
#
#   docker compose -f local/compose.yaml up -d localstack keycloak
#   npm run deploy:localstack
#
# Front=None: LocalStack serves each Function URL (RESPONSE_STREAM) on its own host. The first pass
# creates the functions; the second sets PublicBaseUrl to McpFunction's URL origin, so MCP_PUBLIC_URL
# (the PRM resource and the token audience) is the URL clients use. Env overrides: LOCALSTACK_ENDPOINT,
# STACK_NAME, AUTH_ISSUER, AUTH_JWKS_URL.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
export SAM_CLI_TELEMETRY=0
ENDPOINT="${LOCALSTACK_ENDPOINT:-http://localhost.localstack.cloud:4566}"
STACK="${STACK_NAME:-mcp-lambda-stack}"
# LocalStack accepts any credentials; these never reach AWS.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="$ENDPOINT"
# Tokens name the public issuer (Keycloak behind Traefik); the functions fetch keys inside the compose network.
ISSUER="${AUTH_ISSUER:-https://auth.localhost:8443/realms/mcp}"
JWKS="${AUTH_JWKS_URL:-http://keycloak:8080/realms/mcp/protocol/openid-connect/certs}"
BUILD="$ROOT/.aws-sam/build"

SAM="$(command -v samlocal || command -v sam || true)"
[ -n "$SAM" ] || { echo "deploy-localstack: neither samlocal nor sam is on PATH (pip install aws-sam-cli)" >&2; exit 2; }
curl -fsS "$ENDPOINT/_localstack/health" >/dev/null || {
  echo "deploy-localstack: LocalStack is not answering at $ENDPOINT (docker compose -f local/compose.yaml up -d localstack)" >&2
  exit 2
}

echo "== sam build"
STAGE="$(mktemp -d "${TMPDIR:-/tmp}/deploy-localstack.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
# The tool catalogue (generated/tools.ts) follows tools/*.ts: regenerate it, then stage both with the code.
(cd "$ROOT" && node scripts/generate.ts)
cp -R "$ROOT/template.yaml" "$ROOT/package.json" "$ROOT/package-lock.json" "$ROOT/tsconfig.json" \
  "$ROOT/functions" "$ROOT/lib" "$ROOT/tools" "$ROOT/generated" "$ROOT/layers" "$STAGE/"
npm_config_prefer_offline=true sam build --template "$STAGE/template.yaml" --base-dir "$STAGE" --build-dir "$BUILD" --parallel

deploy() {
  "$SAM" deploy --template-file "$BUILD/template.yaml" --stack-name "$STACK" --resolve-s3 \
    --capabilities CAPABILITY_IAM --no-confirm-changeset --no-fail-on-empty-changeset --region us-east-1 \
    --parameter-overrides \
      "Front=None" \
      "IssuerUrl=$ISSUER" \
      "JwksUrl=$JWKS" \
      "PublicBaseUrl=$1" \
      "AuditSink=dynamodb" \
      "LogRetentionDays=1"
}

output() {
  "$SAM" list stack-outputs --stack-name "$STACK" --region us-east-1 --output json |
    node -e "let s='';process.stdin.on('data',(d)=>(s+=d)).on('end',()=>{const o=JSON.parse(s).find((x)=>x.OutputKey===process.argv[1]);process.stdout.write(o?o.OutputValue:'')})" "$1"
}

echo "== deploy (pass 1: create the functions and their URLs)"
deploy ""
MCP_URL="$(output McpFunctionUrl)"
[ -n "$MCP_URL" ] || { echo "deploy-localstack: no McpFunctionUrl output" >&2; exit 1; }
ORIGIN="${MCP_URL%/}"

echo "== deploy (pass 2: PublicBaseUrl=$ORIGIN)"
deploy "$ORIGIN"

echo
echo "MCP URL:  $(output PublicMcpUrl)"
echo "PRM:      $(output PrmFunctionUrl).well-known/oauth-protected-resource/mcp"
echo "SSE:      $(output SseFunctionUrl)sse"
echo "Tables:   $(output SessionsTableName) $(output EventsTableName) $(output MessagesTableName) $(output AuditTableName)"
echo
echo "Try:  curl -si -X POST '$ORIGIN/mcp' -H 'content-type: application/json' -d '{}'   # 401 with WWW-Authenticate"
