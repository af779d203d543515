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
    /** Plaintext secret values (--show-secrets exports, mock runs): output never shows them. */
    readonly secrets: ReadonlySet<string>;
}

interface Counter {
    encrypted: number;
    readonly secrets: Set<string>;
}

const counter = (): Counter => ({ encrypted: 0, secrets: new Set() });

/** Deeper than any Kubernetes object or Helm values file; past it the input is hostile or broken. */
export const MAX_DEPTH = 200;

/** The input cannot be checked: not JSON, not a known format, or malformed. */
export class CheckInputError extends Error {}

/** The engine's secret signature (`4dabf…`: `1b47…`) and its unknown-string sentinel. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const DELETE_OPS = new Set(["delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"]);

export function readCheckFile(file: string): CheckInput {
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch (e) {
        throw new CheckInputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const text = decode(bytes, file);
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (e) {
        throw new CheckInputError(`${file} is not JSON (${(e as Error).message}); expected the output of \`pulumi stack export\` or \`pulumi preview --json\``);
    }
    checkDepth(json, file);
    return parseCheckInput(json, file);
}

const UTF16 = "save it as UTF-8 (PowerShell's `>` writes UTF-16: use `pulumi stack export --file <file>` or `pulumi preview --json | Out-File -Encoding utf8 <file>`)";

/** UTF-8, with or without a byte order mark; anything else is refused with its encoding named. */
function decode(bytes: Buffer, file: string): string {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString("utf8");
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        throw new CheckInputError(`${file} is encoded as UTF-16 ${bytes[0] === 0xff ? "little" : "big"}-endian (it starts with a UTF-16 byte order mark); ${UTF16}`);
    }
    if (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0)) {
        throw new CheckInputError(`${file} looks UTF-16 encoded without a byte order mark (NUL bytes between characters); ${UTF16}`);
    }
    const text = bytes.toString("utf8");
    if (text.includes("\uFFFD")) throw new CheckInputError(`${file} is not valid UTF-8 (a Latin-1 or other legacy encoding?); save it as UTF-8`);
    return text;
}

/** Refuses documents nested past MAX_DEPTH, without recursion (a hostile file must not overflow the stack). */
export function checkDepth(json: unknown, source: string): void {
    const stack: [unknown, number][] = [[json, 1]];
    while (stack.length > 0) {
        const [node, depth] = stack.pop()!;
        if (node === null || typeof node !== "object") continue;
        if (depth > MAX_DEPTH) {
            throw new CheckInputError(`${source} is nested more than ${MAX_DEPTH} levels deep; no Pulumi state or preview is, so it is not one the check can read`);
        }
        for (const k in node) {
            const child = (node as Record<string, unknown>)[k];
            if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
        }
    }
}

/** Detects the format of a parsed JSON document and normalises its resources. */
export function parseCheckInput(json: unknown, source = "input"): CheckInput {
    const doc = json as Record<string, any>;
    const c = counter();
    const input = (format: InputFormat, resources: CheckResource[]): CheckInput => {
        if (resources.length === 0) {
            throw new CheckInputError(`${source} holds no resources (${format === "preview JSON" ? "a preview with no steps that create or keep any" : format}): `
                + "there is nothing to check, and no policy verdict would mean anything. Check the export of a deployed stack, or a preview of a program that declares resources");
        }
        return { format, resources, encryptedSecrets: c.encrypted, secrets: c.secrets };
    };
    if (doc && typeof doc === "object" && "deployment" in doc) {
        if (doc.version !== 3) {
            throw new CheckInputError(`${source} is a stack export of version ${JSON.stringify(doc.version)}; only version 3 (Pulumi CLI 3.x \`pulumi stack export\`) is supported`);
        }
        const resources = doc.deployment?.resources ?? [];
        if (!Array.isArray(resources)) throw new CheckInputError(`${source}: deployment.resources is not a list`);
        return input("stack export v3", resources.map((r, n) => normalise(r, `${source}: deployment.resources[${n}]`, c)));
    }
    if (doc && typeof doc === "object" && Array.isArray(doc.steps)) {
        const byUrn = new Map<string, CheckResource>();
        doc.steps.forEach((step: any, n: number) => {
            if (!step || DELETE_OPS.has(step.op) || !step.newState) return;
            const r = normalise(step.newState, `${source}: steps[${n}].newState`, c);
            byUrn.set(r.urn, r);
        });
        refusePartialPreview(doc.steps, source);
        return input("preview JSON", [...byUrn.values()]);
    }
    if (doc && typeof doc === "object" && typeof doc.stack === "string" && Array.isArray(doc.resources)) {
        return input("plan JSON", doc.resources.map((r: unknown, n: number) => normalise(r, `${source}: resources[${n}]`, c)));
    }
    throw new CheckInputError(`${source} is neither a stack export ({"version": 3, "deployment": {"resources": [...]}}), `
        + `a preview ({"steps": [{"newState": ...}]}) nor a plan JSON file ({"stack", "resources"})`);
}

