/** Names several components must agree on: namespaces and the mesh's tracing provider. */

/** Istio's root namespace: mesh-wide PeerAuthentication and Telemetry live here. */
export const ISTIO_NAMESPACE = "istio-system";
export const INGRESS_NAMESPACE = "istio-ingress";
export const EGRESS_NAMESPACE = "istio-egress";
/** Prometheus, Grafana, Loki, Jaeger, the collector and Kiali. */
export const OBSERVABILITY_NAMESPACE = "observability";

/**
 * The OpenTelemetry extension provider istiod defines (meshConfig.extensionProviders) and the
 * mesh-wide Telemetry names; a Telemetry naming any other provider yields no traces.
 */
export const TRACING_PROVIDER_NAME = "otel-tracing";
