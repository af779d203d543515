#!/usr/bin/env bash
# Deploys the dev stack on a local kind cluster: local state in .pulumi-state/, no Pulumi Cloud account,
# a passphrase default for dev secrets (set PULUMI_CONFIG_PASSPHRASE to choose your own).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in pulumi kind kubectl docker node; do
    command -v "$tool" >/dev/null || { echo "dev-up: '$tool' is not installed; see README.md, Prerequisites" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "dev-up: Docker is not running; kind needs it" >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "dev-up: Node.js $(node --version) is too old; install Node.js 22" >&2; exit 1; }
# The node image pinned in versions.ts is built for this kind release; older kind binaries cannot run it.
want_kind=$(sed -n 's/^export const KIND_VERSION = "v\([0-9.]*\)";$/\1/p' versions.ts)
have_kind=$(kind version | sed -n 's/^kind v\([0-9.]*\).*/\1/p')
if [ "$(printf '%s\n%s\n' "$want_kind" "$have_kind" | sort -V | head -n 1)" != "$want_kind" ]; then
    echo "dev-up: kind v$have_kind is older than v$want_kind, which the pinned node image needs; upgrade kind" >&2
    exit 1
fi
mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-meshstack-dev-only}"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then npm ci --no-audit --no-fund; fi
pulumi stack select dev --create --non-interactive
pulumi up --stack dev --yes --non-interactive "$@"
pulumi stack output --stack dev
