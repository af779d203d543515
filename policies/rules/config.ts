import { PolicyConfigSchema } from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { PROD_BOUNDS } from "./bounds";
import { DEFAULT_ROOT_NAMESPACE } from "./istio";

/**
 * Per-policy configuration. The CLI fills `configSchema` defaults in, the SDK does not (and the
 * offline check passes exactly what the config file says), so every rule applies its own defaults.
 */
export function configOf<T extends object>(args: { getConfig<U extends object>(): U }, defaults: T): T {
    const given = args.getConfig<Partial<T>>();
    const merged = { ...defaults };
    for (const key of Object.keys(defaults) as (keyof T)[]) {
        if (given[key] !== undefined && given[key] !== null) merged[key] = given[key] as T[keyof T];
    }
    return merged;
}

/** A configSchema whose defaults are the defaults the rule applies itself. */
export function schema(defaults: Record<string, unknown>, props: Record<string, PolicyConfigJSONSchema>): PolicyConfigSchema {
    const properties: Record<string, PolicyConfigJSONSchema> = {};
    for (const [key, spec] of Object.entries(props)) {
        properties[key] = { ...spec, default: defaults[key] as PolicyConfigJSONSchema["default"] };
    }
    return { properties };
}

export const rootNamespaceProp: PolicyConfigJSONSchema = {
    type: "string",
    minLength: 1,
    description: `Istio's root namespace (meshConfig.rootNamespace); default ${DEFAULT_ROOT_NAMESPACE}.`,
};

export const exceptionsProp: PolicyConfigJSONSchema = {
    type: "array",
    items: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" },
    description: "Objects exempt from this policy, as namespace/name.",
};

export const percentProp = (what: string): PolicyConfigJSONSchema => ({
    type: "number",
    minimum: 0,
    maximum: 100,
    description: `${what} trace sampling, in percent (0-100).`,
});

/** Production sampling bounds in percent (the pack's defaults); dev.json widens them to [0, 100]. */
export const PROD_SAMPLING = PROD_BOUNDS.sampling;
