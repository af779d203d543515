/** DestinationRule and VirtualService builders: circuit breakers, load balancing, routing. */

import { ExceptionMtlsMode, ServiceSpec, TrafficPolicyName } from "../../settings/services";
import { fqdn, INGRESS_GATEWAY_NAME, PolicyContext } from "./context";
import { ConnectionPoolSettings, HttpMatchRequest, HttpRoute, HttpRouteDestination, MeshObject, OutlierDetection, TrafficPolicy } from "./types";

/**
 * The traffic-policy presets: connection limit, 5xx errors before ejection, ejection time, max ejected share, and
 * the panic threshold.
 *
 * `minHealthPercent` is 0 in every preset, on purpose: Envoy never enters panic mode, so it never sends requests to
 * ejected or not-ready endpoints because too few are healthy (maxEjectionPercent already keeps part of the pool in).
 * From Istio 1.31 a DestinationRule without minHealthPercent > 0 also gets not-ready endpoints pushed, marked unhealthy
 * (PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS): with panic mode off they receive no traffic and turn ready without a new push.
 * A value above 0 would bring back 1.30's behaviour (not-ready endpoints withheld) together with panic routing.
 */
export const TRAFFIC_PRESETS: Record<TrafficPolicyName, { maxConnections: number; consecutive5xxErrors: number; baseEjectionTime: string; maxEjectionPercent: number; minHealthPercent: number }> = {
    strict: { maxConnections: 50, consecutive5xxErrors: 2, baseEjectionTime: "30s", maxEjectionPercent: 80, minHealthPercent: 0 },
    moderate: { maxConnections: 100, consecutive5xxErrors: 5, baseEjectionTime: "30s", maxEjectionPercent: 50, minHealthPercent: 0 },
    lenient: { maxConnections: 200, consecutive5xxErrors: 10, baseEjectionTime: "60s", maxEjectionPercent: 30, minHealthPercent: 0 },
};

/** Connection pool and outlier detection of a preset, e.g. `circuitBreaker("moderate")`. */
export function circuitBreaker(preset: TrafficPolicyName): { connectionPool: ConnectionPoolSettings; outlierDetection: OutlierDetection } {
    const p = TRAFFIC_PRESETS[preset];
    return {
        connectionPool: {
            tcp: { maxConnections: p.maxConnections },
            http: { http1MaxPendingRequests: p.maxConnections, http2MaxRequests: p.maxConnections },
        },
        outlierDetection: {
            consecutive5xxErrors: p.consecutive5xxErrors,
            interval: "10s",
            baseEjectionTime: p.baseEjectionTime,
            maxEjectionPercent: p.maxEjectionPercent,
            minHealthPercent: p.minHealthPercent,
        },
    };
}

function connectionPool(svc: ServiceSpec): ConnectionPoolSettings {
    const base = circuitBreaker(svc.trafficPolicy).connectionPool;
    const o = svc.connectionPool;
    if (!o) return base;
    return {
        tcp: { maxConnections: o.maxConnections ?? base.tcp.maxConnections, ...(o.connectTimeout ? { connectTimeout: o.connectTimeout } : {}) },
        http: {
            http1MaxPendingRequests: o.maxPendingRequests ?? base.http.http1MaxPendingRequests,
            http2MaxRequests: o.maxConnections ?? base.http.http2MaxRequests,
            ...(o.maxRequestsPerConnection ? { maxRequestsPerConnection: o.maxRequestsPerConnection } : {}),
        },
    };
}

/**
 * Whether a DISABLE exception makes some of the service's pods accept plaintext only: its workload mode
 * (else its namespace's mode) or one of its ports.
 */
export function acceptsPlaintextOnly(svc: ServiceSpec, namespaceMode: ExceptionMtlsMode | undefined): boolean {
    return (svc.mtls?.mode ?? namespaceMode) === "DISABLE" || Object.values(svc.mtls?.ports ?? {}).includes("DISABLE");
}

/**
 * Circuit breaking, load balancing, subsets per version and, with sidecars, ISTIO_MUTUAL to the pods
 * (in ambient mode ztunnel's HBONE always carries mTLS and the DestinationRule's TLS setting does not apply).
 * Where a DISABLE exception applies no TLS is set: an explicit ISTIO_MUTUAL turns off auto-mTLS and clients
 * would send mTLS to pods that accept plaintext only, while auto-mTLS follows each endpoint's PeerAuthentication.
 * A per-port DestinationRule setting cannot replace it: portLevelMtls names container ports, portLevelSettings
 * the Service's ports.
 */
