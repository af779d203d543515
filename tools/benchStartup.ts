import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./stackConfig";

/**
 * Start-up of the commands users run, against the floor: loading the Pulumi SDK alone. Each command is timed as
 * its npm script runs it (tools/build.js, then the compiled tool); npm's own start-up is the same for any script
 * and left out. Rounds interleave the commands, so machine noise hits each alike; the medians are compared.
 */

export const FLOOR = "node -e \"require('@pulumi/pulumi')\"";

export interface StartupCommand {
    readonly name: string;
    readonly tool: string;
    readonly args: readonly string[];
    /** At most this many times the floor. */
    readonly goal: number;
}

export const STARTUP_COMMANDS: readonly StartupCommand[] = [
    { name: "check --file tests/fixtures/prod-export.json", tool: "check", args: ["--file", "tests/fixtures/prod-export.json"], goal: 1.5 },
    { name: "check --stack dev", tool: "check", args: ["--stack", "dev"], goal: 2 },
    { name: "plan --stack dev", tool: "plan", args: ["--stack", "dev"], goal: 2 },
];

export interface StartupResult {
    readonly rounds: number;
    readonly floorMs: number;
    readonly ms: readonly number[];
}

/** Wall time of one node process; check's exit 1 (a mandatory violation) is a result, anything else a failure. */
function timed(args: readonly string[]): number {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    if (result.status !== 0 && result.status !== 1) {
        throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
    }
    return performance.now() - started;
}

export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The node flags the tool's npm script passes (`node <flags> bin/tools/<tool>.js`), so it is timed as users run it. */
export function nodeFlags(tool: string): string[] {
    const script: string = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts[tool];
    return /\bnode ((?:--\S+ )*)bin\/tools\//.exec(script)?.[1].trim().split(" ").filter(Boolean) ?? [];
}

export function measureStartup(rounds: number): StartupResult {
    const floor: number[] = [];
    const samples: number[][] = STARTUP_COMMANDS.map(() => []);
    const build = path.join(REPO_ROOT, "tools", "build.js");
    for (let round = 0; round < rounds; round++) {
        floor.push(timed(["-e", "require('@pulumi/pulumi')"]));
        STARTUP_COMMANDS.forEach((c, n) => {
            samples[n].push(timed([build]) + timed([...nodeFlags(c.tool), path.join(REPO_ROOT, "bin", "tools", `${c.tool}.js`), ...c.args]));
        });
    }
    return { rounds, floorMs: median(floor), ms: samples.map(median) };
}

export function startupMet(result: StartupResult): boolean {
    return STARTUP_COMMANDS.every((c, n) => result.ms[n] / result.floorMs <= c.goal);
}

export function renderStartup(result: StartupResult): string[] {
    const width = Math.max(FLOOR.length, ...STARTUP_COMMANDS.map((c) => c.name.length));
    return [
        `start-up, median of ${result.rounds} interleaved runs (a command = tools/build.js + the compiled tool; npm's own start-up left out):`,
        `  ${FLOOR.padEnd(width)}  ${result.floorMs.toFixed(0).padStart(6)} ms  the floor`,
        ...STARTUP_COMMANDS.map((c, n) => {
            const ratio = result.ms[n] / result.floorMs;
            return `  ${c.name.padEnd(width)}  ${result.ms[n].toFixed(0).padStart(6)} ms  ${ratio.toFixed(2)}x the floor (goal <= ${c.goal}x)`;
        }),
    ];
}
