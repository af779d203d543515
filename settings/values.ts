import { keyName, shown } from "./errors";
import { KeySpec } from "./keys";

/** Raw `meshstack:` config as Pulumi hands it to a program: every value a string (lists and objects as JSON). */
export interface RawConfig {
    /** key without the namespace -> raw string value */
    readonly values: Readonly<Record<string, string>>;
    /** keys (without the namespace) that were stored with --secret */
    readonly secretKeys: ReadonlySet<string>;
}

export type Parsed = string | number | boolean | readonly string[] | unknown;

/**
 * The stack's settings parsed against the key table, with the environment preset's defaults underneath.
 * Every problem found is collected in `problems`; nothing throws until all of them are known.
 */
export class Values {
    private readonly parsed = new Map<string, Parsed>();
    private readonly rejected = new Set<string>();

    constructor(
        private readonly specs: ReadonlyMap<string, KeySpec>,
        raw: RawConfig,
        private readonly defaults: Readonly<Record<string, unknown>>,
        readonly problems: string[],
    ) {
        for (const [key, value] of Object.entries(raw.values)) {
            const spec = specs.get(key);
            if (!spec) {
                problems.push(unknownKey(key, [...specs.keys()]));
                continue;
            }
            if (spec.secret && !raw.secretKeys.has(key)) {
                this.rejected.add(key);
                problems.push(`${keyName(key)} is stored in plaintext; store it as a secret: pulumi config rm ${key} && pulumi config set --secret ${key} < <file>`);
                continue;
            }
            const result = parseValue(spec, value);
            if (result instanceof Problem) {
                this.rejected.add(key);
                problems.push(result.message);
            } else {
                this.parsed.set(key, result);
            }
        }
    }

    /** True when the stack file (not a preset) sets the key, validly. */
    isSet(key: string): boolean {
        return this.parsed.has(key);
    }

    /** True when the stack file sets the key but its value was rejected (already reported). */
    isRejected(key: string): boolean {
        return this.rejected.has(key);
    }

    /** The stack's value, else the preset default, else undefined. */
    get<T>(key: string): T | undefined {
        if (!this.specs.has(key)) {
            throw new Error(`internal: setting ${key} is not in the key table`);
        }
        return (this.parsed.has(key) ? this.parsed.get(key) : this.defaults[key]) as T | undefined;
    }

    /** Reports a lower bound above its upper bound (both integer settings). */
    requireOrdered(lowKey: string, highKey: string): void {
        const low = this.must<number>(lowKey);
        const high = this.must<number>(highKey);
        if (low > high) {
            this.problems.push(`${keyName(lowKey)} ${low} is above ${keyName(highKey)} ${high}; the lower bound must not exceed the upper bound`);
        }
    }

    /** Like get, for keys every preset defines. */
    must<T>(key: string): T {
        const value = this.get<T>(key);
        if (value === undefined) {
            throw new Error(`internal: no preset default for ${key}`);
        }
        return value;
    }
}

/** A parse failure, kept apart from parsed values (which may themselves be objects). */
class Problem {
    constructor(readonly message: string) {}
}

type ParseResult = Parsed | Problem;

function parseValue(spec: KeySpec, raw: string): ParseResult {
    const name = keyName(spec.key);
    switch (spec.type) {
        case "string": {
            const structured = parseJson(raw);
            if (typeof structured === "object" && structured !== null) {
                return new Problem(`${name} is ${Array.isArray(structured) ? "a list" : "a map"}; give one string, e.g. pulumi config set ${spec.key} <value>`);
            }
            return checkString(spec, raw);
        }
        case "boolean":
            if (raw === "true" || raw === "false") return raw === "true";
            return new Problem(`${name} ${shown(raw)} is not a boolean; use true or false`);
        case "integer": {
            if (!/^-?\d+$/.test(raw.trim())) {
                return new Problem(`${name} ${shown(raw)} is not a whole number; use a whole number from ${spec.min} to ${spec.max}`);
            }
            const n = Number(raw);
            if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
                return new Problem(`${name} ${n} is out of range; use a whole number from ${spec.min} to ${spec.max}`);
            }
            return n;
        }
        case "string[]": {
            const list = parseJson(raw);
            if (!Array.isArray(list) || list.some((e) => typeof e !== "string")) {
                return new Problem(`${name} ${shown(raw)} is not a list of strings; write it as a YAML list in the stack file`);
            }
            for (const element of list as string[]) {
                const checked = checkString(spec, element);
                if (checked instanceof Problem) return checked;
            }
            return list as string[];
        }
        case "object": {
            // A plain YAML scalar (`services: api-gateway`) arrives as its text: the key's reader says what shape it needs.
            const value = parseJson(raw);
            return value === undefined ? raw : value;
        }
    }
}

function checkString(spec: KeySpec, value: string): string | Problem {
    const name = keyName(spec.key);
    if (spec.oneOf && !spec.oneOf.includes(value)) {
        return new Problem(`${name} ${shown(value)} is not supported; use one of: ${spec.oneOf.join(", ")}`);
    }
    if (spec.pattern && !spec.pattern.re.test(value)) {
        return new Problem(`${name} ${shown(value)} is not valid; use ${spec.pattern.hint}`);
    }
    if (value.trim() === "") {
        return new Problem(`${name} is empty; set a value or remove the key`);
    }
    return value;
}

function parseJson(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return undefined;
    }
}

function unknownKey(key: string, known: string[]): string {
    const closest = known
        .map((k) => ({ k, d: editDistance(key, k) }))
        .sort((a, b) => a.d - b.d)[0];
    const hint = closest && closest.d <= 3 ? `did you mean ${keyName(closest.k)}? ` : "";
    return `${keyName(key)} is not a meshstack setting; ${hint}every setting is listed in Pulumi.yaml`;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = current;
        }
    }
    return row[b.length];
}
