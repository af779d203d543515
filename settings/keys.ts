/**
 * The table of every `meshstack:` stack setting: its type, its bounds and what it means.
 * Pulumi.yaml declares the same keys (a test keeps the two in step); environment defaults live in presets.ts.
 */

import { DEFAULT_KUBERNETES_VERSION, ISTIO_VERSION, ISTIO_VERSIONS } from "../versions";

/** A RegExp, or any check with the same shape. */
export interface Matcher {
    test(value: string): boolean;
}

export type KeyType = "string" | "integer" | "boolean" | "string[]" | "object";

export interface KeySpec {
    readonly key: string;
    readonly type: KeyType;
    readonly description: string;
    /** Allowed values of a string setting. */
    readonly oneOf?: readonly string[];
    readonly min?: number;
    readonly max?: number;
    /** A string (or each element of a list) must match; `hint` says what a valid value looks like. */
    readonly pattern?: { readonly re: Matcher; readonly hint: string };
    /** Must be set with `pulumi config set --secret`. */
    readonly secret?: boolean;
    /** Only meaningful for this cluster kind; setting it for another kind is an error. */
    readonly clusterKind?: ClusterKind;
    /** The default where no preset holds one (derived or required). */
    readonly defaultText?: string;
}

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Env = (typeof ENVIRONMENTS)[number];
export const CLUSTER_KINDS = ["kind", "existing", "aks", "eks"] as const;
export type ClusterKind = (typeof CLUSTER_KINDS)[number];
export const MESH_MODES = ["sidecar", "ambient"] as const;
export type MeshMode = (typeof MESH_MODES)[number];
export const OUTBOUND_POLICIES = ["ALLOW_ANY", "REGISTRY_ONLY"] as const;
export type OutboundPolicy = (typeof OUTBOUND_POLICIES)[number];

const octet = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** A /16-/24 IPv4 network: octets 0-255 and, by the prefix, zeros where the host part is (checked by cidrAligned). */
const IPV4_NETWORK_16_24: Matcher = {
    test: (value) => new RegExp(`^(${octet}\\.){3}${octet}\\/(1[6-9]|2[0-4])$`).test(value) && cidrAligned(value),
};

/** True when the address has no bits set beyond the prefix, e.g. 10.0.0.0/16 but not 10.0.0.1/16. */
export function cidrAligned(cidr: string): boolean {
    const [address, bits] = cidr.split("/");
    const value = address.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    return value % 2 ** (32 - Number(bits)) === 0;
}

const kubernetesMinor = { re: /^1\.\d{2}$/, hint: "a Kubernetes minor version such as 1.34" };
const dnsName = { re: /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/, hint: "lowercase letters, digits and '-', at most 40 characters, starting with a letter" };

