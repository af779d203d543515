import { MeshMode } from "../../settings/keys";
import { ServiceSpec } from "../../settings/services";
import { Labels, PolicyTargetReference, WorkloadSelector } from "./types";

/** Istio's default trust domain: mTLS identities are `cluster.local/ns/<namespace>/sa/<service account>`. */
export const TRUST_DOMAIN = "cluster.local";
/** Every ambient waypoint meshstack creates is a Gateway named so (its service account has the same name). */
export const WAYPOINT_NAME = "waypoint";
export const INGRESS_GATEWAY_NAME = "ingress-gateway";

/** A gateway release as the policies see it: where its pods run, their `istio:` label, their service account. */
export interface GatewayRef {
    readonly namespace: string;
    readonly selector: string;
    /** The release name: the gateway chart names the gateway's Service and service account after it. */
    readonly name: string;
}

/** What the builders need to know about the mesh around the application. */
export interface PolicyContext {
    readonly environment: string;
    readonly clusterName: string;
    readonly mode: MeshMode;
    readonly rootNamespace: string;
    readonly observabilityNamespace: string;
    readonly ingress: GatewayRef;
    readonly egress?: GatewayRef;
}

export function fqdn(name: string, namespace: string): string {
    return `${name}.${namespace}.svc.cluster.local`;
}

export function principal(namespace: string, serviceAccount: string): string {
    return `${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

export function appLabels(svc: ServiceSpec): Labels {
    return { app: svc.name };
}

/**
 * How an L7 policy reaches a service: in sidecar mode through the pods' labels, in ambient mode
 * attached to the Service, which its namespace's waypoint enforces.
 */
export function attachTo(svc: ServiceSpec, mode: MeshMode): { selector: WorkloadSelector } | { targetRefs: PolicyTargetReference[] } {
    return mode === "ambient"
        ? { targetRefs: [{ group: "", kind: "Service", name: svc.name }] }
        : { selector: { matchLabels: appLabels(svc) } };
}

export function waypointRef(): PolicyTargetReference {
    return { group: "gateway.networking.k8s.io", kind: "Gateway", name: WAYPOINT_NAME };
}
