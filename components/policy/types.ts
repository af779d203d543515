/**
 * TypeScript shapes of every Istio (and Gateway API) object spec meshstack emits: the subset of each
 * API we use, with Istio's field names, so a typo or a wrong enum fails the compile. Istio 1.30 API:
 * networking.istio.io/v1, security.istio.io/v1, telemetry.istio.io/v1; EnvoyFilter exists only as v1alpha3.
 */

export type Labels = Readonly<Record<string, string>>;

export interface WorkloadSelector {
    readonly matchLabels: Labels;
}

/** A policy target (ambient mode attaches L7 policies to a Service or a waypoint Gateway). */
export interface PolicyTargetReference {
    readonly group: "" | "gateway.networking.k8s.io";
    readonly kind: "Service" | "Gateway";
    readonly name: string;
}

// ---- security.istio.io/v1 ----

export type MtlsMode = "UNSET" | "DISABLE" | "PERMISSIVE" | "STRICT";

export interface PeerAuthenticationSpec {
    readonly selector?: WorkloadSelector;
    readonly mtls?: { readonly mode: MtlsMode };
    /** Container port -> mode; Istio accepts it only with a selector. */
    readonly portLevelMtls?: Readonly<Record<string, { readonly mode: MtlsMode }>>;
}

export interface AuthorizationSource {
    readonly principals?: readonly string[];
    readonly namespaces?: readonly string[];
    readonly notRequestPrincipals?: readonly string[];
}

export interface AuthorizationOperation {
    readonly ports?: readonly string[];
    readonly methods?: readonly string[];
    readonly paths?: readonly string[];
}

export interface AuthorizationCondition {
    readonly key: string;
    readonly values: readonly string[];
}

export interface AuthorizationRule {
    readonly from?: readonly { readonly source: AuthorizationSource }[];
    readonly to?: readonly { readonly operation: AuthorizationOperation }[];
    readonly when?: readonly AuthorizationCondition[];
}

/** `{}` (ALLOW, no rules) denies everything; DENY always has rules. */
export interface AuthorizationPolicySpec {
    readonly selector?: WorkloadSelector;
    readonly targetRefs?: readonly PolicyTargetReference[];
    readonly action?: "ALLOW" | "DENY";
    readonly rules?: readonly AuthorizationRule[];
}

export interface JwtRule {
    readonly issuer: string;
    readonly jwksUri: string;
    readonly audiences?: readonly string[];
}

export interface RequestAuthenticationSpec {
    readonly selector?: WorkloadSelector;
    readonly targetRefs?: readonly PolicyTargetReference[];
    readonly jwtRules: readonly JwtRule[];
}

// ---- networking.istio.io/v1 ----

export type TlsMode = "DISABLE" | "SIMPLE" | "MUTUAL" | "ISTIO_MUTUAL";

export interface ConnectionPoolSettings {
    readonly tcp: { readonly maxConnections: number; readonly connectTimeout?: string };
    readonly http: {
        readonly http1MaxPendingRequests: number;
        readonly http2MaxRequests: number;
        readonly maxRequestsPerConnection?: number;
    };
}

export interface OutlierDetection {
    readonly consecutive5xxErrors: number;
    readonly interval: string;
    readonly baseEjectionTime: string;
    readonly maxEjectionPercent: number;
    /** Envoy's panic threshold; 0 turns panic routing off. */
    readonly minHealthPercent: number;
}

export type LoadBalancerSettings =
    | { readonly simple: "LEAST_REQUEST" | "ROUND_ROBIN" | "RANDOM" }
    | { readonly consistentHash: { readonly httpHeaderName: string } };

/** Client-side TLS; `sni` names the server a gateway routes on. */
export interface ClientTlsSettings {
    readonly mode: TlsMode;
    readonly sni?: string;
}

export interface PortTrafficPolicy {
    readonly port: { readonly number: number };
    readonly tls?: ClientTlsSettings;
}

