import { Cluster, INGRESS_NODE_PORTS } from "../cluster";
import { MeshSettings, Preset } from "../../settings";
import { ISTIO_HUB } from "../../versions";
import { ControlPlane } from "./revisions";
export { EGRESS_NAMESPACE, INGRESS_NAMESPACE, ISTIO_NAMESPACE } from "../names";

/** Where istiod sends traces: an OpenTelemetry extension provider named in meshConfig. */
export interface TracingProvider {
    readonly name: string;
    /** Service FQDN of the collector, e.g. otel-collector.observability.svc.cluster.local */
    readonly service: string;
    readonly port: number;
}

/** Release names; the gateway chart derives the `istio: <name minus istio->` selector label from them. */
export const releaseNames = {
    base: "istio-base",
    istiod: "istiod",
    cni: "istio-cni",
    ztunnel: "ztunnel",
    ingressGateway: "istio-ingressgateway",
    egressGateway: "istio-egressgateway",
} as const;

/** Pod annotation naming the revision a gateway was last rolled onto. */
export const GATEWAY_REVISION_ANNOTATION = "meshstack.io/istio-revision";

/** Ports gateway pods listen on (the chart lets them bind below 1024); their Services target these. */
export const GATEWAY_LISTENER_PORTS = { http: 80, https: 443 } as const;

/** The selector label value the gateway chart gives pods of a gateway release. */
export function gatewaySelector(releaseName: string): string {
    return releaseName.replace(/^istio-/, "");
}

/**
 * The hub and tag of an Istio version's images, set explicitly so no pod pulls from a chart's default registry
 * (the retired gcr.io/istio-release or registry.istio.io). Gateways use `image: auto`: istiod's injector fills them
 * in from its own `global.hub`/`global.tag`.
 */
export function istioImages(version: string): { readonly hub: string; readonly tag: string } {
    return { hub: ISTIO_HUB, tag: version };
}

/**
 * Replicas as each Istio chart reads them: with autoscaling, HPA bounds and no fixed count (a fixed count would
 * reset the HPA on every upgrade, so the charts ignore it); without, the count alone.
 */
function istiodReplicas(min: number, max: number): Record<string, unknown> {
    return max > min ? { autoscaleEnabled: true, autoscaleMin: min, autoscaleMax: max } : { autoscaleEnabled: false, replicaCount: min };
}

function gatewayReplicas(min: number, max: number): Record<string, unknown> {
    return max > min ? { autoscaling: { enabled: true, minReplicas: min, maxReplicas: max } } : { autoscaling: { enabled: false }, replicaCount: min };
}

/**
 * Istio's default JSON access log fields plus the request's trace id, so a log line links to its trace
 * (Grafana's Loki datasource reads `trace_id`). `%TRACE_ID%` is "-" when the request is not traced.
 */
export const ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = {
    start_time: "%START_TIME%",
    route_name: "%ROUTE_NAME%",
    method: "%REQ(:METHOD)%",
    path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
    protocol: "%PROTOCOL%",
    response_code: "%RESPONSE_CODE%",
    response_flags: "%RESPONSE_FLAGS%",
    response_code_details: "%RESPONSE_CODE_DETAILS%",
    connection_termination_details: "%CONNECTION_TERMINATION_DETAILS%",
    bytes_received: "%BYTES_RECEIVED%",
    bytes_sent: "%BYTES_SENT%",
    duration: "%DURATION%",
    upstream_service_time: "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
    x_forwarded_for: "%REQ(X-FORWARDED-FOR)%",
    user_agent: "%REQ(USER-AGENT)%",
    request_id: "%REQ(X-REQUEST-ID)%",
    authority: "%REQ(:AUTHORITY)%",
    upstream_host: "%UPSTREAM_HOST%",
    upstream_cluster: "%UPSTREAM_CLUSTER_RAW%",
    upstream_local_address: "%UPSTREAM_LOCAL_ADDRESS%",
    downstream_local_address: "%DOWNSTREAM_LOCAL_ADDRESS%",
    downstream_remote_address: "%DOWNSTREAM_REMOTE_ADDRESS%",
    requested_server_name: "%REQUESTED_SERVER_NAME%",
    upstream_transport_failure_reason: "%UPSTREAM_TRANSPORT_FAILURE_REASON%",
    trace_id: "%TRACE_ID%",
};

/** Istio's built-in Prometheus metrics provider (istio_requests_total and the other standard metrics). */
export const PROMETHEUS_METRICS_PROVIDER = "prometheus";

/** Values of one revisioned istiod release; its revision tags are separate objects (see revisions.ts). */
/**
 * Where istiod may not fetch a RequestAuthentication's JWKS from: link-local addresses, which hold the cloud
 * metadata services (169.254.169.254, AWS's fd00:ec2::254), so a jwksUri cannot be turned against the node's
 * credentials (istioctl analyze, IST0175). In-cluster identity providers stay reachable.
 */
