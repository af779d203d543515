/**
 * The application a stack runs in the mesh: its namespaces, services and external APIs
 * (`meshstack:namespaces`, `meshstack:services`, `meshstack:externalServices`), read into typed data.
 * Read by serviceReaders.ts; cross-references (subsets, hosts, principals) are checked in serviceChecks.ts.
 */

import { KeySpec } from "./keys";
import { Slo } from "./slo";

export const TRAFFIC_POLICIES = ["strict", "moderate", "lenient"] as const;
export type TrafficPolicyName = (typeof TRAFFIC_POLICIES)[number];
export const LOAD_BALANCERS = ["LEAST_REQUEST", "ROUND_ROBIN", "RANDOM"] as const;
export type SimpleLoadBalancer = (typeof LOAD_BALANCERS)[number];
/** Modes an explicit exception may set (DISABLE is rejected in ambient mode). */
export const EXCEPTION_MTLS_MODES = ["STRICT", "PERMISSIVE", "DISABLE"] as const;
export type ExceptionMtlsMode = (typeof EXCEPTION_MTLS_MODES)[number];
export const EXTERNAL_PROTOCOLS = ["TLS", "HTTP"] as const;
export type ExternalProtocol = (typeof EXTERNAL_PROTOCOLS)[number];
/** Envoy retry conditions Istio accepts in `retries.retryOn`. */
export const RETRY_ON = [
    "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited", "retriable-4xx",
    "refused-stream", "retriable-status-codes", "retriable-headers", "http3-post-connect-failure",
    "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
] as const;

/** The revision tags a namespace can follow (`istio.io/rev: <tag>`). */
export const REVISION_TAGS = ["stable", "canary"] as const;
export type RevisionTag = (typeof REVISION_TAGS)[number];

export interface AppNamespace {
    readonly name: string;
    /** The control plane that injects the namespace's sidecars, by revision tag; default stable. */
    readonly revision: RevisionTag;
    /** A namespace-wide PeerAuthentication exception to the mesh-wide mode. */
    readonly mtlsMode?: ExceptionMtlsMode;
    /** A namespace Telemetry overriding the mesh-wide trace sampling. */
    readonly samplingPercentage?: number;
}

export interface Retries {
    readonly attempts: number;
    readonly perTryTimeout?: string;
    readonly retryOn?: string;
}

export interface RouteSpec {
    readonly path: string;
    readonly pathPrefix?: string;
    readonly exactPath?: string;
    /** Header name -> exact value. */
    readonly headers: Readonly<Record<string, string>>;
    readonly subset?: string;
    readonly timeout?: string;
}

export interface Canary {
    readonly subsets: readonly string[];
    /** Percent per subset, in the order of `subsets`; they sum to 100. */
    readonly weights: readonly number[];
}

export interface TenantRouting {
    readonly header: string;
    /** Tenant (header value) -> subset. */
    readonly tenants: Readonly<Record<string, string>>;
}

export interface Mirror {
    readonly subset: string;
    readonly percent: number;
}

export interface Fault {
    readonly delay?: { readonly percent: number; readonly fixedDelay: string };
    readonly abort?: { readonly percent: number; readonly httpStatus: number };
    /** Only requests carrying this header value get the fault. */
    readonly header?: { readonly name: string; readonly value: string };
}

export interface Cors {
    readonly allowOrigins: readonly string[];
    readonly allowMethods: readonly string[];
    readonly allowHeaders: readonly string[];
    readonly maxAge?: string;
    readonly allowCredentials?: boolean;
}

/** One ALLOW rule: who (principals, namespaces), what (methods, paths) and header conditions. */
export interface AllowRule {
    readonly path: string;
    readonly principals: readonly string[];
    readonly namespaces: readonly string[];
    readonly methods: readonly string[];
    readonly paths: readonly string[];
    /** Header name -> accepted values. */
    readonly headers: Readonly<Record<string, readonly string[]>>;
}

export interface ConnectionPool {
    readonly maxConnections?: number;
    readonly maxPendingRequests?: number;
    readonly maxRequestsPerConnection?: number;
    readonly connectTimeout?: string;
}

export type LoadBalancer = { readonly simple: SimpleLoadBalancer } | { readonly hashHeader: string };

export interface WorkloadMtls {
    readonly mode?: ExceptionMtlsMode;
    /** Container port -> mode. */
    readonly ports: Readonly<Record<string, ExceptionMtlsMode>>;
}

export interface ServiceSpec {
    /** Where it was declared, e.g. `services[2]`, for messages. */
    readonly path: string;
    readonly name: string;
    readonly namespace: string;
    /** The HTTP (or gRPC) port of the Kubernetes Service. */
    readonly port: number;
    readonly serviceAccount: string;
    /** Subsets, selected by the pods' `version` label. */
    readonly versions: readonly string[];
    readonly trafficPolicy: TrafficPolicyName;
    readonly loadBalancer: LoadBalancer;
    readonly connectionPool?: ConnectionPool;
    readonly timeout?: string;
    readonly retries?: Retries;
    readonly routes: readonly RouteSpec[];
    readonly canary?: Canary;
    readonly tenantRouting?: TenantRouting;
    readonly mirror?: Mirror;
    readonly fault?: Fault;
    readonly cors?: Cors;
    /** Served through the ingress Gateway under this host. */
    readonly expose?: { readonly host: string };
    readonly allow: readonly AllowRule[];
    readonly requireJwt: boolean;
    readonly rateLimit?: { readonly requestsPerMinute: number };
    readonly mtls?: WorkloadMtls;
    /** Declared services or external services this one calls. */
    readonly dependsOn: readonly string[];
    /** Objectives that become recording rules, burn-rate alerts and a dashboard (components/observability/slo.ts). */
    readonly slo?: Slo;
}

export interface ExternalService {
    readonly path: string;
    readonly name: string;
    readonly host: string;
    readonly port: number;
    readonly protocol: ExternalProtocol;
    readonly viaEgressGateway: boolean;
}

export interface AppSettings {
    readonly namespaces: readonly AppNamespace[];
    readonly services: readonly ServiceSpec[];
    readonly externalServices: readonly ExternalService[];
}

export const serviceKeys: readonly KeySpec[] = [
    { key: "namespaces", type: "object", description: "Application namespaces: a list of {name, mtlsMode, samplingPercentage, revision} (see Mesh policies in README.md).", defaultText: "none" },
    { key: "services", type: "object", description: "Application services and their mesh policies: a list of objects (see Mesh policies in README.md).", defaultText: "none" },
    { key: "externalServices", type: "object", description: "External APIs the mesh may call: a list of {name, host, port, protocol, viaEgressGateway}.", defaultText: "none" },
];
