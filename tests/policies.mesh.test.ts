import * as assert from "assert";
import { chartMesh } from "../policies/rules/mesh";
import { stackView } from "../policies/rules/stack";
import { plain } from "../policies/rules/values";
import { CheckResource, parseCheckInput } from "../tools/checkInput";
import {
    chartV4, compliantMesh, configMap, istio, istiod, istioOperator, OTEL_PROVIDER, release, service, strictMesh, textAsset, withResources, without,
} from "./fixtures/resources";
import { messages } from "./fixtures/run";

/** Resources as `pulumi stack export` writes them and `check --file` reads them back. */
const exported = (resources: CheckResource[]) =>
    parseCheckInput(JSON.parse(JSON.stringify({ version: 3, deployment: { manifest: {}, resources } })), "fixture").resources;
const noIstiod = () => without(istiod().urn);
const tracingOnly = { defaultProviders: { tracing: ["otel-tracing"] }, extensionProviders: [OTEL_PROVIDER] };
const meshWithMetrics = (metrics: unknown) => istio("Telemetry", "istio-system", "mesh-default",
    { tracing: [{ providers: [{ name: "otel-tracing" }], randomSamplingPercentage: 5 }], metrics });

const NO_METRICS = "no proxy, gateway or waypoint then emits istio_requests_total or istio_request_duration_milliseconds: "
    + "the Istio dashboards and Kiali's graph stay empty and mesh alerts can never fire. Fix: list metrics: [prometheus] in meshConfig.defaultProviders "
    + "(next to tracing), or name providers: [{name: prometheus}] in the mesh-wide Telemetry's metrics.";

