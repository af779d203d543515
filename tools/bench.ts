import { allKeys } from "../settings";
import { fromRun, parseCheckInput } from "./checkInput";
import { meshWideResources, namespaceOf, serviceResourcesFor } from "./benchResources";
import { runProgram } from "./mockRuntime";
import { runPolicies } from "./policyRunner";
import { readStackConfig, StackConfig } from "./stackConfig";

/**
 * `npm run bench`: times the offline plan and check for 10, 100 and 1000 services on the prod stack.
 * Goals: 1000 services checked in under 60 s on 2 cores; t(1000)/t(100) at most 12 (linear policies).
 */

export const SIZES = [10, 100, 1000] as const;
const SERVICES_KEY = "services";

/**
 * Stack settings declaring N services, for the plan timing. The shape follows the mesh-policy
 * issue's `meshstack:services` list; adjust it here when that schema lands.
 */
export function serviceSettings(n: number): Record<string, unknown> {
    return {
        [SERVICES_KEY]: Array.from({ length: n }, (_, i) => ({
            name: `svc-${String(i).padStart(4, "0")}`,
            namespace: namespaceOf(i),
            port: 8080,
        })),
    };
}

/** Whether the program reads the services setting yet; until it does, plan time excludes services. */
export function servicesSettingKnown(): boolean {
    return allKeys.some((k) => k.key === SERVICES_KEY);
}

function withSettings(base: StackConfig, values: Record<string, unknown>): StackConfig {
    const config = { ...base.config };
    for (const [k, v] of Object.entries(values)) config[`${base.project}:${k}`] = JSON.stringify(v);
    return { ...base, config };
}

export interface BenchRow {
    readonly services: number;
    readonly resources: number;
    readonly planMs: number;
    readonly checkMs: number;
    /** Violations per policy: they must not grow with the number of compliant services. */
    readonly violations: Record<string, number>;
}

async function measure(services: number): Promise<BenchRow> {
    const base = readStackConfig("prod");
    const stack = servicesSettingKnown() ? withSettings(base, serviceSettings(services)) : base;
    let started = performance.now();
    const run = await runProgram(stack);
    const planMs = performance.now() - started;
    const program = fromRun(run).resources;
    // The program does not create the services' Istio objects yet: add what N services produce.
    const known = new Set(program.map((r) => r.urn));
    const resources = [...program, ...[...meshWideResources(), ...serviceResourcesFor(services)].filter((r) => !known.has(r.urn))];
    const exported = JSON.stringify({ version: 3, deployment: { manifest: {}, resources } });
    started = performance.now();
    const input = parseCheckInput(JSON.parse(exported), "bench export");
    const result = await runPolicies(input.resources, {});
    const checkMs = performance.now() - started;
    const violations: Record<string, number> = {};
    for (const v of result.violations) violations[v.policy] = (violations[v.policy] ?? 0) + 1;
    return { services, resources: input.resources.length, planMs, checkMs, violations };
}

export function renderTable(rows: readonly BenchRow[]): string[] {
    const by = (n: number) => rows.find((r) => r.services === n)!;
    const lines = [
        "services  resources   plan ms  check ms  check ms/resource  violations",
        ...rows.map((r) => `${String(r.services).padStart(8)}  ${String(r.resources).padStart(9)}  ${r.planMs.toFixed(0).padStart(8)}  ${r.checkMs.toFixed(0).padStart(8)}  `
            + `${(r.checkMs / r.resources).toFixed(3).padStart(17)}  ${Object.entries(r.violations).map(([p, n]) => `${p} x${n}`).join(", ") || "none"}`),
        "",
    ];
    const big = by(1000);
    const ratio = big.checkMs / by(100).checkMs;
    const planRatio = big.planMs / by(100).planMs;
    lines.push(
        `check t(1000)/t(100) = ${ratio.toFixed(1)} (goal <= 12; resources grew ${(big.resources / by(100).resources).toFixed(1)}x)`,
        `plan  t(1000)/t(100) = ${planRatio.toFixed(1)}${servicesSettingKnown() ? "" : " (the program has no meshstack:services setting yet: plan time excludes services)"}`,
        `1000 services: plan + check ${((big.planMs + big.checkMs) / 1000).toFixed(1)} s (goal < 60 s)`,
        "violations: what the production rules report on the prod program plus N compliant services; a flat count means the services add none",
    );
    return lines;
}

async function main(): Promise<number> {
    const rows: BenchRow[] = [];
    for (const n of SIZES) rows.push(await measure(n));
    process.stdout.write(`meshstack bench: prod stack, offline plan under mocks and check with production rules\n\n${renderTable(rows).join("\n")}\n`);
    const big = rows[rows.length - 1];
    return big.planMs + big.checkMs < 60_000 && big.checkMs / rows[1].checkMs <= 12 ? 0 : 1;
}

if (require.main === module) {
    // exitCode, not exit(): a piped stdout must be flushed before the process ends.
    main().then((code) => { process.exitCode = code; }, (e) => {
        process.stderr.write(`${e?.stack ?? e}\n`);
        process.exit(2);
    });
}
