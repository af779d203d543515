/** Telemetry, local rate limiting (EnvoyFilter) and ambient waypoints. */

import { ServiceSpec } from "../../settings/services";
import { TRACING_PROVIDER_NAME } from "../names";
import { appLabels, fqdn, PolicyContext, waypointRef, WAYPOINT_NAME } from "./context";
import { FilterMatch, MeshObject, TelemetrySpec } from "./types";

/** Envoy's built-in access log provider (to the proxy's stdout). */
export const ACCESS_LOG_PROVIDER = "envoy";

function tracing(samplingPercentage: number, ctx: PolicyContext): TelemetrySpec["tracing"] {
    return [{
        providers: [{ name: TRACING_PROVIDER_NAME }],
        randomSamplingPercentage: samplingPercentage,
        customTags: {
            environment: { literal: { value: ctx.environment } },
            cluster: { literal: { value: ctx.clusterName } },
        },
    }];
}

/** The one mesh-wide Telemetry: traces to istiod's OpenTelemetry provider, tags, access logs. */
export function meshTelemetry(samplingPercentage: number, ctx: PolicyContext): MeshObject {
    return {
        apiVersion: "telemetry.istio.io/v1",
        kind: "Telemetry",
        metadata: { name: "mesh-default", namespace: ctx.rootNamespace },
        spec: { tracing: tracing(samplingPercentage, ctx), accessLogging: [{ providers: [{ name: ACCESS_LOG_PROVIDER }] }] },
    };
}

/** A namespace's own sampling; in ambient mode HTTP spans come from the namespace's waypoint. */
export function namespaceTelemetry(namespace: string, samplingPercentage: number, hasWaypoint: boolean, ctx: PolicyContext): MeshObject {
    return {
        apiVersion: "telemetry.istio.io/v1",
        kind: "Telemetry",
        metadata: { name: "tracing-override", namespace },
        spec: { ...(hasWaypoint ? { targetRefs: [waypointRef()] } : {}), tracing: tracing(samplingPercentage, ctx) },
    };
}

export const RATE_LIMIT_FILTER_PRIORITY = 10;

const HTTP_ROUTER: FilterMatch = { name: "envoy.filters.network.http_connection_manager", subFilter: { name: "envoy.filters.http.router" } };

/**
 * Local rate limiting, the way Istio supports it: Envoy's local_ratelimit HTTP filter with a token bucket
 * refilled every minute, inserted before the router of the service's inbound listener (sidecar) or of the
 * service's own filter chain on its namespace waypoint, which istiod names `inbound-vip|<port>|http|<host>`
 * (ambient; waypoint EnvoyFilters use targetRefs and the SIDECAR_INBOUND context). Requests over the limit get a 429.
 */
export function localRateLimit(svc: ServiceSpec, ctx: PolicyContext): MeshObject | undefined {
    if (!svc.rateLimit) return undefined;
    const perMinute = svc.rateLimit.requestsPerMinute;
    const always = (key: string) => ({ runtime_key: key, default_value: { numerator: 100, denominator: "HUNDRED" as const } });
    const ambient = ctx.mode === "ambient";
    return {
        apiVersion: "networking.istio.io/v1alpha3",
        kind: "EnvoyFilter",
        metadata: { name: `${svc.name}-ratelimit`, namespace: svc.namespace },
        spec: {
            ...(ambient ? { targetRefs: [waypointRef()] } : { workloadSelector: { labels: appLabels(svc) } }),
            // A relative insert (before the router) applied after every default-priority EnvoyFilter, so another
            // filter's patches cannot leave it without its anchor (istioctl analyze, IST0151).
            priority: RATE_LIMIT_FILTER_PRIORITY,
            configPatches: [{
                applyTo: "HTTP_FILTER",
                match: {
                    context: "SIDECAR_INBOUND",
                    listener: { filterChain: ambient ? { name: `inbound-vip|${svc.port}|http|${fqdn(svc.name, svc.namespace)}`, filter: HTTP_ROUTER } : { filter: HTTP_ROUTER } },
                },
                patch: {
                    operation: "INSERT_BEFORE",
                    value: {
                        name: "envoy.filters.http.local_ratelimit",
                        typed_config: {
                            "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
                            stat_prefix: `${svc.name}_local_rate_limit`,
                            token_bucket: { max_tokens: perMinute, tokens_per_fill: perMinute, fill_interval: "60s" },
                            filter_enabled: always("local_rate_limit_enabled"),
                            filter_enforced: always("local_rate_limit_enforced"),
                            response_headers_to_add: [{ append_action: "OVERWRITE_IF_EXISTS_OR_ADD", header: { key: "x-local-rate-limit", value: "true" } }],
                        },
                    },
                },
            }],
        },
    };
}

/** A namespace waypoint (ambient): the proxy that enforces L7 policy for the namespace's services. */
export function waypoint(namespace: string): MeshObject {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: WAYPOINT_NAME, namespace, labels: { "istio.io/waypoint-for": "service" } },
        spec: { gatewayClassName: "istio-waypoint", listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }] },
    };
}
