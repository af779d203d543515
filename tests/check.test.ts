import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { allPolicies } from "../policies/rules";
import { chooseConfig, exitCode, parseArgs, renderText } from "../tools/check";
import { CheckInputError, fromRun, parseCheckInput, readCheckFile, UNKNOWN_SENTINEL } from "../tools/checkInput";
import { runPolicies } from "../tools/policyRunner";
import { listStacks, REPO_ROOT } from "../tools/stackConfig";
import { evaluate, evaluateStackFile } from "./harness";

const fixture = (name: string) => path.join(__dirname, "fixtures", name);
const prodConfig = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policies", "config", "prod.json"), "utf8"));

/** Runs `npm run check` as a user would (ts-node, no npm banner). */
function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), path.join(REPO_ROOT, "tools", "check.ts"), ...args], { cwd: REPO_ROOT, encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("check: inputs", () => {
    it("reads a version 3 stack export: every resource, secrets left encrypted counted as unknown", () => {
        const input = readCheckFile(fixture("prod-export.json"));
        assert.strictEqual(input.format, "stack export v3");
        assert.strictEqual(input.resources.length, 18);
        assert.strictEqual(input.encryptedSecrets, 5);
        const kps = input.resources.find((r) => r.name === "monitoring")!;
        assert.strictEqual((kps.inputs.values as any).grafana.adminPassword, UNKNOWN_SENTINEL);
        assert.deepStrictEqual(input.resources.slice(0, 2).map((r) => [r.type, r.name, r.custom]), [
            ["pulumi:pulumi:Stack", "meshstack-prod", false], ["pulumi:providers:kubernetes", "cluster-k8s", true],
        ]);
    });

    it("reads a preview: newState of every step but deletes, outputs falling back to inputs for creates", () => {
        const input = readCheckFile(fixture("prod-preview.json"));
        assert.strictEqual(input.format, "preview JSON");
        assert.strictEqual(input.resources.length, 20);
        assert.ok(!input.resources.some((r) => r.name === "shop-old-open"), "the deleted AuthorizationPolicy is gone");
        const created = input.resources.find((r) => r.name === "shop-ratings" && r.type.endsWith(":DestinationRule"))!;
        assert.deepStrictEqual(created.outputs, created.inputs);
    });

    it("reads the plan's --json output and refuses what it cannot use, saying why", () => {
        const plan = parseCheckInput({ stack: "dev", resources: [{ urn: "urn:pulumi:dev::meshstack::kubernetes:helm.sh/v3:Release::istiod", type: "kubernetes:helm.sh/v3:Release", name: "istiod", inputs: { chart: "istiod" } }] });
        assert.deepStrictEqual([plan.format, plan.resources[0].outputs], ["plan JSON", { chart: "istiod" }]);
        const refused = (doc: unknown) => {
            try {
                parseCheckInput(doc, "x.json");
            } catch (e) {
                assert.ok(e instanceof CheckInputError);
                return (e as Error).message;
            }
            return "accepted";
        };
        assert.strictEqual(refused({ version: 2, deployment: { resources: [] } }),
            "x.json is a stack export of version 2; only version 3 (Pulumi CLI 3.x `pulumi stack export`) is supported");
        assert.strictEqual(refused({ hello: 1 }), "x.json is neither a stack export ({\"version\": 3, \"deployment\": {\"resources\": [...]}}), "
            + "a preview ({\"steps\": [{\"newState\": ...}]}) nor a plan JSON file ({\"stack\", \"resources\"})");
        assert.strictEqual(refused({ steps: [{ op: "create", newState: { type: "x" } }] }),
            "x.json: steps[0].newState has no urn and type; is this a Pulumi state or preview file?");
    });
});

describe("check: command", () => {
    it("parses its arguments and refuses ambiguous ones", () => {
        assert.deepStrictEqual(parseArgs(["--stack", "prod", "--json"]), { json: true, stack: "prod" });
        assert.throws(() => parseArgs(["--stack", "prod", "--file", "x.json"]), /give exactly one of --stack or --file/);
        assert.throws(() => parseArgs(["--file"]), /--file needs a value/);
        assert.throws(() => parseArgs(["--stack", "dev", "--verbose"]), /unknown argument --verbose/);
    });

    it("picks policies/config/<stack>.json for a stack unless a config is given; none for files", () => {
        assert.strictEqual(chooseConfig({ stack: "dev", json: false }).description, "policies/config/dev.json (picked for stack dev, as the PR workflow passes it)");
        assert.strictEqual(chooseConfig({ stack: "dev", config: "policies/config/prod.json", json: false }).description, "policies/config/prod.json (given with --policy-pack-config)");
        assert.strictEqual(chooseConfig({ stack: "dev-ambient", json: false }).description, "policies/config/dev.json (picked for stack dev-ambient, whose meshstack:environment is dev)");
        assert.strictEqual(chooseConfig({ stack: "staging", json: false }).description, "policies/config/staging.json (picked for stack staging, as the PR workflow passes it)");
        assert.deepStrictEqual(chooseConfig({ stack: "qa", json: false }), { config: {}, description: "none, so the pack's production defaults apply" });
        assert.deepStrictEqual(chooseConfig({ file: "x.json", json: false }).config, {});
        const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "check-")), "bad.json");
        fs.writeFileSync(bad, JSON.stringify({ "no-permissive-mtls": "strict" }));
        assert.throws(() => chooseConfig({ file: "x.json", config: bad, json: false }),
            (e: Error) => e instanceof CheckInputError && e.message === `policy pack config ${bad} is invalid:\n  "no-permissive-mtls" enforcement level "strict" is not supported; use one of: advisory, mandatory, remediate, disabled`);
    });

    it("passes the export file (exit 0) and fails the preview with PERMISSIVE mTLS and 100 % sampling (exit 1), one line per violation", () => {
        const pass = cli("--file", fixture("prod-export.json"));
        assert.strictEqual(pass.code, 0, pass.stderr);
        assert.deepStrictEqual(pass.stdout.split("\n").slice(0, 3), [
            `meshstack check: file ${fixture("prod-export.json")} (stack export v3, 18 resources)`,
            "policy pack config: none, so the pack's production defaults apply",
            "note: 5 secret values are encrypted and were treated as unknown; export with --show-secrets to check them",
        ]);
        assert.match(pass.stdout, new RegExp(`\\n0 mandatory, 0 advisory violations; ${allPolicies.length} policies over 18 resources in \\d+\\.\\d s: PASS\\n$`));

        const fail = cli("--file", fixture("prod-preview.json"), "--json");
        assert.strictEqual(fail.code, 1, fail.stderr);
        const out = JSON.parse(fail.stdout);
        assert.deepStrictEqual(out.summary, { mandatory: 2, advisory: 0, resources: 20, exitCode: 1 });
        assert.deepStrictEqual(out.violations.map((v: any) => [v.level, v.policy, v.urn]), [
            ["mandatory", "mesh-wide-mtls-strict", "urn:pulumi:prod::meshstack::meshstack:mesh:IstioMesh$kubernetes:security.istio.io/v1:PeerAuthentication::istio-system-default"],
            ["mandatory", "mesh-wide-trace-sampling", "urn:pulumi:prod::meshstack::meshstack:mesh:IstioMesh$kubernetes:telemetry.istio.io/v1:Telemetry::istio-system-mesh-default"],
        ]);
    });

    it("exits 2 on unusable input with a clear message", () => {
        const missing = cli("--file", "tests/fixtures/nope.json");
        assert.deepStrictEqual([missing.code, missing.stdout, missing.stderr], [2, "", "meshstack check: cannot read tests/fixtures/nope.json: ENOENT\n"]);
        const noStack = cli("--stack", "qa");
        assert.deepStrictEqual([noStack.code, noStack.stderr], [2, `meshstack check: stack qa cannot be evaluated: no stack file Pulumi.qa.yaml; stacks here: ${listStacks().join(", ")}\n`]);
    });

    describe("hostile and partial inputs: exit 2 with what is wrong, never a verdict or a stack trace", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-hostile-"));
        const write = (name: string, content: string | Buffer) => {
            const file = path.join(dir, name);
            fs.writeFileSync(file, content);
            return file;
        };
        const refused = (file: string) => {
            const r = cli("--file", file);
            return [r.code, r.stdout, r.stderr.replace(`${file}`, "<file>")];
        };
        const exportText = fs.readFileSync(fixture("prod-export.json"), "utf8");

        it("an export with no resources, a preview with no steps", () => {
            const nothing = (format: string) => [2, "", `meshstack check: <file> holds no resources (${format}): there is nothing to check, and no policy verdict would mean anything. `
                + "Check the export of a deployed stack, or a preview of a program that declares resources\n"];
            assert.deepStrictEqual(refused(write("empty.json", JSON.stringify({ version: 3, deployment: { manifest: {}, resources: [] } }))), nothing("stack export v3"));
            assert.deepStrictEqual(refused(write("nosteps.json", JSON.stringify({ steps: [], changeSummary: {} }))), nothing("a preview with no steps that create or keep any"));
        });

        it("UTF-16 is refused with its encoding named; a UTF-8 byte order mark is read", () => {
            const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(exportText, "utf16le")]);
            assert.deepStrictEqual(refused(write("utf16.json", le)), [2, "", "meshstack check: <file> is encoded as UTF-16 little-endian (it starts with a UTF-16 byte order mark); "
                + "save it as UTF-8 (PowerShell's `>` writes UTF-16: use `pulumi stack export --file <file>` or `pulumi preview --json | Out-File -Encoding utf8 <file>`)\n"]);
            assert.strictEqual(refused(write("utf16-nobom.json", Buffer.from(exportText, "utf16le")))[2],
                "meshstack check: <file> looks UTF-16 encoded without a byte order mark (NUL bytes between characters); save it as UTF-8 (PowerShell's `>` writes UTF-16: "
                + "use `pulumi stack export --file <file>` or `pulumi preview --json | Out-File -Encoding utf8 <file>`)\n");
            const bom = cli("--file", write("bom.json", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(exportText)])));
            assert.strictEqual(bom.code, 0, bom.stderr);
        });

        it("input nested 3000 levels deep", () => {
            const deep = `{"version": 3, "deployment": {"resources": [{"urn": "u", "type": "t", "inputs": ${"[".repeat(3000)}${"]".repeat(3000)}}]}}`;
            assert.deepStrictEqual(refused(write("deep.json", deep)), [2, "",
                "meshstack check: <file> is nested more than 200 levels deep; no Pulumi state or preview is, so it is not one the check can read\n"]);
        });

        it("a preview without unchanged resources (no --show-sames)", () => {
            const preview = JSON.parse(fs.readFileSync(fixture("prod-preview.json"), "utf8"));
            const changed = { ...preview, steps: preview.steps.filter((s: any) => s.op !== "same") };
            const [code, stdout, stderr] = refused(write("changed-only.json", JSON.stringify(changed)));
            assert.deepStrictEqual([code, stdout], [2, ""]);
            assert.match(stderr as string, /^meshstack check: <file> is a preview without its unchanged resources \(its steps refer to \d+ parents, providers or dependencies that no step carries\): /);
            assert.ok((stderr as string).endsWith("Run `pulumi preview --json --show-sames` and check that file\n"), stderr as string);
        });

        it("never prints URL credentials or a secret's value, in text or JSON", () => {
            const doc = JSON.parse(exportText);
            const kps = doc.deployment.resources.find((r: any) => r.inputs?.chart === "kube-prometheus-stack");
            const sig = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
            kps.inputs.repositoryOpts = { repo: "http://ci-bot:ghp_TOKEN123@charts.example.com" };
            kps.inputs.version = { ...sig, plaintext: JSON.stringify("88.x-internal-build") };
            const file = write("secrets.json", JSON.stringify(doc));
            for (const json of [false, true]) {
                const r = cli("--file", file, ...(json ? ["--json"] : []));
                assert.strictEqual(r.code, 1, r.stderr);
                assert.ok(!r.stdout.includes("ghp_TOKEN123") && !r.stdout.includes("ci-bot") && !r.stdout.includes("88.x-internal-build"), r.stdout);
                assert.ok(r.stdout.includes("comes from repository http://***@charts.example.com, not an https repository"), r.stdout);
                assert.ok(r.stdout.includes("has chart version \\\"[secret]\\\"") || r.stdout.includes("has chart version \"[secret]\""), r.stdout);
            }
        });
    });

    it("the project's own stacks pass with zero mandatory violations under their policy config", async () => {
        for (const [stack, environment] of [["dev", "dev"], ["dev-ambient", "dev"], ["prod", "prod"]]) {
            const input = fromRun(await evaluateStackFile(stack));
            const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policies", "config", `${environment}.json`), "utf8"));
            const result = await runPolicies(input.resources, config);
            assert.deepStrictEqual(result.violations.filter((v) => v.level === "mandatory").map((v) => v.message), [], stack);
            assert.strictEqual(exitCode(result), 0, stack);
        }
    });

    it("what staging settings allow (a migration exception, 50 % sampling) is advisory under staging.json, mandatory under prod.json", async () => {
        const run = await evaluate("staging", {
            "cluster.kind": "existing", "existing.kubeconfigPath": path.join(__dirname, "fixtures", "kubeconfig.yaml"),
            "mesh.samplingPercentage": 50,
            namespaces: [{ name: "legacy", mtlsMode: "PERMISSIVE" }],
        });
        const resources = fromRun(run).resources;
        const levels = async (file: string) => {
            const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policies", "config", file), "utf8"));
            return (await runPolicies(resources, config)).violations.map((v) => `${v.level} ${v.policy}`).sort();
        };
        assert.deepStrictEqual(await levels("staging.json"), ["advisory no-permissive-mtls"]);
        assert.deepStrictEqual(await levels("prod.json"), [
            "mandatory mesh-wide-trace-sampling", "mandatory no-permissive-mtls",
        ]);
    });

    it("a prod stack variant with PERMISSIVE mTLS and 100 % sampling fails with the expected messages", async () => {
        // Prod settings refuse both values before anything is created, so the variant loosens the program's own
        // mesh-wide objects: what a hand edit, another program or a drifted state would present to the pack.
        const input = fromRun(await evaluateStackFile("prod"));
        const loosen = (state: Record<string, any>, kind: string) => kind === "PeerAuthentication"
            ? { ...state, spec: { ...state.spec, mtls: { mode: "PERMISSIVE" } } }
            : { ...state, spec: { ...state.spec, tracing: [{ ...state.spec.tracing[0], randomSamplingPercentage: 100 }] } };
        const meshWide = (r: { inputs: Record<string, any> }) => r.inputs.metadata?.namespace === "istio-system"
            && ((r.inputs.kind === "PeerAuthentication" && r.inputs.metadata.name === "default") || (r.inputs.kind === "Telemetry" && r.inputs.metadata.name === "mesh-default"));
        assert.strictEqual(input.resources.filter(meshWide).length, 2);
        const variant = input.resources.map((r) => (meshWide(r)
            ? { ...r, inputs: loosen(r.inputs, r.inputs.kind), outputs: loosen(r.outputs, r.inputs.kind) }
            : r));
        const result = await runPolicies(variant, prodConfig);
        assert.strictEqual(exitCode(result), 1);
        assert.deepStrictEqual(result.violations.map((v) => `${v.level} ${v.policy}: ${v.message}`), [
            "mandatory mesh-wide-mtls-strict: PeerAuthentication istio-system/default is the mesh-wide PeerAuthentication but its mtls.mode is PERMISSIVE: "
            + "the workloads still accept plaintext, so any pod (or anything that reaches the pod network) can call them unauthenticated and unencrypted. Fix: set spec.mtls.mode to STRICT.",
            "mandatory mesh-wide-trace-sampling: Telemetry istio-system/mesh-default samples 100 % of traces (tracing[0].randomSamplingPercentage), outside the allowed 1-10 %: "
            + "tracing cost (collector, storage and sidecar CPU) grows with every sampled request. Fix: set it between 1 and 10.",
        ]);
        const text = renderText("stack prod", { ...input, resources: variant }, { config: prodConfig, description: "policies/config/prod.json" }, result, 1.2);
        assert.ok(text.split("\n")[3].startsWith("mandatory mesh-wide-mtls-strict     urn:pulumi:prod::meshstack::meshstack:policy:MeshPolicies$kubernetes:security.istio.io/v1:PeerAuthentication::policies-istio-system-default  PeerAuthentication"), text);
        assert.ok(text.endsWith(`2 mandatory, 0 advisory violations; ${allPolicies.length} policies over ${variant.length} resources in 1.2 s: FAIL`), text);
    });

    it("dev settings promoted to prod are caught: the dev stack fails the prod policy config", async () => {
        const input = fromRun(await evaluateStackFile("dev"));
        const result = await runPolicies(input.resources, prodConfig);
        assert.strictEqual(exitCode(result), 1);
        assert.deepStrictEqual(result.violations.filter((v) => v.level === "mandatory").map((v) => v.policy), [
            "mesh-wide-mtls-strict", "no-permissive-mtls", "mesh-wide-trace-sampling", "no-anonymous-ui-admin",
        ]);
    });
});
