import * as assert from "assert";
import { fileAsset, istiod, release, remoteAsset, textAsset, withResources, without } from "./fixtures/resources";
import { messages } from "./fixtures/run";

describe("policies: Helm releases", () => {
    it("recognises istiod by chart name, chart path or URL (istiod-<version>.tgz) and release name", async () => {
        const values = { traceSampling: 100 };
        for (const [name, chart] of [["istiod", "./charts/istiod-1.30.5.tgz"], ["mesh", "https://example.com/charts/istiod-1.30.5.tgz"], ["mesh", "istio/istiod"], ["istiod", "./vendor/control-plane"]]) {
            // One istiod per revision: the release under test replaces the fixture's.
            const found = await messages("istiod-sampling-bounds", [...without(istiod().urn), release(name, chart, values)]);
            assert.deepStrictEqual(found.map((m) => m.split(" sets ")[1]?.split(",")[0]), ["values.traceSampling to 100 %"], `${name} ${chart}`);
        }
        assert.deepStrictEqual(await messages("istiod-sampling-bounds", [...without(istiod().urn), release("mesh", "./charts/istiod-extras", values)]), []);
    });

    it("takes UI chart names from packaged chart paths too (no-loadbalancer-ui)", async () => {
        const found = await messages("no-loadbalancer-ui", withResources(release("dash", "./charts/grafana-8.0.0.tgz", { service: { type: "LoadBalancer" } })));
        assert.deepStrictEqual(found.map((m) => m.split(": internal")[0]), ["dash: Helm release dash (chart ./charts/grafana-8.0.0.tgz) sets values.service.type to LoadBalancer"]);
    });
});

describe("policies: Helm values files", () => {
    const collector = (values: Record<string, unknown>, valueYamlFiles: unknown[]) => release("collector", "opentelemetry-collector", values,
        { repo: "https://open-telemetry.github.io/opentelemetry-helm-charts", version: "0.170.0", valueYamlFiles });

    it("values-based rules read valueYamlFiles text assets, merged under values (values win, maps merge)", async () => {
        const sampling = await messages("istiod-sampling-bounds", withResources(release("istiod", "istiod", {},
            { valueYamlFiles: [textAsset("traceSampling: 100\n")] })));
        assert.deepStrictEqual(sampling.map((m) => m.split(", outside")[0]), ["istiod: Helm release istiod (chart istiod) sets values.traceSampling to 100 %"]);
        const images = await messages("no-latest-images", withResources(collector({ image: { repository: "otel/opentelemetry-collector-k8s" } },
            [textAsset("image:\n  tag: latest\n"), textAsset("extraContainers:\n- name: x\n  image: busybox\n")])));
        assert.deepStrictEqual(images.map((m) => m.split(", which")[0]), [
            "collector: Helm release collector (chart opentelemetry-collector) sets values.image.tag to \"latest\"",
            "collector: Helm release collector (chart opentelemetry-collector) sets values.extraContainers[0].image to \"busybox\"",
        ]);
        const overridden = istiod({}, { traceSampling: 5 });
        assert.deepStrictEqual(await messages("istiod-sampling-bounds", withResources(release("istiod", "istiod", (overridden.inputs as { values: Record<string, unknown> }).values,
            { valueYamlFiles: [textAsset("traceSampling: 100\n")] }))), []);
    });

    it("helm-values-readable reports file and remote assets and invalid YAML, not text assets", async () => {
        const found = await messages("helm-values-readable", withResources(collector({}, [
            textAsset("mode: deployment\n"), fileAsset("./values/collector.yaml"), remoteAsset("https://example.com/values.yaml"), textAsset("a: [\n"), textAsset("- 1\n"),
        ])));
        assert.deepStrictEqual(found.map((m) => m.split(", which")[0]), [
            "collector: Helm release collector (chart opentelemetry-collector) takes values from valueYamlFiles[1] (file ./values/collector.yaml)",
            "collector: Helm release collector (chart opentelemetry-collector) takes values from valueYamlFiles[2] (remote https://example.com/values.yaml)",
            "collector: Helm release collector (chart opentelemetry-collector) takes values from valueYamlFiles[3] (invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:)",
            "collector: Helm release collector (chart opentelemetry-collector) takes values from valueYamlFiles[4] (not a YAML map)",
        ]);
        assert.ok(found[0].endsWith(", which the pack cannot read: it cannot review values it cannot read, so every values-based rule (images, sampling, anonymous access, "
            + "service types) would pass whatever that file sets. Fix: pass the values inline (values) or as a text asset (new pulumi.asset.StringAsset(yaml))."), found[0]);
        assert.deepStrictEqual(await messages("helm-values-readable", withResources(collector({}, [textAsset("mode: deployment\n")]))), []);
    });

    it("skips a values file unknown during preview", async () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const resources = withResources(release("istiod", "istiod", {}, { valueYamlFiles: [textAsset(unknown), unknown] }));
        assert.deepStrictEqual(await messages("helm-values-readable", resources), []);
        assert.deepStrictEqual(await messages("istiod-sampling-bounds", resources), []);
    });
});
