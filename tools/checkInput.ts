import * as fs from "fs";
import { ProgramRun, RecordedResource } from "./mockRuntime";

/**
 * What the offline check reads, normalised to one shape: a resource as `pulumi stack export` writes it.
 * Sources: a stack export (version 3), a `pulumi preview --json` file, a `npm run plan -- --json`
 * file, or a program evaluated under mocks. Secrets are unwrapped; encrypted ones become unknown.
 * The fields are the mock runtime's, which already follow the stack export's resource shape.
 */
export type CheckResource = RecordedResource;

export type InputFormat = "stack export v3" | "preview JSON" | "plan JSON" | "program under mocks";

export interface CheckInput {
    readonly format: InputFormat;
    readonly resources: CheckResource[];
    /** Secret values stored encrypted (ciphertext): policies treat them as unknown. */
    readonly encryptedSecrets: number;
}

/** The input cannot be checked: not JSON, not a known format, or malformed. */
export class CheckInputError extends Error {}

/** The engine's secret signature (`4dabf…`: `1b47…`) and its unknown-string sentinel. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const DELETE_OPS = new Set(["delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"]);

export function readCheckFile(file: string): CheckInput {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new CheckInputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (e) {
        throw new CheckInputError(`${file} is not JSON (${(e as Error).message}); expected the output of \`pulumi stack export\` or \`pulumi preview --json\``);
    }
    return parseCheckInput(json, file);
}

/** Detects the format of a parsed JSON document and normalises its resources. */
export function parseCheckInput(json: unknown, source = "input"): CheckInput {
    const doc = json as Record<string, any>;
    const counter = { encrypted: 0 };
    if (doc && typeof doc === "object" && "deployment" in doc) {
        if (doc.version !== 3) {
            throw new CheckInputError(`${source} is a stack export of version ${JSON.stringify(doc.version)}; only version 3 (Pulumi CLI 3.x \`pulumi stack export\`) is supported`);
        }
        const resources = doc.deployment?.resources ?? [];
        if (!Array.isArray(resources)) throw new CheckInputError(`${source}: deployment.resources is not a list`);
        return { format: "stack export v3", resources: resources.map((r, n) => normalise(r, `${source}: deployment.resources[${n}]`, counter)), encryptedSecrets: counter.encrypted };
    }
    if (doc && typeof doc === "object" && Array.isArray(doc.steps)) {
        const byUrn = new Map<string, CheckResource>();
        doc.steps.forEach((step: any, n: number) => {
            if (!step || DELETE_OPS.has(step.op) || !step.newState) return;
            const r = normalise(step.newState, `${source}: steps[${n}].newState`, counter);
            byUrn.set(r.urn, r);
        });
        return { format: "preview JSON", resources: [...byUrn.values()], encryptedSecrets: counter.encrypted };
    }
    if (doc && typeof doc === "object" && typeof doc.stack === "string" && Array.isArray(doc.resources)) {
        return { format: "plan JSON", resources: doc.resources.map((r: unknown, n: number) => normalise(r, `${source}: resources[${n}]`, counter)), encryptedSecrets: counter.encrypted };
    }
    throw new CheckInputError(`${source} is neither a stack export ({"version": 3, "deployment": {"resources": [...]}}), `
        + `a preview ({"steps": [{"newState": ...}]}) nor a plan JSON file ({"stack", "resources"})`);
}

/** Resources recorded by the mock runtime, in the same shape. */
export function fromRun(run: ProgramRun): CheckInput {
    const counter = { encrypted: 0 };
    const resources = run.resources.map((r, n) => normalise(r, `resource ${n}`, counter));
    return { format: "program under mocks", resources, encryptedSecrets: counter.encrypted };
}

function normalise(raw: unknown, where: string, counter: { encrypted: number }): CheckResource {
    const r = raw as Record<string, any>;
    if (!r || typeof r !== "object" || typeof r.urn !== "string" || typeof r.type !== "string") {
        throw new CheckInputError(`${where} has no urn and type; is this a Pulumi state or preview file?`);
    }
    const inputs = unwrap(r.inputs ?? {}, counter) as Record<string, unknown>;
    return {
        urn: r.urn,
        type: r.type,
        name: typeof r.name === "string" ? r.name : r.urn.split("::").pop() ?? r.urn,
        custom: Boolean(r.custom),
        parent: r.parent || undefined,
        provider: r.provider || undefined,
        dependencies: Array.isArray(r.dependencies) ? r.dependencies : [],
        protect: Boolean(r.protect),
        inputs,
        // Preview states of new resources carry no outputs yet; CrossGuard then shows inputs to stack policies.
        outputs: r.outputs && Object.keys(r.outputs).length > 0 ? unwrap(r.outputs, counter) as Record<string, unknown> : inputs,
    };
}

/** Replaces secret wrappers by their value (plaintext is JSON-encoded); ciphertext becomes unknown. */
export function unwrap(value: unknown, counter: { encrypted: number }): unknown {
    if (Array.isArray(value)) return value.map((v) => unwrap(v, counter));
    if (value === null || typeof value !== "object") return value;
    const o = value as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) {
        if ("value" in o) return unwrap(o.value, counter);
        if (typeof o.plaintext === "string") {
            try {
                return unwrap(JSON.parse(o.plaintext), counter);
            } catch {
                return o.plaintext;
            }
        }
        counter.encrypted++;
        return UNKNOWN_SENTINEL;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = unwrap(v, counter);
    return out;
}
