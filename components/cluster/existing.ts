import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { ExistingClusterSettings, expandHome } from "../../settings/cluster";
import { Cluster } from "./contract";

export interface ExistingClusterArgs {
    readonly clusterName: string;
    readonly settings: ExistingClusterSettings;
}

/** Adopts a cluster someone else runs, from a kubeconfig (content or path) and an optional context. */
export class ExistingCluster extends pulumi.ComponentResource implements Cluster {
    readonly name: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    readonly kubeconfig: pulumi.Output<string>;
    readonly loadBalancer: boolean;

    constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshstack:cluster:ExistingCluster", name, {}, opts);
        this.kubeconfig = args.settings.kubeconfig ?? pulumi.secret(readKubeconfig(args.settings.kubeconfigPath ?? ""));
        this.name = pulumi.output(args.clusterName);
        this.loadBalancer = args.settings.loadBalancer;
        this.provider = new k8s.Provider(`${name}-provider`, {
            kubeconfig: this.kubeconfig,
            context: args.settings.context,
        }, { parent: this });
        this.registerOutputs({ name: this.name, kubeconfig: this.kubeconfig });
    }
}

/** The settings checked that the file exists before any resource was created. */
function readKubeconfig(path: string): pulumi.Output<string> {
    return pulumi.output(fs.readFileSync(expandHome(path), "utf8"));
}
