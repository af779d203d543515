import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderProjectFile, renderReadme } from "../tools/docs";
import { REPO_ROOT } from "../tools/stackConfig";
import { charts, ISTIO_VERSION } from "../versions";

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");

function plan(...args: string[]) {
    const result = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "tools/plan.ts", ...args], {
        cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("project", () => {
    it("Pulumi.yaml and README.md carry the current settings reference (run `npm run docs` when this fails)", () => {
        assert.strictEqual(read("Pulumi.yaml"), renderProjectFile(read("Pulumi.yaml")));
        assert.strictEqual(read("README.md"), renderReadme(read("README.md")));
    });

    it("refuses a README whose settings section markers appear more than once", () => {
        const twice = "<!-- settings:start -->\n<!-- settings:end -->\n<!-- settings:end -->\n";
        assert.throws(() => renderReadme(twice), /must hold exactly one <!-- settings:start --> \.\.\. <!-- settings:end --> section/);
    });

    it("CI runs npm ci and then exactly the README's test command", () => {
        const ci = read(".ci/run");
        assert.match(read("README.md"), /npm ci && npm test/);
        assert.match(ci, /^npm ci\b/m);
        assert.match(ci, /^npm test$/m);
    });

    it("the one-command dev scripts are valid bash and use a local backend, never Pulumi Cloud", () => {
        for (const script of ["scripts/dev-up.sh", "scripts/dev-down.sh"]) {
            assert.strictEqual(spawnSync("bash", ["-n", path.join(REPO_ROOT, script)]).status, 0, script);
            assert.match(read(script), /PULUMI_BACKEND_URL="\$\{PULUMI_BACKEND_URL:-file:\/\/\$PWD\/\.pulumi-state\}"/);
        }
        assert.match(read("README.md"), /```bash\nnpm run dev:up\n```/);
    });

    it("pins every dependency exactly and keeps typescript below 7", () => {
        const pkg = JSON.parse(read("package.json"));
        for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
            assert.match(String(version), /^\d+\.\d+\.\d+$/, `${name} must be pinned exactly, not ${version}`);
        }
        assert.ok(Number(pkg.devDependencies.typescript.split(".")[0]) < 7);
    });

    it("pins every chart to an exact version from an https repository, Istio charts to one version", () => {
        for (const [key, pin] of Object.entries(charts)) {
            assert.match(pin.version, /^\d+\.\d+\.\d+$/, `${key}`);
            assert.match(pin.repo, /^https:\/\//, `${key}`);
        }
        for (const key of ["istioBase", "istiod", "istioGateway", "istioCni", "ztunnel"] as const) {
            assert.strictEqual(charts[key].version, ISTIO_VERSION);
        }
    });

    describe("npm run plan", () => {
        const badStack = path.join(REPO_ROOT, "Pulumi.plan-test-bad.yaml");

        it("prints the cluster, the provider, the Istio releases in install order and the outputs", () => {
            const { status, stdout } = plan("--stack", "dev");
            assert.strictEqual(status, 0);
            assert.match(stdout, /^meshstack plan: stack dev, \d+ resources, evaluated offline under Pulumi mocks/);
            assert.match(stdout, /meshstack:cluster:KindCluster cluster\n/);
            assert.match(stdout, /pulumi:providers:kubernetes cluster-provider {2}\(dependsOn=\[cluster-kubeconfig\]\)/);
            assert.match(stdout, /kubernetes:helm.sh\/v3:Release mesh-istiod {2}\(release=istiod, chart=istiod@1\.30\.5, ns=istio-system, provider=cluster-provider, dependsOn=\[mesh-base, mesh-ns-system\]\)/);
            assert.match(stdout, /\n {2}1\. istio-base \(base@1\.30\.5\)[^\n]*\n {2}2\. istiod \(istiod@1\.30\.5\)[^\n]*\n {2}3\. istio-ingressgateway \(gateway@1\.30\.5\)/);
            assert.match(stdout, /\n {2}kubeconfig: \[secret\]\n/);
        });

        it("stops with one line naming the bad key and exits 1", () => {
            fs.writeFileSync(badStack, "config:\n  meshstack:environment: staging\n  meshstack:cluster.kind: gke\n");
            let result;
            try {
                result = plan("--stack", "plan-test-bad");
            } finally {
                fs.rmSync(badStack, { force: true });
            }
            const { status, stdout, stderr } = result;
            assert.strictEqual(status, 1);
            assert.strictEqual(stdout, "");
            assert.strictEqual(stderr, "meshstack:cluster.kind \"gke\" is not supported; use one of: kind, existing, aks, eks\n");
        });

        it("exits 2 for a stack without a stack file", () => {
            const { status, stderr } = plan("--stack", "nosuch");
            assert.strictEqual(status, 2);
            assert.match(stderr, /^no stack file Pulumi\.nosuch\.yaml; stacks here: dev, dev-ambient, prod/);
        });
    });
});
