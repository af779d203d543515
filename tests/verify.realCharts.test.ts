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
import { evaluateStackFile } from "./harness";

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
