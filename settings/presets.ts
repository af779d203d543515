import { ClusterKind, Env, MeshMode, OutboundPolicy } from "./keys";
import type { JaegerStorage, LokiStorage, ObservabilityPreset } from "./observability";
import { MeshMtlsMode } from "./meshPolicy";

/** CPU and memory of one container, in Kubernetes quantity strings. */
export interface Resources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * What an environment starts from. Plain data: stack files override the setting defaults,
 * the sizing (container resources) follows the environment.
 */
export interface Preset {
    readonly defaults: {
        readonly "cluster.kind"?: ClusterKind;
        readonly "cluster.protect": boolean;
        readonly "kind.httpPort": number;
        readonly "kind.httpsPort": number;
        readonly "kind.workers": number;
        readonly "existing.loadBalancer": boolean;
        readonly "aks.systemVmSize": string;
        readonly "aks.systemNodeCount": number;
        readonly "aks.userVmSize": string;
        readonly "aks.userMinCount": number;
        readonly "aks.userMaxCount": number;
        readonly "eks.vpcCidr": string;
        readonly "eks.availabilityZones": number;
        readonly "eks.adminPrincipals": readonly string[];
        readonly "eks.instanceTypes": readonly string[];
        readonly "eks.nodeMinSize": number;
        readonly "eks.nodeMaxSize": number;
        readonly "mesh.mode": MeshMode;
        readonly "mesh.egressGateway": boolean;
        readonly "mesh.outboundTrafficPolicy": OutboundPolicy;
        readonly "mesh.istiodReplicas": number;
        readonly "mesh.istiodMaxReplicas": number;
        readonly "mesh.gatewayReplicas": number;
        readonly "mesh.gatewayMaxReplicas": number;
        readonly "observability.retention": string;
        readonly "observability.persistence": boolean;
        readonly "observability.lokiStorage": LokiStorage;
        readonly "observability.jaegerStorage": JaegerStorage;
        readonly "mesh.mtlsMode": MeshMtlsMode;
        readonly "mesh.samplingPercentage": number;
        readonly "mesh.defaultDeny": boolean;
        readonly "mesh.faultInjection": boolean;
        readonly "mesh.ingressHosts": readonly string[];
    };
    readonly sizing: {
        readonly istiod: Resources;
        readonly gateway: Resources;
        readonly sidecar: Resources;
        readonly cni: Resources;
        readonly ztunnel: Resources;
    };
    readonly observability: ObservabilityPreset;
    /** Helm waits this long for a release's resources to become ready. */
    readonly helmTimeoutSeconds: number;
    /** Roll a failed release back instead of leaving it half-installed. */
    readonly atomicReleases: boolean;
}

const res = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string): Resources => ({
    requests: { cpu, memory },
    limits: { cpu: cpuLimit, memory: memoryLimit },
});

const commonDefaults = {
    "cluster.protect": false,
    "kind.httpPort": 8080,
    "kind.httpsPort": 8443,
    "kind.workers": 0,
    "existing.loadBalancer": true,
    "aks.systemVmSize": "Standard_D4ds_v5",
    "aks.userVmSize": "Standard_D4ds_v5",
    "eks.vpcCidr": "10.0.0.0/16",
    "eks.adminPrincipals": [],
    "eks.instanceTypes": ["m6i.large"],
    "mesh.mode": "sidecar",
    "mesh.ingressHosts": [],
} as const;

