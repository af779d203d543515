import "./deferAutomation";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { measureStartup, nodeFlags, renderStartup, startupMet } from "./benchStartup";
import { CheckResource, fromRun, parseCheckInput } from "./checkInput";
import { runProgram } from "./mockRuntime";
import { runPolicies } from "./policyRunner";
import { readStackConfig, StackConfig } from "./stackConfig";

/**
 * `npm run bench`: times start-up against the floor (benchStartup.ts), then generates prod stack settings declaring
 * 10, 100, 1000 and 3000 services and times the offline plan (the real program under mocks) and the check (every
 * policy with production rules) on what it creates, each size in a fresh process so its peak memory is its own.
 * Goals: 1000 services planned and checked in under 60 s on 2 cores; check t(1000)/t(100) at most 12; plan + check
 * t(3000)/t(1000) at most 3.3 (linear) and 3000 services under 1.5 GB.
 * Then `check --file` on a generated 30,000-resource export, as a user runs it: under 5 s and 500 MB.
 */

export const SIZES = [10, 100, 1000, 3000] as const;
const PEAK_GOAL_MB = 1536;
const PER_NAMESPACE = 10;
const STARTUP_ROUNDS = 5;
const pad = (n: number, width: number) => String(n).padStart(width, "0");

export function namespaceOf(service: number): string {
    return `team-${pad(Math.floor(service / PER_NAMESPACE), 3)}`;
}

/**
 * `meshstack:namespaces` and `meshstack:services` for N services, ten to a namespace: every traffic-policy
 * preset, retries and timeouts, an ALLOW rule per service, a v1/v2 canary on every fifth service and a
 * dependency chain inside each namespace (so each Sidecar scopes real egress).
 */
export function serviceSettings(n: number): Record<string, unknown> {
    const presets = ["strict", "moderate", "lenient"];
    return {
        namespaces: Array.from({ length: Math.ceil(n / PER_NAMESPACE) }, (_, i) => ({ name: namespaceOf(i * PER_NAMESPACE) })),
        services: Array.from({ length: n }, (_, i) => ({
            name: `svc-${pad(i, 4)}`,
            namespace: namespaceOf(i),
            port: 8080,
            trafficPolicy: presets[i % presets.length],
            timeout: "5s",
            retries: { attempts: 2, perTryTimeout: "2s", retryOn: "5xx,reset,connect-failure" },
            allow: [{ namespaces: [namespaceOf(i)], methods: ["GET", "POST"] }],
            ...(i % 5 === 0 ? { versions: ["v1", "v2"], canary: { subsets: ["v1", "v2"], weights: [90, 10] } } : {}),
            ...(i % PER_NAMESPACE !== 0 ? { dependsOn: [`svc-${pad(i - 1, 4)}`] } : {}),
        })),
    };
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
    /** Peak resident memory of the process that measured this row alone. */
    readonly peakMb: number;
    /** Violations per policy: they must not grow with the number of compliant services. */
    readonly violations: Record<string, number>;
}

export const SCALE_RESOURCES = 30_000;
export const SCALE_GOAL = { seconds: 5, megabytes: 500 } as const;

/**
 * An export of `target` resources: the stack's own resources once, then copies of its application resources
 * (everything in a team-* namespace) under renamed namespaces (team-000 -> c1-team-000...) until the target.
 */
export function scaleExport(resources: readonly CheckResource[], target: number): CheckResource[] {
    const app = resources.filter((r) => r.urn.includes("team-") || JSON.stringify(r.inputs).includes("\"team-"));
    const out = [...resources];
    for (let copy = 1; out.length < target && app.length > 0; copy++) {
        for (const r of app.slice(0, target - out.length)) out.push(JSON.parse(JSON.stringify(r).split("team-").join(`c${copy}-team-`)));
    }
    return out;
}

export interface ScaleRow {
    readonly resources: number;
    readonly wallMs: number;
    readonly cpuMs: number;
    readonly maxRssMb: number;
    readonly exitCode: number | null;
}

/**
 * Runs `check --file` on the export in a child process, for its own wall time, CPU and peak memory: the compiled
 * check as `npm run check` runs it, or through ts-node where the bench itself runs from TypeScript (the tests).
 */
export function measureScale(resources: readonly CheckResource[]): ScaleRow {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-bench-")), "export.json");
    fs.writeFileSync(file, JSON.stringify({ version: 3, deployment: { manifest: {}, resources } }));
    const ext = path.extname(__filename);
    const started = performance.now();
    const child = spawnSync(process.execPath, [...nodeFlags("check"), ...(ext === ".ts" ? ["-r", "ts-node/register/transpile-only"] : []),
        "-r", path.join(__dirname, `usage${ext}`), path.join(__dirname, `check${ext}`), "--file", file], { encoding: "utf8", maxBuffer: 1 << 28 });
    const wallMs = performance.now() - started;
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    const usage = /usage (\{.*\})/.exec(child.stderr)?.[1];
    if (!usage) throw new Error(`check --file did not run: ${child.stderr}`);
    const { cpuMs, maxRssKb } = JSON.parse(usage) as { cpuMs: number; maxRssKb: number };
    return { resources: resources.length, wallMs, cpuMs, maxRssMb: maxRssKb / 1024, exitCode: child.status };
}

export function scaleMet(row: ScaleRow): boolean {
    return row.exitCode === 0 && row.wallMs < SCALE_GOAL.seconds * 1000 && row.maxRssMb < SCALE_GOAL.megabytes;
}

