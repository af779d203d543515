# shellcheck shell=bash
# Sourced by dev-up.sh and dev-down.sh: checks every prerequisite first and reports all that are missing in one
# run, each with how to install or start it, instead of stopping at the first.
MISSING=()

# need <tool> <how to install it>
need() {
    command -v "$1" >/dev/null 2>&1 || MISSING+=("$1 is not installed: $2")
}

need_pulumi() { need pulumi "curl -fsSL https://get.pulumi.com | sh (https://www.pulumi.com/docs/install/)"; }
need_kind() { need kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation (v$1 or later; with Go: go install sigs.k8s.io/kind@v$1)"; }
need_kubectl() { need kubectl "https://kubernetes.io/docs/tasks/tools/#kubectl"; }
need_docker() { need docker "Docker Desktop or Docker Engine, https://docs.docker.com/get-docker/"; }

# Docker installed but its daemon not answering: kind cannot start nodes.
need_docker_running() {
    if command -v docker >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
        MISSING+=("Docker is not running: start Docker Desktop, or the engine with: sudo systemctl start docker")
    fi
}

# need_node <major>: Node.js at least that major version.
need_node() {
    if ! command -v node >/dev/null 2>&1; then
        MISSING+=("node is not installed: Node.js 22 from https://nodejs.org (or nvm install 22)")
    elif [ "$(node -p 'process.versions.node.split(".")[0]')" -lt "$1" ]; then
        MISSING+=("Node.js $(node --version) is too old: install Node.js 22 from https://nodejs.org (or nvm install 22)")
    fi
}

# need_kind_version <version>: an installed kind at least that release (the pinned node image is built for it).
need_kind_version() {
    command -v kind >/dev/null 2>&1 || return 0
    local have
    have=$(kind version | sed -n 's/^kind v\([0-9.]*\).*/\1/p')
    if [ "$(printf '%s\n%s\n' "$1" "$have" | sort -V | head -n 1)" != "$1" ]; then
        MISSING+=("kind v$have is older than v$1, which the pinned node image needs: upgrade kind (go install sigs.k8s.io/kind@v$1)")
    fi
}

# Prints every problem collected and exits 1 when there is any.
report_missing() {
    [ "${#MISSING[@]}" -eq 0 ] && return 0
    echo "$1: ${#MISSING[@]} prerequisite(s) missing; fix them all, then run it again (README.md, Prerequisites):" >&2
    local m
    for m in "${MISSING[@]}"; do echo "  - $m" >&2; done
    exit 1
}

# The kind release versions.ts pins the node image for.
pinned_kind_version() {
    sed -n 's/^export const KIND_VERSION = "v\([0-9.]*\)";$/\1/p' versions.ts
}

# Local state and the dev passphrase, shared by up and down.
use_local_backend() {
    mkdir -p .pulumi-state
    export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
    export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-meshstack-dev-only}"
}