export const presets: Record<Env, Preset> = {
    dev: {
        defaults: {
            ...commonDefaults,
            "cluster.kind": "kind",
            "aks.systemNodeCount": 1,
            "aks.userMinCount": 1,
            "aks.userMaxCount": 3,
            "eks.availabilityZones": 2,
            "eks.nodeMinSize": 1,
            "eks.nodeMaxSize": 3,
            "mesh.egressGateway": false,
            "mesh.outboundTrafficPolicy": "ALLOW_ANY",
            "mesh.istiodReplicas": 1,
            "mesh.istiodMaxReplicas": 1,
            "mesh.gatewayReplicas": 1,
            "mesh.gatewayMaxReplicas": 1,
            "observability.retention": "2d",
            "observability.persistence": false,
            "observability.lokiStorage": "filesystem",
            "observability.jaegerStorage": "memory",
            "mesh.mtlsMode": "PERMISSIVE",
            "mesh.samplingPercentage": 100,
            "mesh.defaultDeny": false,
            "mesh.faultInjection": true,
        },
        // Sized so the whole platform fits one laptop kind node.
        sizing: {
            istiod: res("100m", "256Mi", "500m", "512Mi"),
            gateway: res("50m", "64Mi", "500m", "256Mi"),
            sidecar: res("10m", "40Mi", "200m", "128Mi"),
            cni: res("10m", "32Mi", "100m", "128Mi"),
            ztunnel: res("50m", "64Mi", "500m", "256Mi"),
        },
        observability: {
            anonymousAccess: true,
            replicas: { grafana: 1, collector: 1, alertmanager: 1, loki: 1 },
            volumes: { prometheus: "5Gi", alertmanager: "1Gi", loki: "5Gi", jaeger: "5Gi" },
            jaegerMaxTraces: 20000,
            alerts: { p99LatencyMs: 2000, errorRatio: 0.1, droppedSpansPerSecond: 10, for: "10m" },
            // The whole dev platform (Istio included) requests at most 2.5 CPU and 5 GiB (tests/footprint.test.ts).
            sizing: {
                prometheus: res("200m", "512Mi", "1", "1536Mi"),
                alertmanager: res("10m", "32Mi", "100m", "128Mi"),
                configReloader: res("10m", "24Mi", "50m", "64Mi"),
                operator: res("50m", "64Mi", "200m", "256Mi"),
                webhookJob: res("10m", "32Mi", "100m", "64Mi"),
                kubeStateMetrics: res("10m", "48Mi", "100m", "128Mi"),
                nodeExporter: res("10m", "24Mi", "100m", "64Mi"),
                grafana: res("100m", "192Mi", "500m", "512Mi"),
                grafanaSidecar: res("10m", "48Mi", "100m", "128Mi"),
                loki: res("100m", "256Mi", "1", "1Gi"),
                alloy: res("50m", "96Mi", "500m", "256Mi"),
                alloyReloader: res("5m", "16Mi", "50m", "32Mi"),
                collector: res("50m", "128Mi", "500m", "512Mi"),
                sampler: res("50m", "128Mi", "500m", "512Mi"),
                jaeger: res("50m", "128Mi", "500m", "512Mi"),
                kiali: res("20m", "96Mi", "500m", "512Mi"),
            },
        },
        helmTimeoutSeconds: 600,
        atomicReleases: false,
    },
    staging: {
        defaults: {
            ...commonDefaults,
            "aks.systemNodeCount": 2,
            "aks.userMinCount": 2,
            "aks.userMaxCount": 5,
            "eks.availabilityZones": 2,
            "eks.nodeMinSize": 2,
            "eks.nodeMaxSize": 5,
            "mesh.egressGateway": true,
            "mesh.outboundTrafficPolicy": "ALLOW_ANY",
            "mesh.istiodReplicas": 2,
            "mesh.istiodMaxReplicas": 3,
            "mesh.gatewayReplicas": 2,
            "mesh.gatewayMaxReplicas": 3,
            "observability.retention": "7d",
            "observability.persistence": true,
            "observability.lokiStorage": "filesystem",
            "observability.jaegerStorage": "badger",
            "mesh.mtlsMode": "STRICT",
            "mesh.samplingPercentage": 10,
            "mesh.defaultDeny": true,
            "mesh.faultInjection": true,
        },
        sizing: {
            istiod: res("250m", "512Mi", "1", "1Gi"),
            gateway: res("100m", "128Mi", "1", "512Mi"),
            sidecar: res("50m", "64Mi", "1", "512Mi"),
            cni: res("50m", "64Mi", "200m", "256Mi"),
            ztunnel: res("100m", "128Mi", "1", "512Mi"),
        },
        observability: {
            anonymousAccess: false,
            tailSampling: { slowTraceMs: 1000, baselinePercent: 20 },
            replicas: { grafana: 2, collector: 2, alertmanager: 2, loki: 3 },
            volumes: { prometheus: "20Gi", alertmanager: "1Gi", loki: "20Gi", jaeger: "20Gi" },
            jaegerMaxTraces: 50000,
            alerts: { p99LatencyMs: 1500, errorRatio: 0.05, droppedSpansPerSecond: 1, for: "10m" },
            sizing: {
                prometheus: res("500m", "2Gi", "2", "4Gi"),
                alertmanager: res("20m", "64Mi", "200m", "256Mi"),
                configReloader: res("10m", "32Mi", "100m", "64Mi"),
                operator: res("100m", "128Mi", "500m", "512Mi"),
                webhookJob: res("10m", "32Mi", "100m", "64Mi"),
                kubeStateMetrics: res("20m", "64Mi", "200m", "256Mi"),
                nodeExporter: res("20m", "32Mi", "200m", "128Mi"),
                grafana: res("200m", "256Mi", "1", "1Gi"),
                grafanaSidecar: res("20m", "64Mi", "200m", "256Mi"),
                loki: res("250m", "512Mi", "2", "2Gi"),
                alloy: res("100m", "128Mi", "1", "512Mi"),
                alloyReloader: res("10m", "32Mi", "100m", "64Mi"),
                collector: res("100m", "256Mi", "1", "1Gi"),
                sampler: res("200m", "512Mi", "1", "1Gi"),
                jaeger: res("250m", "512Mi", "1", "2Gi"),
                kiali: res("50m", "128Mi", "1", "1Gi"),
            },
        },
        helmTimeoutSeconds: 900,
        atomicReleases: true,
    },
    prod: {
        defaults: {
            ...commonDefaults,
            "cluster.protect": true,
            "aks.systemNodeCount": 3,
            "aks.userMinCount": 3,
            "aks.userMaxCount": 10,
            "eks.availabilityZones": 3,
            "eks.nodeMinSize": 3,
            "eks.nodeMaxSize": 10,
            "mesh.egressGateway": true,
            "mesh.outboundTrafficPolicy": "REGISTRY_ONLY",
            "mesh.istiodReplicas": 2,
            "mesh.istiodMaxReplicas": 5,
            "mesh.gatewayReplicas": 2,
            "mesh.gatewayMaxReplicas": 5,
            "observability.retention": "15d",
            "observability.persistence": true,
            "observability.lokiStorage": "s3",
            "observability.jaegerStorage": "badger",
            "mesh.mtlsMode": "STRICT",
            "mesh.samplingPercentage": 1,
            "mesh.defaultDeny": true,
            "mesh.faultInjection": false,
        },
        sizing: {
            istiod: res("500m", "2Gi", "2", "4Gi"),
            gateway: res("250m", "256Mi", "2", "1Gi"),
            sidecar: res("100m", "128Mi", "2", "1Gi"),
            cni: res("100m", "100Mi", "500m", "512Mi"),
            ztunnel: res("200m", "512Mi", "2", "1Gi"),
        },
        observability: {
            anonymousAccess: false,
            tailSampling: { slowTraceMs: 500, baselinePercent: 5 },
            replicas: { grafana: 2, collector: 2, alertmanager: 2, loki: 3 },
            volumes: { prometheus: "100Gi", alertmanager: "2Gi", loki: "50Gi", jaeger: "100Gi" },
            jaegerMaxTraces: 100000,
            alerts: { p99LatencyMs: 1000, errorRatio: 0.05, droppedSpansPerSecond: 0, for: "5m" },
            sizing: {
                prometheus: res("1", "4Gi", "2", "8Gi"),
                alertmanager: res("50m", "128Mi", "200m", "256Mi"),
                configReloader: res("20m", "32Mi", "100m", "64Mi"),
                operator: res("100m", "128Mi", "500m", "512Mi"),
                webhookJob: res("10m", "32Mi", "100m", "64Mi"),
                kubeStateMetrics: res("50m", "128Mi", "200m", "256Mi"),
                nodeExporter: res("50m", "64Mi", "200m", "128Mi"),
                grafana: res("250m", "512Mi", "1", "1Gi"),
                grafanaSidecar: res("50m", "64Mi", "200m", "256Mi"),
                loki: res("500m", "1Gi", "2", "4Gi"),
                alloy: res("100m", "256Mi", "1", "512Mi"),
                alloyReloader: res("10m", "32Mi", "100m", "64Mi"),
                collector: res("200m", "512Mi", "1", "1Gi"),
                sampler: res("500m", "1Gi", "2", "2Gi"),
                jaeger: res("500m", "1Gi", "2", "4Gi"),
                kiali: res("100m", "256Mi", "1", "1Gi"),
            },
        },
        helmTimeoutSeconds: 1200,
        atomicReleases: true,
    },
};
