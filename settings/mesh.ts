import { keyName } from "./errors";
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
}

export function buildMesh(v: Values): MeshSettings {
    v.requireOrdered("mesh.istiodReplicas", "mesh.istiodMaxReplicas");
    v.requireOrdered("mesh.gatewayReplicas", "mesh.gatewayMaxReplicas");
    const mode = v.must<MeshMode>("mesh.mode");
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
    };
}