export interface TrafficPolicy {
    readonly connectionPool?: ConnectionPoolSettings;
    readonly outlierDetection?: OutlierDetection;
    readonly loadBalancer?: LoadBalancerSettings;
    readonly tls?: ClientTlsSettings;
    readonly portLevelSettings?: readonly PortTrafficPolicy[];
}

export interface Subset {
    readonly name: string;
    readonly labels?: Labels;
    readonly trafficPolicy?: TrafficPolicy;
}

export interface DestinationRuleSpec {
    readonly host: string;
    readonly trafficPolicy?: TrafficPolicy;
    readonly subsets?: readonly Subset[];
    readonly exportTo?: readonly string[];
}

export interface StringMatch {
    readonly exact?: string;
    readonly prefix?: string;
}

export interface HttpMatchRequest {
    readonly uri?: StringMatch;
    readonly headers?: Readonly<Record<string, StringMatch>>;
}

export interface Destination {
    readonly host: string;
    readonly subset?: string;
    readonly port?: { readonly number: number };
}

export interface HttpRouteDestination {
    readonly destination: Destination;
    readonly weight?: number;
}

export interface HttpRetry {
    readonly attempts: number;
    readonly perTryTimeout?: string;
    readonly retryOn?: string;
}

export interface HttpFaultInjection {
    readonly delay?: { readonly percentage: { readonly value: number }; readonly fixedDelay: string };
    readonly abort?: { readonly percentage: { readonly value: number }; readonly httpStatus: number };
}

export interface CorsPolicy {
    readonly allowOrigins: readonly StringMatch[];
    readonly allowMethods?: readonly string[];
    readonly allowHeaders?: readonly string[];
    readonly maxAge?: string;
    readonly allowCredentials?: boolean;
}

export interface HttpRoute {
    readonly name: string;
    readonly match?: readonly HttpMatchRequest[];
    readonly route: readonly HttpRouteDestination[];
    readonly timeout?: string;
    readonly retries?: HttpRetry;
    readonly fault?: HttpFaultInjection;
    readonly mirror?: Destination;
    readonly mirrorPercentage?: { readonly value: number };
    readonly corsPolicy?: CorsPolicy;
}

export interface TlsRoute {
    readonly match: readonly { readonly gateways: readonly string[]; readonly port: number; readonly sniHosts: readonly string[] }[];
    readonly route: readonly HttpRouteDestination[];
}

/** Routes TCP bytes; on a gateway server that terminates TLS, the only route kind that applies. */
export interface TcpRoute {
    readonly match: readonly { readonly gateways: readonly string[]; readonly port: number }[];
    readonly route: readonly HttpRouteDestination[];
}

export interface VirtualServiceSpec {
    readonly hosts: readonly string[];
    /** `mesh` stands for every sidecar/waypoint; other entries are `<namespace>/<gateway>`. */
    readonly gateways?: readonly string[];
    readonly http?: readonly HttpRoute[];
    readonly tls?: readonly TlsRoute[];
    readonly tcp?: readonly TcpRoute[];
    readonly exportTo?: readonly string[];
}

export interface ServerTls {
    readonly httpsRedirect?: boolean;
    readonly mode?: "PASSTHROUGH" | "SIMPLE" | "ISTIO_MUTUAL";
    readonly credentialName?: string;
}

export interface Server {
    readonly port: { readonly number: number; readonly name: string; readonly protocol: "HTTP" | "HTTPS" | "TLS" };
    readonly hosts: readonly string[];
    readonly tls?: ServerTls;
}

export interface GatewaySpec {
    readonly selector: Labels;
    readonly servers: readonly Server[];
}

export interface ServiceEntrySpec {
    readonly hosts: readonly string[];
    readonly ports: readonly { readonly number: number; readonly name: string; readonly protocol: "TLS" | "HTTP" }[];
    readonly location: "MESH_EXTERNAL";
    readonly resolution: "DNS";
    readonly exportTo?: readonly string[];
}

export interface SidecarSpec {
    readonly egress: readonly { readonly hosts: readonly string[] }[];
}

// ---- telemetry.istio.io/v1 ----

export interface ProviderRef {
    readonly name: string;
}

