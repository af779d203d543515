import { K8sObject } from "../render";
import { objectLabel, Sourced } from "./objects";

/**
 * Validation against the CRDs the stack's charts ship (openAPIV3Schema with Kubernetes' structural-schema
 * extensions). Unknown fields are findings: the API server prunes them silently, so a misspelt field is a
 * setting that never takes effect. CEL rules (x-kubernetes-validations) are not evaluated.
 */

type Schema = Record<string, any>;

export function validateSchema(value: unknown, schema: Schema, path: string, out: string[]): void {
    if (value === null || value === undefined) {
        if (value === null && !schema.nullable && schema.type !== undefined) out.push(`${path}: null is not allowed`);
        return;
    }
    for (const sub of schema.allOf ?? []) validateSchema(value, sub, path, out);
    if (schema.anyOf && !schema.anyOf.some((s: Schema) => errorsOf(value, s, path).length === 0)) {
        out.push(`${path}: matches none of the allowed shapes (anyOf)`);
    }
    if (schema.oneOf && schema.oneOf.filter((s: Schema) => errorsOf(value, s, path).length === 0).length !== 1) {
        out.push(`${path}: must match exactly one of the allowed shapes (oneOf)`);
    }
    if (schema.not && errorsOf(value, schema.not, path).length === 0) out.push(`${path}: matches a forbidden shape (not)`);
    if (schema["x-kubernetes-int-or-string"]) {
        if (typeof value !== "string" && !Number.isInteger(value)) out.push(`${path}: ${JSON.stringify(value)} is not an integer or a string`);
        return;
    }
    const type = schema.type as string | undefined;
    if (type && !typeMatches(type, value)) {
        out.push(`${path}: ${JSON.stringify(value).slice(0, 60)} is not of type ${type}`);
        return;
    }
    if (schema.enum && !schema.enum.some((e: unknown) => e === value)) {
        out.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.map((e: unknown) => JSON.stringify(e)).join(", ")}`);
    }
    if (typeof value === "string") {
        if (schema.pattern && !new RegExp(schema.pattern, "u").test(value)) out.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
        if (schema.maxLength !== undefined && [...value].length > schema.maxLength) out.push(`${path}: longer than ${schema.maxLength} characters`);
        if (schema.minLength !== undefined && [...value].length < schema.minLength) out.push(`${path}: shorter than ${schema.minLength} characters`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && (schema.exclusiveMinimum === true ? value <= schema.minimum : value < schema.minimum)) out.push(`${path}: ${value} is below the minimum ${schema.minimum}`);
        if (schema.maximum !== undefined && (schema.exclusiveMaximum === true ? value >= schema.maximum : value > schema.maximum)) out.push(`${path}: ${value} is above the maximum ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
        if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${path}: more than ${schema.maxItems} items`);
        if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${path}: fewer than ${schema.minItems} items`);
        if (schema.items) value.forEach((v, n) => validateSchema(v, schema.items, `${path}[${n}]`, out));
        return;
    }
    if (typeof value === "object") {
        const obj = value as Record<string, unknown>;
        for (const req of schema.required ?? []) if (!(req in obj)) out.push(`${path}.${req}: required`);
        if (schema.maxProperties !== undefined && Object.keys(obj).length > schema.maxProperties) out.push(`${path}: more than ${schema.maxProperties} fields`);
        if (schema.minProperties !== undefined && Object.keys(obj).length < schema.minProperties) out.push(`${path}: fewer than ${schema.minProperties} fields`);
        const props = schema.properties as Record<string, Schema> | undefined;
        for (const [k, v] of Object.entries(obj)) {
            if (props?.[k]) validateSchema(v, props[k], `${path}.${k}`, out);
            else if (typeof schema.additionalProperties === "object") validateSchema(v, schema.additionalProperties, `${path}.${k}`, out);
            else if (props && !schema["x-kubernetes-preserve-unknown-fields"] && schema.additionalProperties !== true) {
                out.push(`${path}.${k}: unknown field (the API server drops it)`);
            }
        }
    }
}

function errorsOf(value: unknown, schema: Schema, path: string): string[] {
    const out: string[] = [];
    validateSchema(value, schema, path, out);
    return out;
}

function typeMatches(type: string, value: unknown): boolean {
    switch (type) {
        case "object": return typeof value === "object" && !Array.isArray(value);
        case "array": return Array.isArray(value);
        case "string": return typeof value === "string";
        case "integer": return Number.isInteger(value);
        case "number": return typeof value === "number";
        case "boolean": return typeof value === "boolean";
        default: return true;
    }
}

interface CrdVersion { readonly served: boolean; readonly schema?: Schema }

/** CRDs by group, kind and version. */
export function crdIndex(objects: readonly K8sObject[]): Map<string, Map<string, Map<string, CrdVersion>>> {
    const index = new Map<string, Map<string, Map<string, CrdVersion>>>();
    for (const crd of objects.filter((o) => o.kind === "CustomResourceDefinition" && o.spec?.group)) {
        const kinds = index.get(crd.spec.group) ?? new Map();
        const versions = new Map<string, CrdVersion>();
        for (const v of crd.spec.versions ?? []) versions.set(v.name, { served: v.served !== false, schema: v.schema?.openAPIV3Schema });
        kinds.set(crd.spec.names?.kind, versions);
        index.set(crd.spec.group, kinds);
    }
    return index;
}

/** Every object of a group some CRD defines, validated against that CRD's schema for its version. */
export function schemaFindings(objects: readonly Sourced[], crds: readonly K8sObject[]): string[] {
    const index = crdIndex(crds);
    const findings: string[] = [];
    for (const { source, object: o } of objects) {
        const [group, version] = String(o.apiVersion).includes("/") ? String(o.apiVersion).split("/") : ["", o.apiVersion];
        const kinds = index.get(group);
        if (!kinds) continue;
        const where = `${source}: ${objectLabel(o)} (${o.apiVersion})`;
        const versions = kinds.get(o.kind);
        const crd = versions?.get(version);
        if (!versions || !crd || !crd.served) {
            findings.push(`${where}: no CRD in the stack serves ${o.kind} at ${o.apiVersion}`);
            continue;
        }
        if (!crd.schema) continue;
        const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
        const errors: string[] = [];
        validateSchema(rest, { ...crd.schema, properties: omit(crd.schema.properties ?? {}, ["apiVersion", "kind", "metadata"]) }, "", errors);
        for (const e of errors) findings.push(`${where}: ${e.replace(/^\./, "")}`);
    }
    return findings;
}

function omit(props: Record<string, Schema>, keys: string[]): Record<string, Schema> {
    return Object.fromEntries(Object.entries(props).filter(([k]) => !keys.includes(k)));
}
