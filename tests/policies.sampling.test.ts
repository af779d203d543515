import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { istio, istiod, meshTelemetry, OTEL_PROVIDER, release, withResources, without } from "./fixtures/resources";
import { messages } from "./fixtures/run";

const dev = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policies", "config", "dev.json"), "utf8"));
const T = "Telemetry";

describe("policies: trace sampling", () => {
    describe("mesh-wide-trace-sampling", () => {
        const policy = "mesh-wide-trace-sampling";
        const meshWith = (spec: unknown) => withResources(istio(T, "istio-system", "mesh-default", spec));

        it("reports a stack without a mesh-wide Telemetry", async () => {
            assert.deepStrictEqual(await messages(policy, without(meshTelemetry().urn)), [
                "(stack): no mesh-wide Telemetry in root namespace istio-system: trace sampling then falls back to istiod's "
                + "meshConfig.defaultConfig.tracing.sampling or traceSampling (1 % by default), which no stack setting reviews. "
                + "Fix: create a Telemetry in istio-system with no selector and tracing: [{providers: [{name: \"otel-tracing\"}], randomSamplingPercentage: <1-10 %>}].",
            ]);
        });

        it("reports 100 % sampling against the production maximum, and 0.5 % below the minimum", async () => {
            assert.deepStrictEqual(await messages(policy, withResources(meshTelemetry(100))), [
                "istio-system-mesh-default: Telemetry istio-system/mesh-default samples 100 % of traces (tracing[0].randomSamplingPercentage), outside the allowed 1-10 %: "
                + "tracing cost (collector, storage and sidecar CPU) grows with every sampled request. Fix: set it between 1 and 10.",
            ]);
            const low = await messages(policy, withResources(meshTelemetry(0.5)));
            assert.ok(low[0].includes("samples 0.5 % of traces (tracing[0].randomSamplingPercentage), outside the allowed 1-10 %: too few traces are kept to debug a request."), low[0]);
        });

        it("takes its bounds from config: dev allows 0-100 %", async () => {
            assert.deepStrictEqual(await messages(policy, withResources(meshTelemetry(100)), dev), []);
            assert.deepStrictEqual(await messages(policy, withResources(meshTelemetry(0)), dev), []);
        });

        it("needs exactly one tracing entry, one provider and an explicit percentage", async () => {
            const heads = async (spec: unknown) => (await messages(policy, meshWith(spec))).map((m) => m.split(":")[1].trim());
            assert.deepStrictEqual(await heads({ accessLogging: [{ providers: [{ name: "envoy" }] }] }), ["Telemetry istio-system/mesh-default is the mesh-wide Telemetry but has no tracing entry"]);
            const provider = { providers: [{ name: "otel-tracing" }], randomSamplingPercentage: 5 };
            assert.deepStrictEqual(await heads({ tracing: [provider, provider] }), ["Telemetry istio-system/mesh-default has 2 tracing entries that apply to the same CLIENT and SERVER traffic"]);
            assert.deepStrictEqual(await heads({ tracing: [{ randomSamplingPercentage: 5 }] }), ["Telemetry istio-system/mesh-default names 0 tracing providers in tracing[0]"]);
            assert.deepStrictEqual(await heads({ tracing: [{ providers: [{ name: "otel-tracing" }, { name: "zipkin" }], randomSamplingPercentage: 5 }] }),
                ["Telemetry istio-system/mesh-default names 2 tracing providers in tracing[0]"]);
            assert.deepStrictEqual(await heads({ tracing: [{ providers: [{ name: "otel-tracing" }] }] }),
                ["Telemetry istio-system/mesh-default leaves tracing[0].randomSamplingPercentage unset"]);
        });

        it("reports each of two mesh-wide Telemetries", async () => {
            const found = await messages(policy, withResources(istio(T, "istio-system", "second", { tracing: [{ providers: [{ name: "otel-tracing" }], randomSamplingPercentage: 5 }] })));
            assert.deepStrictEqual(found.map((m) => m.split(":")[0]), ["istio-system-mesh-default", "istio-system-second"]);
        });
    });

    describe("trace-sampling-limit", () => {
        const policy = "trace-sampling-limit";

        it("lets namespaces and workloads lower sampling but not exceed the maximum", async () => {
            const ns = (percent: number) => istio(T, "shop", "shop-tracing", { tracing: [{ randomSamplingPercentage: percent }] });
            assert.deepStrictEqual(await messages(policy, withResources(ns(0.1))), []);
            assert.deepStrictEqual(await messages(policy, withResources(ns(25))), [
                "shop-shop-tracing: Telemetry shop/shop-tracing samples 25 % of traces (tracing[0].randomSamplingPercentage), above the allowed maximum of 10 %: "
                + "tracing cost (collector, storage and sidecar CPU) grows with every sampled request. Namespace and workload Telemetry may lower the mesh-wide rate "
                + "but not raise it past the maximum. Fix: set it to at most 10.",
            ]);
            const workload = istio(T, "istio-system", "gateway", { selector: { matchLabels: { app: "gw" } }, tracing: [{ randomSamplingPercentage: 50 }] });
            assert.strictEqual((await messages(policy, withResources(workload))).length, 1, "a workload Telemetry in the root namespace is not mesh-wide");
            assert.deepStrictEqual(await messages(policy, withResources(ns(25)), dev), []);
        });

        it("reports several tracing entries or providers", async () => {
            const found = await messages(policy, withResources(istio(T, "shop", "shop-tracing", {
                tracing: [{ providers: [{ name: "a" }, { name: "b" }] }, { randomSamplingPercentage: 1 }],
            }, "v1alpha1")));
            assert.deepStrictEqual(found.map((m) => m.split(":")[1].trim()), [
                "Telemetry shop/shop-tracing has 2 tracing entries that apply to the same CLIENT and SERVER traffic",
                "Telemetry shop/shop-tracing names 2 providers in tracing[0]",
            ]);
        });
    });

    it("one-telemetry-per-namespace reports selectorless duplicates", async () => {
        const found = await messages("one-telemetry-per-namespace", withResources(istio(T, "shop", "more", { tracing: [{ randomSamplingPercentage: 1 }] })));
        assert.deepStrictEqual(found.map((m) => m.split(":")[0]), ["shop-shop-tracing", "shop-more"]);
        assert.ok(found[0].startsWith("shop-shop-tracing: Telemetry shop/shop-tracing is one of 2 Telemetries without a selector in namespace shop "
            + "(Telemetry shop/shop-tracing, Telemetry shop/more): Istio supports one namespace-wide Telemetry, and which one applies is undefined."), found[0]);
    });

    describe("tracing-provider-defined", () => {
        const policy = "tracing-provider-defined";

        it("reports a Telemetry naming a provider istiod does not define", async () => {
            const found = await messages(policy, withResources(istio(T, "shop", "shop-tracing", { tracing: [{ providers: [{ name: "jaeger" }] }] })));
            assert.deepStrictEqual(found, [
                "shop-shop-tracing: Telemetry shop/shop-tracing sends traces to provider \"jaeger\" (tracing[0]), which is not in "
                + "istiod's meshConfig.extensionProviders (otel-tracing): Istio accepts the Telemetry but exports no traces. "
                + "Fix: use a provider istiod defines, or add an extensionProviders entry named \"jaeger\" to istiod's meshConfig.",
            ]);
        });

        it("resolves a Telemetry without providers like Istio: the mesh-wide Telemetry's provider, then defaultProviders", async () => {
            const noDefault = istiod({ defaultProviders: {} });
            assert.deepStrictEqual(await messages(policy, withResources(noDefault)), [], "shop-tracing inherits the mesh-wide otel-tracing");
            const bareMesh = istio(T, "istio-system", "mesh-default", { tracing: [{ randomSamplingPercentage: 5 }] });
            assert.deepStrictEqual(await messages(policy, withResources(bareMesh)), [], "both fall back to defaultProviders");
            assert.deepStrictEqual(await messages(policy, withResources(noDefault, bareMesh)), [
                "istio-system-mesh-default: Telemetry istio-system/mesh-default has no providers in tracing[0], and neither istiod's meshConfig.defaultProviders.tracing names one: "
                + "the entry silently exports no traces. Fix: name a provider, e.g. providers: [{name: \"otel-tracing\"}].",
                "shop-shop-tracing: Telemetry shop/shop-tracing has no providers in tracing[0], and neither the mesh-wide Telemetry nor istiod's meshConfig.defaultProviders.tracing names one: "
                + "the entry silently exports no traces. Fix: name a provider, e.g. providers: [{name: \"otel-tracing\"}].",
            ]);
            const wrongDefault = istiod({ defaultProviders: { tracing: ["zipkin"] } });
            const found = await messages(policy, withResources(wrongDefault));
            assert.deepStrictEqual(found.map((m) => m.split(" which")[0]), ["istiod: Helm release istiod (chart istiod) sets meshConfig.defaultProviders.tracing to \"zipkin\","]);
        });

        it("skips a default provider unknown during preview", async () => {
            const unknownDefault = istiod({ defaultProviders: { tracing: ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"] } });
            assert.deepStrictEqual(await messages(policy, withResources(unknownDefault)), []);
        });

        it("reports every Telemetry when the stack has no istiod, unless extraProviders lists the provider", async () => {
            const resources = withResources().filter((r) => r.name !== "istiod");
            const found = await messages(policy, resources);
            assert.deepStrictEqual(found.map((m) => m.split(":")[0]), ["istio-system-mesh-default"], "shop-tracing inherits the mesh-wide provider");
            assert.ok(found[0].includes("which is not in meshConfig.extensionProviders: this stack has no istiod (Helm release, IstioOperator or istio ConfigMap)"), found[0]);
            assert.ok(found[0].endsWith("(or, when istiod is managed elsewhere, list it in this policy's extraProviders)."), found[0]);
            assert.deepStrictEqual(await messages(policy, resources, { [policy]: { extraProviders: ["otel-tracing"] } }), []);
        });

        it("accepts providers of any istiod release (revisions)", async () => {
            const canary = release("istiod-canary", "istiod", { revision: "canary", meshConfig: { extensionProviders: [{ ...OTEL_PROVIDER, name: "otel-canary" }] } });
            const t = istio(T, "shop", "shop-tracing", { tracing: [{ providers: [{ name: "otel-canary" }] }] });
            assert.deepStrictEqual(await messages(policy, withResources(canary, t)), []);
        });
    });

    it("istiod-sampling-bounds checks meshConfig.defaultConfig.tracing.sampling, traceSampling and pilot.traceSampling", async () => {
        const found = await messages("istiod-sampling-bounds", withResources(istiod(
            { defaultConfig: { tracing: { sampling: 0.5 } } }, { traceSampling: 100, pilot: { traceSampling: "5.0" } },
        )));
        assert.deepStrictEqual(found, [
            "istiod: Helm release istiod (chart istiod) sets values.meshConfig.defaultConfig.tracing.sampling to 0.5 %, outside the allowed 1-10 %: "
            + "it applies wherever no Telemetry sets randomSamplingPercentage, and too few traces are kept to debug a request. Fix: set it between 1 and 10.",
            "istiod: Helm release istiod (chart istiod) sets values.traceSampling to 100 %, outside the allowed 1-10 %: "
            + "it applies wherever no Telemetry sets randomSamplingPercentage, and tracing cost (collector, storage and sidecar CPU) grows with every sampled request. Fix: set it between 1 and 10.",
        ]);
        const text = await messages("istiod-sampling-bounds", withResources(istiod({}, { traceSampling: "lots" })));
        assert.ok(text[0].includes("sets values.traceSampling to \"lots\", not a number"), text[0]);
    });
});
