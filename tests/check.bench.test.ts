import * as assert from "assert";
import { renderTable, serviceSettings } from "../tools/bench";
import { meshWideResources, namespaceOf, serviceResourcesFor } from "../tools/benchResources";
import { istiod } from "./fixtures/resources";
import { report } from "./fixtures/run";

describe("check: benchmark data", () => {
    it("generates what N services bring: namespaces of ten, each with its mTLS, tracing and sidecar scope", () => {
        const resources = serviceResourcesFor(20);
        assert.strictEqual(resources.length, 2 * 3 + 20 * 5 + 4 + 2 * 2);
        assert.deepStrictEqual([namespaceOf(0), namespaceOf(9), namespaceOf(10), namespaceOf(999)], ["team-000", "team-000", "team-001", "team-099"]);
        assert.strictEqual(new Set(resources.map((r) => r.urn)).size, resources.length);
        assert.deepStrictEqual((serviceSettings(2).services as unknown[])[1], { name: "svc-0001", namespace: "team-000", port: 8080 });
    });

    it("the generated services are compliant, so the benchmark times a clean check", async () => {
        assert.deepStrictEqual(await report([istiod(), ...meshWideResources(), ...serviceResourcesFor(30)]), []);
    });

    it("prints the table with ms per resource and the t(1000)/t(100) ratio", () => {
        const row = (services: number, resources: number, checkMs: number) => ({ services, resources, planMs: 1000, checkMs, violations: {} });
        const lines = renderTable([row(10, 100, 10), row(100, 600, 60), row(1000, 5700, 540)]);
        assert.deepStrictEqual(lines.slice(0, 4), [
            "services  resources   plan ms  check ms  check ms/resource  violations",
            "      10        100      1000        10              0.100  none",
            "     100        600      1000        60              0.100  none",
            "    1000       5700      1000       540              0.095  none",
        ]);
        assert.strictEqual(lines[5], "check t(1000)/t(100) = 9.0 (goal <= 12; resources grew 9.5x)");
        assert.strictEqual(lines[7], "1000 services: plan + check 1.5 s (goal < 60 s)");
    });
});