describe("policies: the effective mesh model", () => {
    describe("mesh-metrics-enabled", () => {
        const policy = "mesh-metrics-enabled";
        const check = (resources: CheckResource[]) => messages(policy, exported(resources));

        it("passes explicit metrics: [prometheus], the chart default, and metrics named by the mesh-wide Telemetry", async () => {
            assert.deepStrictEqual(await check(compliantMesh()), []);
            assert.deepStrictEqual(await check(withResources(istiod({ defaultProviders: undefined }))), [], "the chart adds metrics: [prometheus]");
            assert.deepStrictEqual(await check(withResources(istiod({ defaultProviders: {} }))), [], "an empty map is falsy in the chart's template");
            assert.deepStrictEqual(await check(withResources(istiod(tracingOnly), meshWithMetrics([{ providers: [{ name: "prometheus" }] }]))), []);
            assert.deepStrictEqual(await check(withResources(meshWithMetrics([{ overrides: [{ match: { metric: "REQUEST_SIZE" }, disabled: true }] }]))), [],
                "dropping one metric leaves the standard metrics on");
        });

        it("reports defaultProviders set without metrics (the chart then drops its default)", async () => {
            assert.deepStrictEqual(await check(withResources(istiod(tracingOnly))), [
                "istiod: Helm release istiod (chart istiod) sets meshConfig.defaultProviders (tracing) without metrics, so the istiod chart drops its default "
                + `metrics: [prometheus], and no mesh-wide Telemetry in istio-system names a metrics provider: ${NO_METRICS}`,
            ]);
        });

        it("reports the chart's prometheus switch turned off", async () => {
            const found = await check(withResources(istiod({ defaultProviders: undefined }, { telemetry: { v2: { prometheus: { enabled: false } } } })));
            assert.deepStrictEqual(found, [
                "istiod: Helm release istiod (chart istiod) sets values.telemetry.v2.prometheus.enabled to false, so the istiod chart does not add its default "
                + `metrics: [prometheus], and no mesh-wide Telemetry in istio-system names a metrics provider: ${NO_METRICS}`,
            ]);
        });

        it("reports a mesh-wide Telemetry switching every metric off, and not a narrower override", async () => {
            const found = await check(withResources(meshWithMetrics([{ providers: [{ name: "prometheus" }], overrides: [{ disabled: true }] }])));
            assert.deepStrictEqual(found.map((m) => m.split(": no proxy")[0]), [
                "istio-system-mesh-default: Telemetry istio-system/mesh-default is the mesh-wide Telemetry and switches every metric off in metrics[0] "
                + "(overrides with disabled: true and no narrower match) for prometheus",
            ]);
            const clientOnly = meshWithMetrics([{ overrides: [{ match: { metric: "ALL_METRICS", mode: "CLIENT" }, disabled: true }] }]);
            assert.deepStrictEqual(await check(withResources(clientOnly)), [], "server-side metrics still flow");
        });

        it("reports the prometheus provider replaced by an extensionProviders entry of another type", async () => {
            const redefined = istiod({ extensionProviders: [OTEL_PROVIDER, { name: "prometheus", opentelemetry: { service: "otel.observability.svc.cluster.local", port: 4317 } }] });
            const found = await check(withResources(redefined));
            assert.deepStrictEqual(found.map((m) => m.split(": an extensionProviders")[0]), [
                "istiod: Helm release istiod (chart istiod) sends Istio's metrics only to \"prometheus\" (opentelemetry), none of them a prometheus provider",
            ]);
        });

        it("reads istiod installed as a helm.sh/v4 Chart and through an IstioOperator", async () => {
            const v4 = await check([...noIstiod(), chartV4("istiod", "istiod", { meshConfig: tracingOnly })]);
            assert.deepStrictEqual(v4.map((m) => m.split(" sets ")[0]), ["istiod: Helm release istiod (chart istiod)"]);
            assert.deepStrictEqual(await check([...noIstiod(), chartV4("istiod", "istiod", { meshConfig: { ...tracingOnly, defaultProviders: { metrics: ["prometheus"], tracing: ["otel-tracing"] } } })]), []);
            const iop = (meshConfig: Record<string, unknown>) => [...noIstiod(), istioOperator("control-plane", { profile: "default", values: { meshConfig: { accessLogFile: "/dev/stdout" } }, meshConfig })];
            assert.deepStrictEqual((await check(iop(tracingOnly))).map((m) => m.split(" sets ")[0]), ["control-plane: IstioOperator istio-system/control-plane"]);
            assert.deepStrictEqual(await check(iop({ ...tracingOnly, defaultProviders: { metrics: ["prometheus"], tracing: ["otel-tracing"] } })), []);
        });

        it("resolves the istio ConfigMap over Helm values, and a ConfigMapPatch over both, saying which source istiod reads", async () => {
            const mesh = (metrics: boolean) => `defaultProviders:\n  tracing: [otel-tracing]\n${metrics ? "  metrics: [prometheus]\n" : ""}`
                + "extensionProviders:\n- name: otel-tracing\n  opentelemetry: {service: otel.observability.svc.cluster.local, port: 4317}\n";
            const found = await check(withResources(configMap("istio", "istio-system", { mesh: mesh(false) }, true)));
            assert.deepStrictEqual(found.map((m) => m.split(", and no mesh-wide")[0]), [
                "istio-system-istio: ConfigMapPatch istio-system/istio, which istiod reads instead of the mesh config of Helm release istiod (chart istiod), "
                + "sets defaultProviders (tracing) without metrics in the mesh config istiod reads",
            ]);
            assert.deepStrictEqual(await check(withResources(istiod(tracingOnly), configMap("istio", "istio-system", { mesh: mesh(true) }, true))), [],
                "the patch restores metrics the values dropped");
            assert.deepStrictEqual(await check([...noIstiod(), configMap("istio", "istio-system", { mesh: mesh(true) })]), []);
        });

        it("checks every revision's own mesh config (istiod-<rev> with revision and revisionTags)", async () => {
            const canary = (meshConfig: Record<string, unknown>) => release("istiod-1-31-1", "istiod", { revision: "1-31-1", revisionTags: ["canary"], meshConfig });
            const found = await check(withResources(canary(tracingOnly)));
            assert.deepStrictEqual(found.map((m) => m.split(" sets ")[0]), ["istiod-1-31-1: Helm release istiod-1-31-1 (chart istiod) (control plane revision 1-31-1)"]);
            assert.deepStrictEqual(await check(withResources(canary({ ...tracingOnly, defaultProviders: { metrics: ["prometheus"], tracing: ["otel-tracing"] } }))), []);
        });
    });

    describe("root namespace from meshConfig.rootNamespace", () => {
        const moved = istiod({ rootNamespace: "istio-config" });

        it("a STRICT PeerAuthentication left in istio-system is only namespace-wide", async () => {
            assert.deepStrictEqual(await messages("mesh-wide-mtls-strict", exported(withResources(moved))), [
                "(stack): no mesh-wide PeerAuthentication in root namespace istio-config (meshConfig.rootNamespace of Helm release istiod (chart istiod)): "
                + "without one Istio's default is PERMISSIVE, so every workload still accepts plaintext and mTLS is not enforced anywhere. "
                + "PeerAuthentication istio-system/default has no selector, but istio-system is not the root namespace: it applies to namespace istio-system only. "
                + "Fix: create a PeerAuthentication named \"default\" in namespace istio-config with no selector and spec.mtls.mode STRICT.",
            ]);
            const movedMesh = [istio("PeerAuthentication", "istio-config", "default", { mtls: { mode: "STRICT" } })];
            assert.deepStrictEqual(await messages("mesh-wide-mtls-strict", exported(withResources(moved, ...movedMesh).filter((r) => r.urn !== strictMesh().urn))), []);
        });

        it("reads the root namespace from a values file with a YAML merge key, as Helm does", async () => {
            const file = textAsset("common: &common\n  rootNamespace: istio-config\nmeshConfig:\n  <<: *common\n");
            const fromFile = release("istiod", "istiod", { meshConfig: { ...tracingOnly, defaultProviders: { metrics: ["prometheus"], tracing: ["otel-tracing"] } } }, { valueYamlFiles: [file] });
            const found = await messages("mesh-wide-mtls-strict", exported(withResources(fromFile)));
            assert.ok(found[0]?.startsWith("(stack): no mesh-wide PeerAuthentication in root namespace istio-config"), found[0]);
        });
    });

    it("istiod-sampling-bounds reads the sampling of the source istiod reads, and says which it replaced", async () => {
        const patch = (sampling: number) => configMap("istio", "istio-system", { mesh: `defaultConfig:\n  tracing:\n    sampling: ${sampling}\n` }, true);
        const found = await messages("istiod-sampling-bounds", exported(withResources(istiod({ defaultConfig: { tracing: { sampling: 5 } } }), patch(100))));
        assert.deepStrictEqual(found.map((m) => m.split(", outside")[0]), [
            "istio-system-istio: ConfigMapPatch istio-system/istio, which istiod reads instead of the mesh config of Helm release istiod (chart istiod), "
            + "sets data.mesh defaultConfig.tracing.sampling to 100 %",
        ]);
        assert.deepStrictEqual(await messages("istiod-sampling-bounds", exported(withResources(istiod({ defaultConfig: { tracing: { sampling: 100 } } }), patch(5)))), [],
            "the Helm value istiod no longer reads is not the mesh's sampling");
    });

    describe("values files read as Helm reads them", () => {
        it("applies merge keys and YAML 1.1 booleans: sampling 100 through a merge key is seen", async () => {
            const file = (sampling: number) => textAsset(`tracing: &tracing\n  sampling: ${sampling}\nmeshConfig:\n  defaultConfig:\n    tracing:\n      <<: *tracing\n`);
            const withFile = (sampling: number) => withResources(release("istiod", "istiod", istiodValues(), { valueYamlFiles: [file(sampling)] }));
            assert.deepStrictEqual((await messages("istiod-sampling-bounds", exported(withFile(100)))).map((m) => m.split(", outside")[0]),
                ["istiod: Helm release istiod (chart istiod) sets values.meshConfig.defaultConfig.tracing.sampling to 100 %"]);
            assert.deepStrictEqual(await messages("istiod-sampling-bounds", exported(withFile(5))), []);
            const off = textAsset("telemetry:\n  v2:\n    prometheus:\n      enabled: off\n");
            const switchedOff = release("istiod", "istiod", { meshConfig: { extensionProviders: [OTEL_PROVIDER] } }, { valueYamlFiles: [off] });
            assert.strictEqual((await messages("mesh-metrics-enabled", exported(withResources(switchedOff)))).length, 1, "off is false in YAML 1.1");
        });
    });

    describe("Telemetry and host semantics as Istio applies them", () => {
        it("a mesh-wide tracing entry with disableSpanReporting reports nothing; a CLIENT/SERVER pair is no duplicate", async () => {
            const entry = (extra: Record<string, unknown>) => ({ providers: [{ name: "otel-tracing" }], randomSamplingPercentage: 2.5, ...extra });
            const telemetry = (tracing: unknown[]) => istio("Telemetry", "istio-system", "mesh-default", { tracing });
            const found = await messages("mesh-wide-trace-sampling", exported(withResources(telemetry([entry({ disableSpanReporting: true })]))));
            assert.deepStrictEqual(found.map((m) => m.split(": proxies")[0]), ["istio-system-mesh-default: Telemetry istio-system/mesh-default sets tracing[0].disableSpanReporting: true"]);
            const pair = telemetry([entry({ match: { mode: "CLIENT" } }), entry({ match: { mode: "SERVER" }, randomSamplingPercentage: 1.5 })]);
            assert.deepStrictEqual(await messages("mesh-wide-trace-sampling", exported(withResources(pair))), []);
            const twoServer = telemetry([entry({ match: { mode: "SERVER" } }), entry({})]);
            assert.deepStrictEqual((await messages("mesh-wide-trace-sampling", exported(withResources(twoServer)))).map((m) => m.split(":")[1].trim()),
                ["Telemetry istio-system/mesh-default has 2 tracing entries that apply to the same SERVER traffic"]);
        });

        it("an ExternalName Service is outside the mesh; a MESH_INTERNAL ServiceEntry is inside", async () => {
            const policy = "no-plaintext-to-mesh-hosts";
            const plaintext = (host: string) => istio("DestinationRule", "shop", "legacy", { host, trafficPolicy: { tls: { mode: "DISABLE" } } });
            const alias = { ...service("legacy-db", "shop", "ExternalName"), inputs: { apiVersion: "v1", kind: "Service", metadata: { name: "legacy-db", namespace: "shop" }, spec: { type: "ExternalName", externalName: "db.corp.example.net" } } };
            alias.outputs = alias.inputs;
            assert.deepStrictEqual(await messages(policy, exported(withResources(alias, plaintext("legacy-db.shop.svc.cluster.local")))), []);
            assert.deepStrictEqual(await messages(policy, exported(withResources(alias, plaintext("legacy-db")))), [], "a short host is relative to the DestinationRule's namespace");
            assert.strictEqual((await messages(policy, exported(withResources(plaintext("legacy-db.shop.svc.cluster.local"))))).length, 1, "without the ExternalName Service it is a mesh service");
            const internal = istio("ServiceEntry", "shop", "vm-db", { hosts: ["db.vm.example.net"], location: "MESH_INTERNAL", ports: [{ number: 5432, name: "tcp", protocol: "TCP" }], resolution: "DNS" });
            const found = await messages(policy, exported(withResources(internal, plaintext("db.vm.example.net"))), { [policy]: { externalHosts: ["*.example.net"] } });
            assert.deepStrictEqual(found.map((m) => m.split(": the client")[0]),
                ["shop-legacy: DestinationRule shop/legacy sets spec.trafficPolicy.tls.mode to DISABLE toward in-mesh host db.vm.example.net"]);
        });
    });
});

