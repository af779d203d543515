import { ClusterKind, Env, MeshMode, OutboundPolicy } from "./keys";
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
        helmTimeoutSeconds: 1200,
        atomicReleases: true,
    },
};
