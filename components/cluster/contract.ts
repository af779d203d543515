import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Node ports the ingress gateway listens on when the cluster has no load balancer. */
export const INGRESS_NODE_PORTS = { http: 30080, https: 30443 } as const;

/**
 * What every cluster kind hands the rest of the program. Downstream code reads capabilities
 * from here and never asks which cloud it is on.
 */
export interface Cluster {
    readonly name: pulumi.Output<string>;
    /** Every Kubernetes resource and Helm release is created through this provider. */
    readonly provider: k8s.Provider;
    /** Secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** Whether a LoadBalancer Service gets an external address here. */
    readonly loadBalancer: boolean;
    /**
     * Where there is no load balancer: the laptop ports that reach the ingress gateway's node ports.
     */
    readonly localIngress?: { readonly httpPort: number; readonly httpsPort: number };
}
