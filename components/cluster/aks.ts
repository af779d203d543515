import * as containerservice from "@pulumi/azure-native/containerservice";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AksSettings } from "../../settings/cluster";
import { Cluster } from "./contract";

export interface AksClusterArgs {
    readonly clusterName: string;
    readonly kubernetesVersion: string;
    readonly settings: AksSettings;
    readonly protect: boolean;
}

/**
 * An AKS cluster: a system pool tainted for critical add-ons, an autoscaled user pool for workloads,
 * OIDC issuer + workload identity, and Azure CNI overlay with the Cilium dataplane.
 */
export class AksCluster extends pulumi.ComponentResource implements Cluster {
    readonly name: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    readonly kubeconfig: pulumi.Output<string>;
    readonly loadBalancer = true;
    readonly managedCluster: containerservice.ManagedCluster;

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshstack:cluster:AksCluster", name, {}, opts);
        const s = args.settings;
        const group = new resources.ResourceGroup(`${name}-rg`, {
            resourceGroupName: s.resourceGroupName,
            location: s.location,
        }, { parent: this, protect: args.protect });

        this.managedCluster = new containerservice.ManagedCluster(`${name}-aks`, {
            resourceName: args.clusterName,
            resourceGroupName: group.name,
            location: s.location,
            dnsPrefix: args.clusterName,
            kubernetesVersion: args.kubernetesVersion,
            identity: { type: "SystemAssigned" },
            agentPoolProfiles: [
                {
                    name: "system",
                    mode: "System",
                    vmSize: s.systemVmSize,
                    count: s.systemNodeCount,
                    osType: "Linux",
                    type: "VirtualMachineScaleSets",
                    orchestratorVersion: args.kubernetesVersion,
                    // Keep workloads (and their sidecars) off the system pool.
                    nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
                },
                {
                    name: "user",
                    mode: "User",
                    vmSize: s.userVmSize,
                    count: s.userMinCount,
                    enableAutoScaling: true,
                    minCount: s.userMinCount,
                    maxCount: s.userMaxCount,
                    osType: "Linux",
                    type: "VirtualMachineScaleSets",
                    orchestratorVersion: args.kubernetesVersion,
                },
            ],
            oidcIssuerProfile: { enabled: true },
            securityProfile: { workloadIdentity: { enabled: true } },
            networkProfile: {
                networkPlugin: "azure",
                networkPluginMode: "overlay",
                networkDataplane: "cilium",
                networkPolicy: "cilium",
                podCidr: "192.168.0.0/16",
                loadBalancerSku: "standard",
            },
        }, { parent: this, protect: args.protect });

        const credentials = containerservice.listManagedClusterUserCredentialsOutput({
            resourceGroupName: group.name,
            resourceName: this.managedCluster.name,
        }, { parent: this });
        this.kubeconfig = pulumi.secret(credentials.kubeconfigs.apply((configs) => {
            const encoded = configs?.[0]?.value;
            if (!encoded) {
                throw new Error(`AKS returned no user kubeconfig for cluster ${args.clusterName}`);
            }
            return Buffer.from(encoded, "base64").toString("utf8");
        }));
        this.name = this.managedCluster.name;
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig }, { parent: this });
        this.registerOutputs({ name: this.name, kubeconfig: this.kubeconfig });
    }
}
