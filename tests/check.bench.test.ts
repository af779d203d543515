import * as assert from "assert";
import { generatedExport, measure, measureScale, namespaceOf, renderTable, rowsMet, scaleExport, scaleLine, serviceSettings } from "../tools/bench";
import { measureStartup, median, nodeFlags, renderStartup, STARTUP_COMMANDS, startupMet } from "../tools/benchStartup";
import { readStackConfig } from "../tools/stackConfig";
import { runProgram } from "../tools/mockRuntime";

describe("check: benchmark", () => {
    it("times the tools with the node flags their npm scripts pass (a larger young generation, slower heap growth)", () => {
        for (const tool of ["plan", "check", "bench", "render", "verify"]) {
            assert.deepStrictEqual(nodeFlags(tool), ["--max-semi-space-size=64", "--heap-growing-percent=30"], tool);
        }
        assert.deepStrictEqual(nodeFlags("smoke"), []);
    });

    it("evaluates the program without the SDK's per-promise stack traces, and gives the limit back", async () => {
        const before = Error.stackTraceLimit;
        const run = runProgram(readStackConfig("dev"));
        const during = Error.stackTraceLimit;
        await run;
        assert.deepStrictEqual([during, Error.stackTraceLimit], [0, before]);
    });

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
        const exported = await generatedExport(10);
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

    it("prints the table with ms per resource, peak memory, and the t(1000)/t(100) and t(3000)/t(1000) ratios", () => {
        const row = (services: number, resources: number, planMs: number, checkMs: number, peakMb: number) => ({ services, resources, planMs, checkMs, peakMb, violations: {} });
        const rows = [row(10, 100, 1000, 10, 200), row(100, 600, 1000, 60, 250), row(1000, 5700, 1000, 540, 600), row(3000, 17100, 3000, 1700, 1400)];
        const lines = renderTable(rows);
        assert.deepStrictEqual(lines, [
            "services  resources   plan ms  check ms  plan ms/resource  check ms/resource  peak MB  violations",
            "      10        100      1000        10            10.000              0.100      200  none",
            "     100        600      1000        60             1.667              0.100      250  none",
            "    1000       5700      1000       540             0.175              0.095      600  none",
            "    3000      17100      3000      1700             0.175              0.099     1400  none",
            "",
            "check t(1000)/t(100) = 9.0 (goal <= 12; resources grew 9.5x)",
            "plan  t(1000)/t(100) = 1.0",
            "1000 services: plan + check 1.5 s (goal < 60 s)",
            "plan + check t(3000)/t(1000) = 3.05 (goal <= 3.3; resources grew 3.0x)",
            "3000 services: peak memory 1400 MB (goal < 1536 MB)",
            "violations: what the production rules report on the prod stack with N generated services",
        ]);
        assert.strictEqual(rowsMet(rows), true);
        assert.strictEqual(rowsMet([...rows.slice(0, 3), row(3000, 17100, 3000, 1700, 1600)]), false, "over 1.5 GB");
        assert.strictEqual(rowsMet([...rows.slice(0, 3), row(3000, 17100, 4000, 1700, 1400)]), false, "superlinear");
    });

    it("prints start-up against the floor and meets the goals only within 1.5x and 2x", () => {
        const result = { rounds: 5, floorMs: 1000, ms: [400, 1900, 2100] };
        assert.deepStrictEqual(renderStartup(result), [
            "start-up, median of 5 interleaved runs (a command = tools/build.js + the compiled tool; npm's own start-up left out):",
            "  node -e \"require('@pulumi/pulumi')\"             1000 ms  the floor",
            "  check --file tests/fixtures/prod-export.json     400 ms  0.40x the floor (goal <= 1.5x)",
            "  check --stack dev                               1900 ms  1.90x the floor (goal <= 2x)",
            "  plan --stack dev                                2100 ms  2.10x the floor (goal <= 2x)",
        ]);
        assert.strictEqual(startupMet(result), false);
        assert.strictEqual(startupMet({ ...result, ms: [1500, 2000, 2000] }), true);
        assert.deepStrictEqual([median([3, 1, 2]), median([4, 1, 3, 2])], [2, 2.5]);
    });

    it("times the real start-up commands (one round)", function () {
        this.timeout(120_000);
        const result = measureStartup(1);
        assert.deepStrictEqual([result.rounds, result.ms.length], [1, STARTUP_COMMANDS.length]);
        assert.ok(result.floorMs > 0 && result.ms.every((ms) => ms > 0));
    });
});
