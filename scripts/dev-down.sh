#!/usr/bin/env bash
# Destroys a dev stack (dev by default; STACK=dev-ambient for the ambient one) and with it the kind cluster created
# by scripts/dev-up.sh. Pulumi deletes the cluster through kind, so kind and a running Docker are needed too.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
STACK="${STACK:-dev}"
need_pulumi
need_kind "$(pinned_kind_version)"
need_docker
need_docker_running
report_missing dev-down

use_local_backend
if ! pulumi destroy --stack "$STACK" --yes --non-interactive "$@"; then
    cat >&2 <<HINT
dev-down: pulumi destroy failed for stack $STACK; the messages above name the resource that failed.
  retry:    npm run dev:down
  the cluster alone, whatever the state says:  kind delete cluster --name meshstack-$STACK
  then forget the stack's state:               PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL pulumi stack rm $STACK --force --yes
HINT
    exit 1
fi