export const BLOCKED_JWKS_CIDRS = ["169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128"] as const;

export function istiodValues(mesh: MeshSettings, preset: Preset, plane: Pick<ControlPlane, "version" | "revision">, tracing?: TracingProvider): Record<string, unknown> {
    const meshConfig: Record<string, unknown> = {
        accessLogFile: "/dev/stdout",
        accessLogEncoding: "JSON",
        accessLogFormat: JSON.stringify(ACCESS_LOG_FORMAT),
        outboundTrafficPolicy: { mode: mesh.outboundTrafficPolicy },
        // Applications start only once their sidecar can carry traffic.
        defaultConfig: { holdApplicationUntilProxyStarts: true },
        // Always explicit: the chart adds its default `metrics: [prometheus]` only while defaultProviders is unset,
        // so a tracing default alone would switch off every proxy's istio_requests_total.
        defaultProviders: {
            metrics: [PROMETHEUS_METRICS_PROVIDER],
            ...(tracing ? { tracing: [tracing.name] } : {}),
        },
    };
    if (tracing) {
        meshConfig.enableTracing = true;
        meshConfig.extensionProviders = [{ name: tracing.name, opentelemetry: { service: tracing.service, port: tracing.port } }];
    }
    return {
        ...(mesh.mode === "ambient" ? { profile: "ambient" } : {}),
        revision: plane.revision,
        ...istiodReplicas(mesh.istiodReplicas, mesh.istiodMaxReplicas),
        resources: preset.sizing.istiod,
        env: { BLOCKED_CIDRS_IN_JWKS_URIS: BLOCKED_JWKS_CIDRS.join(",") },
        // The chart renders the PDB only when more than one replica is guaranteed.
        pdb: { minAvailable: 1 },
        global: {
            // istiod's own image and every injected proxy (sidecars, gateways, waypoints).
            ...istioImages(plane.version),
            defaultPodDisruptionBudget: { enabled: true },
            logAsJson: true,
            proxy: { resources: preset.sizing.sidecar },
            waypoint: { resources: preset.sizing.gateway },
        },
        meshConfig,
    };
}

/**
 * A gateway follows the `stable` tag: its pods carry `istio.io/rev: stable` and are injected by whichever revision the
 * tag points at. The revision in a pod annotation rolls the gateway when the tag moves (the chart's pod template
 * would not change otherwise), so gateways leave an old control plane before it is removed.
 */
export function gatewayValues(kind: "ingress" | "egress", mesh: MeshSettings, preset: Preset, cluster: Pick<Cluster, "loadBalancer">, stable: Pick<ControlPlane, "revision">): Record<string, unknown> {
    // Egress stays inside the cluster; ingress is a NodePort with fixed ports where no load balancer exists.
    const type = kind === "egress" ? "ClusterIP" : cluster.loadBalancer ? "LoadBalancer" : "NodePort";
    const nodePort = (port: number) => (type === "NodePort" ? { nodePort: port } : {});
    return {
        revision: "stable",
        podAnnotations: { [GATEWAY_REVISION_ANNOTATION]: stable.revision },
        service: {
            type,
            ports: [
                { name: "status-port", port: 15021, protocol: "TCP", targetPort: 15021 },
                { name: "http2", port: 80, protocol: "TCP", targetPort: GATEWAY_LISTENER_PORTS.http, ...nodePort(INGRESS_NODE_PORTS.http) },
                { name: "https", port: 443, protocol: "TCP", targetPort: GATEWAY_LISTENER_PORTS.https, ...nodePort(INGRESS_NODE_PORTS.https) },
            ],
        },
        resources: preset.sizing.gateway,
        ...gatewayReplicas(mesh.gatewayReplicas, mesh.gatewayMaxReplicas),
        podDisruptionBudget: mesh.gatewayReplicas > 1 ? { minAvailable: 1 } : {},
    };
}

/** Ambient's node agents upgrade in place with the stable control plane (Istio's ambient upgrade guide). */
export function cniValues(preset: Preset, stable: Pick<ControlPlane, "version" | "revision">): Record<string, unknown> {
    return { profile: "ambient", revision: stable.revision, resources: preset.sizing.cni, global: istioImages(stable.version) };
}

export function ztunnelValues(preset: Preset, stable: Pick<ControlPlane, "version" | "revision">): Record<string, unknown> {
    // The ztunnel chart reads only its top-level hub and tag; its revision picks the istiod-<revision> it connects to.
    return { profile: "ambient", revision: stable.revision, resources: preset.sizing.ztunnel, logAsJson: true, ...istioImages(stable.version) };
}
