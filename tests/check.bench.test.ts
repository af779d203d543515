import * as assert from "assert";
import { measure, measureScale, namespaceOf, renderTable, scaleExport, scaleLine, serviceSettings } from "../tools/bench";

describe("check: benchmark", () => {
    it("generates services ten to a namespace in the real settings schema", () => {
        const settings = serviceSettings(12) as { namespaces: { name: string }[]; services: Record<string, unknown>[] };
        assert.deepStrictEqual(settings.namespaces, [{ name: "team-000" }, { name: "team-001" }]);
        assert.deepStrictEqual([namespaceOf(0), namespaceOf(9), namespaceOf(10), namespaceOf(999)], ["team-000", "team-000", "team-001", "team-099"]);
        assert.deepStrictEqual(settings.services[10], {
            name: "svc-0010", namespace: "team-001", port: 8080, trafficPolicy: "moderate", timeout: "5s",
            retries: { attempts: 2, perTryTimeout: "2s", retryOn: "5xx,reset,connect-failure" },
            allow: [{ namespaces: ["team-001"], methods: ["GET", "POST"] }],
            versions: ["v1", "v2"], canary: { subsets: ["v1", "v2"], weights: [90, 10] },
        });
        assert.deepStrictEqual(settings.services[11].dependsOn, ["svc-0010"]);
    });

    it("plans the prod stack with generated services and checks it clean", async () => {
        const row = await measure(20);
        assert.strictEqual(row.services, 20);
        assert.deepStrictEqual(row.violations, {});
        // The prod stack file's own resources plus, per service, a DestinationRule, a VirtualService and an
        // AuthorizationPolicy, and per namespace a Namespace and a Sidecar.
        const base = (await measure(10)).resources;
        assert.strictEqual(row.resources - base, 10 * 3 + 1 * 2);
    });

    it("scales an export by copying its application namespaces, and times check --file on it in a child process", async () => {
        const { exported } = await measure(10);
        const scaled = scaleExport(exported, exported.length + 25);
        assert.strictEqual(scaled.length, exported.length + 25);
        assert.strictEqual(new Set(scaled.map((r) => r.urn)).size, scaled.length, "every copy has its own URN");
        assert.ok(scaled.slice(exported.length).every((r) => r.urn.includes("c1-team-000")), "copies live in renamed namespaces");
        const row = measureScale(scaled);
        assert.deepStrictEqual([row.resources, row.exitCode], [scaled.length, 0]);
        assert.ok(row.cpuMs > 0 && row.maxRssMb > 0, JSON.stringify(row));
        assert.strictEqual(scaleLine({ resources: 30000, wallMs: 4200, cpuMs: 3900, maxRssMb: 410.4, exitCode: 0 }),
            "check --file, 30000 resources: 4.2 s wall, 3.9 s CPU, 410 MB peak, exit 0 (goal < 5 s and < 500 MB: met)");
        assert.ok(scaleLine({ resources: 30000, wallMs: 4200, cpuMs: 3900, maxRssMb: 564, exitCode: 0 }).endsWith("NOT met)"));
    });

    it("prints the table with ms per resource and the t(1000)/t(100) ratio", () => {
        const row = (services: number, resources: number, checkMs: number) => ({ services, resources, planMs: 1000, checkMs, violations: {} });
        const lines = renderTable([row(10, 100, 10), row(100, 600, 60), row(1000, 5700, 540)]);
        assert.deepStrictEqual(lines.slice(0, 4), [
            "services  resources   plan ms  check ms  plan ms/resource  check ms/resource  violations",
            "      10        100      1000        10            10.000              0.100  none",
            "     100        600      1000        60             1.667              0.100  none",
            "    1000       5700      1000       540             0.175              0.095  none",
        ]);
        assert.strictEqual(lines[5], "check t(1000)/t(100) = 9.0 (goal <= 12; resources grew 9.5x)");
        assert.strictEqual(lines[6], "plan  t(1000)/t(100) = 1.0");
        assert.strictEqual(lines[7], "1000 services: plan + check 1.5 s (goal < 60 s)");
    });
});
