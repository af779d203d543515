import { Settings } from "../../settings";
import type { Resources } from "../../settings";
import { COLLECTOR_IMAGE } from "../../versions";
import { COLLECTOR, fqdn, JAEGER, PROMETHEUS, SAMPLER, serviceUrl } from "./names";
import { volumeClaim } from "./prometheusStack";
import { spreadReplicas } from "./spread";

/** Where the collector sends traces (Jaeger's OTLP gRPC port) and span metrics (Prometheus's OTLP receiver). */
export const JAEGER_OTLP_ENDPOINT = `${fqdn(JAEGER.service)}:${JAEGER.otlpGrpc}`;
export const PROMETHEUS_OTLP_ENDPOINT = serviceUrl(PROMETHEUS.service, PROMETHEUS.port, "/api/v1/otlp");
/** The sampling tier's headless service: the load balancer resolves every sampler pod from it. */
export const SAMPLER_ENDPOINT = fqdn(SAMPLER.service);

const otlpReceiver = {
    otlp: {
        protocols: {
            grpc: { endpoint: `\${env:MY_POD_IP}:${COLLECTOR.otlpGrpc}` },
            http: { endpoint: `\${env:MY_POD_IP}:${COLLECTOR.otlpHttp}` },
        },
    },
    // The chart's default receivers; the mesh speaks OTLP only.
    jaeger: null,
    zipkin: null,
    prometheus: null,
};

const memoryLimiter = { check_interval: "5s", limit_percentage: 80, spike_limit_percentage: 25 };

/**
 * Component names as the pinned collector (COLLECTOR_IMAGE) registers them: span_metrics, otlp_http and
 * k8s_attributes replaced spanmetrics, otlphttp and k8sattributes, which it only accepts as deprecated aliases.
 */
const SPAN_METRICS = "span_metrics";
const PROMETHEUS_EXPORTER = "otlp_http/prometheus";

/** Spans -> RED metrics, pushed to Prometheus over OTLP; pods are told apart by a collector.instance attribute. */
const spanMetrics = {
    connectors: {
        [SPAN_METRICS]: {
            namespace: "traces.span.metrics",
            histogram: { explicit: { buckets: ["5ms", "10ms", "25ms", "50ms", "100ms", "250ms", "500ms", "1s", "2.5s", "5s", "10s"] } },
            dimensions: [{ name: "http.method" }, { name: "http.status_code" }],
            exemplars: { enabled: true },
        },
    },
    processors: {
        "resource/collector": { attributes: [{ key: "collector.instance", value: "${env:OTEL_K8S_POD_NAME}", action: "upsert" }] },
    },
    exporters: { [PROMETHEUS_EXPORTER]: { endpoint: PROMETHEUS_OTLP_ENDPOINT, tls: { insecure: true } } },
    pipeline: { receivers: [SPAN_METRICS], processors: ["memory_limiter", "resource/collector", "batch"], exporters: [PROMETHEUS_EXPORTER] },
};

const jaegerExporter = { "otlp/jaeger": { endpoint: JAEGER_OTLP_ENDPOINT, tls: { insecure: true } } };

