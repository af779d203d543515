import * as assert from "assert";
import { DEV_BUDGET, footprint, parseCpu, parseMemory } from "../tools/footprint";
import { ProgramRun } from "../tools/mockRuntime";
import { evaluate, evaluateStackFile } from "./harness";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe("footprint (requests read from the values each release gets)", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        dev = await evaluateStackFile("dev");
        prod = await evaluateStackFile("prod");
    });

    it("parses Kubernetes quantities", () => {
        assert.deepStrictEqual(["250m", "1", "0.5", "2"].map(parseCpu), [250, 1000, 500, 2000]);
        assert.deepStrictEqual(["256Mi", "1Gi", "500M", "64Ki"].map(parseMemory), [256 * MiB, GiB, 500e6, 64 * 1024]);
        assert.throws(() => parseCpu("1 core"), /CPU quantity 1 core is not understood/);
        assert.throws(() => parseMemory("1GB"), /memory quantity 1GB is not understood/);
    });

    it("dev: the whole platform, Istio and the demo workload included, requests 955m CPU and 2448 MiB, within 2.5 CPU / 5 GiB", () => {
        const fp = footprint(dev);
        const per = Object.fromEntries(fp.releases.map((r) => [r.release, [r.cpu, r.memory / MiB]]));
        assert.deepStrictEqual(per, {
            "istio-base": [0, 0],
            "istiod-1-31-1": [100, 256],
            "istio-ingressgateway": [50, 64],
            // prometheus 200m/512Mi, alertmanager 10m/32Mi, 2 config-reloaders 10m/24Mi, operator 50m/64Mi,
            // kube-state-metrics 10m/48Mi, node-exporter 10m/24Mi, grafana 100m/192Mi + 2 sidecars 10m/48Mi
            "kube-prometheus-stack": [420, 1016],
            loki: [100, 256],
            alloy: [55, 112],
            jaeger: [50, 128],
            "otel-collector": [50, 128],
            kiali: [20, 96],
            // The demo: each service pod 10m/32Mi plus its sidecar 10m/40Mi (pod annotations); the load generator
            // runs outside the mesh, one container per exposed service.
            "edge/api-gateway": [20, 72],
            "core/core": [20, 72],
            "ml/ml-prediction": [20, 72],
            "payments/payments-v1": [20, 72],
            "payments/payments-v2": [20, 72],
            "demo-load/loadgen": [10, 32],
        });
        assert.deepStrictEqual([fp.total.cpu, fp.total.memory / MiB], [955, 2448]);
        assert.ok(fp.total.cpu <= DEV_BUDGET.cpu && fp.total.memory <= DEV_BUDGET.memory);
    });

    it("dev stays within budget in ambient mode with two kind workers' worth of DaemonSets", async () => {
        const fp = footprint(await evaluate("dev", { "mesh.mode": "ambient" }));
        const perNode = fp.releases.reduce((s, r) => ({ cpu: s.cpu + r.perNode.cpu, memory: s.memory + r.perNode.memory }), { cpu: 0, memory: 0 });
        assert.ok(fp.total.cpu + 2 * perNode.cpu <= DEV_BUDGET.cpu, `${fp.total.cpu} + 2 x ${perNode.cpu}`);
        assert.ok(fp.total.memory + 2 * perNode.memory <= DEV_BUDGET.memory, `${fp.total.memory} + 2 x ${perNode.memory}`);
    });

    it("prod counts every replica: two collectors tiers, three Loki pods, two Grafanas and Alertmanagers", () => {
        const per = Object.fromEntries(footprint(prod).releases.map((r) => [r.release, [r.cpu, r.memory / MiB]]));
        assert.deepStrictEqual(per["otel-collector"], [400, 1024]);
        assert.deepStrictEqual(per["otel-sampler"], [1000, 2048]);
        assert.deepStrictEqual(per.loki, [1500, 3072]);
        assert.deepStrictEqual(per["istiod-1-31-1"], [1000, 4096]);
        // prometheus 1/4Gi, 2 alertmanagers 50m/128Mi, 3 reloaders 20m/32Mi, operator 100m/128Mi, ksm 50m/128Mi,
        // node-exporter 50m/64Mi, 2 grafanas 250m/512Mi with 2 sidecars each 50m/64Mi
        assert.deepStrictEqual(per["kube-prometheus-stack"], [2060, 4096 + 256 + 96 + 128 + 128 + 64 + 1024 + 256]);
    });

    it("fails on a container the values leave unsized", () => {
        const run: ProgramRun = {
            ...dev,
            resources: dev.resources.map((r) => r.name === "observability-jaeger"
                ? { ...r, inputs: { ...r.inputs, values: { ...r.inputs.values, jaeger: {} } } }
                : r),
        };
        assert.throws(() => footprint(run), /release jaeger container jaeger has no requests and limits \(cpu and memory\) at values jaeger.resources/);
    });
});
