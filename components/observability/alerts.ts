import { AlertThresholds } from "../../settings/observability";

const BY_SERVICE = "destination_service, destination_workload_namespace";
/** Sidecars report as destination; in ambient, waypoints report L7 metrics. */
const SERVER_SIDE = `reporter=~"destination|waypoint"`;
/** The caller's view (circuit breaking happens there): the client sidecar, or in ambient the waypoint. */
const CLIENT_SIDE = `reporter=~"source|waypoint"`;

/** `sum(rate(m[5m]))`, 0 when the series doesn't exist yet (so a sum of several still evaluates). */
const rateOrZero = (metric: string) => `(sum(rate(${metric}[5m])) or vector(0))`;

/**
 * The alerts operators of a mesh expect, thresholds per environment. Circuit breaking is read from
 * Istio's standard metrics (response flags UO = overflow, UH = every host ejected), which need no extra
 * Envoy stats.
 */
export function meshAlertGroups(t: AlertThresholds): Record<string, unknown>[] {
    const percent = Math.round(t.errorRatio * 100);
    return [
        {
            name: "meshstack.mesh",
            rules: [
                {
                    alert: "IstioHighP99Latency",
                    expr: `histogram_quantile(0.99, sum by (le, ${BY_SERVICE}) (rate(istio_request_duration_milliseconds_bucket{${SERVER_SIDE}}[5m]))) > ${t.p99LatencyMs}`,
                    for: t.for,
                    labels: { severity: "warning" },
                    annotations: { summary: `P99 latency of {{ $labels.destination_service }} is above ${t.p99LatencyMs} ms`, description: "P99 request latency is {{ $value | humanize }} ms." },
                },
                {
                    alert: "IstioHigh5xxRate",
                    expr: `sum by (${BY_SERVICE}) (rate(istio_requests_total{${SERVER_SIDE},response_code=~"5.."}[5m])) / sum by (${BY_SERVICE}) (rate(istio_requests_total{${SERVER_SIDE}}[5m])) > ${t.errorRatio}`,
                    for: t.for,
                    labels: { severity: "critical" },
                    annotations: { summary: `More than ${percent}% of requests to {{ $labels.destination_service }} fail with 5xx`, description: "5xx ratio is {{ $value | humanizePercentage }}." },
                },
                {
                    alert: "IstioCircuitBreakerOpen",
                    expr: `sum by (${BY_SERVICE}, response_flags) (rate(istio_requests_total{${CLIENT_SIDE},response_flags=~"UO|UH"}[5m])) > 0`,
                    for: "5m",
                    labels: { severity: "warning" },
                    annotations: { summary: "Requests to {{ $labels.destination_service }} are refused by the circuit breaker", description: "Response flag {{ $labels.response_flags }}: UO = connection pool overflow, UH = every endpoint ejected by outlier detection." },
                },
            ],
        },
        {
            name: "meshstack.control-plane",
            rules: [
                {
                    alert: "IstiodPushErrors",
                    expr: `${rateOrZero(`pilot_xds_pushes{type=~".+_senderr"}`)} + ${rateOrZero("pilot_xds_push_context_errors")} > 0`,
                    for: "5m",
                    labels: { severity: "warning" },
                    annotations: { summary: "istiod fails to push configuration to proxies" },
                },
                {
                    alert: "IstiodConfigRejected",
                    expr: `sum by (type) (rate(pilot_total_xds_rejects[5m])) > 0`,
                    for: "5m",
                    labels: { severity: "critical" },
                    annotations: { summary: "Proxies reject {{ $labels.type }} configuration from istiod", description: "A mesh policy or route produces configuration Envoy refuses." },
                },
            ],
        },
        {
            name: "meshstack.telemetry",
            rules: [
                {
                    alert: "CollectorDroppingSpans",
                    expr: `${rateOrZero("otelcol_receiver_refused_spans_total")} + ${rateOrZero("otelcol_exporter_send_failed_spans_total")} + ${rateOrZero("otelcol_exporter_enqueue_failed_spans_total")} > ${t.droppedSpansPerSecond}`,
                    for: t.for,
                    labels: { severity: "warning" },
                    annotations: { summary: `The OpenTelemetry collector drops more than ${t.droppedSpansPerSecond} spans per second`, description: "Spans are refused (memory limiter), fail to export or don't fit the queue: traces are incomplete." },
                },
            ],
        },
    ];
}
