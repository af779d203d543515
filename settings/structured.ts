import { keyName, shown } from "./errors";

/** A string pattern and what a valid value looks like, for the error message. */
export interface Pattern {
    readonly re: RegExp;
    readonly hint: string;
    /** Reported on its own, so a value of valid characters is not told to change them. */
    readonly maxLength?: number;
}

export const DNS_LABEL: Pattern = {
    re: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
    hint: "a DNS label: at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
    maxLength: 63,
};
/** Istio (Envoy) durations as the CRDs accept them, at least 1ms. */
export const DURATION: Pattern = { re: /^(\d+(\.\d+)?(ms|s|m|h))+$/, hint: "a duration such as 250ms, 5s or 2m (at least 1ms)" };
export const HOSTNAME: Pattern = { re: /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, hint: "a DNS name such as api.example.com (a leading *. wildcard is allowed)" };
export const HEADER_NAME: Pattern = { re: /^[a-z0-9][-a-z0-9]*$/, hint: "a lowercase HTTP header name such as x-tenant-id" };

/** protobuf's google.protobuf.Duration range, which every Istio duration field has. */
const MAX_DURATION_MS = 315_576_000_000 * 1000;

/** Milliseconds of a duration matching DURATION. */
export function durationMs(value: string): number {
    const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    let total = 0;
    for (const [, n, , u] of value.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * unit[u];
    return total;
}

/**
 * Reads one object of a structured setting (a list element of `meshstack:services`, say). Every accessor
 * reports problems with the full settings path, e.g. `meshstack:services[2].canary.weights`, and returns
 * undefined for a missing or bad value so that validation goes on and every problem is reported at once.
 */
export class Fields {
    private constructor(
        private readonly value: Readonly<Record<string, unknown>>,
        readonly path: string,
        readonly problems: string[],
    ) {}

    /** The object at `path`, or undefined (reported) when the value is not an object or has unknown fields. */
    static of(value: unknown, path: string, problems: string[], known: readonly string[]): Fields | undefined {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            problems.push(`${keyName(path)} ${shown(value)} is not an object; write it as YAML fields (${known.join(", ")})`);
            return undefined;
        }
        for (const key of Object.keys(value)) {
            if (!known.includes(key)) {
                problems.push(`${keyName(`${path}.${key}`)} is not a known field; use one of: ${known.join(", ")}`);
            }
        }
        return new Fields(value as Record<string, unknown>, path, problems);
    }

    /** The settings path of a field, e.g. `services[2].canary`. */
    at(key: string): string {
        return `${this.path}.${key}`;
    }

    has(key: string): boolean {
        return this.value[key] !== undefined && this.value[key] !== null;
    }

    raw(key: string): unknown {
        return this.value[key];
    }

    problem(key: string, message: string): void {
        this.problems.push(`${keyName(this.at(key))} ${message}`);
    }

    /** Reports a missing field; a field that is present but malformed was reported already and stays silent. */
    required(key: string, example: string): void {
        if (this.has(key)) return;
        this.problems.push(`${keyName(this.at(key))} is required; set it, e.g. ${key}: ${example}`);
    }

    str(key: string, opts: { pattern?: Pattern; oneOf?: readonly string[]; example?: string } = {}): string | undefined {
        const v = this.value[key];
        if (v === undefined || v === null) {
            if (opts.example !== undefined) this.required(key, opts.example);
            return undefined;
        }
        return checkString(v, this.at(key), this.problems, opts);
    }

    int(key: string, min: number, max: number, example?: string): number | undefined {
        return this.number(key, min, max, true, example);
    }

    /** A number (decimals allowed) within [min, max], e.g. a percentage. */
    num(key: string, min: number, max: number, example?: string): number | undefined {
        return this.number(key, min, max, false, example);
    }

    bool(key: string): boolean | undefined {
        const v = this.value[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "boolean") {
            this.problem(key, `${shown(v)} is not a boolean; use true or false`);
            return undefined;
        }
        return v;
    }

    strings(key: string, pattern?: Pattern): string[] | undefined {
        const list = this.list(key);
        if (list === undefined) return undefined;
        const out: string[] = [];
        list.forEach((item, i) => {
            const s = checkString(item, `${this.at(key)}[${i}]`, this.problems, { pattern });
            if (s !== undefined) out.push(s);
        });
        return out;
    }

    list(key: string): unknown[] | undefined {
        const v = this.value[key];
        if (v === undefined || v === null) return undefined;
        if (!Array.isArray(v)) {
            this.problem(key, `${shown(v)} is not a list; write it as a YAML list`);
            return undefined;
        }
        return v;
    }

    /** Each element of a list of objects, read with its own path. */
    objects(key: string, known: readonly string[]): Fields[] {
        const out: Fields[] = [];
        (this.list(key) ?? []).forEach((item, i) => {
            const f = Fields.of(item, `${this.at(key)}[${i}]`, this.problems, known);
            if (f) out.push(f);
        });
        return out;
    }

    obj(key: string, known: readonly string[]): Fields | undefined {
        return this.has(key) ? Fields.of(this.value[key], this.at(key), this.problems, known) : undefined;
    }

    /** A map of string keys to values read by `read`, e.g. header name -> allowed values. */
    map<T>(key: string, read: (value: unknown, path: string) => T | undefined, keyPattern?: Pattern): Record<string, T> | undefined {
        const v = this.value[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "object" || Array.isArray(v)) {
            this.problem(key, `${shown(v)} is not a map; write it as YAML key: value pairs`);
            return undefined;
        }
        const out: Record<string, T> = {};
        for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
            if (k === "__proto__") {
                // An object key of that name sets the prototype instead of an entry: it would vanish silently.
                this.problems.push(`${keyName(`${this.at(key)}.${k}`)} is a name JavaScript reserves for an object's prototype, so the entry would be dropped; rename it`);
                continue;
            }
            if (keyPattern && !keyPattern.re.test(k)) {
                this.problems.push(`${keyName(`${this.at(key)}.${k}`)} is not a valid key; use ${keyPattern.hint}`);
                continue;
            }
            const read1 = read(item, `${this.at(key)}.${k}`);
            if (read1 !== undefined) out[k] = read1;
        }
        return out;
    }

    private number(key: string, min: number, max: number, whole: boolean, example?: string): number | undefined {
        const v = this.value[key];
        if (v === undefined || v === null) {
            if (example !== undefined) this.required(key, example);
            return undefined;
        }
        const kind = whole ? "a whole number" : "a number";
        const n = numeric(v);
        if (n === undefined || (whole && !Number.isInteger(n))) {
            this.problem(key, `${shown(v)} is not ${kind}; use ${kind} from ${min} to ${max}`);
            return undefined;
        }
        if (n < min || n > max) {
            this.problem(key, `${n} is out of range; use ${kind} from ${min} to ${max}`);
            return undefined;
        }
        return n;
    }
}

