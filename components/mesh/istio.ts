import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../settings";
import { RevisionTag } from "../../settings/services";
import { gatewayApiCrdsUrl, istioCharts } from "../../versions";
import { Cluster } from "../cluster";
import { namespace, pinnedRelease } from "../helm";
import { ControlPlane, controlPlanes, crdVersion, revisionTagWebhook } from "./revisions";
import {
    cniValues, EGRESS_NAMESPACE, gatewaySelector, gatewayValues, INGRESS_NAMESPACE, ISTIO_NAMESPACE, istiodValues,
    releaseNames, TracingProvider, ztunnelValues,
} from "./values";

export interface IstioMeshArgs {
    readonly settings: Settings;
    readonly cluster: Cluster;
    /** Set once an OpenTelemetry collector exists to receive the mesh's spans. */
    readonly tracing?: TracingProvider;
}

export interface GatewayInfo {
    readonly namespace: string;
    readonly releaseName: string;
    /** Pods of the gateway carry `istio: <selector>`; Istio Gateway objects select them by it. */
    readonly selector: string;
    readonly release: k8s.helm.v3.Release;
}

export interface ControlPlaneInfo {
    readonly plane: ControlPlane;
    readonly release: k8s.helm.v3.Release;
}

/**
 * Istio through its Helm charts, in the order Istio requires: base (CRDs, at the newest version in use) -> one
 * istiod release per revision -> its revision tags -> gateways (following the stable tag), and in ambient mode
 * istiod -> cni -> ztunnel, with the Gateway API CRDs waypoints need.
 */
export class IstioMesh extends pulumi.ComponentResource {
    readonly rootNamespace = ISTIO_NAMESPACE;
    readonly base: k8s.helm.v3.Release;
    /** The stable control plane's release. */
    readonly istiod: k8s.helm.v3.Release;
    readonly controlPlanes: readonly ControlPlaneInfo[];
    /** Revision tag -> its webhook configuration; namespaces following a tag wait for it. */
    readonly tagWebhooks: ReadonlyMap<string, k8s.admissionregistration.v1.MutatingWebhookConfiguration>;
    readonly cni?: k8s.helm.v3.Release;
    readonly ztunnel?: k8s.helm.v3.Release;
    readonly ingress: GatewayInfo;
    readonly egress?: GatewayInfo;

    constructor(name: string, args: IstioMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshstack:mesh:IstioMesh", name, {}, opts);
        const { settings, cluster } = args;
        const mesh = settings.mesh;
        const preset = settings.preset;
        const child = { parent: this, provider: cluster.provider };
        const ambient = mesh.mode === "ambient";
        const planes = controlPlanes(mesh);
        const stable = planes[0];

        const systemNs = namespace(`${name}-ns-system`, ISTIO_NAMESPACE, {}, child);
        // The default validating webhook (istiod-default-validator) follows the stable revision.
        this.base = pinnedRelease(`${name}-base`, {
            releaseName: releaseNames.base, pin: istioCharts(crdVersion(mesh)).base, namespace: systemNs.metadata.name, preset,
            values: { defaultRevision: stable.revision },
        }, { ...child, dependsOn: [systemNs] });

        const istiodDeps: pulumi.Resource[] = [this.base];
        if (ambient) {
            istiodDeps.push(new k8s.yaml.v2.ConfigFile(`${name}-gateway-api-crds`, { file: gatewayApiCrdsUrl }, child));
        }
        this.controlPlanes = planes.map((plane) => ({
            plane,
            release: pinnedRelease(`${name}-istiod-${plane.revision}`, {
                releaseName: plane.releaseName, pin: istioCharts(plane.version).istiod, namespace: systemNs.metadata.name, preset,
                values: istiodValues(mesh, preset, plane, args.tracing),
            }, { ...child, dependsOn: istiodDeps }),
        }));
        this.istiod = this.controlPlanes[0].release;

        // Keyed by tag, not by revision: moving a tag updates its webhook in place.
        this.tagWebhooks = new Map(this.controlPlanes.flatMap(({ plane, release }) => plane.tags.map((tag) => [tag,
            new k8s.admissionregistration.v1.MutatingWebhookConfiguration(`${name}-tag-${tag}`, revisionTagWebhook(tag, plane), { ...child, dependsOn: [release] }),
        ] as const)));

        if (ambient) {
            this.cni = pinnedRelease(`${name}-cni`, {
                releaseName: releaseNames.cni, pin: istioCharts(stable.version).cni, namespace: systemNs.metadata.name, preset,
                values: cniValues(preset, stable),
            }, { ...child, dependsOn: [this.istiod] });
            this.ztunnel = pinnedRelease(`${name}-ztunnel`, {
                releaseName: releaseNames.ztunnel, pin: istioCharts(stable.version).ztunnel, namespace: systemNs.metadata.name, preset,
                values: ztunnelValues(preset, stable),
            }, { ...child, dependsOn: [this.cni] });
        }

        // Gateway pods are filled in by the stable tag's injector, so they wait for it only (not for cni/ztunnel).
        this.ingress = this.gateway(name, "ingress", INGRESS_NAMESPACE, releaseNames.ingressGateway, args, stable, child);
        if (mesh.egressGateway) {
            this.egress = this.gateway(name, "egress", EGRESS_NAMESPACE, releaseNames.egressGateway, args, stable, child);
        }
        this.registerOutputs({});
    }

    /** What a namespace following `tag` must wait for before its label takes effect. */
    tagWebhook(tag: RevisionTag): pulumi.Resource {
        return this.tagWebhooks.get(tag) ?? this.istiod;
    }

    private gateway(name: string, kind: "ingress" | "egress", ns: string, releaseName: string, args: IstioMeshArgs, stable: ControlPlane, child: pulumi.CustomResourceOptions): GatewayInfo {
        const gatewayNs = namespace(`${name}-ns-${kind}`, ns, {}, child);
        const release = pinnedRelease(`${name}-${kind}-gateway`, {
            releaseName, pin: istioCharts(stable.version).gateway, namespace: gatewayNs.metadata.name, preset: args.settings.preset,
            values: gatewayValues(kind, args.settings.mesh, args.settings.preset, args.cluster, stable),
        }, { ...child, dependsOn: [gatewayNs, this.istiod, this.tagWebhook("stable")] });
        return { namespace: ns, releaseName, selector: gatewaySelector(releaseName), release };
    }
}
