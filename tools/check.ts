import * as fs from "fs";
import * as path from "path";
import { CheckInput, CheckInputError, fromRun, readCheckFile } from "./checkInput";
import { npmBannerNote } from "./npmBanner";
import { countByLevel, PackConfig, PolicyRun, runPolicies, validatePackConfig } from "./policyRunner";
import { readStackConfig, REPO_ROOT, StackFileError } from "./stackConfig";
import { redactUrl } from "../policies/rules/values";

/**
 * `npm run check -- --stack <name> | --file <export-or-preview.json> [--policy-pack-config <file>] [--json]`
 * Runs the CrossGuard pack offline. Exit 0: no mandatory violation; 1: at least one; 2: unusable input.
 */

export interface CheckArgs {
    readonly stack?: string;
    readonly file?: string;
    readonly config?: string;
    readonly json: boolean;
}

export class UsageError extends Error {}

const USAGE = "usage: npm run check -- (--stack <name> | --file <stack-export-or-preview.json>) [--policy-pack-config <file>] [--json]";

export function parseArgs(argv: readonly string[]): CheckArgs {
    const args: { stack?: string; file?: string; config?: string; json: boolean } = { json: false };
    const seen = new Map<string, string>();
    for (let n = 0; n < argv.length; n++) {
        const flag = argv[n];
        const value = () => {
            const v = argv[++n];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value; ${USAGE}`);
            if (seen.has(flag)) throw new UsageError(`${flag} is given twice (${seen.get(flag)}, ${v}); give it once; ${USAGE}`);
            seen.set(flag, v);
            return v;
        };
        if (flag === "--stack") args.stack = value();
        else if (flag === "--file") args.file = value();
        else if (flag === "--policy-pack-config") args.config = value();
        else if (flag === "--json") args.json = true;
        else throw new UsageError(`unknown argument ${flag}; ${USAGE}`);
    }
    if ((args.stack === undefined) === (args.file === undefined)) throw new UsageError(`give exactly one of --stack or --file; ${USAGE}`);
    return args;
}

export interface ConfigChoice {
    readonly config: PackConfig;
    /** For the output header: which file, and why. */
    readonly description: string;
    readonly file?: string;
}

/** --policy-pack-config wins; for --stack, policies/config/<stack>.json when it exists; else the pack's production defaults. */
export function chooseConfig(args: CheckArgs, root = REPO_ROOT): ConfigChoice {
    let file = args.config;
    let why = "given with --policy-pack-config";
    if (file === undefined && args.stack !== undefined) {
        // A file named after the stack wins; otherwise the one named after the stack's environment.
        const environment = environmentOf(args.stack, root);
        const candidates: [string, string][] = [[args.stack, `picked for stack ${args.stack}, as the PR workflow passes it`]];
        if (environment !== undefined && environment !== args.stack) {
            candidates.push([environment, `picked for stack ${args.stack}, whose meshstack:environment is ${environment}`]);
        }
        const found = candidates.find(([name]) => fs.existsSync(path.join(root, "policies", "config", `${name}.json`)));
        if (found) {
            file = path.join("policies", "config", `${found[0]}.json`);
            why = found[1];
        }
    }
    if (file === undefined) return { config: {}, description: "none, so the pack's production defaults apply" };
    let config: unknown;
    try {
        config = JSON.parse(fs.readFileSync(path.resolve(root, file), "utf8"));
    } catch (e) {
        throw new CheckInputError(`policy pack config ${file} is unusable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const problems = validatePackConfig(config);
    if (problems.length > 0) throw new CheckInputError(`policy pack config ${file} is invalid:\n  ${problems.join("\n  ")}`);
    return { config: config as PackConfig, description: `${file} (${why})`, file };
}

/** The environment a stack file declares (or implies by its name); undefined without a readable stack file. */
function environmentOf(stack: string, root: string): string | undefined {
    try {
        const config = readStackConfig(stack, root);
        return config.config[`${config.project}:environment`] ?? stack;
    } catch {
        return undefined;
    }
}

/** npm runs scripts in the package root; a relative --file is meant from the directory npm was run in (INIT_CWD). */
export function fromWhereTyped(file: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
    const typedIn = env.INIT_CWD;
    return typedIn !== undefined && !path.isAbsolute(file) && path.resolve(typedIn) !== path.resolve(cwd) ? path.resolve(typedIn, file) : file;
}

async function load(args: CheckArgs): Promise<{ input: CheckInput; source: string }> {
    if (args.file !== undefined) return { input: readCheckFile(fromWhereTyped(args.file)), source: `file ${args.file}` };
    try {
        // Loaded for --stack only: the program pulls in the whole Pulumi SDK, which --file does not need.
        require("./deferAutomation");
        const { runProgram } = require("./mockRuntime") as typeof import("./mockRuntime");
        const run = await runProgram(readStackConfig(args.stack!));
        return { input: fromRun(run), source: `stack ${args.stack}` };
    } catch (e) {
        if (e instanceof StackFileError || (e as Error)?.name === "SettingsError") {
            throw new CheckInputError(`stack ${args.stack} cannot be evaluated: ${(e as Error).message}`);
        }
        throw e;
    }
}

/**
 * What output may show: URL credentials and every plaintext secret value of the input replaced. Secrets
 * shorter than three characters are left alone (replacing "1" or "on" everywhere would garble every line).
 */
export function redactor(input: CheckInput): (text: string) => string {
    const secrets = [...input.secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
    return (text) => secrets.reduce((t, secret) => t.split(secret).join("[secret]"), redactUrl(text));
}

export function redacted(run: PolicyRun, input: CheckInput): PolicyRun {
    const redact = redactor(input);
    return { ...run, violations: run.violations.map((v) => ({ ...v, message: redact(v.message) })) };
}

export function exitCode(run: PolicyRun): 0 | 1 {
    return countByLevel(run.violations).mandatory > 0 ? 1 : 0;
}

export function renderText(source: string, input: CheckInput, choice: ConfigChoice, run: PolicyRun, seconds: number): string {
    const counts = countByLevel(run.violations);
    const lines = [
        `meshstack check: ${source} (${input.format}, ${input.resources.length} resources)`,
        `policy pack config: ${choice.description}`,
    ];
    if (input.encryptedSecrets > 0) {
        lines.push(`note: ${input.encryptedSecrets} secret values are encrypted and were treated as unknown; export with --show-secrets to check them`);
    }
    lines.push("");
    const width = Math.max(0, ...run.violations.map((v) => v.policy.length));
    for (const v of run.violations) {
        lines.push(`${v.level.padEnd(9)} ${v.policy.padEnd(width)}  ${v.urn ?? "(stack)"}  ${v.message}`);
    }
    if (run.violations.length > 0) lines.push("");
    const policies = Object.keys(run.levels).length;
    lines.push(`${counts.mandatory} mandatory, ${counts.advisory} advisory violations; ${policies} policies over ${input.resources.length} resources in ${seconds.toFixed(1)} s: `
        + (counts.mandatory > 0 ? "FAIL" : "PASS"));
    return lines.join("\n");
}

async function main(): Promise<number> {
    const started = Date.now();
    let args: CheckArgs;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        return 2;
    }
    try {
        const choice = chooseConfig(args);
        const { input, source } = await load(args);
        const run = redacted(await runPolicies(input.resources, choice.config), input);
        const code = exitCode(run);
        if (args.json) {
            const note = npmBannerNote("check");
            if (note) process.stderr.write(`${note}\n`);
            const summary = { ...countByLevel(run.violations), resources: input.resources.length, exitCode: code };
            process.stdout.write(`${JSON.stringify({ source, format: input.format, policyPackConfig: choice.file ?? null, levels: run.levels, violations: run.violations, summary }, null, 2)}\n`);
        } else {
            process.stdout.write(`${renderText(source, input, choice, run, (Date.now() - started) / 1000)}\n`);
        }
        return code;
    } catch (e) {
        if (e instanceof CheckInputError) {
            process.stderr.write(`meshstack check: ${e.message}\n`);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    // exitCode, not exit(): a piped stdout must be flushed before the process ends.
    main().then((code) => { process.exitCode = code; }, (e) => {
        process.stderr.write(`${e?.stack ?? e}\n`);
        process.exit(2);
    });
}
