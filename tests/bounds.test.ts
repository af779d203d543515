import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROD_BOUNDS } from "../policies/rules/bounds";
import { loadSettings, SettingsError } from "../settings";
import { REPO_ROOT } from "../tools/stackConfig";

const PROD = { "cluster.kind": "eks", "eks.region": "eu-west-1", "observability.lokiBucket": "meshstack-prod-loki", "observability.lokiRegion": "eu-west-1" };
const prodConfig = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policies", "config", "prod.json"), "utf8"));

function prodProblems(values: Record<string, unknown>): readonly string[] {
    const raw = Object.fromEntries(Object.entries({ ...PROD, ...values }).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    try {
        loadSettings({ values: raw, secretKeys: new Set() }, "meshstack", "prod");
        return [];
    } catch (e) {
        if (e instanceof SettingsError) return e.problems;
        throw e;
    }
}

describe("environment bounds: one source of truth for the program and the pack", () => {
    const { minPercent, maxPercent } = PROD_BOUNDS.sampling;

    it("the program's prod settings accept exactly the pack's production sampling range", () => {
        assert.deepStrictEqual(prodProblems({ "mesh.samplingPercentage": minPercent }), []);
        assert.deepStrictEqual(prodProblems({ "mesh.samplingPercentage": maxPercent }), []);
        assert.deepStrictEqual(prodProblems({ "mesh.samplingPercentage": maxPercent + 1 }),
            [`meshstack:mesh.samplingPercentage ${maxPercent + 1} is outside the prod range; use ${minPercent} to ${maxPercent} percent`]);
    });

    it("prod.json enforces the same range and the same mTLS modes", () => {
        for (const policy of ["mesh-wide-trace-sampling", "istiod-sampling-bounds"]) {
            assert.deepStrictEqual([prodConfig[policy].minPercent, prodConfig[policy].maxPercent], [minPercent, maxPercent], policy);
        }
        assert.strictEqual(prodConfig["trace-sampling-limit"].maxPercent, maxPercent);
        assert.deepStrictEqual(PROD_BOUNDS.mtlsModes, ["STRICT"], "prod.json's mandatory no-permissive-mtls without exceptions is what STRICT-only means");
        assert.deepStrictEqual([prodConfig["no-permissive-mtls"].enforcementLevel, prodConfig["no-permissive-mtls"].exceptions], ["mandatory", []]);
        assert.strictEqual(prodConfig["mesh-wide-mtls-strict"].enforcementLevel, "mandatory");
        assert.deepStrictEqual(prodProblems({ "mesh.mtlsMode": "PERMISSIVE" }).map((p) => p.split(";")[0]), ["meshstack:mesh.mtlsMode \"PERMISSIVE\" is not allowed in prod"]);
    });
});