export function destinationRule(svc: ServiceSpec, ctx: PolicyContext, namespaceMode?: ExceptionMtlsMode): MeshObject {
    const trafficPolicy: TrafficPolicy = {
        connectionPool: connectionPool(svc),
        outlierDetection: circuitBreaker(svc.trafficPolicy).outlierDetection,
        loadBalancer: "hashHeader" in svc.loadBalancer ? { consistentHash: { httpHeaderName: svc.loadBalancer.hashHeader } } : { simple: svc.loadBalancer.simple },
        ...(ctx.mode === "sidecar" && !acceptsPlaintextOnly(svc, namespaceMode) ? { tls: { mode: "ISTIO_MUTUAL" } } : {}),
    };
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "DestinationRule",
        metadata: { name: svc.name, namespace: svc.namespace },
        spec: {
            host: fqdn(svc.name, svc.namespace),
            trafficPolicy,
            ...(svc.versions.length > 0 ? { subsets: svc.versions.map((v) => ({ name: v, labels: { version: v } })) } : {}),
        },
    };
}

/** Whether a service declares anything a VirtualService carries. */
export function needsVirtualService(svc: ServiceSpec): boolean {
    return Boolean(svc.expose || svc.canary || svc.tenantRouting || svc.mirror || svc.fault || svc.cors || svc.timeout || svc.retries || svc.routes.length > 0);
}

/**
 * Routes in the order Istio evaluates them: a header-gated fault first, then tenant routes, declared
 * path/header routes, and the default route (split by canary weights). Timeouts, retries, mirroring and
 * CORS apply to every route; an ungated fault only where the environment allows fault injection.
 */
export function virtualService(svc: ServiceSpec, ctx: PolicyContext, faultInjection: boolean): MeshObject {
    const host = fqdn(svc.name, svc.namespace);
    const to = (subset?: string, weight?: number): HttpRouteDestination => ({
        destination: { host, ...(subset ? { subset } : {}), port: { number: svc.port } },
        ...(weight !== undefined ? { weight } : {}),
    });
    const defaultRoute = svc.canary ? svc.canary.subsets.map((s, i) => to(s, svc.canary?.weights[i])) : [to()];
    const fault = svc.fault && {
        ...(svc.fault.delay ? { delay: { percentage: { value: svc.fault.delay.percent }, fixedDelay: svc.fault.delay.fixedDelay } } : {}),
        ...(svc.fault.abort ? { abort: { percentage: { value: svc.fault.abort.percent }, httpStatus: svc.fault.abort.httpStatus } } : {}),
    };
    const common = (timeout = svc.timeout): Omit<HttpRoute, "name" | "route" | "match"> => ({
        ...(timeout ? { timeout } : {}),
        ...(svc.retries ? { retries: { attempts: svc.retries.attempts, ...(svc.retries.perTryTimeout ? { perTryTimeout: svc.retries.perTryTimeout } : {}), ...(svc.retries.retryOn ? { retryOn: svc.retries.retryOn } : {}) } } : {}),
        ...(svc.mirror ? { mirror: { host, subset: svc.mirror.subset }, mirrorPercentage: { value: svc.mirror.percent } } : {}),
        ...(svc.cors ? {
            corsPolicy: {
                allowOrigins: svc.cors.allowOrigins.map((o) => ({ exact: o })),
                ...(svc.cors.allowMethods.length > 0 ? { allowMethods: svc.cors.allowMethods } : {}),
                ...(svc.cors.allowHeaders.length > 0 ? { allowHeaders: svc.cors.allowHeaders } : {}),
                ...(svc.cors.maxAge ? { maxAge: svc.cors.maxAge } : {}),
                ...(svc.cors.allowCredentials !== undefined ? { allowCredentials: svc.cors.allowCredentials } : {}),
            },
        } : {}),
        ...(fault && !svc.fault?.header && faultInjection ? { fault } : {}),
    });

    const http: HttpRoute[] = [];
    if (fault && svc.fault?.header) {
        const { name, value } = svc.fault.header;
        http.push({ name: "fault-injection", match: [{ headers: { [name]: { exact: value } } }], route: defaultRoute, ...common(), fault });
    }
    for (const [tenant, subset] of Object.entries(svc.tenantRouting?.tenants ?? {})) {
        http.push({ name: `tenant-${tenant}`, match: [{ headers: { [svc.tenantRouting!.header]: { exact: tenant } } }], route: [to(subset)], ...common() });
    }
    svc.routes.forEach((r, i) => {
        const match: HttpMatchRequest = {
            ...(r.pathPrefix ? { uri: { prefix: r.pathPrefix } } : r.exactPath ? { uri: { exact: r.exactPath } } : {}),
            ...(Object.keys(r.headers).length > 0 ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, v]) => [h, { exact: v }])) } : {}),
        };
        http.push({ name: `route-${i}`, match: [match], route: r.subset ? [to(r.subset)] : defaultRoute, ...common(r.timeout ?? svc.timeout) });
    });
    http.push({ name: "default", route: defaultRoute, ...common() });

    return {
        apiVersion: "networking.istio.io/v1",
        kind: "VirtualService",
        metadata: { name: svc.name, namespace: svc.namespace },
        spec: {
            hosts: svc.expose ? [host, svc.expose.host] : [host],
            // Listing a gateway replaces the implicit `mesh`, so name it too: the same routes serve both.
            ...(svc.expose ? { gateways: ["mesh", `${ctx.ingress.namespace}/${INGRESS_GATEWAY_NAME}`] } : {}),
            http,
        },
    };
}
