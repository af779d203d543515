import { MeshMode } from "../../settings/keys";
import { ISTIO_NAMESPACE } from "../names";
import { COLLECTOR, SAMPLER } from "./names";

/** Istio's ports and paths Prometheus scrapes. */
export const ISTIO_METRICS = {
    /** pilot-agent's merged Envoy + application metrics in every sidecar and gateway pod. */
    proxy: { port: 15020, path: "/stats/prometheus" },
    istiod: { portName: "http-monitoring", port: 15014 },
    ztunnel: { portName: "ztunnel-stats", port: 15020, path: "/metrics" },
} as const;

const rewriteAddress = (port: number) => [
    // IPv6 pod IPs need brackets; IPv4 ones don't.
    { action: "replace", sourceLabels: ["__meta_kubernetes_pod_ip"], regex: "(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})", replacement: `[$1]:${port}`, targetLabel: "__address__" },
    { action: "replace", sourceLabels: ["__meta_kubernetes_pod_ip"], regex: "((([0-9]+?)(\\.|$)){4})", replacement: `$1:${port}`, targetLabel: "__address__" },
];

/**
 * Envoy stats of every sidecar and gateway, in every namespace: the istio-proxy container declares only
 * Envoy's own port (http-envoy-prom), so the target is rewritten to pilot-agent's merged port 15020.
 */
export function envoyPodMonitorSpec(): Record<string, unknown> {
    return {
        namespaceSelector: { any: true },
        selector: { matchExpressions: [{ key: "istio-prometheus-ignore", operator: "DoesNotExist" }] },
        jobLabel: "envoy-stats",
        podMetricsEndpoints: [{
            path: ISTIO_METRICS.proxy.path,
            interval: "15s",
            relabelings: [
                { action: "keep", sourceLabels: ["__meta_kubernetes_pod_container_name", "__meta_kubernetes_pod_container_port_name"], regex: "istio-proxy;http-envoy-prom" },
                ...rewriteAddress(ISTIO_METRICS.proxy.port),
                { action: "replace", sourceLabels: ["__meta_kubernetes_namespace"], targetLabel: "namespace" },
                { action: "replace", sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "pod" },
            ],
        }],
    };
}

/** ztunnel (ambient): its own metrics on 15020 at /metrics. */
export function ztunnelPodMonitorSpec(): Record<string, unknown> {
    return {
        namespaceSelector: { matchNames: [ISTIO_NAMESPACE] },
        selector: { matchLabels: { app: "ztunnel" } },
        jobLabel: "ztunnel",
        // The ztunnel dashboard filters on app="ztunnel".
        podTargetLabels: ["app"],
        podMetricsEndpoints: [{ port: ISTIO_METRICS.ztunnel.portName, path: ISTIO_METRICS.ztunnel.path, interval: "15s" }],
    };
}

/** istiod's control-plane metrics (pushes, rejections, conflicts). */
export function istiodServiceMonitorSpec(): Record<string, unknown> {
    return {
        namespaceSelector: { matchNames: [ISTIO_NAMESPACE] },
        selector: { matchLabels: { istio: "pilot" } },
        jobLabel: "istiod",
        // The control-plane dashboard filters on app="istiod", a label of the pods.
        podTargetLabels: ["app"],
        endpoints: [{ port: ISTIO_METRICS.istiod.portName, interval: "15s" }],
    };
}

/** The collectors' own metrics (refused, failed and dropped spans) from their `metrics` port. */
export function collectorPodMonitorSpec(): Record<string, unknown> {
    return {
        selector: {
            matchExpressions: [{ key: "app.kubernetes.io/instance", operator: "In", values: [COLLECTOR.release, SAMPLER.release] }],
        },
        jobLabel: "otel-collector",
        podMetricsEndpoints: [{ port: "metrics", interval: "30s" }],
    };
}

/** Which pod and service monitors a mesh mode needs, by resource suffix. */
export function monitorSpecs(mode: MeshMode): { kind: "PodMonitor" | "ServiceMonitor"; name: string; spec: Record<string, unknown> }[] {
    return [
        { kind: "PodMonitor", name: "envoy-stats", spec: envoyPodMonitorSpec() },
        ...(mode === "ambient" ? [{ kind: "PodMonitor" as const, name: "ztunnel", spec: ztunnelPodMonitorSpec() }] : []),
        { kind: "ServiceMonitor", name: "istiod", spec: istiodServiceMonitorSpec() },
        { kind: "PodMonitor", name: "otel-collector", spec: collectorPodMonitorSpec() },
    ];
}