export function scaleLine(row: ScaleRow): string {
    const met = scaleMet(row);
    return `check --file, ${row.resources} resources: ${(row.wallMs / 1000).toFixed(1)} s wall, ${(row.cpuMs / 1000).toFixed(1)} s CPU, `
        + `${row.maxRssMb.toFixed(0)} MB peak, exit ${row.exitCode} (goal < ${SCALE_GOAL.seconds} s and < ${SCALE_GOAL.megabytes} MB: ${met ? "met" : "NOT met"})`;
}

/**
 * The plan's time and what `pulumi stack export` would hold, serialised as the CLI path reads it. Only the text
 * outlives this function, so the plan's objects are garbage before the check starts, as in two separate commands.
 */
async function plan(stack: StackConfig): Promise<{ planMs: number; exported: string }> {
    const started = performance.now();
    const run = await runProgram(stack);
    const planMs = performance.now() - started;
    return { planMs, exported: JSON.stringify({ version: 3, deployment: { manifest: {}, resources: fromRun(run).resources } }) };
}

/** The export of the prod stack with N generated services, as the check reads it. */
export async function generatedExport(services: number): Promise<CheckResource[]> {
    const { exported } = await plan(withSettings(readStackConfig("prod"), serviceSettings(services)));
    return parseCheckInput(JSON.parse(exported), "bench export").resources;
}

export async function measure(services: number): Promise<BenchRow> {
    const { planMs, exported } = await plan(withSettings(readStackConfig("prod"), serviceSettings(services)));
    const started = performance.now();
    const input = parseCheckInput(JSON.parse(exported), "bench export");
    const result = await runPolicies(input.resources, {});
    const checkMs = performance.now() - started;
    const violations: Record<string, number> = {};
    for (const v of result.violations) violations[v.policy] = (violations[v.policy] ?? 0) + 1;
    const peakMb = process.resourceUsage().maxRSS / 1024;
    return { services, resources: input.resources.length, planMs, checkMs, peakMb, violations };
}

export function renderTable(rows: readonly BenchRow[]): string[] {
    const by = (n: number) => rows.find((r) => r.services === n)!;
    const lines = [
        "services  resources   plan ms  check ms  plan ms/resource  check ms/resource  peak MB  violations",
        ...rows.map((r) => `${String(r.services).padStart(8)}  ${String(r.resources).padStart(9)}  ${r.planMs.toFixed(0).padStart(8)}  ${r.checkMs.toFixed(0).padStart(8)}  `
            + `${(r.planMs / r.resources).toFixed(3).padStart(16)}  ${(r.checkMs / r.resources).toFixed(3).padStart(17)}  ${r.peakMb.toFixed(0).padStart(7)}  `
            + `${Object.entries(r.violations).map(([p, n]) => `${p} x${n}`).join(", ") || "none"}`),
        "",
    ];
    const big = by(1000);
    const ratio = big.checkMs / by(100).checkMs;
    const planRatio = big.planMs / by(100).planMs;
    const huge = by(3000);
    const scale = (huge.planMs + huge.checkMs) / (big.planMs + big.checkMs);
    lines.push(
        `check t(1000)/t(100) = ${ratio.toFixed(1)} (goal <= 12; resources grew ${(big.resources / by(100).resources).toFixed(1)}x)`,
        `plan  t(1000)/t(100) = ${planRatio.toFixed(1)}`,
        `1000 services: plan + check ${((big.planMs + big.checkMs) / 1000).toFixed(1)} s (goal < 60 s)`,
        `plan + check t(3000)/t(1000) = ${scale.toFixed(2)} (goal <= 3.3; resources grew ${(huge.resources / big.resources).toFixed(1)}x)`,
        `3000 services: peak memory ${huge.peakMb.toFixed(0)} MB (goal < ${PEAK_GOAL_MB} MB)`,
        "violations: what the production rules report on the prod stack with N generated services",
    );
    return lines;
}

export function rowsMet(rows: readonly BenchRow[]): boolean {
    const by = (n: number) => rows.find((r) => r.services === n)!;
    const total = (r: BenchRow) => r.planMs + r.checkMs;
    return total(by(1000)) < 60_000 && by(1000).checkMs / by(100).checkMs <= 12
        && total(by(3000)) / total(by(1000)) <= 3.3 && by(3000).peakMb < PEAK_GOAL_MB;
}

/** One size in a fresh node process with this process's flags, so memory and garbage of other sizes stay out. */
function measureInChild(services: number): BenchRow {
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, "--services", String(services)], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`bench of ${services} services failed (exit ${child.status}): ${child.stderr}`);
    return JSON.parse(child.stdout) as BenchRow;
}

async function main(argv: readonly string[]): Promise<number> {
    if (argv[0] === "--services") {
        process.stdout.write(JSON.stringify(await measure(Number(argv[1]))));
        return 0;
    }
    const startup = measureStartup(STARTUP_ROUNDS);
    process.stdout.write(`meshstack bench\n\n${renderStartup(startup).join("\n")}\n\n`);
    const rows = SIZES.map(measureInChild);
    process.stdout.write(`prod stack with generated services, offline plan under mocks and check with production rules:\n\n${renderTable(rows).join("\n")}\n`);
    const scale = measureScale(scaleExport(await generatedExport(100), SCALE_RESOURCES));
    process.stdout.write(`\n${scaleLine(scale)}\n`);
    return startupMet(startup) && rowsMet(rows) && scaleMet(scale) ? 0 : 1;
}

if (require.main === module) {
    // exitCode, not exit(): a piped stdout must be flushed before the process ends.
    main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
        process.stderr.write(`${e?.stack ?? e}\n`);
        process.exit(2);
    });
}
