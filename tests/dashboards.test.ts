import * as assert from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FETCH_DASHBOARD, istioDashboards, istioDashboardUrl } from "../components/observability/dashboards";
import { ISTIO_DASHBOARD_SHA256, ISTIO_DASHBOARDS_REF } from "../versions";
import { ProgramRun } from "../tools/mockRuntime";
import { evaluateStackFile, ofType, one } from "./harness";

const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const COMMAND = "command:local:Command";

/** Runs the fetch command as Pulumi's command provider would (sh -c), with the given URL and pinned sum. */
function fetchWith(url: string, sha256: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync("/bin/sh", ["-c", FETCH_DASHBOARD], { env: { ...process.env, DASHBOARD_URL: url, DASHBOARD_SHA256: sha256 }, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("Grafana dashboards without cluster egress", () => {
    let dev: ProgramRun;
    let ambient: ProgramRun;
    before(async () => {
        dev = await evaluateStackFile("dev");
        ambient = await evaluateStackFile("dev-ambient");
    });

    it("Grafana's values name no dashboard to download: its sidecar loads labelled ConfigMaps into folders", () => {
        const grafana = one(dev, "kubernetes:helm.sh/v3:Release", "observability-prometheus-stack").inputs.values.grafana;
        assert.deepStrictEqual([grafana.dashboards, grafana.dashboardProviders, grafana.downloadDashboards], [undefined, undefined, undefined]);
        assert.deepStrictEqual(grafana.sidecar.dashboards, {
            label: "grafana_dashboard", labelValue: "1", folderAnnotation: "grafana_folder", provider: { foldersFromFilesStructure: true },
        });
        const urls = JSON.stringify(grafana).match(/https?:\/\/[^"]+/g) ?? [];
        assert.deepStrictEqual(urls.filter((u) => !u.includes(".svc.cluster.local") && !u.startsWith("http://localhost")), []);
    });

    it("fetches each Istio dashboard of the pinned tag on the machine running Pulumi, pinned by sha256, into a ConfigMap", () => {
        for (const [run, extra] of [[dev, []], [ambient, ["istio-ztunnel"]]] as const) {
            const keys = ["istio-mesh", "istio-service", "istio-workload", "istio-performance", "istio-control-plane", ...extra];
            assert.deepStrictEqual(Object.keys(istioDashboards(run === ambient ? "ambient" : "sidecar")), keys);
            for (const key of keys) {
                const file = istioDashboards("ambient")[key];
                const fetch = one(run, COMMAND, `observability-dashboard-${key}-fetch`);
                assert.deepStrictEqual(fetch.inputs.environment, {
                    DASHBOARD_URL: `https://raw.githubusercontent.com/istio/istio/${ISTIO_DASHBOARDS_REF}/manifests/addons/dashboards/${file}`,
                    DASHBOARD_SHA256: ISTIO_DASHBOARD_SHA256[file],
                });
                assert.match(ISTIO_DASHBOARD_SHA256[file], /^[0-9a-f]{64}$/);
                const cm = one(run, CONFIGMAP, `observability-dashboard-${key}`);
                assert.deepStrictEqual(cm.inputs.metadata, {
                    name: `dashboard-${key}`, namespace: "observability", labels: { grafana_dashboard: "1" }, annotations: { grafana_folder: "Istio" },
                });
                assert.deepStrictEqual(Object.keys(cm.inputs.data), [`${key}.json`]);
                assert.ok(cm.dependencies.includes(fetch.urn), `${key} waits for its fetch`);
            }
            assert.strictEqual(ofType(run, COMMAND).filter((c) => c.name.startsWith("observability-dashboard-")).length, keys.length);
        }
    });

    it("the fetch prints the file only when its sha256 matches, and fails naming the URL otherwise", function () {
        if (spawnSync("curl", ["--version"]).status !== 0) {
            console.log("      SKIPPED: curl not found; the dashboard fetch needs curl on the machine running Pulumi");
            this.skip();
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-dashboard-"));
        try {
            const file = path.join(dir, "d.json");
            fs.writeFileSync(file, "{\"title\": \"Istio Mesh Dashboard\"}\n");
            const sum = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
            const url = `file://${file}`;
            assert.deepStrictEqual(fetchWith(url, sum), { status: 0, stdout: "{\"title\": \"Istio Mesh Dashboard\"}\n", stderr: "" });
            const wrong = "0".repeat(64);
            assert.deepStrictEqual(fetchWith(url, wrong), { status: 1, stdout: "", stderr: `${url} has sha256 ${sum}, expected ${wrong}\n` });
            assert.strictEqual(fetchWith(`file://${dir}/missing.json`, sum).status, 37, "curl's exit code for an unreadable file");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("pins the URL the checksums were taken from", () => {
        assert.strictEqual(istioDashboardUrl("istio-mesh-dashboard.gen.json"), "https://raw.githubusercontent.com/istio/istio/1.30.3/manifests/addons/dashboards/istio-mesh-dashboard.gen.json");
    });

    it("a stack with SLOs gets the SLO dashboard, generated, in the meshstack folder", () => {
        const cm = one(dev, CONFIGMAP, "observability-dashboard-slo");
        assert.deepStrictEqual(cm.inputs.metadata.annotations, { grafana_folder: "meshstack" });
        const dashboard = JSON.parse(cm.inputs.data["slo.json"]);
        assert.deepStrictEqual([dashboard.uid, dashboard.title], ["meshstack-slo", "Service SLOs"]);
        assert.deepStrictEqual(dashboard.panels.map((p: { title: string }) => p.title), [
            "payments/payments availability (99.9% requests succeed (no 5xx)): budget left (30d)",
            "payments/payments availability (99.9% requests succeed (no 5xx)): burn rate",
            "payments/payments latency (99% requests finish within 250 ms): budget left (30d)",
            "payments/payments latency (99% requests finish within 250 ms): burn rate",
        ]);
        assert.strictEqual(dashboard.panels[0].targets[0].expr,
            "1 - (sum_over_time(destination_service:istio_requests_5xx:rate5m{destination_service_namespace=\"payments\",destination_service_name=\"payments\"}[30d]) / sum_over_time(destination_service:istio_requests:rate5m{destination_service_namespace=\"payments\",destination_service_name=\"payments\"}[30d])) / 0.001");
        assert.deepStrictEqual(dashboard.panels[1].fieldConfig.defaults.thresholds.steps.map((s: { value: number | null }) => s.value), [null, 14.4, 6, 1]);
    });
});
