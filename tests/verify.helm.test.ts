import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ChartCacheError, locateChart } from "../tools/chartCache";
import { charts } from "../versions";
import { HELM_RELEASE } from "../tools/graph";
import { findHelm, unzipEntry } from "../tools/helmBinary";
import { ProgramRun, RecordedResource } from "../tools/mockRuntime";
import { kubeVersionOf, parseRenderArgs, renderStack, RenderUsageError } from "../tools/render";
import { unreadKeys } from "../tools/verify/unread";

/**
 * render and verify against the real Helm binary, on small charts these tests write themselves
 * (CI has no chart sources; the real charts are exercised by verify.realCharts.test.ts where a cache exists).
 */

function writeChart(root: string, name: string, version: string, files: Record<string, string>, defaults = ""): string {
    const dir = path.join(root, `${name}-${version}`);
    fs.mkdirSync(path.join(dir, "templates"), { recursive: true });
    fs.writeFileSync(path.join(dir, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
    fs.writeFileSync(path.join(dir, "values.yaml"), defaults);
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, "templates", file), text);
    return dir;
}

function release(name: string, chart: string, version: string, values: Record<string, unknown>, dependencies: string[] = []): RecordedResource {
    return {
        urn: `urn:pulumi:t::meshstack::${HELM_RELEASE}::${name}`, type: HELM_RELEASE, name, custom: true, dependencies, protect: false,
        inputs: { name, chart, version, namespace: "apps", values }, outputs: {},
    };
}

const run = (resources: RecordedResource[]): ProgramRun =>
    ({ stack: "t", project: "meshstack", resources, outputs: {}, secretOutputs: new Set() });

