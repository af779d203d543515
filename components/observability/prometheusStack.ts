import { Settings } from "../../settings";
import { grafanaValues } from "./grafana";
import { ALERTMANAGER, KPS, PROMETHEUS } from "./names";
import { spreadReplicas } from "./spread";

/** A ReadWriteOnce claim template in the shape the Prometheus operator and the charts take it. */
export function volumeClaim(settings: Settings, size: string): Record<string, unknown> {
    const storageClass = settings.observability.storageClass;
    return {
        volumeClaimTemplate: {
            spec: {
                ...(storageClass !== undefined ? { storageClassName: storageClass } : {}),
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: size } },
            },
        },
    };
}

const MIB_PER_UNIT: Readonly<Record<string, number>> = { Mi: 1, Gi: 1024, Ti: 1024 * 1024 };

/**
 * Prometheus's size cap for a volume: 85 % of it, leaving room for the WAL and compaction, which the cap does
 * not count. Prometheus reads GB/MB as powers of 1024, like the volume's Gi/Mi: 100Gi -> "85GB", 5Gi -> "4352MB".
 */
export function retentionSize(volume: string): string {
    const match = /^(\d+)(Mi|Gi|Ti)$/.exec(volume);
    if (match === null) throw new Error(`volume size ${JSON.stringify(volume)} is not a whole number of Mi, Gi or Ti`);
    const mib = Math.floor(Number(match[1]) * MIB_PER_UNIT[match[2]] * 0.85);
    return mib % 1024 === 0 ? `${mib / 1024}GB` : `${mib}MB`;
}

/** Subchart names, fixed so their services and pods read the same in every stack. */
export const KSM_FULLNAME = "kube-state-metrics";
export const NODE_EXPORTER_FULLNAME = "node-exporter";

/**
 * kube-prometheus-stack: operator, Prometheus, Alertmanager, Grafana, kube-state-metrics, node-exporter.
 * Prometheus picks up every ServiceMonitor, PodMonitor and PrometheusRule in the cluster (not only the
 * release-labelled ones) and takes OTLP pushes, which is how the collector delivers span metrics.
 */
export function prometheusStackValues(settings: Settings, grafanaRootUrl: string): Record<string, unknown> {
    const obs = settings.preset.observability;
    const sizing = obs.sizing;
    const persistent = settings.observability.persistence;
    return {
        fullnameOverride: KPS.fullname,
        crds: { enabled: true },
        // Managed control planes hide these components; on kind they listen on localhost only. The chart's alert
        // and recording rules for them are gated on the same flags, so they go too.
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        prometheusOperator: {
            resources: sizing.operator,
            // Sets the config-reloader sidecar of every Prometheus and Alertmanager pod (0 = unset otherwise).
            prometheusConfigReloader: { resources: sizing.configReloader },
            admissionWebhooks: { patch: { resources: sizing.webhookJob } },
        },
        prometheus: {
            service: { port: PROMETHEUS.port },
            prometheusSpec: {
                replicas: 1,
                retention: settings.observability.retention,
                // Without a size cap a full volume stops ingestion; time retention alone does not prevent it.
                ...(persistent ? { retentionSize: retentionSize(obs.volumes.prometheus) } : {}),
                resources: sizing.prometheus,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                enableOTLPReceiver: true,
                // Span metrics come from several collector pods: their pod name keeps the series apart.
                otlp: { promoteResourceAttributes: ["collector.instance", "k8s.namespace.name"] },
                // Exemplars carry trace ids from span metrics to Jaeger.
                enableFeatures: ["exemplar-storage"],
                storageSpec: persistent ? volumeClaim(settings, obs.volumes.prometheus) : {},
            },
        },
        alertmanager: {
            service: { port: ALERTMANAGER.port },
            alertmanagerSpec: {
                replicas: obs.replicas.alertmanager,
                // The operator labels Alertmanager pods with the Alertmanager object's name, the service's name.
                ...spreadReplicas(obs.replicas.alertmanager, { "app.kubernetes.io/name": "alertmanager", alertmanager: ALERTMANAGER.service }),
                // Receivers carry webhook URLs and keys: they live in a Secret the operator reads, never in values.
                ...(settings.observability.alertmanagerConfigSecret !== undefined ? { configSecret: settings.observability.alertmanagerConfigSecret } : {}),
                resources: sizing.alertmanager,
                storage: persistent ? volumeClaim(settings, obs.volumes.alertmanager) : {},
            },
        },
        "kube-state-metrics": { fullnameOverride: KSM_FULLNAME, resources: sizing.kubeStateMetrics },
        "prometheus-node-exporter": { fullnameOverride: NODE_EXPORTER_FULLNAME, resources: sizing.nodeExporter },
        grafana: grafanaValues(settings, grafanaRootUrl),
    };
}
