import "./deferAutomation";
import { SettingsError } from "../settings";
import { footprint, renderFootprint } from "./footprint";
import { npmBannerNote } from "./npmBanner";
import { HELM_RELEASE, nameOf, releaseWaves } from "./graph";
import { ProgramRun, RecordedResource, runProgram } from "./mockRuntime";
import { renderRevisions } from "./revisions";
import { readStackConfig, StackFileError } from "./stackConfig";

/**
 * `npm run plan -- --stack <name> [--json]`: evaluates the program offline under Pulumi's mocks with the
 * settings of Pulumi.<name>.yaml and prints the resource tree, the Helm install waves and the outputs.
 * Exit 1 on bad settings (the settings error alone), 2 on an unusable stack file.
 */

export function describe(r: RecordedResource): string {
    const i = r.inputs;
    const parts: string[] = [];
    if (r.type === HELM_RELEASE) {
        parts.push(`release=${i.name}`, `chart=${i.chart}@${i.version}`, `ns=${i.namespace}`);
    } else if (r.type.startsWith("kubernetes:") && i.metadata) {
        const ns = i.metadata.namespace ? `${i.metadata.namespace}/` : "";
        parts.push(`${ns}${i.metadata.name ?? r.name}`);
    }
    if (r.provider) parts.push(`provider=${nameOf(r.provider.split("::").slice(0, -1).join("::"))}`);
    if (r.protect) parts.push("protect");
    const deps = r.dependencies.filter((d) => d !== r.parent).map(nameOf);
    if (deps.length > 0) parts.push(`dependsOn=[${deps.join(", ")}]`);
    return `${r.type} ${r.name}${parts.length ? `  (${parts.join(", ")})` : ""}`;
}

export function renderTree(run: ProgramRun): string[] {
    const children = new Map<string | undefined, RecordedResource[]>();
    const urns = new Set(run.resources.map((r) => r.urn));
    for (const r of run.resources) {
        const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, indent: string) => {
        const kids = children.get(parent) ?? [];
        kids.forEach((r, n) => {
            const last = n === kids.length - 1;
            lines.push(`${indent}${parent === undefined ? "" : last ? "└─ " : "├─ "}${describe(r)}`);
            walk(r.urn, parent === undefined ? "" : indent + (last ? "   " : "│  "));
        });
    };
    walk(undefined, "");
    return lines;
}

export function renderOutputs(run: ProgramRun): string[] {
    return Object.entries(run.outputs).map(([k, v]) =>
        `  ${k}: ${run.secretOutputs.has(k) ? "[secret]" : typeof v === "string" ? v : JSON.stringify(v)}`);
}

export function render(run: ProgramRun, seconds: number): string {
    const waves = releaseWaves(run.resources);
    return [
        `meshstack plan: stack ${run.stack}, ${run.resources.length} resources, evaluated offline under Pulumi mocks in ${seconds.toFixed(1)} s`,
        "",
        ...renderTree(run),
        "",
        `Helm install waves (longest chain: ${waves.length}):`,
        ...waves.map((w, n) => `  ${n + 1}. ${w.map((r) => `${r.inputs.name} (${r.inputs.chart}@${r.inputs.version})`).join(", ")}`),
        "",
        ...renderRevisions(run.resources),
        "",
        ...renderFootprint(footprint(run), run.outputs.environment),
        "",
        "Outputs:",
        ...renderOutputs(run),
    ].join("\n");
}

const USAGE = "usage: npm run plan -- --stack <name> [--json]";

export class UsageError extends Error {}

/** Strict: an unknown flag or a missing value is an error, never a silent plan of another stack. */
export function parseArgs(argv: readonly string[]): { stack: string; json: boolean } {
    let stack: string | undefined;
    let json = false;
    for (let n = 0; n < argv.length; n++) {
        const [flag, inline] = argv[n].startsWith("--stack=") ? ["--stack", argv[n].slice("--stack=".length)] : [argv[n], undefined];
        if (flag === "--stack") {
            const value = inline ?? argv[++n];
            if (!value || value.startsWith("--")) throw new UsageError(`--stack needs a stack name; ${USAGE}`);
            if (stack !== undefined) throw new UsageError(`--stack is given twice (${stack}, ${value}); plan one stack per run; ${USAGE}`);
            stack = value;
        } else if (flag === "--json") {
            json = true;
        } else {
            throw new UsageError(`unknown argument ${flag}; ${USAGE}`);
        }
    }
    if (stack === undefined) throw new UsageError(`--stack is required; ${USAGE}`);
    return { stack, json };
}

/** The key Pulumi marks a secret value with when it deserializes with secrets kept. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Replaces every value carrying Pulumi's secret signature by "[secret]", at any depth. */
export function maskSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(maskSecrets);
    if (value !== null && typeof value === "object") {
        if (SECRET_SIG in value) return "[secret]";
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
    }
    return value;
}

/** Runs a stack's evaluation, turning settings and stack-file errors into a message and an exit code. */
export async function evaluateOrExit(stack: string): Promise<ProgramRun> {
    try {
        return await runProgram(readStackConfig(stack));
    } catch (e) {
        if (e instanceof SettingsError || (e as Error)?.name === "SettingsError") {
            process.stderr.write(`${(e as Error).message}\n`);
            process.exit(1);
        }
        if (e instanceof StackFileError) {
            process.stderr.write(`${e.message}\n`);
            process.exit(2);
        }
        throw e;
    }
}

async function main(): Promise<void> {
    let args: { stack: string; json: boolean };
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(2);
    }
    const started = Date.now();
    const run = await evaluateOrExit(args.stack);
    if (args.json) {
        const note = npmBannerNote("plan");
        if (note) process.stderr.write(`${note}\n`);
        const outputs = Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, run.secretOutputs.has(k) ? "[secret]" : v]));
        const resources = run.resources.map((r) => ({ ...r, inputs: maskSecrets(r.inputs), outputs: undefined }));
        process.stdout.write(`${JSON.stringify({ stack: run.stack, resources, outputs }, null, 2)}\n`);
    } else {
        process.stdout.write(`${render(run, (Date.now() - started) / 1000)}\n`);
    }
}

if (require.main === module) {
    main().catch((e) => {
        process.stderr.write(`${e?.stack ?? e}\n`);
        process.exit(1);
    });
}
