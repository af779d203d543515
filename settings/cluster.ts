import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import { parse } from "yaml";
import { DEFAULT_KUBERNETES_VERSION, MAX_KUBERNETES_MINOR, MIN_KUBERNETES_MINOR } from "../versions";
import { keyName, shown } from "./errors";
import { ClusterKind, CLUSTER_KINDS, Env } from "./keys";
import { Values } from "./values";

export interface KindClusterSettings {
    readonly httpPort: number;
    readonly httpsPort: number;
    readonly workers: number;
}

export interface ExistingClusterSettings {
    /** Kubeconfig content (secret) or a path; exactly one is set. */
    readonly kubeconfig?: pulumi.Output<string>;
    readonly kubeconfigPath?: string;
    readonly context?: string;
    /** Whether LoadBalancer services get an address on this cluster. */
    readonly loadBalancer: boolean;
}

export interface AksSettings {
    readonly location: string;
    readonly resourceGroupName: string;
    readonly systemVmSize: string;
    readonly systemNodeCount: number;
    readonly userVmSize: string;
    readonly userMinCount: number;
    readonly userMaxCount: number;
}

export interface EksSettings {
    readonly region: string;
    readonly subnetIds: readonly string[];
    readonly vpcCidr: string;
    readonly availabilityZones: number;
    readonly adminPrincipals: readonly string[];
    readonly instanceTypes: readonly string[];
    readonly nodeMinSize: number;
    readonly nodeMaxSize: number;
}

interface ClusterBase {
    readonly name: string;
    readonly protect: boolean;
    /** Kubernetes minor version for managed clusters (aks, eks). */
    readonly kubernetesVersion: string;
}

/** One shape per cluster kind, so each kind's settings are present exactly when that kind is chosen. */
export type ClusterSettings = ClusterBase & (
    | { readonly kind: "kind"; readonly kindCluster: KindClusterSettings }
    | { readonly kind: "existing"; readonly existing: ExistingClusterSettings }
    | { readonly kind: "aks"; readonly aks: AksSettings }
    | { readonly kind: "eks"; readonly eks: EksSettings }
);

export function buildCluster(v: Values, env: Env, stack: string, keysOfKind: (kind: ClusterKind) => string[]): ClusterSettings | undefined {
    const problems = v.problems;
    const kind = v.get<ClusterKind>("cluster.kind");
    if (kind === undefined) {
        if (v.isRejected("cluster.kind")) return undefined;
        problems.push(`${keyName("cluster.kind")} is required for environment ${env}; use one of: ${CLUSTER_KINDS.join(", ")} (pulumi config set cluster.kind <kind>)`);
        return undefined;
    }
    for (const other of CLUSTER_KINDS.filter((k) => k !== kind)) {
        for (const key of keysOfKind(other).filter((k) => v.isSet(k))) {
            problems.push(`${keyName(key)} is set but ${keyName("cluster.kind")} is ${shown(kind)}; remove it, or set cluster.kind to ${other}`);
        }
    }
    const kubernetesVersion = v.get<string>("cluster.kubernetesVersion") ?? DEFAULT_KUBERNETES_VERSION;
    if (v.isSet("cluster.kubernetesVersion")) {
        if (kind === "kind" || kind === "existing") {
            problems.push(`${keyName("cluster.kubernetesVersion")} applies to aks and eks only; a ${kind} cluster's version comes from ${kind === "kind" ? "the node image pinned in versions.ts" : "the cluster itself"}; remove it`);
        } else {
            const minor = Number(kubernetesVersion.split(".")[1]);
            if (minor < MIN_KUBERNETES_MINOR || minor > MAX_KUBERNETES_MINOR) {
                problems.push(`${keyName("cluster.kubernetesVersion")} ${shown(kubernetesVersion)} is outside the range the pinned Istio supports; use 1.${MIN_KUBERNETES_MINOR} to 1.${MAX_KUBERNETES_MINOR}`);
            }
        }
    }
    const base: ClusterBase = {
        name: v.get<string>("cluster.name") ?? defaultClusterName(stack),
        protect: v.must<boolean>("cluster.protect"),
        kubernetesVersion,
    };
    switch (kind) {
        case "kind":
            if (v.must<number>("kind.httpPort") === v.must<number>("kind.httpsPort")) {
                problems.push(`${keyName("kind.httpsPort")} ${v.must<number>("kind.httpsPort")} is the same port as ${keyName("kind.httpPort")}; use two different ports`);
            }
            return { ...base, kind, kindCluster: { httpPort: v.must("kind.httpPort"), httpsPort: v.must("kind.httpsPort"), workers: v.must("kind.workers") } };
        case "existing":
            return { ...base, kind, existing: buildExisting(v) };
        case "aks":
            return { ...base, kind, aks: buildAks(v, base.name) };
        case "eks":
            return { ...base, kind, eks: buildEks(v) };
    }
}

