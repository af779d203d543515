#!/usr/bin/env bash
# Deploys a dev stack (dev by default; STACK=dev-ambient for the ambient one) on a local kind cluster: local state
# in .pulumi-state/, no Pulumi Cloud account, a passphrase default for dev secrets (set PULUMI_CONFIG_PASSPHRASE to
# choose your own). Every missing prerequisite is reported in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
STACK="${STACK:-dev}"
kind_version=$(pinned_kind_version)
need_pulumi
need_kind "$kind_version"
need_kubectl
need_docker
need_node 20
need_docker_running
need_kind_version "$kind_version"
report_missing dev-up

use_local_backend
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then npm ci --no-audit --no-fund; fi
pulumi stack select "$STACK" --create --non-interactive
if ! pulumi up --stack "$STACK" --yes --non-interactive "$@"; then
    cat >&2 <<HINT
dev-up: pulumi up failed for stack $STACK; the messages above name the resource that failed.
  retry:    npm run dev:up   (pulumi up resumes: what was created is kept, the rest is created)
  inspect:  kubectl --context kind-meshstack-$STACK get pods -A   (pods not Ready, image pulls, pending scheduling)
  if it was interrupted and reports pending operations:  PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL pulumi refresh --stack $STACK --clear-pending-creates --yes
  clean up: npm run dev:down   (destroys the stack and the kind cluster; if the state is lost: kind delete cluster --name meshstack-$STACK)
HINT
    exit 1
fi
pulumi stack output --stack "$STACK"
cat <<NEXT

Next (README.md, "The first hour"):
  call the demo app:               appRequest above (appUrls lists every exposed host)
  open the UIs:                    run the portForward commands above, then open urls
  prove it works end to end:       npm run smoke -- --stack $STACK
  tear it down:                    STACK=$STACK npm run dev:down
NEXT
