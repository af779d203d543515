import { ClusterSettings, Settings } from "../../settings";
import { AksCluster } from "./aks";
import { Cluster } from "./contract";
import { EksCluster } from "./eks";
import { ExistingCluster } from "./existing";
import { KindCluster } from "./kind";

export type { Cluster } from "./contract";
export { INGRESS_NODE_PORTS } from "./contract";

/** The one place that looks at cluster.kind: everything after it sees only the Cluster contract. */
export function createCluster(name: string, settings: Settings): Cluster {
    const c = settings.cluster;
    switch (c.kind) {
        case "kind":
            return new KindCluster(name, { clusterName: c.name, settings: c.kindCluster, protect: c.protect });
        case "existing":
            return new ExistingCluster(name, { clusterName: c.name, settings: c.existing });
        case "aks":
            return new AksCluster(name, { clusterName: c.name, kubernetesVersion: c.kubernetesVersion, settings: c.aks, protect: c.protect });
        case "eks":
            return new EksCluster(name, {
                clusterName: c.name,
                kubernetesVersion: c.kubernetesVersion,
                settings: c.eks,
                protect: c.protect,
                natPerZone: settings.environment === "prod",
            });
    }
}

/**
 * The kubeconfig context kubectl needs for this stack's cluster: kind names it `kind-<cluster>`, meshstack's
 * EKS kubeconfig and AKS's user credentials name it after the cluster; an existing cluster's is the configured
 * one (undefined: the kubeconfig's current context).
 */
export function kubeContext(c: ClusterSettings): string | undefined {
    switch (c.kind) {
        case "kind":
            return `kind-${c.name}`;
        case "existing":
            return c.existing.context;
        case "aks":
        case "eks":
            return c.name;
    }
}