/** Keeps every error trace and every trace slower than the threshold, plus a baseline share of the rest. */
export function tailSamplingPolicies(slowTraceMs: number, baselinePercent: number): Record<string, unknown>[] {
    return [
        { name: "errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
        { name: "slow", type: "latency", latency: { threshold_ms: slowTraceMs } },
        { name: "baseline", type: "probabilistic", probabilistic: { sampling_percentage: baselinePercent } },
    ];
}

function collectorChartValues(names: { readonly release: string; readonly service: string }, replicas: number, resources: Resources, config: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        fullnameOverride: names.service,
        mode: "deployment",
        image: { repository: COLLECTOR_IMAGE.repository, tag: COLLECTOR_IMAGE.tag },
        replicaCount: replicas,
        resources,
        podDisruptionBudget: replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false },
        // The chart's selector labels: its chart name and the release name.
        ...spreadReplicas(replicas, { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": names.release }),
        ports: {
            "jaeger-compact": { enabled: false },
            "jaeger-thrift": { enabled: false },
            "jaeger-grpc": { enabled: false },
            zipkin: { enabled: false },
            // Its own metrics (dropped spans) for the collector PodMonitor.
            metrics: { enabled: true },
        },
        config,
        ...extra,
    };
}

/**
 * The chart's kubernetesAttributes preset (the processor plus the RBAC to read pods): it finds the sending pod by
 * the connection's address and adds k8s.namespace.name and k8s.pod.name, which trace-to-logs queries Loki with.
 * Only the collector the sidecars connect to can see that address; the pipeline names the processor itself
 * (after memory_limiter, before batch drops the connection), so the preset does not prepend it again. The chart
 * names the preset's processor k8s_attributes while `rewriteDeprecatedComponentNames` is on (its default).
 */
const K8S_ATTRIBUTES = "k8s_attributes";
const podMetadata = { presets: { kubernetesAttributes: { enabled: true } } };

/**
 * The collector the mesh sends spans to. Without tail sampling it does everything: OTLP in, memory_limiter,
 * batch, traces to Jaeger and span metrics to Prometheus. With tail sampling it is the stateless first tier:
 * it routes spans by trace id to the sampling tier, so every span of a trace meets in one sampler pod.
 */
export function collectorValues(settings: Settings): Record<string, unknown> {
    const obs = settings.preset.observability;
    const replicas = obs.replicas.collector;
    if (obs.tailSampling === undefined) {
        return collectorChartValues(COLLECTOR, replicas, obs.sizing.collector, {
            receivers: otlpReceiver,
            processors: { memory_limiter: memoryLimiter, batch: {}, ...spanMetrics.processors },
            connectors: spanMetrics.connectors,
            exporters: { ...jaegerExporter, ...spanMetrics.exporters },
            service: {
                pipelines: {
                    traces: { receivers: ["otlp"], processors: ["memory_limiter", K8S_ATTRIBUTES, "batch"], exporters: ["otlp/jaeger", SPAN_METRICS] },
                    metrics: spanMetrics.pipeline,
                    logs: null,
                },
            },
        }, podMetadata);
    }
    return collectorChartValues(COLLECTOR, replicas, obs.sizing.collector, {
        receivers: otlpReceiver,
        processors: { memory_limiter: memoryLimiter },
        exporters: {
            loadbalancing: {
                routing_key: "traceID",
                protocol: { otlp: { tls: { insecure: true } } },
                resolver: { dns: { hostname: SAMPLER_ENDPOINT, port: COLLECTOR.otlpGrpc } },
            },
        },
        service: {
            pipelines: {
                traces: { receivers: ["otlp"], processors: ["memory_limiter", K8S_ATTRIBUTES], exporters: ["loadbalancing"] },
                metrics: null,
                logs: null,
            },
        },
    }, podMetadata);
}

/**
 * The sampling tier (only with tail sampling): span metrics from every span first, then the sampling
 * decision, then Jaeger. Headless, so the first tier's DNS resolver sees each pod.
 */
export function samplerValues(settings: Settings): Record<string, unknown> | undefined {
    const obs = settings.preset.observability;
    const sampling = obs.tailSampling;
    if (sampling === undefined) return undefined;
    return collectorChartValues(SAMPLER, obs.replicas.collector, obs.sizing.sampler, {
        receivers: otlpReceiver,
        processors: {
            memory_limiter: memoryLimiter,
            batch: {},
            tail_sampling: { decision_wait: "10s", num_traces: 50000, policies: tailSamplingPolicies(sampling.slowTraceMs, sampling.baselinePercent) },
            ...spanMetrics.processors,
        },
        connectors: spanMetrics.connectors,
        exporters: { ...jaegerExporter, ...spanMetrics.exporters },
        service: {
            pipelines: {
                "traces/metrics": { receivers: ["otlp"], processors: ["memory_limiter"], exporters: [SPAN_METRICS] },
                traces: { receivers: ["otlp"], processors: ["memory_limiter", "tail_sampling", "batch"], exporters: ["otlp/jaeger"] },
                metrics: spanMetrics.pipeline,
                logs: null,
            },
        },
    }, { service: { clusterIP: "None" } });
}

/** The badger volume Jaeger keeps traces on (its own resource, outliving the release; mounted at /badger). */
export const JAEGER_BADGER_CLAIM = "jaeger-badger";

/** The badger claim's spec: ReadWriteOnce at the preset's size and the configured storage class. */
export function jaegerClaimSpec(settings: Settings): Record<string, unknown> {
    const template = volumeClaim(settings, settings.preset.observability.volumes.jaeger).volumeClaimTemplate as { spec: Record<string, unknown> };
    return template.spec;
}

/**
 * Jaeger v2's whole configuration: `userconfig` replaces the image's built-in one, so it names every
 * listener on 0.0.0.0 and the health check the chart's probes call.
 */
export function jaegerConfig(settings: Settings): Record<string, unknown> {
    const obs = settings.preset.observability;
    const backend = settings.observability.jaegerStorage === "badger"
        ? { badger: { directories: { keys: "/badger/keys", values: "/badger/values" }, ephemeral: false, ttl: { spans: `${retentionHours(settings.observability.retention)}h` } } }
        : { memory: { max_traces: obs.jaegerMaxTraces } };
    return {
        service: {
            extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
        },
        extensions: {
            healthcheckv2: { use_v2: true, http: { endpoint: "0.0.0.0:13133" } },
            jaeger_query: {
                storage: { traces: "main" },
                http: { endpoint: `0.0.0.0:${JAEGER.ui}` },
                grpc: { endpoint: `0.0.0.0:${JAEGER.grpcQuery}` },
            },
            jaeger_storage: { backends: { main: backend } },
        },
        receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${JAEGER.otlpGrpc}` }, http: { endpoint: "0.0.0.0:4318" } } } },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: "main" } },
    };
}

/**
 * Jaeger v2 all-in-one: one pod; with badger the JAEGER_BADGER_CLAIM volume, which the stack creates (Recreate
 * strategy, the chart's default, so the old pod lets go of it first).
 */
export function jaegerValues(settings: Settings): Record<string, unknown> {
    const obs = settings.preset.observability;
    const badger = settings.observability.jaegerStorage === "badger";
    return {
        fullnameOverride: JAEGER.service,
        jaeger: {
            resources: obs.sizing.jaeger,
            ...(badger ? {
                extraVolumes: [{ name: "badger", persistentVolumeClaim: { claimName: JAEGER_BADGER_CLAIM } }],
                extraVolumeMounts: [{ name: "badger", mountPath: "/badger" }],
            } : {}),
        },
        userconfig: jaegerConfig(settings),
    };
}

/** A Prometheus-style retention (h, d or w) in hours, for Jaeger's span TTL. */
export function retentionHours(retention: string): number {
    const n = Number(retention.slice(0, -1));
    return { h: 1, d: 24, w: 168 }[retention.slice(-1) as "h" | "d" | "w"] * n;
}
