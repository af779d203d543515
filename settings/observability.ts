import { keyName, shown } from "./errors";
import { KeySpec } from "./keys";
import type { Resources } from "./presets";
import { Values } from "./values";

export const LOKI_STORAGE = ["filesystem", "s3"] as const;
export type LokiStorage = (typeof LOKI_STORAGE)[number];
export const JAEGER_STORAGE = ["memory", "badger"] as const;
export type JaegerStorage = (typeof JAEGER_STORAGE)[number];

const dnsLabel = { re: /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, hint: "a Kubernetes object name: lowercase letters, digits and '-'" };

export const observabilityKeys: readonly KeySpec[] = [
    { key: "observability.ingressDomain", type: "string", pattern: { re: /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, hint: "a DNS domain such as observability.example.com" }, description: "Domain Grafana and Kiali are served under through the ingress gateway (grafana.<domain>, kiali.<domain>); Prometheus, Alertmanager and Jaeger have no login and stay port-forward only. Needs observability.tlsSecretName.", defaultText: "unset: UIs are reached with kubectl port-forward" },
    { key: "observability.tlsSecretName", type: "string", pattern: dnsLabel, description: "TLS Secret (in the istio-ingress namespace) with a certificate for *.<ingressDomain>; needs observability.ingressDomain.", defaultText: "unset" },
    { key: "observability.retention", type: "string", pattern: { re: /^[1-9]\d*(h|d|w)$/, hint: "a duration in hours, days or weeks such as 15d" }, description: "How long Prometheus keeps metrics." },
    { key: "observability.persistence", type: "boolean", description: "Persistent volumes for Prometheus, Alertmanager, Loki and Jaeger (false: data is lost with the pod)." },
    { key: "observability.storageClass", type: "string", pattern: dnsLabel, description: "Storage class of those persistent volumes.", defaultText: "the cluster's default storage class" },
    { key: "observability.lokiStorage", type: "string", oneOf: LOKI_STORAGE, description: "Where Loki keeps chunks: the pod's filesystem (single replica) or an S3 bucket." },
    { key: "observability.lokiBucket", type: "string", pattern: { re: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, hint: "an S3 bucket name such as meshstack-prod-loki" }, description: "S3 bucket for Loki's chunks and rules (lokiStorage s3).", defaultText: "required when lokiStorage is s3" },
    { key: "observability.lokiRegion", type: "string", pattern: { re: /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, hint: "an AWS region such as eu-west-1" }, description: "Region of the Loki bucket (lokiStorage s3).", defaultText: "required when lokiStorage is s3" },
    { key: "observability.lokiRoleArn", type: "string", pattern: { re: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, hint: "an IAM role ARN such as arn:aws:iam::123456789012:role/loki" }, description: "IAM role Loki's service account assumes for the bucket (IRSA); no access keys are ever configured.", defaultText: "unset: an EKS Pod Identity association must grant the access" },
    { key: "observability.jaegerStorage", type: "string", oneOf: JAEGER_STORAGE, description: "Jaeger trace storage: in memory, or badger on a persistent volume." },
    { key: "observability.alertmanagerConfigSecret", type: "string", pattern: dnsLabel, description: "Existing Secret in the observability namespace whose alertmanager.yaml key is Alertmanager's whole configuration (receivers, routes); receiver URLs and keys stay out of stack config.", defaultText: "unset: the chart's configuration, whose null receiver sends alerts nowhere" },
];

export interface ObservabilitySettings {
    /** Set: Grafana and Kiali are served at https://grafana.<domain> and https://kiali.<domain> through the ingress gateway. */
    readonly ingress?: { readonly domain: string; readonly tlsSecretName: string };
    readonly retention: string;
    readonly persistence: boolean;
    readonly storageClass?: string;
    readonly loki: { readonly storage: "filesystem" } | { readonly storage: "s3"; readonly bucket: string; readonly region: string; readonly roleArn?: string };
    readonly jaegerStorage: JaegerStorage;
    /** Secret holding `alertmanager.yaml`; unset: the chart's null receiver. */
    readonly alertmanagerConfigSecret?: string;
}

const S3_KEYS = ["observability.lokiBucket", "observability.lokiRegion", "observability.lokiRoleArn"] as const;

