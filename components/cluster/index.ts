import { Settings } from "../../settings";
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
