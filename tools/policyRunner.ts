import {
    EnforcementLevel, Policies, PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { allPolicies, PACK_NAME } from "../policies/rules";
// The asset classes alone: the SDK's index loads its automation API too, seconds that `check --file` does not need.
import * as asset from "@pulumi/pulumi/asset";
import { CheckResource } from "./checkInput";

/**
 * Runs the pack's policies over export-shaped resources the way the Pulumi CLI and the CrossGuard SDK
 * do: resource policies on each resource's inputs, stack policies once on all resources' outputs
 * (with parent and dependencies), props behind the SDK's unknown-checking proxy, enforcement levels
 * and per-policy config from a `--policy-pack-config` document. Pure: no I/O.
 */

export type PackConfig = Record<string, unknown>;
export type ReportedLevel = "mandatory" | "advisory";

export interface Violation {
    readonly policy: string;
    readonly level: ReportedLevel;
    /** Absent for stack-level violations. */
    readonly urn?: string;
    readonly message: string;
}

export interface PolicyRun {
    readonly violations: Violation[];
    /** Policies that ran, with their effective level. */
    readonly levels: Record<string, EnforcementLevel>;
}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
/** The pack's own default level (policies/index.ts). */
const PACK_LEVEL: EnforcementLevel = "advisory";

// The SDK exports these at runtime but not in its typings.
const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T>(o: T): T;
    UnknownValueError: new (...args: unknown[]) => Error;
};

class NotApplicable extends Error {}
const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

function isResourcePolicy(p: Policies[number]): p is ResourceValidationPolicy {
    return "validateResource" in p && p.validateResource !== undefined;
}

function isStackPolicy(p: Policies[number]): p is StackValidationPolicy {
    return "validateStack" in p && typeof (p as StackValidationPolicy).validateStack === "function";
}

/** Config override (the policy's own, then `all`), then the policy's level, then the pack's. */
export function effectiveLevel(policy: Policies[number], config: PackConfig): EnforcementLevel {
    const levelIn = (c: unknown) => (typeof c === "string" ? c : (c as { enforcementLevel?: string } | undefined)?.enforcementLevel);
    return (levelIn(config[policy.name]) ?? levelIn(config.all) ?? policy.enforcementLevel ?? PACK_LEVEL) as EnforcementLevel;
}

function policyConfig(policy: string, config: PackConfig): Record<string, unknown> {
    const c = config[policy];
    if (!c || typeof c !== "object") return {};
    const { enforcementLevel: _level, ...rest } = c as Record<string, unknown>;
    return rest;
}

/** Problems with a policy pack config document, as the CLI would refuse it; empty when fine. */
export function validatePackConfig(config: unknown, policies: Policies = allPolicies): string[] {
    if (!config || typeof config !== "object" || Array.isArray(config)) return ["the policy pack config must be a JSON object"];
    const byName = new Map(policies.map((p) => [p.name, p]));
    const problems: string[] = [];
    for (const [name, value] of Object.entries(config as Record<string, unknown>)) {
        const policy = byName.get(name);
        if (name !== "all" && !policy) {
            problems.push(`"${name}" is not a policy of pack ${PACK_NAME}; policies: ${[...byName.keys()].join(", ")}`);
            continue;
        }
        const level = typeof value === "string" ? value : (value as Record<string, unknown> | null)?.enforcementLevel;
        if (typeof value !== "string" && (value === null || typeof value !== "object" || Array.isArray(value))) {
            problems.push(`"${name}" must be an enforcement level or an object, not ${JSON.stringify(value)}`);
            continue;
        }
        if (level !== undefined && !LEVELS.includes(level as EnforcementLevel)) {
            problems.push(`"${name}" enforcement level ${JSON.stringify(level)} is not supported; use one of: ${LEVELS.join(", ")}`);
        }
        if (typeof value === "string" || !policy) continue;
        const props = policy.configSchema?.properties ?? {};
        for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
            if (key === "enforcementLevel") continue;
            const spec = props[key];
            if (!spec) {
                problems.push(`"${name}.${key}" is not a setting of this policy; settings: ${Object.keys(props).join(", ") || "none"}`);
                continue;
            }
            const problem = schemaProblem(v, spec);
            if (problem) problems.push(`"${name}.${key}" ${JSON.stringify(v)} ${problem}`);
        }
    }
    return problems;
}

/** The subset of JSON schema the pack's configSchemas use. */
function schemaProblem(value: unknown, spec: PolicyConfigJSONSchema): string | undefined {
    if (spec.enum && !spec.enum.includes(value as never)) return `is not one of ${spec.enum.join(", ")}`;
    switch (spec.type) {
        case "string":
            if (typeof value !== "string") return "is not a string";
            if (spec.minLength !== undefined && value.length < spec.minLength) return `is shorter than ${spec.minLength}`;
            if (spec.pattern && !new RegExp(spec.pattern).test(value)) return `does not match ${spec.pattern}`;
            return undefined;
        case "number":
        case "integer":
            if (typeof value !== "number" || (spec.type === "integer" && !Number.isInteger(value))) return `is not ${spec.type === "integer" ? "an integer" : "a number"}`;
            if (spec.minimum !== undefined && value < spec.minimum) return `is below the minimum ${spec.minimum}`;
            if (spec.maximum !== undefined && value > spec.maximum) return `is above the maximum ${spec.maximum}`;
            return undefined;
        case "boolean":
            return typeof value === "boolean" ? undefined : "is not a boolean";
        case "array": {
            if (!Array.isArray(value)) return "is not a list";
            const items = spec.items;
            if (!items || typeof items !== "object" || Array.isArray(items)) return undefined;
            for (const item of value) {
                const p = schemaProblem(item, items);
                if (p) return `has an item ${JSON.stringify(item)} that ${p}`;
            }
            return undefined;
        }
        default:
            return undefined;
    }
}