/** Why a path is not a usable kubeconfig file, or undefined when it is one. */
function kubeconfigFileProblem(file: string): string | undefined {
    if (!fs.existsSync(file)) return "does not exist";
    if (!fs.statSync(file).isFile()) return "is not a file";
    let doc: unknown;
    try {
        doc = parse(fs.readFileSync(file, "utf8"));
    } catch {
        return "is not valid YAML";
    }
    const config = doc as { clusters?: unknown } | null;
    return config !== null && typeof config === "object" && Array.isArray(config.clusters) ? undefined : "has no clusters: list, so it is not a kubeconfig";
}

/** `~/x` -> `<home>/x`, as a shell would. */
export function expandHome(path: string): string {
    return path.startsWith("~/") ? `${os.homedir()}${path.slice(1)}` : path;
}

/** `meshstack-<stack>`, folded into a valid cluster name. */
export function defaultClusterName(stack: string): string {
    const folded = `meshstack-${stack}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-").slice(0, 40);
    return folded.replace(/-+$/, "");
}

function buildExisting(v: Values): ExistingClusterSettings {
    const content = v.get<string>("existing.kubeconfig");
    const path = v.get<string>("existing.kubeconfigPath");
    const offered = content !== undefined || path !== undefined || v.isRejected("existing.kubeconfig") || v.isRejected("existing.kubeconfigPath");
    if ((content !== undefined && path !== undefined) || !offered) {
        v.problems.push(content === undefined
            ? `${keyName("existing.kubeconfig")} or ${keyName("existing.kubeconfigPath")} is required when cluster.kind is "existing"; set one: pulumi config set existing.kubeconfigPath ~/.kube/config`
            : `${keyName("existing.kubeconfig")} and ${keyName("existing.kubeconfigPath")} are both set; keep only one`);
    }
    if (path !== undefined) {
        const file = expandHome(path);
        const problem = kubeconfigFileProblem(file);
        // Say which file was read: only a leading ~/ is expanded, never $VARIABLES or ~user.
        const read = file === path ? "" : ` (read as ${file})`;
        const fix = /^~[^/]|\$/.test(path) ? "write an absolute path or one starting with ~/ ($VARIABLES and ~user are not expanded)" : "point it at a kubeconfig file";
        if (problem) v.problems.push(`${keyName("existing.kubeconfigPath")} ${shown(path)}${read} ${problem}; ${fix}`);
    }
    return {
        kubeconfig: content === undefined ? undefined : pulumi.secret(content),
        kubeconfigPath: path,
        context: v.get<string>("existing.context"),
        loadBalancer: v.must("existing.loadBalancer"),
    };
}

function required<T>(v: Values, key: string, kind: ClusterKind, example: string): T {
    const value = v.get<T>(key);
    if (value === undefined && !v.isRejected(key)) {
        v.problems.push(`${keyName(key)} is required when cluster.kind is "${kind}"; set it: pulumi config set ${key} ${example}`);
    }
    return value as T;
}

function buildAks(v: Values, clusterName: string): AksSettings {
    v.requireOrdered("aks.userMinCount", "aks.userMaxCount");
    return {
        location: required(v, "aks.location", "aks", "westeurope"),
        resourceGroupName: v.get<string>("aks.resourceGroupName") ?? `${clusterName}-rg`,
        systemVmSize: v.must("aks.systemVmSize"),
        systemNodeCount: v.must("aks.systemNodeCount"),
        userVmSize: v.must("aks.userVmSize"),
        userMinCount: v.must("aks.userMinCount"),
        userMaxCount: v.must("aks.userMaxCount"),
    };
}

function buildEks(v: Values): EksSettings {
    v.requireOrdered("eks.nodeMinSize", "eks.nodeMaxSize");
    const subnetIds = v.get<string[]>("eks.subnetIds") ?? [];
    if (v.isSet("eks.subnetIds") && new Set(subnetIds).size < 2) {
        v.problems.push(`${keyName("eks.subnetIds")} ${shown(subnetIds)} names fewer than two distinct subnets; EKS needs subnets in at least two availability zones`);
    }
    return {
        region: required(v, "eks.region", "eks", "eu-west-1"),
        subnetIds,
        vpcCidr: v.must("eks.vpcCidr"),
        availabilityZones: v.must("eks.availabilityZones"),
        adminPrincipals: v.must("eks.adminPrincipals"),
        instanceTypes: v.must("eks.instanceTypes"),
        nodeMinSize: v.must("eks.nodeMinSize"),
        nodeMaxSize: v.must("eks.nodeMaxSize"),
    };
}
