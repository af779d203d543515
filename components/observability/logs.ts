import { Settings } from "../../settings";
import { ALLOY, LOKI, serviceUrl } from "./names";

/** Loki's replicas: one on a filesystem (the chart refuses more), the preset's count on object storage. */
export function lokiReplicas(settings: Settings): number {
    return settings.observability.loki.storage === "s3" ? settings.preset.observability.replicas.loki : 1;
}

/**
 * Loki in monolithic mode. The chart's defaults would ask for S3, multi-tenancy, replication 3,
 * memcached caches (~11 GiB), a canary DaemonSet and an nginx gateway: all of it is set explicitly here.
 */
export function lokiValues(settings: Settings): Record<string, unknown> {
    const obs = settings.preset.observability;
    const loki = settings.observability.loki;
    const replicas = lokiReplicas(settings);
    const objectStore = loki.storage === "s3" ? "s3" : "filesystem";
    const storage = loki.storage === "s3"
        ? { type: "s3", bucketNames: { chunks: loki.bucket, ruler: loki.bucket }, s3: { region: loki.region } }
        : { type: "filesystem" };
    const persistence = settings.observability.persistence
        ? { enabled: true, size: obs.volumes.loki, ...(settings.observability.storageClass !== undefined ? { storageClass: settings.observability.storageClass } : {}) }
        : { enabled: false };
    return {
        fullnameOverride: LOKI.service,
        deploymentMode: "Monolithic",
        loki: {
            auth_enabled: false,
            server: { http_listen_port: LOKI.port },
            // A write needs a quorum of the replication factor: 3 replicas tolerate one down, 2 would tolerate none.
            commonConfig: { replication_factor: replicas >= 3 ? 3 : 1 },
            storage,
            schemaConfig: {
                configs: [{ from: "2024-04-01", store: "tsdb", object_store: objectStore, schema: "v13", index: { prefix: "loki_index_", period: "24h" } }],
            },
            compactor: { retention_enabled: true, delete_request_store: objectStore },
            limits_config: { retention_period: settings.observability.retention },
        },
        // Credentials come from the IAM role bound to the service account (IRSA) or a Pod Identity association.
        serviceAccount: loki.storage === "s3" && loki.roleArn !== undefined
            ? { annotations: { "eks.amazonaws.com/role-arn": loki.roleArn } }
            : {},
        singleBinary: { replicas, resources: obs.sizing.loki, persistence },
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        gateway: { enabled: false },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        sidecar: { rules: { enabled: false } },
    };
}

/** Loki's push endpoint, where the log shipper writes. */
export const LOKI_PUSH_URL = serviceUrl(LOKI.service, LOKI.port, "/loki/api/v1/push");

/**
 * Alloy's pipeline: every container of the pods on this node (Istio's JSON access logs are the istio-proxy
 * container's stdout), read through the API server, labelled with namespace, pod and container.
 * One attribute per line: Alloy's syntax requires it. The chart runs this through `tpl`, so no `{{`.
 */
export function alloyConfig(cluster: string): string {
    const relabel = (from: string, to: string) => [
        "  rule {",
        `    source_labels = ["${from}"]`,
        `    target_label  = "${to}"`,
        "  }",
    ];
    return [
        `discovery.kubernetes "pods" {`,
        `  role = "pod"`,
        "  selectors {",
        `    role  = "pod"`,
        `    field = "spec.nodeName=" + coalesce(sys.env("HOSTNAME"), constants.hostname)`,
        "  }",
        "}",
        "",
        `discovery.relabel "pods" {`,
        "  targets = discovery.kubernetes.pods.targets",
        ...relabel("__meta_kubernetes_namespace", "namespace"),
        ...relabel("__meta_kubernetes_pod_name", "pod"),
        ...relabel("__meta_kubernetes_pod_container_name", "container"),
        ...relabel("__meta_kubernetes_pod_label_app_kubernetes_io_name", "app"),
        "}",
        "",
        `loki.source.kubernetes "pods" {`,
        "  targets    = discovery.relabel.pods.output",
        "  forward_to = [loki.process.pods.receiver]",
        "}",
        "",
        `loki.process "pods" {`,
        "  stage.static_labels {",
        `    values = { cluster = "${cluster}" }`,
        "  }",
        "  forward_to = [loki.write.default.receiver]",
        "}",
        "",
        `loki.write "default" {`,
        "  endpoint {",
        `    url = "${LOKI_PUSH_URL}"`,
        "  }",
        "}",
        "",
    ].join("\n");
}

/** Alloy as a DaemonSet on every node (tainted ones included), shipping to Loki. */
export function alloyValues(settings: Settings): Record<string, unknown> {
    const sizing = settings.preset.observability.sizing;
    return {
        fullnameOverride: ALLOY.fullname,
        controller: { type: "daemonset", tolerations: [{ operator: "Exists" }] },
        alloy: {
            configMap: { create: true, content: alloyConfig(settings.cluster.name) },
            resources: sizing.alloy,
        },
        configReloader: { resources: sizing.alloyReloader },
    };
}
