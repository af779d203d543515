import { helmTemplate, inParallel, TemplateArgs } from "../render";

/**
 * Values keys a chart never reads, found by asking the real chart: a key is read when changing it changes the
 * rendered manifests (or makes the chart fail), or removing it lets a chart default through that does. One render with a unique sentinel in every string and number
 * settles most keys at once; each remaining key (booleans, values used only in conditions) is changed alone.
 */

type Path = (string | number)[];

/** The values' leaves; an empty map is none (Helm merges it into the chart's defaults, so it sets nothing). */
export function leaves(value: unknown, path: Path = []): { path: Path; value: unknown }[] {
    if (Array.isArray(value) && value.length > 0) return value.flatMap((v, n) => leaves(v, [...path, n]));
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
    }
    return [{ path, value }];
}

export function setAt(root: unknown, path: Path, value: unknown): unknown {
    if (path.length === 0) return value;
    const [head, ...rest] = path;
    const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) };
    copy[head] = setAt(copy[head], rest, value);
    return copy;
}

/** The values without one key, so the chart's own default applies there (Helm's null would delete the default). */
export function withoutKey(root: unknown, path: Path): unknown {
    const [head, ...rest] = path;
    const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) };
    if (rest.length === 0) delete copy[head];
    else copy[head] = withoutKey(copy[head], rest);
    return copy;
}

export function showPath(path: Path): string {
    return path.map((p, n) => (typeof p === "number" ? `[${p}]` : `${n === 0 ? "" : "."}${p}`)).join("");
}

const sentinelString = (n: number) => `msv${n}x`;
const sentinelNumber = (n: number) => 917000 + n;

/** A different value of the same kind, so the chart takes the same code path with another value. */
function changed(value: unknown, n: number): unknown {
    if (typeof value === "boolean") return !value;
    if (typeof value === "number") return value === sentinelNumber(n) ? value + 1 : sentinelNumber(n);
    if (typeof value === "string") return sentinelString(n);
    return [sentinelString(n)];
}

/** A line's key part (`  name:`), by which noisy lines are recognised whatever value they carry. */
const prefix = (line: string) => line.replace(/^(\s*[^:=]*[:=]).*$/, "$1");

/** Lines that differ between two renders of the same values (random keys, generated certificates) are noise. */
function noisePrefixes(a: string, b: string): Set<string> {
    const inA = new Set(a.split("\n")), inB = new Set(b.split("\n"));
    return new Set([...a.split("\n").filter((l) => !inB.has(l)), ...b.split("\n").filter((l) => !inA.has(l))].map(prefix));
}

function normalized(text: string, noise: Set<string>): string {
    return text.split("\n").filter((l) => !noise.has(prefix(l))).sort().join("\n");
}

export async function unreadKeys(helm: string, args: TemplateArgs, parallel: number): Promise<string[]> {
    const all = leaves(args.values).filter((l) => l.path.length > 0);
    const render = (values: Record<string, unknown>) => helmTemplate(helm, { ...args, values });
    const [base, again] = await Promise.all([render(args.values), render(args.values)]);
    const noise = noisePrefixes(base, again);
    const baseline = normalized(base, noise);

    let marked: Record<string, unknown> = args.values;
    all.forEach((l, n) => {
        if (typeof l.value === "string") marked = setAt(marked, l.path, sentinelString(n)) as Record<string, unknown>;
        if (typeof l.value === "number") marked = setAt(marked, l.path, sentinelNumber(n)) as Record<string, unknown>;
    });
    const withSentinels = await render(marked).catch(() => "");
    const undecided = all.map((l, n) => ({ ...l, n })).filter(({ value, n }) =>
        !(typeof value === "string" && withSentinels.includes(sentinelString(n)))
        && !(typeof value === "number" && new RegExp(`\\b${sentinelNumber(n)}\\b`).test(withSentinels)));

    // Read: another value changes the render, or leaving the key out lets a chart default through that does.
    const unchangedWith = async (values: unknown) => {
        const text = await render(values as Record<string, unknown>).catch(() => undefined);
        return text !== undefined && normalized(text, noise) === baseline;
    };
    const isUnread = async (l: (typeof undecided)[number]) => await unchangedWith(setAt(args.values, l.path, changed(l.value, l.n)))
        && (typeof l.path[l.path.length - 1] === "number" || await unchangedWith(withoutKey(args.values, l.path)));
    const verdicts = await inParallel(undecided, Math.max(1, parallel), isUnread);
    return undecided.filter((_, n) => verdicts[n]).map((l) => showPath(l.path)).sort();
}