export interface TelemetrySpec {
    readonly selector?: WorkloadSelector;
    readonly targetRefs?: readonly PolicyTargetReference[];
    readonly tracing?: readonly {
        readonly providers: readonly ProviderRef[];
        readonly randomSamplingPercentage: number;
        readonly customTags?: Readonly<Record<string, { readonly literal: { readonly value: string } }>>;
    }[];
    readonly accessLogging?: readonly { readonly providers: readonly ProviderRef[] }[];
}

// ---- networking.istio.io/v1alpha3 EnvoyFilter (local rate limiting) ----

export interface LocalRateLimitConfig {
    readonly "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
    readonly stat_prefix: string;
    readonly token_bucket: { readonly max_tokens: number; readonly tokens_per_fill: number; readonly fill_interval: string };
    readonly filter_enabled: RuntimeFraction;
    readonly filter_enforced: RuntimeFraction;
    readonly response_headers_to_add: readonly { readonly append_action: "OVERWRITE_IF_EXISTS_OR_ADD"; readonly header: { readonly key: string; readonly value: string } }[];
}

export interface RuntimeFraction {
    readonly runtime_key: string;
    readonly default_value: { readonly numerator: number; readonly denominator: "HUNDRED" };
}

/** Matches Envoy's HTTP connection manager, before its router filter. */
export interface FilterMatch {
    readonly name: "envoy.filters.network.http_connection_manager";
    readonly subFilter: { readonly name: "envoy.filters.http.router" };
}

/** Inbound HTTP: a sidecar's inbound listener, or (ambient) one service's filter chain on its waypoint. */
export interface EnvoyFilterMatch {
    readonly context: "SIDECAR_INBOUND";
    readonly listener: { readonly filterChain: { readonly name?: string; readonly filter: FilterMatch } };
}

export interface EnvoyFilterSpec {
    readonly workloadSelector?: { readonly labels: Labels };
    readonly targetRefs?: readonly PolicyTargetReference[];
    /** Order among EnvoyFilters of one context; positive ones apply after those at the default 0. */
    readonly priority?: number;
    readonly configPatches: readonly {
        readonly applyTo: "HTTP_FILTER";
        readonly match: EnvoyFilterMatch;
        readonly patch: {
            readonly operation: "INSERT_BEFORE";
            readonly value: { readonly name: "envoy.filters.http.local_ratelimit"; readonly typed_config: LocalRateLimitConfig };
        };
    }[];
}

// ---- gateway.networking.k8s.io/v1 (ambient waypoints) ----

export interface WaypointSpec {
    readonly gatewayClassName: "istio-waypoint";
    readonly listeners: readonly { readonly name: string; readonly port: 15008; readonly protocol: "HBONE" }[];
}

// ---- the objects ----

interface Obj<A extends string, K extends string, S> {
    readonly apiVersion: A;
    readonly kind: K;
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Labels };
    readonly spec: S;
}

/** Every object meshstack's mesh policies consist of, discriminated by kind. */
export type MeshObject =
    | Obj<"security.istio.io/v1", "PeerAuthentication", PeerAuthenticationSpec>
    | Obj<"security.istio.io/v1", "AuthorizationPolicy", AuthorizationPolicySpec>
    | Obj<"security.istio.io/v1", "RequestAuthentication", RequestAuthenticationSpec>
    | Obj<"networking.istio.io/v1", "DestinationRule", DestinationRuleSpec>
    | Obj<"networking.istio.io/v1", "VirtualService", VirtualServiceSpec>
    | Obj<"networking.istio.io/v1", "Gateway", GatewaySpec>
    | Obj<"networking.istio.io/v1", "ServiceEntry", ServiceEntrySpec>
    | Obj<"networking.istio.io/v1", "Sidecar", SidecarSpec>
    | Obj<"telemetry.istio.io/v1", "Telemetry", TelemetrySpec>
    | Obj<"networking.istio.io/v1alpha3", "EnvoyFilter", EnvoyFilterSpec>
    | Obj<"gateway.networking.k8s.io/v1", "Gateway", WaypointSpec>;