const noTags: ReadonlyMap<string, string> = new Map();

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";

/**
 * Asset signatures become the SDK's asset objects (text/path/uri are promises), as CrossGuard's deserializer does.
 * Copy on write: a tree without assets is returned as it is (policies only read props), so a large stack is not copied.
 */
function withAssets(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) {
        let out: unknown[] | undefined;
        value.forEach((v, n) => {
            const w = withAssets(v);
            if (w !== v) (out ??= value.slice())[n] = w;
        });
        return out ?? value;
    }
    const o = value as Record<string, unknown>;
    if (o[SIG_KEY] === ASSET_SIG) {
        if (o.path) return new asset.FileAsset(o.path as string);
        if (o.text) return new asset.StringAsset(o.text as string);
        if (o.uri) return new asset.RemoteAsset(o.uri as string);
    }
    let out: Record<string, unknown> | undefined;
    for (const k in o) {
        const v = o[k];
        if (v === null || typeof v !== "object") continue;
        const w = withAssets(v);
        if (w !== v) (out ??= { ...o })[k] = w;
    }
    return out ?? o;
}

function options(r: CheckResource) {
    return {
        protect: r.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
    };
}

function isTypeOf(type: string, cls: unknown): boolean {
    return (cls as { __pulumiType?: string }).__pulumiType === type;
}

/** Runs every enabled policy over the resources; violations in policy order, then resource order. */
export async function runPolicies(resources: readonly CheckResource[], config: PackConfig = {}, policies: Policies = allPolicies): Promise<PolicyRun> {
    const violations: Violation[] = [];
    const levels: Record<string, EnforcementLevel> = {};
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const providers = new Map<string, PolicyResource["provider"]>();
    const providerOf = (r: CheckResource) => {
        if (!r.provider) return undefined;
        if (!providers.has(r.provider)) {
            const p = byUrn.get(r.provider.split("::").slice(0, -1).join("::"));
            providers.set(r.provider, p ? { type: p.type, props: proxy.unknownCheckingProxy(p.outputs), urn: p.urn, name: p.name } : undefined);
        }
        return providers.get(r.provider);
    };
    let stackResources: PolicyResource[] | undefined;
    // What every resource policy sees of a resource, built once: props behind the SDK's proxy, options, provider.
    const seen = new Map(resources.map((r) => [r, { props: proxy.unknownCheckingProxy(withAssets(r.inputs) as Record<string, unknown>), opts: options(r), provider: providerOf(r) }]));

    for (const policy of policies) {
        const configured = effectiveLevel(policy, config);
        if (configured === "disabled") continue;
        levels[policy.name] = configured;
        const level: ReportedLevel = configured === "advisory" ? "advisory" : "mandatory";
        const getConfig = <T extends object>() => policyConfig(policy.name, config) as T;
        const cantRun = (e: Error, urn?: string) => violations.push({
            policy: policy.name, level: "advisory", ...(urn ? { urn } : {}),
            message: `can't run policy '${policy.name}' from policy pack '${PACK_NAME}' during preview: ${e.message}`,
        });
        if (isResourcePolicy(policy)) {
            const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
            for (const r of resources) {
                const report: ReportViolation = (message) => violations.push({ policy: policy.name, level, urn: r.urn, message });
                const { props, opts, provider } = seen.get(r)!;
                const args: ResourceValidationArgs = {
                    type: r.type, props, urn: r.urn, name: r.name, opts, provider, stackTags: noTags,
                    isType: (cls) => isTypeOf(r.type, cls),
                    asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
                    getConfig, notApplicable,
                };
                for (const validate of validations) {
                    await guard(policy.name, () => validate(args, report), (e) => cantRun(e, r.urn));
                }
            }
        } else if (isStackPolicy(policy)) {
            stackResources ??= stackView(resources, providerOf);
            const report: ReportViolation = (message, urn) => violations.push({ policy: policy.name, level, ...(urn ? { urn } : {}), message });
            await guard(policy.name, () => policy.validateStack({ resources: stackResources!, stackTags: noTags, getConfig, notApplicable }, report), cantRun);
        }
    }
    return { violations, levels };
}

async function guard(policy: string, run: () => unknown, cantRun: (e: Error) => void): Promise<void> {
    try {
        const result = run();
        if (result instanceof Promise) await result;
    } catch (e) {
        if (e instanceof proxy.UnknownValueError) cantRun(e);
        else if (!(e instanceof NotApplicable)) {
            throw new Error(`policy ${policy} failed: ${(e as Error)?.stack ?? e}`);
        }
    }
}

/** Stack policies' view: outputs as props, parent and dependencies as resource objects. */
function stackView(resources: readonly CheckResource[], providerOf: (r: CheckResource) => PolicyResource["provider"]): PolicyResource[] {
    const out = resources.map((r): PolicyResource => {
        const props = proxy.unknownCheckingProxy(withAssets(r.outputs) as Record<string, unknown>);
        return {
            type: r.type, props, urn: r.urn, name: r.name, opts: options(r), provider: providerOf(r),
            dependencies: [], propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
        };
    });
    const byUrn = new Map(out.map((r) => [r.urn, r]));
    resources.forEach((r, n) => {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) out[n].parent = parent;
        out[n].dependencies = r.dependencies.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
    });
    return out;
}

export function countByLevel(violations: readonly Violation[]): Record<ReportedLevel, number> {
    return {
        mandatory: violations.filter((v) => v.level === "mandatory").length,
        advisory: violations.filter((v) => v.level === "advisory").length,
    };
}
