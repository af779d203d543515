#!/usr/bin/env bash
# Deploys the dev stack on a local kind cluster: local state in .pulumi-state/, no Pulumi Cloud account,
# a passphrase default for dev secrets (set PULUMI_CONFIG_PASSPHRASE to choose your own).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in pulumi kind kubectl docker node; do
    command -v "$tool" >/dev/null || { echo "dev-up: '$tool' is not installed; see README.md, Prerequisites" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "dev-up: Docker is not running; kind needs it" >&2; exit 1; }
mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-meshstack-dev-only}"
[ -d node_modules ] || npm ci --no-audit --no-fund
pulumi stack select dev --create --non-interactive
pulumi up --stack dev --yes --non-interactive "$@"
pulumi stack output --stack dev