describe("render: the real Helm binary on charts the tests write", function () {
    this.timeout(120_000);
    let cache: string;
    let helm: string;

    before(() => {
        cache = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-cache-"));
        helm = findHelm().path;
    });
    after(() => fs.rmSync(cache, { recursive: true, force: true }));

    it("finds helm: MESHSTACK_HELM, PATH, or the binary inside the pinned npm package's layer.zip", () => {
        assert.ok(fs.existsSync(helm), helm);
        const saved = process.env.MESHSTACK_HELM;
        process.env.MESHSTACK_HELM = "/nonexistent/helm";
        try {
            assert.throws(() => findHelm(), { message: "MESHSTACK_HELM=/nonexistent/helm does not exist; point it at a helm binary or unset it" });
        } finally {
            if (saved === undefined) delete process.env.MESHSTACK_HELM;
            else process.env.MESHSTACK_HELM = saved;
        }
    });

    it("unzips a stored entry by name (findHelm extracts the deflated helm entry of the real layer.zip)", () => {
        // A zip with one stored entry "a" = "hi", written by hand: local header, data, central directory, end record.
        const name = Buffer.from("a");
        const data = Buffer.from("hi");
        const local = Buffer.alloc(30); local.writeUInt32LE(0x04034b50, 0); local.writeUInt32LE(2, 18); local.writeUInt32LE(2, 22); local.writeUInt16LE(1, 26);
        const central = Buffer.alloc(46); central.writeUInt32LE(0x02014b50, 0); central.writeUInt32LE(2, 20); central.writeUInt32LE(2, 24); central.writeUInt16LE(1, 28);
        const cdStart = 30 + 1 + 2;
        const end = Buffer.alloc(22); end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10); end.writeUInt32LE(47, 12); end.writeUInt32LE(cdStart, 16);
        const zip = Buffer.concat([local, name, data, central, name, end]);
        assert.strictEqual(unzipEntry(zip, "a").toString(), "hi");
        assert.throws(() => unzipEntry(zip, "b"), { message: "zip archive has no entry b" });
    });

    it("renders releases wave by wave: a chart sees the CRDs an earlier release installed, at the stack's Kubernetes version", async () => {
        writeChart(cache, "crds", "1.0.0", {
            "crd.yaml": "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\n"
                + "spec: {group: example.com, names: {kind: Widget, plural: widgets}, scope: Namespaced, versions: [{name: v1, served: true, storage: true}]}\n",
        });
        writeChart(cache, "app", "2.0.0", {
            "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}, namespace: {{ .Release.Namespace }}}\n"
                + "data: {widgets: {{ .Capabilities.APIVersions.Has \"example.com/v1/Widget\" | quote }}, kube: {{ .Capabilities.KubeVersion.Version | quote }}, greeting: {{ .Values.greeting | quote }}}\n",
        });
        const first = release("crds", "crds", "1.0.0", {});
        const stack = await renderStack(run([first, release("app", "app", "2.0.0", { greeting: "hello" }, [first.urn]), { ...release("early", "app", "2.0.0", { greeting: "early" }) }]), { cache, helm });
        assert.deepStrictEqual(stack.releases.map((r) => r.name), ["crds", "early", "app"]);
        assert.deepStrictEqual(stack.releases.find((r) => r.name === "early")!.objects[0].data, { widgets: "false", kube: "v1.35.0", greeting: "early" });
        assert.deepStrictEqual(stack.releases.find((r) => r.name === "app")!.objects[0].data, { widgets: "true", kube: "v1.35.0", greeting: "hello" });
        assert.strictEqual(stack.releases.find((r) => r.name === "app")!.objects[0].metadata.namespace, "apps");
    });

    it("reports a cached chart whose own version is not the pin, and names the command for a missing one", async () => {
        writeChart(cache, "odd", "1.2.3", { "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: odd}\n" });
        fs.renameSync(path.join(cache, "odd-1.2.3"), path.join(cache, "odd-1.2.5"));
        const stack = await renderStack(run([release("odd", "odd", "1.2.5", {})]), { cache, helm });
        assert.strictEqual(stack.releases[0].note, "the cache holds chart version 1.2.3 for the pin 1.2.5");
        assert.throws(() => locateChart(cache, { chart: "istiod", version: "9.9.9" }), (e: Error) => e instanceof ChartCacheError
            && e.message === `chart istiod 9.9.9 is not in the chart cache ${cache}; run npm run charts:pull (needs network) or point --cache at a cache that has it`);
    });

    it("takes the Kubernetes version from the kind node image, the managed cluster's setting, or the default", () => {
        const r = (type: string, inputs: Record<string, unknown>) => ({ ...release("x", "x", "1", {}), type, inputs });
        assert.strictEqual(kubeVersionOf(run([r("command:local:Command", { create: "kind create cluster --name x --config c.yaml" })])), "1.35.8");
        assert.strictEqual(kubeVersionOf(run([r("command:local:Command", { create: "curl -fsS https://example.com/d.json" }), r("aws:eks/cluster:Cluster", { version: "1.33" })])), "1.33.0");
        assert.strictEqual(kubeVersionOf(run([r("aws:eks/cluster:Cluster", { version: "1.33" })])), "1.33.0");
        assert.strictEqual(kubeVersionOf(run([r("azure-native:containerservice:ManagedCluster", { kubernetesVersion: "1.34" })])), "1.34.0");
        assert.strictEqual(kubeVersionOf(run([])), "1.35.0");
    });

    it("parses arguments strictly", () => {
        const usage = "usage: x";
        assert.deepStrictEqual(parseRenderArgs(["--stack", "dev", "--cache=/c"], usage), { stack: "dev", cache: "/c", out: undefined });
        assert.throws(() => parseRenderArgs(["--stack", "dev", "--stack", "prod"], usage), (e: Error) => e instanceof RenderUsageError && e.message === "--stack is given twice; usage: x");
        assert.throws(() => parseRenderArgs(["--json"], usage), { message: "unknown argument --json; usage: x" });
        assert.throws(() => parseRenderArgs([], usage), { message: "--stack is required; usage: x" });
        assert.throws(() => parseRenderArgs(["--stack"], usage), { message: "--stack needs a value; usage: x" });
    });
});

