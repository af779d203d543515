import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { cacheDir, GATEWAY_API_FILE, pinnedCharts } from "../tools/chartCache";
import { findHelm } from "../tools/helmBinary";
import { renderStack } from "../tools/render";
import { verifyStack } from "../tools/verify/index";
import { findIstioctl } from "../tools/verify/istioctl";
import { ISTIO_VERSION } from "../versions";
import { evaluate, evaluateStackFile } from "./harness";

/**
 * The sample stacks rendered with the real charts at their pins. Needs a filled chart cache (npm run charts:pull,
 * or MESHSTACK_CHART_CACHE pointing at one); without it the suite says so and skips: CI has no chart sources.
 * Istio's analyzers run too where an istioctl is at hand (MESHSTACK_ISTIOCTL or PATH).
 * It runs verify without the per-key values probe (npm run verify does that: 20-35 s a stack on an idle 2-core machine).
 */
const cache = cacheDir();
const missing = [
    ...pinnedCharts().filter((p) => !fs.existsSync(path.join(cache, `${p.chart}-${p.version}.tgz`)) && !fs.existsSync(path.join(cache, `${p.chart}-${p.version}`, "Chart.yaml")))
        .map((p) => `${p.chart}-${p.version}`),
    ...(fs.existsSync(path.join(cache, GATEWAY_API_FILE)) ? [] : [GATEWAY_API_FILE]),
];

describe("the sample stacks against the real charts", function () {
    this.timeout(600_000);
    before(function () {
        if (missing.length > 0) {
            console.log(`\n    SKIPPED: the real-chart suite needs the chart cache ${cache} (run npm run charts:pull, or set MESHSTACK_CHART_CACHE); missing: ${missing.join(", ")}\n`);
            this.skip();
        }
    });

    it("a canary stage (stable 1.30.5, canary 1.31.1, one namespace on canary): both control planes render, verify finds nothing", async () => {
        const run = await evaluate("dev", { "mesh.version": "1.30.5", "mesh.canaryVersion": "1.31.1", namespaces: [{ name: "shop" }, { name: "payments", revision: "canary" }] });
        const rendered = await renderStack(run, { cache, helm: findHelm().path });
        assert.deepStrictEqual(rendered.releases.filter((r) => r.chart === "istiod").map((r) => `${r.name}@${r.version}`), ["istiod-1-30-5@1.30.5", "istiod-1-31-1@1.31.1"]);
        assert.deepStrictEqual(await verifyStack(rendered, { unreadKeys: false, istioctl: findIstioctl() }), []);
    });

    for (const stack of ["dev", "dev-ambient", "prod"]) {
        it(`${stack}: every release renders, verify finds nothing, and istiod's mesh config keeps the prometheus metrics provider`, async () => {
            const rendered = await renderStack(await evaluateStackFile(stack), { cache, helm: findHelm().path });
            const istiod = rendered.releases.filter((r) => r.chart === "istiod");
            assert.deepStrictEqual(istiod.map((r) => r.name), [`istiod-${ISTIO_VERSION.replace(/\./g, "-")}`]);
            // A revisioned istiod renders its mesh config as ConfigMap istio-<revision>.
            const mesh = istiod[0].objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === `istio-${ISTIO_VERSION.replace(/\./g, "-")}`)!;
            assert.deepStrictEqual(parse(mesh.data.mesh).defaultProviders, { metrics: ["prometheus"], tracing: ["otel-tracing"] });
            assert.deepStrictEqual(await verifyStack(rendered, { unreadKeys: false, istioctl: findIstioctl() }), []);
        });
    }
});
