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
    return {
        mode: v.must("mesh.mode"),
        egressGateway: v.must("mesh.egressGateway"),
        outboundTrafficPolicy: v.must("mesh.outboundTrafficPolicy"),
        istiodReplicas: v.must("mesh.istiodReplicas"),
        istiodMaxReplicas: v.must("mesh.istiodMaxReplicas"),
        gatewayReplicas: v.must("mesh.gatewayReplicas"),
        gatewayMaxReplicas: v.must("mesh.gatewayMaxReplicas"),
    };
}