describe("verify: values keys the chart never reads, asked of the real chart", function () {
    this.timeout(120_000);

    it("finds keys no template uses and keys used only behind a switch that is off; keys that override a default count as read", async () => {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-unread-"));
        try {
            const chart = writeChart(cache, "probe", "1.0.0", {
                "cm.yaml": [
                    "apiVersion: v1", "kind: ConfigMap", "metadata: {name: probe}", "data:",
                    "  name: {{ .Values.name | quote }}",
                    "  replicas: {{ .Values.replicas | quote }}",
                    "  {{- if .Values.feature.enabled }}",
                    "  level: {{ .Values.feature.level | quote }}",
                    "  {{- end }}",
                    "  {{- if .Values.debug }}",
                    "  debug: \"on\"",
                    "  {{- end }}",
                    "  {{- if eq .Values.storage \"s3\" }}",
                    "  bucket: required",
                    "  {{- end }}",
                    "  {{- range .Values.ports }}",
                    "  port-{{ .name }}: {{ .port | quote }}",
                    "  {{- end }}",
                    "",
                ].join("\n"),
            }, "storage: s3\nfeature: {enabled: false, level: 1}\n");
            const unread = await unreadKeys(findHelm().path, {
                release: "probe", chartPath: chart, namespace: "apps", kubeVersion: "1.35.0", apiVersions: [],
                values: {
                    name: "a", replicas: 2, debug: false, storage: "filesystem", typo: "x", serviceAccount: {},
                    feature: { enabled: false, level: 3 }, ports: [{ name: "http", port: 80, protocol: "TCP" }],
                },
            }, 2);
            assert.deepStrictEqual(unread, ["feature.level", "ports[0].protocol", "typo"]);
        } finally {
            fs.rmSync(cache, { recursive: true, force: true });
        }
    });
});

