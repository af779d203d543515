import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { controlPlanes, revisionTagWebhook } from "../components/mesh/revisions";
import { cacheDir } from "../tools/chartCache";
import { findHelm, runHelm } from "../tools/helmBinary";
import { ISTIO_VERSIONS } from "../versions";

/**
 * meshstack builds the revision-tag webhooks itself; this compares them with what the real istiod chart renders
 * for `revisionTags`, at every Istio version meshstack knows. It needs those istiod charts in the chart cache
 * (npm run charts:pull, or MESHSTACK_CHART_CACHE); without them it skips, saying so, as in CI.
 */
const cache = cacheDir();
const chartOf = (version: string) => [path.join(cache, `istiod-${version}`), path.join(cache, `istiod-${version}.tgz`)]
    .find((p) => fs.existsSync(path.join(p, "Chart.yaml")) || (p.endsWith(".tgz") && fs.existsSync(p)));

describe("Istio revisions against the real istiod chart", () => {
    before(function () {
        const missing = ISTIO_VERSIONS.filter((v) => chartOf(v) === undefined);
        if (missing.length > 0) {
            console.log(`      SKIPPED: needs the istiod chart of ${missing.join(", ")} in the chart cache ${cache} (npm run charts:pull, or set MESHSTACK_CHART_CACHE)`);
            this.skip();
        }
    });

    for (const version of ISTIO_VERSIONS) {
        it(`istiod ${version}: the stable, default and canary tag webhooks equal the chart's revisionTags rendering`, async () => {
            const [stable, canary] = controlPlanes({ version: ISTIO_VERSIONS[0], canaryVersion: ISTIO_VERSIONS[ISTIO_VERSIONS.length - 1] });
            for (const plane of [stable, canary]) {
                const rendered = await runHelm(findHelm().path, ["template", plane.releaseName, chartOf(version)!,
                    "-n", "istio-system", "--set", `revision=${plane.revision}`, "--set", `revisionTags={${plane.tags.join(",")}}`]);
                const chartTags = parseAllDocuments(rendered).map((d) => d.toJS()).filter((o) => o?.kind === "MutatingWebhookConfiguration" && o.metadata.labels["istio.io/tag"]);
                assert.deepStrictEqual(chartTags.map((o) => o.metadata.name).sort(), plane.tags.map((t) => `istio-revision-tag-${t}`).sort());
                for (const o of chartTags) {
                    const ours = revisionTagWebhook(o.metadata.labels["istio.io/tag"], plane);
                    assert.deepStrictEqual(ours.webhooks, o.webhooks, o.metadata.name);
                    for (const [k, v] of Object.entries(ours.metadata.labels)) assert.strictEqual(o.metadata.labels[k], v, `${o.metadata.name} label ${k}`);
                }
            }
        });
    }
});
