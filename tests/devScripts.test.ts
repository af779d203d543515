import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../tools/stackConfig";

/**
 * Runs scripts/dev-up.sh and dev-down.sh with a PATH we build: the basic tools they need plus stubs for the
 * prerequisites a case provides, so the missing ones are exactly the ones a case leaves out.
 */
const BASICS = ["bash", "dirname", "sed", "sort", "head", "mkdir", "cat", "node", "env"];

function sandbox(stubs: Record<string, string>): string {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-devscripts-"));
    for (const tool of BASICS) {
        const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
        if (!found) throw new Error(`test setup: ${tool} is not on this machine's PATH`);
        fs.symlinkSync(found, path.join(bin, tool));
    }
    for (const [tool, body] of Object.entries(stubs)) {
        fs.writeFileSync(path.join(bin, tool), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    }
    return bin;
}

function run(script: string, stubs: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
    const bin = sandbox(stubs);
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-devscripts-state-"));
    try {
        const r = spawnSync(path.join(bin, "bash"), [path.join(REPO_ROOT, "scripts", script)], {
            encoding: "utf8",
            env: { PATH: bin, HOME: os.tmpdir(), PULUMI_BACKEND_URL: `file://${state}` },
        });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    } finally {
        fs.rmSync(bin, { recursive: true, force: true });
        fs.rmSync(state, { recursive: true, force: true });
    }
}

const kindOk = 'echo "kind v0.33.0 go1.25.1 linux/amd64"';
const dockerUp = "exit 0";
const PULUMI = "pulumi is not installed: curl -fsSL https://get.pulumi.com | sh (https://www.pulumi.com/docs/install/)";
const KIND = "kind is not installed: https://kind.sigs.k8s.io/docs/user/quick-start/#installation (v0.33.0 or later; with Go: go install sigs.k8s.io/kind@v0.33.0)";
const KUBECTL = "kubectl is not installed: https://kubernetes.io/docs/tasks/tools/#kubectl";
const DOCKER = "docker is not installed: Docker Desktop or Docker Engine, https://docs.docker.com/get-docker/";
const DOCKER_DOWN = "Docker is not running: start Docker Desktop, or the engine with: sudo systemctl start docker";

describe("scripts: dev:up and dev:down", () => {
    it("dev:up without pulumi, kind, kubectl and docker names all four in one run, each with how to install it", () => {
        const r = run("dev-up.sh", {});
        assert.strictEqual(r.status, 1);
        assert.strictEqual(r.stdout, "");
        assert.strictEqual(r.stderr, [
            "dev-up: 4 prerequisite(s) missing; fix them all, then run it again (README.md, Prerequisites):",
            `  - ${PULUMI}`, `  - ${KIND}`, `  - ${KUBECTL}`, `  - ${DOCKER}`, "",
        ].join("\n"));
    });

    it("dev:up reports a stopped Docker and an old kind together", () => {
        const r = run("dev-up.sh", { pulumi: "exit 0", kubectl: "exit 0", docker: "exit 1", kind: 'echo "kind v0.29.0 go1.24 linux/amd64"' });
        assert.strictEqual(r.status, 1);
        assert.strictEqual(r.stderr, [
            "dev-up: 2 prerequisite(s) missing; fix them all, then run it again (README.md, Prerequisites):",
            `  - ${DOCKER_DOWN}`,
            "  - kind v0.29.0 is older than v0.33.0, which the pinned node image needs: upgrade kind (go install sigs.k8s.io/kind@v0.33.0)",
            "",
        ].join("\n"));
    });

    it("after a failed pulumi up, dev:up says how to retry, inspect and clean up, and exits 1", () => {
        // A stub pulumi whose `up` fails (and a stub npm, for when the lockfile is newer than node_modules).
        const r = run("dev-up.sh", { pulumi: 'if [ "$1" = up ]; then echo "error: helm release failed" >&2; exit 255; fi; exit 0', kubectl: "exit 0", docker: dockerUp, kind: kindOk, npm: "exit 0" });
        assert.strictEqual(r.status, 1);
        const lines = r.stderr.split("\n");
        assert.deepStrictEqual(lines.slice(0, 3), [
            "error: helm release failed",
            "dev-up: pulumi up failed for stack dev; the messages above name the resource that failed.",
            "  retry:    npm run dev:up   (pulumi up resumes: what was created is kept, the rest is created)",
        ]);
        assert.ok(lines.some((l) => l.startsWith("  clean up: npm run dev:down ") && l.endsWith("kind delete cluster --name meshstack-dev)")), r.stderr);
        assert.ok(lines.some((l) => l.includes("pulumi refresh --stack dev --clear-pending-creates --yes")), r.stderr);
    });

    it("a successful dev:up prints the outputs and what to do next", () => {
        const r = run("dev-up.sh", { pulumi: 'if [ "$1 $2" = "stack output" ]; then echo "appUrls: [http://api.meshstack.localhost:8080/]"; fi; exit 0', kubectl: "exit 0", docker: dockerUp, kind: kindOk, npm: "exit 0" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /^appUrls: \[http:\/\/api\.meshstack\.localhost:8080\/\]\n\nNext \(README\.md, "The first hour"\):\n/);
        assert.ok(r.stdout.includes("  prove it works end to end:       npm run smoke -- --stack dev\n"), r.stdout);
    });

    it("dev:down checks its own prerequisites the same way (Pulumi deletes the cluster through kind and Docker)", () => {
        const r = run("dev-down.sh", {});
        assert.strictEqual(r.status, 1);
        assert.strictEqual(r.stderr, [
            "dev-down: 3 prerequisite(s) missing; fix them all, then run it again (README.md, Prerequisites):",
            `  - ${PULUMI}`, `  - ${KIND}`, `  - ${DOCKER}`, "",
        ].join("\n"));
    });

    it("a failed dev:down says how to remove the cluster and the state by hand", () => {
        const r = run("dev-down.sh", { pulumi: 'if [ "$1" = destroy ]; then exit 255; fi; exit 0', docker: dockerUp, kind: kindOk });
        assert.strictEqual(r.status, 1);
        assert.ok(r.stderr.includes("  the cluster alone, whatever the state says:  kind delete cluster --name meshstack-dev\n"), r.stderr);
    });
});
