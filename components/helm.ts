import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Preset } from "../settings";
import { ChartPin } from "../versions";

export interface PinnedReleaseArgs {
    /** Helm release name: explicit, so service names and selector labels never get a random suffix. */
    readonly releaseName: string;
    readonly pin: ChartPin;
    readonly namespace: pulumi.Input<string>;
    readonly values: pulumi.Inputs;
    /** Timeouts and rollback behaviour follow the environment. */
    readonly preset: Preset;
}

/** A Helm release of a pinned chart version from its https repository. */
export function pinnedRelease(name: string, args: PinnedReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(name, {
        name: args.releaseName,
        chart: args.pin.chart,
        version: args.pin.version,
        repositoryOpts: { repo: args.pin.repo },
        namespace: args.namespace,
        createNamespace: false,
        values: args.values,
        timeout: args.preset.helmTimeoutSeconds,
        atomic: args.preset.atomicReleases,
        cleanupOnFail: args.preset.atomicReleases,
        maxHistory: 10,
    }, opts);
}

/** A namespace with explicit labels, on the cluster's provider. */
export function namespace(name: string, nsName: string, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(name, { metadata: { name: nsName, labels } }, opts);
}