/** A number, or a quoted one ("8080") as top-level settings accept; undefined for anything else. */
export function numeric(v: unknown): number | undefined {
    const n = typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
    return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** Checks a string value found at `path` (a list element or map value). */
export function checkString(v: unknown, path: string, problems: string[], opts: { pattern?: Pattern; oneOf?: readonly string[] } = {}): string | undefined {
    if (typeof v !== "string" || v.trim() === "") {
        problems.push(`${keyName(path)} ${shown(v)} is not a non-empty string${opts.oneOf ? `; use one of: ${opts.oneOf.join(", ")}` : opts.pattern ? `; use ${opts.pattern.hint}` : ""}`);
        return undefined;
    }
    if (opts.oneOf && !opts.oneOf.includes(v)) {
        problems.push(`${keyName(path)} ${shown(v)} is not supported; use one of: ${opts.oneOf.join(", ")}`);
        return undefined;
    }
    if (opts.pattern?.maxLength !== undefined && v.length > opts.pattern.maxLength) {
        problems.push(`${keyName(path)} ${shown(v)} is ${v.length} characters long; use ${opts.pattern.hint}`);
        return undefined;
    }
    if (opts.pattern && !opts.pattern.re.test(v)) {
        problems.push(`${keyName(path)} ${shown(v)} is not valid; use ${opts.pattern.hint}`);
        return undefined;
    }
    if (opts.pattern === DURATION && durationMs(v) < 1) {
        problems.push(`${keyName(path)} ${shown(v)} is shorter than 1ms; use ${DURATION.hint}`);
        return undefined;
    }
    if (opts.pattern === DURATION && durationMs(v) > MAX_DURATION_MS) {
        problems.push(`${keyName(path)} ${shown(v)} is beyond the longest duration Istio accepts (protobuf's 315576000000s, about 10,000 years); use ${DURATION.hint}`);
        return undefined;
    }
    return v;
}

/** Reads a top-level structured setting that must be a list of objects. */
export function objectList(value: unknown, key: string, problems: string[], known: readonly string[]): Fields[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
        problems.push(`${keyName(key)} ${shown(value)} is not a list; write it as a YAML list of objects in the stack file`);
        return [];
    }
    return value.flatMap((item, i) => Fields.of(item, `${key}[${i}]`, problems, known) ?? []);
}
