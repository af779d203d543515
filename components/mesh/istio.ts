import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../settings";
import { charts, gatewayApiCrdsUrl } from "../../versions";
import { Cluster } from "../cluster";
import { namespace, pinnedRelease } from "../helm";
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

/**
 * Istio through its Helm charts, in the order Istio requires: base (CRDs) -> istiod -> gateways,
 * and in ambient mode istiod -> cni -> ztunnel, with the Gateway API CRDs waypoints need.
 */
export class IstioMesh extends pulumi.ComponentResource {
    readonly rootNamespace = ISTIO_NAMESPACE;
    readonly base: k8s.helm.v3.Release;
    readonly istiod: k8s.helm.v3.Release;
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

        const systemNs = namespace(`${name}-ns-system`, ISTIO_NAMESPACE, {}, child);
        this.base = pinnedRelease(`${name}-base`, {
            releaseName: releaseNames.base, pin: charts.istioBase, namespace: systemNs.metadata.name, preset,
            values: { defaultRevision: "default" },
        }, { ...child, dependsOn: [systemNs] });

        const istiodDeps: pulumi.Resource[] = [this.base];
        if (ambient) {
            istiodDeps.push(new k8s.yaml.v2.ConfigFile(`${name}-gateway-api-crds`, { file: gatewayApiCrdsUrl }, child));
        }
        this.istiod = pinnedRelease(`${name}-istiod`, {
            releaseName: releaseNames.istiod, pin: charts.istiod, namespace: systemNs.metadata.name, preset,
            values: istiodValues(mesh, preset, charts.istiod.version, args.tracing),
        }, { ...child, dependsOn: istiodDeps });

        if (ambient) {
            this.cni = pinnedRelease(`${name}-cni`, {
                releaseName: releaseNames.cni, pin: charts.istioCni, namespace: systemNs.metadata.name, preset,
                values: cniValues(preset, charts.istioCni.version),
            }, { ...child, dependsOn: [this.istiod] });
            this.ztunnel = pinnedRelease(`${name}-ztunnel`, {
                releaseName: releaseNames.ztunnel, pin: charts.ztunnel, namespace: systemNs.metadata.name, preset,
                values: ztunnelValues(preset, charts.ztunnel.version),
            }, { ...child, dependsOn: [this.cni] });
        }

        // Gateway pods are filled in by istiod's injector, so they wait for istiod only (not for cni/ztunnel).
        this.ingress = this.gateway(name, "ingress", INGRESS_NAMESPACE, releaseNames.ingressGateway, args, child);
        if (mesh.egressGateway) {
            this.egress = this.gateway(name, "egress", EGRESS_NAMESPACE, releaseNames.egressGateway, args, child);
        }
        this.registerOutputs({});
    }

    private gateway(name: string, kind: "ingress" | "egress", ns: string, releaseName: string, args: IstioMeshArgs, child: pulumi.CustomResourceOptions): GatewayInfo {
        const gatewayNs = namespace(`${name}-ns-${kind}`, ns, {}, child);
        const release = pinnedRelease(`${name}-${kind}-gateway`, {
            releaseName, pin: charts.istioGateway, namespace: gatewayNs.metadata.name, preset: args.settings.preset,
            values: gatewayValues(kind, args.settings.mesh, args.settings.preset, args.cluster),
        }, { ...child, dependsOn: [gatewayNs, this.istiod] });
        return { namespace: ns, releaseName, selector: gatewaySelector(releaseName), release };
    }
}