export function buildObservability(v: Values): ObservabilitySettings {
    const problems = v.problems;
    const domain = v.get<string>("observability.ingressDomain");
    const tlsSecretName = v.get<string>("observability.tlsSecretName");
    if ((domain === undefined) !== (tlsSecretName === undefined)) {
        const [set, missing] = domain === undefined ? ["observability.tlsSecretName", "observability.ingressDomain"] : ["observability.ingressDomain", "observability.tlsSecretName"];
        problems.push(`${keyName(set)} is set but ${keyName(missing)} is not; the UIs are served over https only, so set both or neither`);
    }
    const persistence = v.must<boolean>("observability.persistence");
    const alertmanagerConfigSecret = v.get<string>("observability.alertmanagerConfigSecret");
    const jaegerStorage = v.must<JaegerStorage>("observability.jaegerStorage");
    if (jaegerStorage === "badger" && !persistence) {
        problems.push(`${keyName("observability.jaegerStorage")} ${shown(jaegerStorage)} needs ${keyName("observability.persistence")} true; use memory, or turn persistence on`);
    }
    return {
        ...(domain !== undefined && tlsSecretName !== undefined ? { ingress: { domain, tlsSecretName } } : {}),
        retention: v.must("observability.retention"),
        persistence,
        storageClass: v.get("observability.storageClass"),
        loki: lokiStorage(v),
        jaegerStorage,
        ...(alertmanagerConfigSecret !== undefined ? { alertmanagerConfigSecret } : {}),
    };
}

function lokiStorage(v: Values): ObservabilitySettings["loki"] {
    const storage = v.must<LokiStorage>("observability.lokiStorage");
    if (storage === "filesystem") {
        for (const key of S3_KEYS.filter((k) => v.isSet(k))) {
            v.problems.push(`${keyName(key)} is set but ${keyName("observability.lokiStorage")} is "filesystem"; remove it, or set lokiStorage to s3`);
        }
        return { storage };
    }
    const bucket = v.get<string>("observability.lokiBucket");
    const region = v.get<string>("observability.lokiRegion");
    for (const [key, value] of [["observability.lokiBucket", bucket], ["observability.lokiRegion", region]] as const) {
        if (value === undefined && !v.isRejected(key)) {
            v.problems.push(`${keyName(key)} is required when ${keyName("observability.lokiStorage")} is "s3"; set it in the stack file`);
        }
    }
    const roleArn = v.get<string>("observability.lokiRoleArn");
    return { storage, bucket: bucket ?? "", region: region ?? "", ...(roleArn !== undefined ? { roleArn } : {}) };
}

/** Alert thresholds of the mesh PrometheusRule. */
export interface AlertThresholds {
    /** P99 request latency per service above this, for `for`. */
    readonly p99LatencyMs: number;
    /** Share of 5xx responses per service above this (0-1). */
    readonly errorRatio: number;
    /** Spans per second the collector may drop (refused, failed or not queued) before alerting. */
    readonly droppedSpansPerSecond: number;
    readonly for: string;
}

/** Per-environment observability data that is not a setting: access, HA, volumes, alerts and container sizing. */
export interface ObservabilityPreset {
    /** Grafana anonymous viewers and Kiali's anonymous strategy; only where nothing sensitive runs. */
    readonly anonymousAccess: boolean;
    /** Tail sampling in a second collector tier behind a trace-ID load balancer; unset: one collector, no sampling. */
    readonly tailSampling?: { readonly slowTraceMs: number; readonly baselinePercent: number };
    readonly replicas: {
        readonly grafana: number;
        readonly collector: number;
        readonly alertmanager: number;
        /** Loki replicas with object storage; filesystem storage always runs one. */
        readonly loki: number;
    };
    readonly volumes: { readonly prometheus: string; readonly alertmanager: string; readonly loki: string; readonly jaeger: string };
    /** Traces Jaeger keeps with in-memory storage. */
    readonly jaegerMaxTraces: number;
    readonly alerts: AlertThresholds;
    readonly sizing: {
        readonly prometheus: Resources;
        readonly alertmanager: Resources;
        /** The operator's config-reloader sidecar in every Prometheus and Alertmanager pod. */
        readonly configReloader: Resources;
        readonly operator: Resources;
        /** The operator's admission-webhook certificate Jobs (Helm hooks; they run and finish). */
        readonly webhookJob: Resources;
        readonly kubeStateMetrics: Resources;
        readonly nodeExporter: Resources;
        readonly grafana: Resources;
        /** Each of Grafana's dashboard and datasource sidecars. */
        readonly grafanaSidecar: Resources;
        readonly loki: Resources;
        readonly alloy: Resources;
        readonly alloyReloader: Resources;
        readonly collector: Resources;
        readonly sampler: Resources;
        readonly jaeger: Resources;
        readonly kiali: Resources;
    };
}
