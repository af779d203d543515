import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { mocks } from "./mocks";
import { StackConfig } from "./stackConfig";

/** Where index.ts (or, compiled, index.js) sits: the repository, or bin/ when the tools run compiled. */
const PROGRAM_ROOT = path.resolve(__dirname, "..");

/** One registered resource, shaped like a `pulumi stack export` resource so policies read both alike. */
export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    /** "<provider urn>::<id>" as in a stack export. */
    readonly provider?: string;
    readonly dependencies: string[];
    readonly protect: boolean;
    /** Only the mock runtime knows it; stack exports do not carry it. */
    readonly deleteBeforeReplace?: boolean;
    /** Only the mock runtime knows it; stack exports do not carry it. */
    readonly retainOnDelete?: boolean;
    /** Inputs as the program sent them; secrets keep the SDK's secret wrapper. */
    readonly inputs: Record<string, any>;
    readonly outputs: Record<string, any>;
}

export interface ProgramRun {
    readonly stack: string;
    readonly project: string;
    readonly resources: RecordedResource[];
    /** Stack outputs, resolved; secret ones are listed in secretOutputs. */
    readonly outputs: Record<string, unknown>;
    readonly secretOutputs: Set<string>;
}

/**
 * Evaluates the Pulumi program (index.ts) under Pulumi's mocks with a stack's config, recording every
 * resource with its parent, provider, dependencies and inputs. No CLI, credentials or cluster needed.
 * Each call re-imports the program, so one process can evaluate many stacks.
 */
export async function runProgram(stack: StackConfig): Promise<ProgramRun> {
    // The Pulumi SDK records a stack trace on every promise it makes (debuggablePromise): at 3000 services that is
    // a third of the evaluation's time and a few hundred MB. Nothing here reads them; MESHSTACK_STACK_TRACES=1 keeps them.
    const stackTraceLimit = Error.stackTraceLimit;
    if (!process.env.MESHSTACK_STACK_TRACES) Error.stackTraceLimit = 0;
    try {
        return await evaluate(stack);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
}

async function evaluate(stack: StackConfig): Promise<ProgramRun> {
    const resources: RecordedResource[] = [];
    await pulumi.runtime.setMocks(mocks, stack.project, stack.stack, false);
    record(resources);
    pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
    for (const id of Object.keys(require.cache)) {
        if (id.startsWith(PROGRAM_ROOT) && !id.includes(`${path.sep}node_modules${path.sep}`)) {
            delete require.cache[id];
        }
    }
    let program: Record<string, unknown>;
    try {
        program = require(path.join(PROGRAM_ROOT, "index"));
    } catch (e) {
        // Let registrations already under way land, so callers can see what was created before the error.
        await settingsModule().waitForRPCs();
        throw Object.assign(e as Error, { recorded: resources });
    }
    const outputs: Record<string, unknown> = {};
    const secretOutputs = new Set<string>();
    for (const [key, value] of Object.entries(program)) {
        const { value: resolved, secret } = await resolve(value);
        outputs[key] = resolved;
        if (secret) secretOutputs.add(key);
    }
    await settingsModule().waitForRPCs();
    return { stack: stack.stack, project: stack.project, resources, outputs, secretOutputs };
}

/** Resolves a (possibly nested) output value and tells whether any part of it was secret. */
export async function resolve(value: unknown): Promise<{ value: unknown; secret: boolean }> {
    const output = pulumi.output(value) as pulumi.Output<unknown>;
    const [resolved, secret] = await Promise.all([
        new Promise<unknown>((res) => output.apply((v) => { res(v); return v; })),
        pulumi.isSecret(output),
    ]);
    return { value: resolved, secret };
}

function settingsModule(): { getMonitor(): any; waitForRPCs(): Promise<void> } {
    return require("@pulumi/pulumi/runtime/settings");
}

/** Wraps the mock monitor so every registration is recorded with what the mocks API doesn't pass on. */
function record(into: RecordedResource[]): void {
    const rpc = require("@pulumi/pulumi/runtime/rpc");
    const monitor = settingsModule().getMonitor();
    for (const method of ["registerResource", "readResource"] as const) {
        const original = monitor[method].bind(monitor);
        monitor[method] = (req: any, callback: (err: any, resp: any) => void) => original(req, (err: any, resp: any) => {
            if (!err) {
                const isRead = method === "readResource";
                into.push({
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    custom: isRead ? true : req.getCustom(),
                    parent: req.getParent() || undefined,
                    provider: req.getProvider() || undefined,
                    dependencies: isRead ? [] : req.getDependenciesList(),
                    protect: isRead ? false : Boolean(req.getProtect()),
                    deleteBeforeReplace: isRead ? false : Boolean(req.getDeletebeforereplace()),
                    retainOnDelete: isRead ? false : Boolean(req.getRetainondelete()),
                    inputs: rpc.deserializeProperties(isRead ? req.getProperties() : req.getObject(), true),
                    outputs: rpc.deserializeProperties(isRead ? resp.getProperties() : resp.getObject(), true),
                });
            }
            callback(err, resp);
        });
    }
}