describe("render and verify from the command line", function () {
    this.timeout(180_000);
    const { spawnSync } = require("child_process") as typeof import("child_process");
    const cli = (script: string, args: string[], env: Record<string, string> = {}) =>
        spawnSync("npx", ["ts-node", `tools/${script}.ts`, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
    let cache: string;
    let out: string;

    before(() => {
        // Every pinned chart as a stand-in that renders one ConfigMap: enough to drive the commands end to end.
        cache = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-cli-cache-"));
        out = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-cli-out-"));
        const { pinnedCharts } = require("../tools/chartCache") as typeof import("../tools/chartCache");
        for (const pin of pinnedCharts()) {
            writeChart(cache, pin.chart, pin.version, { "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}-stand-in}\n" });
        }
    });
    after(() => {
        fs.rmSync(cache, { recursive: true, force: true });
        fs.rmSync(out, { recursive: true, force: true });
    });

    it("render writes one manifest per release plus the program's objects", () => {
        const r = cli("render", ["--stack", "dev", "--cache", cache, "--out", out]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(fs.readdirSync(path.join(out, "dev")).sort(), [
            "alloy.yaml", "istio-base.yaml", "istio-ingressgateway.yaml", "istiod-1-31-1.yaml", "jaeger.yaml", "kiali.yaml",
            "kube-prometheus-stack.yaml", "loki.yaml", "otel-collector.yaml", "program.yaml",
        ]);
        assert.match(fs.readFileSync(path.join(out, "dev", "kiali.yaml"), "utf8"), /"name": "kiali-stand-in"/);
        assert.ok(r.stdout.split("\n").includes(`  kiali                  kiali-server@${charts.kiali.version}  ns=observability  1 objects`), r.stdout);
    });

    it("verify exits 1 with one line per finding, and 2 without a chart cache", () => {
        const r = cli("verify", ["--stack", "dev", "--cache", cache, "--quick"]);
        assert.strictEqual(r.status, 1, r.stderr);
        const lines = r.stdout.split("\n");
        assert.ok(lines.includes("output portForward: \"kubectl --context kind-meshstack-dev -n observability port-forward svc/grafana 3000:80\" names no Service observability/grafana"), r.stdout);
        assert.match(lines[lines.length - 2], /^meshstack verify: stack dev: \d+ findings in \d+\.\d s$/);
        const missing = cli("verify", ["--stack", "dev", "--cache", path.join(out, "none")]);
        assert.strictEqual(missing.status, 2);
        assert.strictEqual(missing.stderr, `chart base 1.31.1 is not in the chart cache ${path.join(out, "none")}; run npm run charts:pull (needs network) or point --cache at a cache that has it\n`);
        const usage = cli("verify", ["--stack", "dev", "--out", "x"]);
        assert.deepStrictEqual([usage.status, usage.stderr], [2, "unknown argument --out; usage: npm run verify -- --stack <name> [--cache DIR] [--quick]\n"]);
    });
});

describe("charts:pull against a chart repository on loopback", function () {
    this.timeout(120_000);

    it("pulls each pin with helm into <chart>-<version>.tgz, downloads the CRDs file once, and skips what is cached", async () => {
        const http = require("http") as typeof import("http");
        const { pullAll, GATEWAY_API_FILE } = require("../tools/chartCache") as typeof import("../tools/chartCache");
        const { GATEWAY_API_VERSION } = require("../versions") as typeof import("../versions");
        const { runHelm } = require("../tools/helmBinary") as typeof import("../tools/helmBinary");
        const helm = findHelm().path;
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-repo-"));
        const repo = path.join(root, "repo"), cache = path.join(root, "cache");
        fs.mkdirSync(repo);
        await runHelm(helm, ["package", writeChart(root, "widget", "1.2.3", { "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: w}\n" }), "--destination", repo]);
        fs.writeFileSync(path.join(repo, "crds.yaml"), "kind: CustomResourceDefinition\n");
        const requests: string[] = [];
        const server = http.createServer((req, res) => {
            requests.push(req.url!);
            const file = path.join(repo, path.basename(req.url!));
            if (!fs.existsSync(file)) { res.statusCode = 404; res.end(); return; }
            res.end(fs.readFileSync(file));
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const base = `http://127.0.0.1:${(server.address() as import("net").AddressInfo).port}`;
        try {
            await runHelm(helm, ["repo", "index", repo, "--url", base]);
            const lines: string[] = [];
            const pins = [{ repo: base, chart: "widget", version: "1.2.3" }];
            await pullAll(cache, helm, (l) => lines.push(l), pins, `${base}/crds.yaml`);
            assert.deepStrictEqual(fs.readdirSync(cache).sort(), [GATEWAY_API_FILE, "widget-1.2.3.tgz"]);
            assert.strictEqual(fs.readFileSync(path.join(cache, GATEWAY_API_FILE), "utf8"), "kind: CustomResourceDefinition\n");
            assert.deepStrictEqual(lines, [`  widget 1.2.3: pulled from ${base}`, `  Gateway API CRDs ${GATEWAY_API_VERSION}: downloaded from ${base}/crds.yaml`]);
            assert.strictEqual(locateChart(cache, pins[0]).path, path.join(cache, "widget-1.2.3.tgz"));
            lines.length = 0;
            const before = requests.length;
            await pullAll(cache, helm, (l) => lines.push(l), pins, `${base}/crds.yaml`);
            assert.deepStrictEqual(lines, ["  widget 1.2.3: already cached", `  Gateway API CRDs ${GATEWAY_API_VERSION}: already cached`]);
            assert.strictEqual(requests.length, before, "nothing is fetched again");
            await assert.rejects(pullAll(path.join(root, "other"), helm, () => undefined, [{ repo: base, chart: "widget", version: "9.9.9" }], `${base}/crds.yaml`),
                /widget.*9\.9\.9/);
        } finally {
            server.close();
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
