/**
 * The whole set of mesh policy objects a stack's settings ask for, as plain data: what the MeshPolicies
 * component creates and what the tests validate against Istio's schemas.
 */

import { MeshPolicySettings } from "../../settings/meshPolicy";
import { AppSettings, RevisionTag, ServiceSpec } from "../../settings/services";
import { PolicyContext, WAYPOINT_NAME } from "./context";
import { externalService, ingressGateway, sidecarScope } from "./edge";
import { localRateLimit, meshTelemetry, namespaceTelemetry, waypoint } from "./observe";
import { allowPolicy, allowWaypoint, defaultDeny, egressClientsAllow, ingressListenersAllow, meshMtls, namespaceMtls, requestAuthentication, requireJwt, workloadMtls } from "./security";
import { destinationRule, needsVirtualService, virtualService } from "./traffic";
import { MeshObject } from "./types";

export interface NamespacePlan {
    readonly name: string;
    /** The revision tag whose control plane injects its sidecars. */
    readonly revision: RevisionTag;
    readonly labels: Readonly<Record<string, string>>;
}

export interface MeshPolicyPlan {
    /** Application namespaces, labelled for the data plane mode. */
    readonly namespaces: readonly NamespacePlan[];
    readonly objects: readonly MeshObject[];
}

export function meshPolicyPlan(policy: MeshPolicySettings, app: AppSettings, ctx: PolicyContext): MeshPolicyPlan {
    const ambient = ctx.mode === "ambient";
    const servicesIn = (ns: string) => app.services.filter((s) => s.namespace === ns);
    // Every service carries a DestinationRule, and in ambient mode only a waypoint applies one.
    const hasWaypoint = (ns: string) => ambient && servicesIn(ns).length > 0;
    const byName = new Map(app.services.map((s) => [s.name, s]));
    const namespaceMtlsMode = new Map(app.namespaces.map((n) => [n.name, n.mtlsMode]));

    const objects: MeshObject[] = [meshMtls(ctx.rootNamespace, policy.mtlsMode), meshTelemetry(policy.samplingPercentage, ctx)];
    if (policy.defaultDeny) {
        objects.push(defaultDeny(ctx.rootNamespace), ingressListenersAllow(ctx.ingress));
        // With no application namespace nothing may use the egress gateway: default deny stays in force there.
        if (ctx.egress && app.namespaces.length > 0) objects.push(egressClientsAllow(ctx.egress, app.namespaces.map((n) => n.name)));
    }
    if (policy.ingressHosts.length > 0) {
        objects.push(ingressGateway(policy.ingressHosts, policy.tlsCredentialName, ctx.ingress));
    }
    objects.push(...app.externalServices.flatMap((ext) => externalService(ext, ctx)));

    for (const ns of app.namespaces) {
        if (ns.mtlsMode) objects.push(namespaceMtls(ns.name, ns.mtlsMode));
        if (ns.samplingPercentage !== undefined) objects.push(namespaceTelemetry(ns.name, ns.samplingPercentage, hasWaypoint(ns.name), ctx));
        if (!ambient) {
            const deps = servicesIn(ns.name).flatMap((s) => s.dependsOn.flatMap((d) => byName.get(d) ?? []));
            objects.push(sidecarScope(ns.name, deps, ctx));
        }
        if (hasWaypoint(ns.name)) {
            objects.push(waypoint(ns.name));
            if (policy.defaultDeny) objects.push(allowWaypoint(ns.name));
        }
    }

    for (const svc of app.services) {
        objects.push(destinationRule(svc, ctx, namespaceMtlsMode.get(svc.namespace)));
        if (needsVirtualService(svc)) objects.push(virtualService(svc, ctx, policy.faultInjection));
        const mtls = workloadMtls(svc);
        if (mtls) objects.push(mtls);
        // Ambient: the root deny-all is enforced by ztunnel only, so a waypoint needs each service's own policy.
        if (svc.allow.length > 0 || svc.expose || (ambient && policy.defaultDeny)) objects.push(allowPolicy(svc, ctx));
        if (svc.requireJwt) objects.push(requestAuthentication(svc, policy.jwt, ctx), requireJwt(svc, policy.jwt, ctx));
        const rateLimit = localRateLimit(svc, ctx);
        if (rateLimit) objects.push(rateLimit);
    }

    checkPlan(objects, ctx.rootNamespace);
    return {
        namespaces: app.namespaces.map((ns) => ({ name: ns.name, revision: ns.revision, labels: namespaceLabels(ns.revision, servicesIn(ns.name), ambient, hasWaypoint(ns.name)) })),
        objects,
    };
}

/**
 * Sidecar namespaces follow a revision tag, never a version, so promoting moves the tag, not the labels (the tag
 * webhooks skip namespaces that also carry istio-injection). Ambient namespaces carry no tag: ztunnel serves them.
 */
function namespaceLabels(revision: RevisionTag, services: readonly ServiceSpec[], ambient: boolean, hasWaypoint: boolean): Record<string, string> {
    if (!ambient) return { "istio.io/rev": revision };
    return {
        "istio.io/dataplane-mode": "ambient",
        ...(hasWaypoint ? { "istio.io/use-waypoint": WAYPOINT_NAME } : {}),
        // Ingress traffic otherwise goes straight to the pods and skips the waypoint's L7 policies.
        ...(hasWaypoint && services.some((s) => s.expose) ? { "istio.io/ingress-use-waypoint": "true" } : {}),
    };
}

/**
 * Guards against building what Istio would silently mishandle: two objects of one kind and name, or a
 * second mesh-wide PeerAuthentication or Telemetry (Istio then picks the oldest, silently).
 */
export function checkPlan(objects: readonly MeshObject[], rootNamespace: string): void {
    const seen = new Set<string>();
    for (const o of objects) {
        const id = `${o.apiVersion}/${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
        if (seen.has(id)) throw new Error(`mesh policies: ${id} is built twice`);
        seen.add(id);
    }
    for (const kind of ["PeerAuthentication", "Telemetry"] as const) {
        const meshWide = objects.filter((o) => o.kind === kind && o.metadata.namespace === rootNamespace && !("selector" in o.spec) && !("targetRefs" in o.spec));
        if (meshWide.length !== 1) {
            throw new Error(`mesh policies: expected exactly one mesh-wide ${kind} in ${rootNamespace}, found ${meshWide.length} (${meshWide.map((o) => o.metadata.name).join(", ")})`);
        }
    }
}
