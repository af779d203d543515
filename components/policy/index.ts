import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../settings";
import { Cluster } from "../cluster";
import { namespace } from "../helm";
import { GatewayInfo, IstioMesh } from "../mesh/istio";
import { OBSERVABILITY_NAMESPACE } from "../names";
import { GatewayRef, PolicyContext } from "./context";
import { meshPolicyPlan } from "./plan";

export interface MeshPoliciesArgs {
    readonly settings: Settings;
    readonly cluster: Cluster;
    readonly mesh: IstioMesh;
}

function gatewayRef(g: GatewayInfo): GatewayRef {
    return { namespace: g.namespace, selector: g.selector, name: g.releaseName };
}

/** The context the policy builders see, from the settings and the installed mesh. */
function policyContext(settings: Settings, mesh: Pick<IstioMesh, "rootNamespace" | "ingress" | "egress">): PolicyContext {
    return {
        environment: settings.environment,
        clusterName: settings.cluster.name,
        mode: settings.mesh.mode,
        rootNamespace: mesh.rootNamespace,
        observabilityNamespace: OBSERVABILITY_NAMESPACE,
        ingress: gatewayRef(mesh.ingress),
        egress: mesh.egress && gatewayRef(mesh.egress),
    };
}

/**
 * The application namespaces and every mesh policy object the stack's settings declare, as typed
 * CustomResources. Each waits for istiod (its validating webhook and, through base, the CRDs), for its
 * application namespace, or for the gateway release that created its gateway namespace.
 */
export class MeshPolicies extends pulumi.ComponentResource {
    readonly namespaces: string[];
    /** The application namespaces' resources by name: what workloads in them wait for. */
    readonly namespaceResources: ReadonlyMap<string, pulumi.Resource>;
    /** `<kind> <namespace>/<name>` of every object, in creation order. */
    readonly objects: string[];

    constructor(name: string, args: MeshPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshstack:policy:MeshPolicies", name, {}, opts);
        const { settings, cluster, mesh } = args;
        const child = { parent: this, provider: cluster.provider };
        const ctx = policyContext(settings, mesh);
        const plan = meshPolicyPlan(settings.meshPolicy, settings.app, ctx);

        const waitFor = new Map<string, pulumi.Resource>([[mesh.ingress.namespace, mesh.ingress.release]]);
        if (mesh.egress) waitFor.set(mesh.egress.namespace, mesh.egress.release);
        const namespaces = new Map<string, pulumi.Resource>();
        for (const ns of plan.namespaces) {
            // The revision tag's webhook injects the namespace's pods and ambient labels are read by istiod and CNI,
            // so the namespace waits for the webhook of the tag it follows.
            namespaces.set(ns.name, namespace(`${name}-ns-${ns.name}`, ns.name, { ...ns.labels }, { ...child, dependsOn: [mesh.istiod, mesh.tagWebhook(ns.revision)] }));
            waitFor.set(ns.name, namespaces.get(ns.name)!);
        }
        for (const o of plan.objects) {
            const dependsOn = [mesh.istiod, ...(waitFor.has(o.metadata.namespace) ? [waitFor.get(o.metadata.namespace)!] : [])];
            new k8s.apiextensions.CustomResource(`${name}-${o.metadata.namespace}-${o.metadata.name}`, {
                apiVersion: o.apiVersion,
                kind: o.kind,
                metadata: o.metadata,
                spec: o.spec,
            }, { ...child, dependsOn });
        }
        this.namespaces = plan.namespaces.map((ns) => ns.name);
        this.namespaceResources = namespaces;
        this.objects = plan.objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
        this.registerOutputs({ namespaces: this.namespaces, objects: this.objects });
    }
}