/** Resources recorded by the mock runtime, in the same shape. */
export function fromRun(run: ProgramRun): CheckInput {
    const c = counter();
    const resources = run.resources.map((r, n) => normalise(r, `resource ${n}`, c));
    return { format: "program under mocks", resources, encryptedSecrets: c.encrypted, secrets: c.secrets };
}

/**
 * A plain `pulumi preview --json` lists only what changes. Stack policies would then see a mesh without its
 * unchanged mesh-wide PeerAuthentication and Telemetry and fail a change the CLI passes, so such a preview is
 * refused: it has no "same" step, and its steps name parents, providers or dependencies that no step carries
 * (a first preview of a new stack creates everything it refers to).
 */
function refusePartialPreview(steps: readonly any[], source: string): void {
    if (steps.some((s) => s?.op === "same")) return;
    const present = new Set(steps.map((s) => s?.urn ?? s?.newState?.urn ?? s?.oldState?.urn));
    let missing = 0;
    for (const step of steps) {
        const state = step?.newState;
        if (!state) continue;
        const provider = typeof state.provider === "string" ? state.provider.split("::").slice(0, -1).join("::") : undefined;
        const refs = [state.parent, provider, ...(Array.isArray(state.dependencies) ? state.dependencies : [])];
        missing += refs.filter((u) => typeof u === "string" && u !== "" && !present.has(u)).length;
    }
    if (missing > 0) {
        throw new CheckInputError(`${source} is a preview without its unchanged resources (its steps refer to ${missing} parents, providers or dependencies `
            + "that no step carries): stack policies cannot tell a mesh-wide PeerAuthentication or Telemetry that is unchanged from one that is missing. "
            + "Run `pulumi preview --json --show-sames` and check that file");
    }
}

function normalise(raw: unknown, where: string, counter: Counter): CheckResource {
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

/** Records every string and number inside a secret value, so output can redact it. */
function remember(value: unknown, counter: Counter): unknown {
    const stack = [value];
    while (stack.length > 0) {
        const v = stack.pop();
        if (typeof v === "string" || typeof v === "number") counter.secrets.add(String(v));
        else if (v !== null && typeof v === "object") stack.push(...Object.values(v));
    }
    return value;
}

/** Replaces secret wrappers by their value (plaintext is JSON-encoded); ciphertext becomes unknown. Copy on write. */
export function unwrap(value: unknown, counter: Counter): unknown {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) {
        let out: unknown[] | undefined;
        value.forEach((v, n) => {
            const w = unwrap(v, counter);
            if (w !== v) (out ??= value.slice())[n] = w;
        });
        return out ?? value;
    }
    const o = value as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) {
        if ("value" in o) return remember(unwrap(o.value, counter), counter);
        if (typeof o.plaintext === "string") {
            try {
                return remember(unwrap(JSON.parse(o.plaintext), counter), counter);
            } catch {
                return remember(o.plaintext, counter);
            }
        }
        counter.encrypted++;
        return UNKNOWN_SENTINEL;
    }
    let out: Record<string, unknown> | undefined;
    for (const k in o) {
        const v = o[k];
        if (v === null || typeof v !== "object") continue;
        const w = unwrap(v, counter);
        if (w !== v) (out ??= { ...o })[k] = w;
    }
    return out ?? o;
}
