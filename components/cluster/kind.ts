import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { KIND_NODE_IMAGE } from "../../versions";
import { KindClusterSettings } from "../../settings/cluster";
import { Cluster, INGRESS_NODE_PORTS } from "./contract";

export interface KindClusterArgs {
    readonly clusterName: string;
    readonly settings: KindClusterSettings;
    readonly protect: boolean;
}

/** The kind cluster config: pinned node image, and the gateway's node ports mapped to laptop ports. */
export function kindConfig(args: KindClusterArgs): object {
    const controlPlane = {
        role: "control-plane",
        image: KIND_NODE_IMAGE,
        // The ingress gateway is a NodePort service on kind; these mappings make it reachable from the laptop.
        extraPortMappings: [
            { containerPort: INGRESS_NODE_PORTS.http, hostPort: args.settings.httpPort, listenAddress: "127.0.0.1", protocol: "TCP" },
            { containerPort: INGRESS_NODE_PORTS.https, hostPort: args.settings.httpsPort, listenAddress: "127.0.0.1", protocol: "TCP" },
        ],
    };
    const workers = Array.from({ length: args.settings.workers }, () => ({ role: "worker", image: KIND_NODE_IMAGE }));
    return {
        kind: "Cluster",
        apiVersion: "kind.x-k8s.io/v1alpha4",
        name: args.clusterName,
        nodes: [controlPlane, ...workers],
    };
}

/** A local kind cluster, created and deleted with the kind CLI. */
export class KindCluster extends pulumi.ComponentResource implements Cluster {
    readonly name: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    readonly kubeconfig: pulumi.Output<string>;
    readonly loadBalancer = false;
    readonly localIngress: { readonly httpPort: number; readonly httpsPort: number };

    constructor(name: string, args: KindClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshstack:cluster:KindCluster", name, {}, opts);
        const config = stringify(kindConfig(args));
        // The config travels in an environment variable so it needs no file in the repo; the temp file
        // is removed whatever kind's exit code.
        const create = new command.local.Command(`${name}-create`, {
            create: `cfg=$(mktemp) && printf '%s' "$KIND_CONFIG" > "$cfg" && kind create cluster --name "$KIND_CLUSTER" --config "$cfg" --wait 120s; rc=$?; rm -f "$cfg"; exit $rc`,
            delete: `kind delete cluster --name "$KIND_CLUSTER"`,
            environment: { KIND_CONFIG: config, KIND_CLUSTER: args.clusterName },
            triggers: [config],
            // kind cluster names are unique: a changed config must delete the old cluster before creating the new one.
        }, { parent: this, protect: args.protect, deleteBeforeReplace: true });
        const read = new command.local.Command(`${name}-kubeconfig`, {
            create: `kind get kubeconfig --name "$KIND_CLUSTER"`,
            environment: { KIND_CLUSTER: args.clusterName },
            triggers: [create.id],
        }, { parent: this, dependsOn: [create], additionalSecretOutputs: ["stdout"] });
        this.name = create.id.apply(() => args.clusterName);
        this.kubeconfig = pulumi.secret(read.stdout);
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig }, { parent: this });
        this.localIngress = { httpPort: args.settings.httpPort, httpsPort: args.settings.httpsPort };
        this.registerOutputs({ name: this.name, kubeconfig: this.kubeconfig });
    }
}
