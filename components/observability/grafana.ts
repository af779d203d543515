import { Settings } from "../../settings";
import { DASHBOARD_CONFIGMAPS, DATASOURCE_UIDS, GRAFANA, GRAFANA_ADMIN_SECRET, JAEGER, KPS, LOKI, PROMETHEUS, serviceUrl } from "./names";
import { spreadReplicas } from "./spread";

/** Grafana's admin user name; the password only ever lives in the GRAFANA_ADMIN_SECRET Secret. */
export const GRAFANA_ADMIN_USER = "admin";

/** A trace id in an access log line; untraced requests log "-" and match nothing. */
export const TRACE_ID_REGEX = "\"trace_id\":\\s*\"([0-9a-fA-F]{16,32})\"";

/** Loki and Jaeger datasources with trace <-> logs <-> metrics links. Prometheus comes from the chart's sidecar. */
export function grafanaDatasources(): Record<string, unknown>[] {
    return [
        {
            name: "Loki",
            type: "loki",
            uid: DATASOURCE_UIDS.loki,
            access: "proxy",
            url: serviceUrl(LOKI.service, LOKI.port),
            jsonData: {
                derivedFields: [{
                    name: "TraceID",
                    datasourceUid: DATASOURCE_UIDS.jaeger,
                    // The `trace_id` field meshstack adds to Istio's JSON access log (components/mesh/values.ts).
                    matcherRegex: TRACE_ID_REGEX,
                    // $$ keeps Grafana's provisioning from reading ${__value.raw} as an environment variable.
                    url: "$${__value.raw}",
                    urlDisplayLabel: "View trace",
                }],
            },
        },
        {
            name: "Jaeger",
            type: "jaeger",
            uid: DATASOURCE_UIDS.jaeger,
            access: "proxy",
            url: serviceUrl(JAEGER.service, JAEGER.ui),
            jsonData: {
                tracesToLogsV2: {
                    datasourceUid: DATASOURCE_UIDS.loki,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    filterByTraceID: true,
                    filterBySpanID: false,
                    tags: [{ key: "k8s.namespace.name", value: "namespace" }, { key: "k8s.pod.name", value: "pod" }],
                },
                tracesToMetrics: {
                    datasourceUid: DATASOURCE_UIDS.prometheus,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    tags: [{ key: "service.name", value: "service_name" }],
                    queries: [
                        { name: "Request rate", query: "sum(rate(traces_span_metrics_calls_total{$$__tags}[5m]))" },
                        { name: "Error rate", query: "sum(rate(traces_span_metrics_calls_total{$$__tags,status_code=\"STATUS_CODE_ERROR\"}[5m]))" },
                        { name: "P99 latency", query: "histogram_quantile(0.99, sum by (le) (rate(traces_span_metrics_duration_milliseconds_bucket{$$__tags}[5m])))" },
                    ],
                },
                nodeGraph: { enabled: true },
            },
        },
    ];
}

/** Values of kube-prometheus-stack's Grafana subchart. `rootUrl` is where browsers reach Grafana. */
export function grafanaValues(settings: Settings, rootUrl: string): Record<string, unknown> {
    const obs = settings.preset.observability;
    return {
        fullnameOverride: GRAFANA.service,
        replicas: obs.replicas.grafana,
        podDisruptionBudget: obs.replicas.grafana > 1 ? { minAvailable: 1 } : {},
        // The subchart's pods: its chart name and the parent release's name.
        ...spreadReplicas(obs.replicas.grafana, { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": KPS.release }),
        resources: obs.sizing.grafana,
        service: { port: GRAFANA.port },
        admin: { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: GRAFANA_ADMIN_SECRET.userKey, passwordKey: GRAFANA_ADMIN_SECRET.passwordKey },
        "grafana.ini": {
            server: { root_url: rootUrl },
            "auth.anonymous": obs.anonymousAccess ? { enabled: true, org_role: "Viewer" } : { enabled: false },
        },
        sidecar: {
            resources: obs.sizing.grafanaSidecar,
            // Dashboards come from labelled ConfigMaps (components/observability/dashboards.ts), never from the internet.
            dashboards: {
                label: DASHBOARD_CONFIGMAPS.label,
                labelValue: DASHBOARD_CONFIGMAPS.labelValue,
                folderAnnotation: DASHBOARD_CONFIGMAPS.folderAnnotation,
                provider: { foldersFromFilesStructure: true },
            },
            datasources: {
                uid: DATASOURCE_UIDS.prometheus,
                isDefaultDatasource: true,
                url: serviceUrl(PROMETHEUS.service, PROMETHEUS.port),
                exemplarTraceIdDestinations: { datasourceUid: DATASOURCE_UIDS.jaeger, traceIdLabelName: "trace_id" },
            },
        },
        additionalDataSources: grafanaDatasources(),
    };
}
