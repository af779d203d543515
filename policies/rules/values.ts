/**
 * Reading resource properties the way CrossGuard hands them over, without tripping on preview unknowns.
 *
 * The SDK wraps `props` in a proxy that throws as soon as an unknown value is read, which turns the
 * whole policy into an advisory "can't run during preview". Rules instead read the proxy's plain
 * target and treat the engine's unknown sentinels as UNKNOWN: a check that needs such a value is
 * skipped for that object, every other object is still checked.
 */

/** A value the engine cannot know until the update runs (preview of a new or changed resource). */
export const UNKNOWN = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/** The engine's unknown sentinels (bool, number, string, array, asset, archive, object). */
const SENTINELS = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** The SDK proxy's escape hatch to its target (see @pulumi/policy proxy.js). */
const PROXY_TARGET = "__getSpecialProxyTarget";

export function isUnknown(value: unknown): boolean {
    return value === UNKNOWN || (typeof value === "string" && SENTINELS.has(value));
}

/** The plain object behind CrossGuard's unknown-checking proxy (or the object itself). */
export function plain(props: unknown): Record<string, any> {
    if (props === null || typeof props !== "object") return {};
    const target = (props as Record<string, unknown>)[PROXY_TARGET];
    return (target && typeof target === "object" ? target : props) as Record<string, any>;
}

/** The value at a path: UNKNOWN when it or anything on the way is unknown, undefined when absent. */
export function at(root: unknown, ...path: (string | number)[]): unknown {
    let node: unknown = root;
    for (const key of path) {
        if (isUnknown(node)) return UNKNOWN;
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string | number, unknown>)[key];
    }
    return isUnknown(node) ? UNKNOWN : node;
}

export function str(value: unknown): string | undefined | Unknown {
    if (isUnknown(value)) return UNKNOWN;
    return typeof value === "string" ? value : undefined;
}

/** A list, UNKNOWN, or undefined when the value is absent or not a list. */
export function list(value: unknown): unknown[] | undefined | Unknown {
    if (isUnknown(value)) return UNKNOWN;
    return Array.isArray(value) ? value : undefined;
}

/** A number from a number or a numeric string (Helm values often carry "1.0"). */
export function num(value: unknown): number | undefined | Unknown {
    if (isUnknown(value)) return UNKNOWN;
    if (typeof value === "number") return value;
    if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
    return undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) && !isUnknown(value);
}

/** Visits every (key, value, path) in a JSON tree, depth first; unknowns (and what is under them) are never visited. */
export function walk(root: unknown, visit: (key: string, value: unknown, path: string) => void, path = ""): void {
    const step = (key: string, value: unknown, p: string) => {
        if (isUnknown(value)) return;
        visit(key, value, p);
        if (value !== null && typeof value === "object") walk(value, visit, p);
    };
    if (Array.isArray(root)) root.forEach((v, n) => step(String(n), v, `${path}[${n}]`));
    else if (isObject(root)) for (const k in root) step(k, root[k], path ? `${path}.${k}` : k);
}

/** A URL's user and password (`https://user:TOKEN@host`) replaced by `***`: never in a message. */
export function redactUrl(text: string): string {
    return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1***@");
}
