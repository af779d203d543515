import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderProjectFile, renderReadme } from "../tools/docs";
import { listStacks, readStackConfig, REPO_ROOT, StackFileError } from "../tools/stackConfig";
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
        for (const script of ["scripts/dev-up.sh", "scripts/dev-down.sh", "scripts/prereqs.sh"]) {
            assert.strictEqual(spawnSync("bash", ["-n", path.join(REPO_ROOT, script)]).status, 0, script);
        }
        for (const script of ["scripts/dev-up.sh", "scripts/dev-down.sh"]) {
            assert.match(read(script), /^source scripts\/prereqs\.sh\n[\s\S]*^use_local_backend$/m, script);
        }
        assert.match(read("scripts/prereqs.sh"), /PULUMI_BACKEND_URL="\$\{PULUMI_BACKEND_URL:-file:\/\/\$PWD\/\.pulumi-state\}"/);
        assert.match(read("README.md"), /```bash\nnpm run dev:up\n```/);
        // dev-up.sh reads the kind release the node image needs from this exact line.
        assert.match(read("versions.ts"), /^export const KIND_VERSION = "v\d+\.\d+\.\d+";$/m);
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

    describe("stack files", () => {
        const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "meshstack-stacks-"));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const stackFile = (body: string) => {
            fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), body);
            try {
                readStackConfig("t", dir);
            } catch (e) {
                return e instanceof StackFileError ? e.message : `unexpected ${e}`;
            }
            return "accepted";
        };

        it("are read as the CLI hands them over: namespaced keys, lists and maps as JSON, secrets flagged", () => {
            fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), "config:\n  meshstack:kind.workers: 2\n  eks.instanceTypes: [m6i.large]\n  aws:region: eu-west-1\n  meshstack:existing.kubeconfig:\n    secure: v1:abc\n");
            assert.deepStrictEqual(readStackConfig("t", dir), {
                stack: "t", project: "meshstack",
                config: {
                    "meshstack:kind.workers": "2", "meshstack:eks.instanceTypes": "[\"m6i.large\"]", "aws:region": "eu-west-1",
                    "meshstack:existing.kubeconfig": "plan-placeholder-for-secure-meshstack:existing.kubeconfig",
                },
                secretKeys: ["meshstack:existing.kubeconfig"],
            });
        });

        it("must be maps with a config map, and may encrypt only secret settings", () => {
            assert.strictEqual(stackFile("- a\n"), "Pulumi.t.yaml must be a YAML map with a config: section");
            assert.strictEqual(stackFile("config: hello\n"), "config: in Pulumi.t.yaml must be a map of setting keys to values");
            assert.strictEqual(stackFile("config:\n  meshstack:cluster.kind:\n    secure: v1:abc\n"),
                "meshstack:cluster.kind is encrypted in Pulumi.t.yaml; the offline plan cannot decrypt it. Keep settings that are not secrets in plaintext (pulumi config set cluster.kind <value>)");
            assert.match(stackFile("config: [\n"), /^Pulumi\.t\.yaml is not valid YAML: /);
        });
    });

    describe("npm run plan", () => {
        const badStack = path.join(REPO_ROOT, "Pulumi.plan-test-bad.yaml");

        it("prints the cluster, the provider, the Istio releases in install order and the outputs", () => {
            const { status, stdout } = plan("--stack", "dev");
            assert.strictEqual(status, 0);
            assert.match(stdout, /^meshstack plan: stack dev, \d+ resources, evaluated offline under Pulumi mocks/);
            assert.match(stdout, /meshstack:cluster:KindCluster cluster\n/);
            assert.match(stdout, /pulumi:providers:kubernetes cluster-provider {2}\(dependsOn=\[cluster-kubeconfig\]\)/);
            assert.match(stdout, /kubernetes:helm.sh\/v3:Release mesh-istiod-1-31-1 {2}\(release=istiod-1-31-1, chart=istiod@1\.31\.1, ns=istio-system, provider=cluster-provider, dependsOn=\[mesh-base, mesh-ns-system\]\)/);
            assert.match(stdout, /\n {2}1\. istio-base \(base@1\.31\.1\)[^\n]*\n {2}2\. istiod-1-31-1 \(istiod@1\.31\.1\)[^\n]*\n {2}3\. istio-ingressgateway \(gateway@1\.31\.1\)/);
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

        it("refuses unknown arguments instead of planning another stack (exit 2)", () => {
            const { status, stdout, stderr } = plan("--stak", "prod");
            assert.deepStrictEqual([status, stdout, stderr], [2, "", "unknown argument --stak; usage: npm run plan -- --stack <name> [--json]\n"]);
            assert.strictEqual(plan().stderr, "--stack is required; usage: npm run plan -- --stack <name> [--json]\n");
        });

        it("masks every secret in --json output, inputs included", () => {
            const { status, stdout } = plan("--stack=dev", "--json");
            assert.strictEqual(status, 0);
            const doc = JSON.parse(stdout);
            assert.strictEqual(doc.outputs.kubeconfig, "[secret]");
            assert.strictEqual(doc.resources.find((r: any) => r.name === "cluster-provider").inputs.kubeconfig, "[secret]");
            assert.ok(!stdout.includes("4dabf18193072939515e22adb298388d"));
            assert.ok(!stdout.includes("plan-placeholder-password"));
        });

        it("exits 2 for a stack without a stack file", () => {
            const { status, stderr } = plan("--stack", "nosuch");
            assert.strictEqual(status, 2);
            assert.strictEqual(stderr, `no stack file Pulumi.nosuch.yaml; stacks here: ${listStacks().join(", ")}\n`);
        });
    });
});
