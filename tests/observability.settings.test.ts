import * as assert from "assert";
import { access } from "../components/observability/access";
import { retentionHours } from "../components/observability/tracing";
import { loadSettings, SettingsError } from "../settings";
import { RawConfig } from "../settings/values";

function raw(values: Record<string, unknown>): RawConfig {
    return {
        values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
        secretKeys: new Set(),
    };
}

const prodBase = { "cluster.kind": "aks", "aks.location": "westeurope" };

function problems(stack: string, values: Record<string, unknown>): string[] {
    try {
        loadSettings(raw(values), "meshstack", stack);
    } catch (e) {
        if (e instanceof SettingsError) return [...e.problems];
        throw e;
    }
    return [];
}

describe("observability settings", () => {
    it("dev defaults: no ingress, 2d retention, no volumes, filesystem Loki, in-memory Jaeger", () => {
        const s = loadSettings(raw({}), "meshstack", "dev").observability;
        assert.deepStrictEqual(s, { retention: "2d", persistence: false, storageClass: undefined, loki: { storage: "filesystem" }, jaegerStorage: "memory" });
    });

    it("prod with S3 settings and an ingress domain", () => {
        const s = loadSettings(raw({
            ...prodBase,
            "observability.ingressDomain": "obs.example.com",
            "observability.tlsSecretName": "obs-tls",
            "observability.lokiBucket": "logs-bucket",
            "observability.lokiRegion": "eu-west-1",
        }), "meshstack", "prod").observability;
        assert.deepStrictEqual(s.ingress, { domain: "obs.example.com", tlsSecretName: "obs-tls" });
        assert.deepStrictEqual(s.loki, { storage: "s3", bucket: "logs-bucket", region: "eu-west-1" });
        assert.deepStrictEqual([s.retention, s.persistence, s.jaegerStorage], ["15d", true, "badger"]);
    });

    it("names every problem: half an ingress, S3 without a bucket, badger without volumes, S3 keys on a filesystem", () => {
        assert.deepStrictEqual(problems("prod", { ...prodBase, "observability.ingressDomain": "obs.example.com", "observability.persistence": false }), [
            `meshstack:observability.ingressDomain is set but meshstack:observability.tlsSecretName is not; the UIs are served over https only, so set both or neither`,
            `meshstack:observability.jaegerStorage "badger" needs meshstack:observability.persistence true; use memory, or turn persistence on`,
            `meshstack:observability.lokiBucket is required when meshstack:observability.lokiStorage is "s3"; set it in the stack file`,
            `meshstack:observability.lokiRegion is required when meshstack:observability.lokiStorage is "s3"; set it in the stack file`,
        ]);
        assert.deepStrictEqual(problems("dev", { "observability.tlsSecretName": "obs-tls", "observability.lokiBucket": "logs-bucket" }), [
            `meshstack:observability.tlsSecretName is set but meshstack:observability.ingressDomain is not; the UIs are served over https only, so set both or neither`,
            `meshstack:observability.lokiBucket is set but meshstack:observability.lokiStorage is "filesystem"; remove it, or set lokiStorage to s3`,
        ]);
    });

    it("Alertmanager's configuration Secret: a Kubernetes name, passed on as is", () => {
        assert.strictEqual(loadSettings(raw({}), "meshstack", "dev").observability.alertmanagerConfigSecret, undefined);
        const s = loadSettings(raw({ "observability.alertmanagerConfigSecret": "alertmanager-prod-config" }), "meshstack", "dev").observability;
        assert.strictEqual(s.alertmanagerConfigSecret, "alertmanager-prod-config");
        assert.deepStrictEqual(problems("dev", { "observability.alertmanagerConfigSecret": "Alertmanager_Config" }), [
            `meshstack:observability.alertmanagerConfigSecret "Alertmanager_Config" is not valid; use a Kubernetes object name: lowercase letters, digits and '-'`,
        ]);
    });

    it("rejects malformed values with the fix", () => {
        assert.deepStrictEqual(problems("dev", { "observability.retention": "15 days", "observability.lokiStorage": "gcs" }), [
            `meshstack:observability.retention "15 days" is not valid; use a duration in hours, days or weeks such as 15d`,
            `meshstack:observability.lokiStorage "gcs" is not supported; use one of: filesystem, s3`,
        ]);
    });

    it("converts retention to Jaeger's hours", () => {
        assert.deepStrictEqual(["12h", "2d", "2w"].map(retentionHours), [12, 48, 336]);
    });
});

describe("access to the UIs", () => {
    const withIngress = { ingress: { domain: "obs.example.com", tlsSecretName: "obs-tls" } };
    const settings = loadSettings(raw({}), "meshstack", "dev").observability;

    it("kind with a domain: https through the laptop's https port", () => {
        const a = access({ ...settings, ...withIngress }, { loadBalancer: false, localIngress: { httpPort: 8080, httpsPort: 8443 } });
        assert.strictEqual(a.mode, "gateway");
        assert.deepStrictEqual([a.urls.grafana, a.urls.kiali], ["https://grafana.obs.example.com:8443", "https://kiali.obs.example.com:8443/kiali"]);
        assert.deepStrictEqual([a.urls.prometheus, a.urls.alertmanager, a.urls.jaeger], ["http://localhost:9090", "http://localhost:9093", "http://localhost:16686"]);
        assert.deepStrictEqual(a.portForward, [
            "kubectl -n observability port-forward svc/kps-prometheus 9090:9090",
            "kubectl -n observability port-forward svc/kps-alertmanager 9093:9093",
            "kubectl -n observability port-forward svc/jaeger 16686:16686",
        ]);
        assert.deepStrictEqual(a.mode === "gateway" && a.hosts, { grafana: "grafana.obs.example.com", kiali: "kiali.obs.example.com" });
    });

    it("an existing cluster without load balancer: the gateway's https node port", () => {
        const a = access({ ...settings, ...withIngress }, { loadBalancer: false });
        assert.strictEqual(a.urls.kiali, "https://kiali.obs.example.com:30443/kiali");
    });

    it("a load balancer without a domain exposes nothing: port-forward", () => {
        const a = access(settings, { loadBalancer: true });
        assert.strictEqual(a.mode, "port-forward");
        assert.strictEqual(a.urls.prometheus, "http://localhost:9090");
        assert.strictEqual(a.portForward[1], "kubectl -n observability port-forward svc/kps-prometheus 9090:9090");
    });
});
