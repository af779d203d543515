import { ISTIO_VERSION } from "../versions";
import { keyName, shown } from "./errors";
import { MeshMode, OutboundPolicy } from "./keys";
import { Values } from "./values";

export interface MeshSettings {
    readonly mode: MeshMode;
    readonly egressGateway: boolean;
    readonly outboundTrafficPolicy: OutboundPolicy;
    readonly istiodReplicas: number;
    readonly istiodMaxReplicas: number;
    readonly gatewayReplicas: number;
    readonly gatewayMaxReplicas: number;
    /** Istio version of the stable control plane; default ISTIO_VERSION. */
    readonly version: string;
    /** Istio version of the canary control plane, when one runs beside the stable one. */
    readonly canaryVersion?: string;
}

export function buildMesh(v: Values): MeshSettings {
    v.requireOrdered("mesh.istiodReplicas", "mesh.istiodMaxReplicas");
    v.requireOrdered("mesh.gatewayReplicas", "mesh.gatewayMaxReplicas");
    const mode = v.must<MeshMode>("mesh.mode");
    const version = v.get<string>("mesh.version") ?? ISTIO_VERSION;
    let canaryVersion = v.get<string>("mesh.canaryVersion");
    if (canaryVersion !== undefined && canaryVersion === version) {
        v.problems.push(`${keyName("mesh.canaryVersion")} ${shown(canaryVersion)} is the stable version (${keyName("mesh.version")}); `
            + "a canary runs a different version: set another one, or remove mesh.canaryVersion to finish a promotion");
        canaryVersion = undefined;
    } else if (canaryVersion !== undefined && mode === "ambient") {
        v.problems.push(`${keyName("mesh.canaryVersion")} is not supported in ambient mode: ztunnel and istio-cni run one version per node `
            + "and are upgraded in place (Istio's ambient upgrade guide), so no namespace can run a canary data plane; "
            + `remove mesh.canaryVersion and upgrade by setting ${keyName("mesh.version")} (each node's ztunnel restarts once)`);
        canaryVersion = undefined;
    }
    // Ambient workloads leave through ztunnel: nothing would route through an egress gateway, so none is installed.
    if (mode === "ambient" && v.isSet("mesh.egressGateway") && v.must<boolean>("mesh.egressGateway")) {
        v.problems.push(`${keyName("mesh.egressGateway")} true is not supported with ${keyName("mesh.mode")} "ambient": ambient traffic leaves through ztunnel and nothing routes through an egress gateway; remove mesh.egressGateway (or set it to false)`);
    }
    return {
        mode,
        egressGateway: mode === "sidecar" && v.must<boolean>("mesh.egressGateway"),
        outboundTrafficPolicy: v.must("mesh.outboundTrafficPolicy"),
        istiodReplicas: v.must("mesh.istiodReplicas"),
        istiodMaxReplicas: v.must("mesh.istiodMaxReplicas"),
        gatewayReplicas: v.must("mesh.gatewayReplicas"),
        gatewayMaxReplicas: v.must("mesh.gatewayMaxReplicas"),
        version,
        ...(canaryVersion === undefined ? {} : { canaryVersion }),
    };
}
