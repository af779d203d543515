import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { controlPlanes, revisionTagWebhook } from "../components/mesh/revisions";

/**
 * meshstack builds the revision-tag webhooks itself; this compares them with what the real istiod chart renders
 * for `revisionTags`. It needs the istio/istio git snapshot and a Helm binary, which only the development
 * machines have: elsewhere it skips, saying so.
 */
const ISTIO_GIT = process.env.ISTIO_GIT_DIR ?? "/work/.mirror/istio+istio/repo";
const HELM = process.env.HELM_BIN ?? "/tmp/helmx/helm/helm";

describe("Istio revisions against the real istiod chart", () => {
    let dir: string;
    before(function () {
        if (!fs.existsSync(ISTIO_GIT) || !fs.existsSync(HELM)) {
            console.log(`      SKIPPED: needs the istio/istio git snapshot (${ISTIO_GIT}) and Helm (${HELM}); set ISTIO_GIT_DIR / HELM_BIN to run it`);
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-istio-"));
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    for (const ref of ["1.30.3", "release-1.31"]) {
        it(`${ref}: the stable, default and canary tag webhooks equal the chart's revisionTags rendering`, () => {
            const out = path.join(dir, ref);
            fs.mkdirSync(out);
            execFileSync("sh", ["-c", `git --git-dir="${ISTIO_GIT}" archive "${ref}" manifests/charts/istio-control/istio-discovery | tar -x -C "${out}"`]);
            const [stable, canary] = controlPlanes({ version: "1.30.5", canaryVersion: "1.31.1" });
            for (const plane of [stable, canary]) {
                const rendered = execFileSync(HELM, ["template", plane.releaseName, path.join(out, "manifests/charts/istio-control/istio-discovery"),
                    "-n", "istio-system", "--set", `revision=${plane.revision}`, "--set", `revisionTags={${plane.tags.join(",")}}`], { encoding: "utf8", maxBuffer: 64 << 20 });
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