function istiodValues(): Record<string, unknown> {
    return (istiod().inputs.values as Record<string, unknown>);
}

describe("the mesh model: revisions", () => {
    const model = (resources: CheckResource[]) =>
        stackView(resources.map((r) => ({ type: r.type, props: plain(r.outputs), urn: r.urn, name: r.name }))).mesh();
    const rev = (name: string, revision: string, extra: Record<string, unknown> = {}) =>
        release(name, "istiod", { revision, ...extra, meshConfig: { rootNamespace: `root-${revision || "default"}` } });

    it("resolves each revision's mesh config and the default revision like Istio", async () => {
        const two = await model([rev("istiod", ""), rev("istiod-1-31-1", "1-31-1")]);
        assert.deepStrictEqual(two.revisions.map((r) => [r.revision, r.rootNamespace, r.source.label]),
            [["", "root-default", "Helm release istiod (chart istiod)"], ["1-31-1", "root-1-31-1", "Helm release istiod-1-31-1 (chart istiod)"]]);
        assert.strictEqual(two.defaultRevision?.revision, "", "without defaultRevision or tags, the unrevisioned control plane");
        const tagged = await model([rev("istiod-1-30-3", "1-30-3"), rev("istiod-1-31-1", "1-31-1", { revisionTags: ["default"] })]);
        assert.strictEqual(tagged.defaultRevision?.revision, "1-31-1", "the revision tagged default");
        const base = release("istio-base", "base", { defaultRevision: "1-30-3" });
        const declared = await model([base, rev("istiod-1-30-3", "1-30-3"), rev("istiod-1-31-1", "1-31-1", { revisionTags: ["default"] })]);
        assert.strictEqual(declared.defaultRevision?.revision, "1-30-3", "the base chart's defaultRevision");
        const cm = await model([rev("istiod-1-31-1", "1-31-1"), configMap("istio-1-31-1", "istio-system", { mesh: "rootNamespace: moved\n" }, true)]);
        assert.deepStrictEqual(cm.revisions.map((r) => [r.revision, r.rootNamespace, r.replaced.map((s) => s.label)]),
            [["1-31-1", "moved", ["Helm release istiod-1-31-1 (chart istiod)"]]]);
        assert.deepStrictEqual([...cm.revisions[0].extensionProviders.keys()], ["prometheus", "stackdriver", "envoy"], "istiod's built-in providers");
    });
});

