import { loadSettings, Settings, SettingsError } from "../settings";
import { ProgramRun, RecordedResource, runProgram } from "../tools/mockRuntime";
import { readStackConfig, StackConfig } from "../tools/stackConfig";
import { nameOf } from "../tools/graph";

/** Stack config as the CLI would pass it: values keyed without the namespace, non-strings as JSON. */
export function stackConfig(stack: string, values: Record<string, unknown>, secretKeys: string[] = []): StackConfig {
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) {
        config[`meshstack:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return { stack, project: "meshstack", config, secretKeys: secretKeys.map((k) => `meshstack:${k}`) };
}

/** Evaluates the program for an ad-hoc stack. */
export function evaluate(stack: string, values: Record<string, unknown>, secretKeys: string[] = []): Promise<ProgramRun> {
    return runProgram(stackConfig(stack, values, secretKeys));
}

const stackFileRuns = new Map<string, Promise<ProgramRun>>();

/**
 * Evaluates the program with one of the repo's Pulumi.<stack>.yaml files, once per test process: every suite
 * reads the same run. It is deep-frozen, so a test that tried to change it fails instead of misleading another.
 */
export function evaluateStackFile(stack: string): Promise<ProgramRun> {
    let run = stackFileRuns.get(stack);
    if (!run) {
        run = runProgram(readStackConfig(stack)).then(deepFreeze);
        stackFileRuns.set(stack, run);
    }
    return run;
}

function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        Object.values(value).forEach(deepFreeze);
    }
    return value;
}

export function ofType(run: ProgramRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

/** The one resource with this type and name; throws (failing the test) when there is none or several. */
export function one(run: ProgramRun, type: string, name: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${type} named ${name}, found ${found.length}; have: ${run.resources.map((r) => `${r.type}/${r.name}`).join(", ")}`);
    }
    return found[0];
}

/** Names of the resources a resource depends on (explicit dependsOn and inputs), sorted. */
export function depNames(r: RecordedResource): string[] {
    return r.dependencies.map(nameOf).sort();
}

/** The name of the provider resource a resource is created through. */
export function providerName(r: RecordedResource): string | undefined {
    return r.provider ? nameOf(r.provider.split("::").slice(0, -1).join("::")) : undefined;
}

/** Runs fn and returns the message of the error it throws; fails when it does not throw. */
export async function errorOf(fn: () => unknown): Promise<string> {
    try {
        await fn();
    } catch (e) {
        return (e as Error).message;
    }
    throw new Error("expected an error, but none was thrown");
}

/** Settings of an ad-hoc stack, values written as they come out of a stack file (strings stay as written). */
export function loadValues(stack: string, values: Record<string, unknown>): Settings {
    const raw = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return loadSettings({ values: raw, secretKeys: new Set() }, "meshstack", stack);
}

/** The problems an ad-hoc stack's settings are rejected with; fails when they load. */
export function settingsProblems(stack: string, values: Record<string, unknown>): readonly string[] {
    try {
        loadValues(stack, values);
    } catch (e) {
        if (e instanceof SettingsError) return e.problems;
        throw e;
    }
    throw new Error("expected a SettingsError, but the settings loaded");
}
