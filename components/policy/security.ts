/** PeerAuthentication, AuthorizationPolicy and RequestAuthentication builders. */

import { JwtIssuer } from "../../settings/meshPolicy";
import { AllowRule, ServiceSpec } from "../../settings/services";
import { GATEWAY_LISTENER_PORTS } from "../mesh/values";
import { appLabels, attachTo, GatewayRef, PolicyContext, principal, WAYPOINT_NAME } from "./context";
import { AuthorizationPolicySpec, AuthorizationRule, MeshObject, MtlsMode, PeerAuthenticationSpec } from "./types";

function peerAuthentication(name: string, namespace: string, spec: PeerAuthenticationSpec): MeshObject {
    return { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name, namespace }, spec };
}

function authorizationPolicy(name: string, namespace: string, spec: AuthorizationPolicySpec): MeshObject {
    return { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name, namespace }, spec };
}

/** The one mesh-wide PeerAuthentication: in the root namespace, without a selector. */
export function meshMtls(rootNamespace: string, mode: MtlsMode): MeshObject {
    return peerAuthentication("default", rootNamespace, { mtls: { mode } });
}

/** A named namespace-wide exception (no selector) to the mesh-wide mode. */
export function namespaceMtls(namespace: string, mode: MtlsMode): MeshObject {
    return peerAuthentication("mtls-exception", namespace, { mtls: { mode } });
}

/** A per-workload exception; port-level modes are only valid with the selector it always carries. */
export function workloadMtls(svc: ServiceSpec): MeshObject | undefined {
    if (!svc.mtls) return undefined;
    const ports = Object.entries(svc.mtls.ports);
    return peerAuthentication(`${svc.name}-mtls-exception`, svc.namespace, {
        selector: { matchLabels: appLabels(svc) },
        ...(svc.mtls.mode ? { mtls: { mode: svc.mtls.mode } } : {}),
        ...(ports.length > 0 ? { portLevelMtls: Object.fromEntries(ports.map(([port, mode]) => [port, { mode }])) } : {}),
    });
}

/** ALLOW with no rules matches nothing: in the root namespace it denies every request mesh-wide. */
export function defaultDeny(rootNamespace: string): MeshObject {
    return authorizationPolicy("default-deny", rootNamespace, {});
}

/**
 * Under default deny the ingress gateway must still admit outside clients, who carry no mesh identity:
 * it accepts traffic on its listener ports only (not an allow-all rule).
 */
export function ingressListenersAllow(gateway: GatewayRef): MeshObject {
    return authorizationPolicy("allow-ingress", gateway.namespace, {
        selector: { matchLabels: { istio: gateway.selector } },
        action: "ALLOW",
        rules: [{ to: [{ operation: { ports: [String(GATEWAY_LISTENER_PORTS.http), String(GATEWAY_LISTENER_PORTS.https)] } }] }],
    });
}

/** The egress gateway carries external calls for the application namespaces only. */
export function egressClientsAllow(gateway: GatewayRef, namespaces: readonly string[]): MeshObject {
    return authorizationPolicy("allow-egress", gateway.namespace, {
        selector: { matchLabels: { istio: gateway.selector } },
        action: "ALLOW",
        rules: [{ from: [{ source: { namespaces: [...namespaces] } }] }],
    });
}

/**
 * Ambient: ztunnel enforces the mesh-wide deny at L4 and sees the waypoint as the caller, so the waypoint
 * may reach its namespace's workloads; the services' own rules are enforced by the waypoint.
 */
export function allowWaypoint(namespace: string): MeshObject {
    return authorizationPolicy("allow-waypoint", namespace, {
        action: "ALLOW",
        rules: [{ from: [{ source: { principals: [principal(namespace, WAYPOINT_NAME)] } }] }],
    });
}

function allowRule(rule: AllowRule): AuthorizationRule {
    const headers = Object.entries(rule.headers);
    const operation = {
        ...(rule.methods.length > 0 ? { methods: rule.methods } : {}),
        ...(rule.paths.length > 0 ? { paths: rule.paths } : {}),
    };
    return {
        from: [{ source: { ...(rule.principals.length > 0 ? { principals: rule.principals } : {}), ...(rule.namespaces.length > 0 ? { namespaces: rule.namespaces } : {}) } }],
        ...(Object.keys(operation).length > 0 ? { to: [{ operation }] } : {}),
        ...(headers.length > 0 ? { when: headers.map(([name, values]) => ({ key: `request.headers[${name}]`, values })) } : {}),
    };
}

/**
 * The service's ALLOW rules plus the ingress gateway when the service is exposed. With no rule at all
 * the policy allows nothing, which is what a default-deny mesh means for that service.
 */
export function allowPolicy(svc: ServiceSpec, ctx: PolicyContext): MeshObject {
    const rules = svc.allow.map(allowRule);
    if (svc.expose) {
        rules.push({ from: [{ source: { principals: [principal(ctx.ingress.namespace, ctx.ingress.name)] } }] });
    }
    return authorizationPolicy(`${svc.name}-allow`, svc.namespace, {
        ...attachTo(svc, ctx.mode),
        action: "ALLOW",
        ...(rules.length > 0 ? { rules } : {}),
    });
}

/** Validates tokens of the environment's issuers at the service. */
export function requestAuthentication(svc: ServiceSpec, issuers: readonly JwtIssuer[], ctx: PolicyContext): MeshObject {
    return {
        apiVersion: "security.istio.io/v1",
        kind: "RequestAuthentication",
        metadata: { name: `${svc.name}-jwt`, namespace: svc.namespace },
        spec: {
            ...attachTo(svc, ctx.mode),
            jwtRules: issuers.map((i) => ({ issuer: i.issuer, jwksUri: i.jwksUri, ...(i.audiences.length > 0 ? { audiences: i.audiences } : {}) })),
        },
    };
}

/**
 * Requires a request principal from one of the issuers. A DENY policy, because ALLOW policies are
 * alternatives: an ALLOW requiring a token would not stop a request another ALLOW rule admits. It names the
 * service's port: a DENY rule of HTTP attributes alone also denies all TCP traffic to the workload's other ports
 * (istioctl analyze, IST0133).
 */
export function requireJwt(svc: ServiceSpec, issuers: readonly JwtIssuer[], ctx: PolicyContext): MeshObject {
    return authorizationPolicy(`${svc.name}-require-jwt`, svc.namespace, {
        ...attachTo(svc, ctx.mode),
        action: "DENY",
        rules: [{
            from: [{ source: { notRequestPrincipals: issuers.map((i) => `${i.issuer}/*`) } }],
            to: [{ operation: { ports: [String(svc.port)] } }],
        }],
    });
}