describe("the mesh model: the istiod chart's mesh template", () => {
    // Each case was read off `helm template` of istio/istio 1.30.3 manifests/charts/istio-control/istio-discovery
    // (templates/configmap.yaml, Helm 4.1.4); CI has no chart sources, so the rendered facts are pinned here.
    const picked = (values: Record<string, unknown>) => {
        const m = chartMesh(values) as Record<string, unknown>;
        return { rootNamespace: m.rootNamespace, defaultProviders: m.defaultProviders };
    };

    it("adds metrics: [prometheus] only while defaultProviders is unset or empty and the telemetry switches are on", () => {
        assert.deepStrictEqual(picked({}), { rootNamespace: "istio-system", defaultProviders: { metrics: ["prometheus"] } });
        assert.deepStrictEqual(picked({ meshConfig: { defaultProviders: {} } }), { rootNamespace: "istio-system", defaultProviders: { metrics: ["prometheus"] } });
        assert.deepStrictEqual(picked({ meshConfig: { defaultProviders: { tracing: ["otel-tracing"] } } }), { rootNamespace: "istio-system", defaultProviders: { tracing: ["otel-tracing"] } });
        assert.deepStrictEqual(picked({ telemetry: { v2: { prometheus: { enabled: false } } } }), { rootNamespace: "istio-system", defaultProviders: undefined });
        assert.deepStrictEqual(picked({ meshConfig: { defaultProviders: { metrics: ["prometheus"], tracing: ["otel-tracing"] } } }),
            { rootNamespace: "istio-system", defaultProviders: { metrics: ["prometheus"], tracing: ["otel-tracing"] } });
        assert.deepStrictEqual(picked({ revision: "1-31-1", meshConfig: { rootNamespace: "istio-config" } }), { rootNamespace: "istio-config", defaultProviders: { metrics: ["prometheus"] } });
    });
});
