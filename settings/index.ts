import * as pulumi from "@pulumi/pulumi";
import { buildCluster, ClusterSettings } from "./cluster";
import { buildFirstHour, firstHourKeys, FirstHourSettings } from "./firstHour";
import { keyName, NS, SettingsError, shown } from "./errors";
import { clusterKeys, ClusterKind, Env, ENVIRONMENTS, KeySpec, meshKeys } from "./keys";
import { buildMesh, MeshSettings } from "./mesh";
import { buildObservability, observabilityKeys, ObservabilitySettings } from "./observability";
import { buildMeshPolicy, MeshPolicySettings, meshPolicyKeys } from "./meshPolicy";
import { Preset, presets } from "./presets";
import { buildApp } from "./serviceReaders";
import { AppSettings, serviceKeys } from "./services";
import { RawConfig, Values } from "./values";

export { SettingsError } from "./errors";
export type { ClusterSettings } from "./cluster";
export type { MeshSettings } from "./mesh";
export type { ObservabilitySettings, ObservabilityPreset } from "./observability";
export type { MeshPolicySettings } from "./meshPolicy";
export type { AppSettings } from "./services";
export type { FirstHourSettings } from "./firstHour";
export type { Preset, Resources } from "./presets";

/** Every stack setting, typed and validated. Read once, before any resource exists. */
export interface Settings {
    readonly project: string;
    readonly stack: string;
    readonly environment: Env;
    readonly preset: Preset;
    readonly cluster: ClusterSettings;
    readonly mesh: MeshSettings;
    readonly observability: ObservabilitySettings;
    readonly meshPolicy: MeshPolicySettings;
    readonly app: AppSettings;
    readonly firstHour: FirstHourSettings;
}

/** The whole key table: what Pulumi.yaml declares and what a stack file may set. */
export const allKeys: readonly KeySpec[] = [...clusterKeys, ...meshKeys, ...observabilityKeys, ...meshPolicyKeys, ...serviceKeys, ...firstHourKeys];
const specs = new Map(allKeys.map((s) => [s.key, s]));

/**
 * Validates raw stack config against the key table and the environment preset.
 * Throws one SettingsError listing every problem; returns settings only when there are none.
 */
export function loadSettings(raw: RawConfig, project: string, stack: string): Settings {
    const problems: string[] = [];
    const environment = resolveEnvironment(raw, stack, problems);
    const preset = presets[environment ?? "dev"];
    const values = new Values(specs, raw, preset.defaults, problems);
    if (environment === undefined) {
        throw new SettingsError(problems);
    }
    const cluster = buildCluster(values, environment, stack, keysOfClusterKind);
    const mesh = buildMesh(values);
    const observability = buildObservability(values);
    const meshPolicy = buildMeshPolicy(values, environment);
    const app = buildApp(values, environment, mesh, meshPolicy);
    const firstHour = buildFirstHour(values, environment);
    if (problems.length > 0 || cluster === undefined) {
        throw new SettingsError(problems);
    }
    return { project, stack, environment, preset, cluster, mesh, observability, meshPolicy, app, firstHour };
}

/** Reads this stack's `meshstack:` config from the Pulumi runtime and validates it. */
export function readSettings(): Settings {
    return loadSettings(runtimeConfig(), pulumi.getProject(), pulumi.getStack());
}

function resolveEnvironment(raw: RawConfig, stack: string, problems: string[]): Env | undefined {
    const configured = raw.values["environment"];
    const candidate = configured ?? stack;
    if ((ENVIRONMENTS as readonly string[]).includes(candidate)) {
        return candidate as Env;
    }
    // A configured value outside the list is reported once, by the key table's check of meshstack:environment.
    if (configured === undefined) {
        problems.push(`${keyName("environment")} is required for stack ${shown(stack)} (only stacks named dev, staging or prod imply it); use one of: ${ENVIRONMENTS.join(", ")}`);
    }
    return undefined;
}

function keysOfClusterKind(kind: ClusterKind): string[] {
    return allKeys.filter((s) => s.clusterKind === kind).map((s) => s.key);
}

function runtimeConfig(): RawConfig {
    // isConfigSecret is internal to the SDK's runtime but is how Config.getSecret knows a value was stored encrypted.
    const runtime = require("@pulumi/pulumi/runtime/config") as {
        allConfig(): Record<string, string>;
        isConfigSecret(key: string): boolean;
    };
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [fullKey, value] of Object.entries(runtime.allConfig())) {
        const [ns, ...rest] = fullKey.split(":");
        if (ns !== NS) continue;
        const key = rest.join(":");
        values[key] = value;
        if (runtime.isConfigSecret(fullKey)) secretKeys.add(key);
    }
    return { values, secretKeys };
}