export const clusterKeys: readonly KeySpec[] = [
    { key: "environment", type: "string", oneOf: ENVIRONMENTS, description: "Environment preset the stack starts from.", defaultText: "the stack name when it is dev, staging or prod" },
    { key: "cluster.kind", type: "string", oneOf: CLUSTER_KINDS, description: "Where the mesh runs.", defaultText: "kind for dev; required for staging and prod" },
    { key: "cluster.name", type: "string", pattern: dnsName, description: "Cluster name.", defaultText: "meshstack-<stack>" },
    { key: "cluster.protect", type: "boolean", description: "Protect the cluster from `pulumi destroy`." },
    { key: "cluster.kubernetesVersion", type: "string", pattern: kubernetesMinor, description: "Kubernetes minor version of an AKS or EKS cluster.", defaultText: `${DEFAULT_KUBERNETES_VERSION} (pinned in versions.ts)` },
    { key: "kind.httpPort", type: "integer", min: 1024, max: 65535, clusterKind: "kind", description: "Laptop port mapped to the ingress gateway's HTTP node port." },
    { key: "kind.httpsPort", type: "integer", min: 1024, max: 65535, clusterKind: "kind", description: "Laptop port mapped to the ingress gateway's HTTPS node port." },
    { key: "kind.workers", type: "integer", min: 0, max: 4, clusterKind: "kind", description: "Worker nodes beside the control-plane node." },
    { key: "existing.kubeconfig", type: "string", secret: true, clusterKind: "existing", description: "Kubeconfig content of an existing cluster (secret).", defaultText: "unset; one of existing.kubeconfig or existing.kubeconfigPath is required" },
    { key: "existing.kubeconfigPath", type: "string", clusterKind: "existing", description: "Path to a kubeconfig file of an existing cluster.", defaultText: "unset" },
    { key: "existing.context", type: "string", clusterKind: "existing", description: "Kubeconfig context to use.", defaultText: "the kubeconfig's current context" },
    { key: "existing.loadBalancer", type: "boolean", clusterKind: "existing", description: "Whether LoadBalancer services get an address on the existing cluster (false: NodePort gateway and port-forward commands)." },
    { key: "aks.location", type: "string", pattern: { re: /^[a-z][a-z0-9]+$/, hint: "an Azure region name such as westeurope" }, clusterKind: "aks", description: "Azure region.", defaultText: "required for aks" },
    { key: "aks.resourceGroupName", type: "string", pattern: { re: /^[-\w.()]{1,90}$/, hint: "1-90 letters, digits, '-', '_', '.', '(' or ')'" }, clusterKind: "aks", description: "Resource group created for the cluster.", defaultText: "<cluster.name>-rg" },
    { key: "aks.systemVmSize", type: "string", clusterKind: "aks", description: "VM size of the system node pool." },
    { key: "aks.systemNodeCount", type: "integer", min: 1, max: 10, clusterKind: "aks", description: "Nodes in the system pool." },
    { key: "aks.userVmSize", type: "string", clusterKind: "aks", description: "VM size of the autoscaled user node pool." },
    { key: "aks.userMinCount", type: "integer", min: 1, max: 100, clusterKind: "aks", description: "Lower autoscaling bound of the user pool." },
    { key: "aks.userMaxCount", type: "integer", min: 1, max: 100, clusterKind: "aks", description: "Upper autoscaling bound of the user pool." },
    { key: "eks.region", type: "string", pattern: { re: /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, hint: "an AWS region such as eu-west-1" }, clusterKind: "eks", description: "AWS region.", defaultText: "required for eks" },
    { key: "eks.subnetIds", type: "string[]", pattern: { re: /^subnet-[0-9a-f]{8,17}$/, hint: "a subnet id such as subnet-0123456789abcdef0" }, clusterKind: "eks", description: "Existing subnets (at least two, in different AZs) instead of a new VPC.", defaultText: "a new VPC" },
    { key: "eks.vpcCidr", type: "string", pattern: { re: IPV4_NETWORK_16_24, hint: "an IPv4 network from /16 to /24 with its host bits zero, such as 10.0.0.0/16" }, clusterKind: "eks", description: "CIDR of the VPC created when no subnet ids are given." },
    { key: "eks.availabilityZones", type: "integer", min: 2, max: 3, clusterKind: "eks", description: "Availability zones the new VPC spans." },
    { key: "eks.adminPrincipals", type: "string[]", pattern: { re: /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/, hint: "an IAM role or user ARN such as arn:aws:iam::123456789012:role/platform-admin" }, clusterKind: "eks", description: "IAM principals granted cluster admin through EKS access entries.", defaultText: "none" },
    { key: "eks.instanceTypes", type: "string[]", pattern: { re: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, hint: "an EC2 instance type such as m6i.large" }, clusterKind: "eks", description: "Instance types of the managed node group." },
    { key: "eks.nodeMinSize", type: "integer", min: 1, max: 100, clusterKind: "eks", description: "Lower scaling bound of the node group." },
    { key: "eks.nodeMaxSize", type: "integer", min: 1, max: 100, clusterKind: "eks", description: "Upper scaling bound of the node group." },
];

export const meshKeys: readonly KeySpec[] = [
    { key: "mesh.mode", type: "string", oneOf: MESH_MODES, description: "Istio data plane: sidecar proxies or ambient (ztunnel + waypoints)." },
    { key: "mesh.egressGateway", type: "boolean", description: "Install an egress gateway (sidecar mode; ambient mode installs none)." },
    { key: "mesh.outboundTrafficPolicy", type: "string", oneOf: OUTBOUND_POLICIES, description: "Mesh outbound traffic policy." },
    { key: "mesh.istiodReplicas", type: "integer", min: 1, max: 10, description: "Minimum istiod replicas." },
    { key: "mesh.istiodMaxReplicas", type: "integer", min: 1, max: 20, description: "Maximum istiod replicas under the HPA." },
    { key: "mesh.gatewayReplicas", type: "integer", min: 1, max: 20, description: "Minimum ingress/egress gateway replicas." },
    { key: "mesh.gatewayMaxReplicas", type: "integer", min: 1, max: 50, description: "Maximum gateway replicas under the HPA." },
    { key: "mesh.version", type: "string", oneOf: ISTIO_VERSIONS, description: "Istio version of the stable control plane (revision tags stable and default), the gateways and, in ambient mode, istio-cni and ztunnel.", defaultText: `${ISTIO_VERSION} (pinned in versions.ts)` },
    { key: "mesh.canaryVersion", type: "string", oneOf: ISTIO_VERSIONS, description: "A second Istio version installed beside the stable one (revision tag canary) for namespaces with revision: canary; sidecar mode only (see the upgrade runbook in README.md).", defaultText: "unset: one control plane" },
];
