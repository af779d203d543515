#!/usr/bin/env bash
# Destroys the dev stack (and with it the kind cluster) created by scripts/dev-up.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-meshstack-dev-only}"
pulumi destroy --stack dev --yes --non-interactive "$@"
