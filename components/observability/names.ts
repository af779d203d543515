import { OBSERVABILITY_NAMESPACE } from "../names";

/**
 * Release names, fullnameOverrides and the service names and ports they give. Each chart's values set
 * the name from here and every other chart's values point at it through here, so a rename moves both
 * sides together (tests compare them against the other release's values).
 */

/** kube-prometheus-stack: the operator names services `<fullnameOverride>-prometheus` / `-alertmanager`. */
export const KPS = { release: "kube-prometheus-stack", fullname: "kps" } as const;
export const PROMETHEUS = { service: `${KPS.fullname}-prometheus`, port: 9090 } as const;
export const ALERTMANAGER = { service: `${KPS.fullname}-alertmanager`, port: 9093 } as const;
/** The Grafana subchart's service is named by its own fullnameOverride; port 80 -> container 3000. */
export const GRAFANA = { service: "grafana", port: 80 } as const;
/** Loki monolithic: service `<fullname>` on the HTTP port. */
export const LOKI = { release: "loki", service: "loki", port: 3100 } as const;
export const ALLOY = { release: "alloy", fullname: "alloy" } as const;
/** Jaeger v2: one service `<fullname>` with OTLP, the UI/HTTP query port and the gRPC query port. */
export const JAEGER = { release: "jaeger", service: "jaeger", otlpGrpc: 4317, ui: 16686, grpcQuery: 16685 } as const;
/** The collector the mesh sends spans to (the trace-ID load-balancing tier where tail sampling runs). */
export const COLLECTOR = { release: "otel-collector", service: "otel-collector", otlpGrpc: 4317, otlpHttp: 4318, metrics: 8888 } as const;
/** The tail-sampling tier behind the collector, headless so the load balancer resolves every pod. */
export const SAMPLER = { release: "otel-sampler", service: "otel-sampler" } as const;
/** kiali-server has no fullnameOverride: deployment.instance_name names the service; web root /kiali. */
export const KIALI = { release: "kiali", service: "kiali", port: 20001, webRoot: "/kiali" } as const;

/** The Secret holding Grafana's admin credentials (keys as the Grafana chart expects them). */
export const GRAFANA_ADMIN_SECRET = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" } as const;

/**
 * The Secret holding Kiali's login-token signing key, generated once so upgrades keep sessions (the chart
 * otherwise renders a new random key each time, and every login becomes invalid).
 */
export const KIALI_SIGNING_KEY_SECRET = { name: "kiali-signing-key", key: "signing-key" } as const;

/** How Grafana's dashboard sidecar finds dashboard ConfigMaps (the kube-prometheus-stack label) and their folder. */
export const DASHBOARD_CONFIGMAPS = { label: "grafana_dashboard", labelValue: "1", folderAnnotation: "grafana_folder" } as const;

/** Grafana datasource uids, referenced by the trace-to-logs/metrics links and exemplars. */
export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", jaeger: "jaeger" } as const;

/** A service's in-cluster FQDN in the observability namespace. */
export function fqdn(service: string): string {
    return `${service}.${OBSERVABILITY_NAMESPACE}.svc.cluster.local`;
}

/** `http://<fqdn>:<port><path>` of a service in the observability namespace. */
export function serviceUrl(service: string, port: number, path = ""): string {
    return `http://${fqdn(service)}:${port}${path}`;
}
