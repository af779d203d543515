import { ClusterSettings, Settings } from "../../settings";
import { Cluster } from "./contract";

export type { Cluster } from "./contract";
export { INGRESS_NODE_PORTS } from "./contract";

/**
 * The one place that looks at cluster.kind: everything after it sees only the Cluster contract.
 * Each kind's module is loaded only when chosen: the AWS and Azure SDKs each take seconds to load.
 */
export function createCluster(name: string, settings: Settings): Cluster {
    const c = settings.cluster;
    switch (c.kind) {
        case "kind": {
            const { KindCluster } = require("./kind") as typeof import("./kind");
            return new KindCluster(name, { clusterName: c.name, settings: c.kindCluster, protect: c.protect });
        }
        case "existing": {
            const { ExistingCluster } = require("./existing") as typeof import("./existing");
            return new ExistingCluster(name, { clusterName: c.name, settings: c.existing });
        }
        case "aks": {
            const { AksCluster } = require("./aks") as typeof import("./aks");
            return new AksCluster(name, { clusterName: c.name, kubernetesVersion: c.kubernetesVersion, settings: c.aks, protect: c.protect });
        }
        case "eks": {
            const { EksCluster } = require("./eks") as typeof import("./eks");
            return new EksCluster(name, {
                clusterName: c.name,
                kubernetesVersion: c.kubernetesVersion,
                settings: c.eks,
                protect: c.protect,
                natPerZone: settings.environment === "prod",
            });
        }
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
