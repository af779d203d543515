/** Builders for the mesh's edges: the ingress Gateway, external APIs (and the egress gateway route), Sidecar scoping. */

import { ExternalService } from "../../settings/services";
import { GATEWAY_LISTENER_PORTS } from "../mesh/values";
import { fqdn, GatewayRef, INGRESS_GATEWAY_NAME, PolicyContext } from "./context";
import { MeshObject, Server } from "./types";

/** The egress gateway Service port (same as its listener port) the sidecars' mTLS toward external APIs arrives on. */
const EGRESS_PORT = GATEWAY_LISTENER_PORTS.https;

/** HTTP only, or (with a TLS secret) HTTPS plus an HTTP server that redirects to it. */
export function ingressGateway(hosts: readonly string[], tlsCredentialName: string | undefined, ingress: GatewayRef): MeshObject {
    const servers: Server[] = tlsCredentialName === undefined
        ? [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts }]
        : [
            { port: { number: 80, name: "http", protocol: "HTTP" }, hosts, tls: { httpsRedirect: true } },
            { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts, tls: { mode: "SIMPLE", credentialName: tlsCredentialName } },
        ];
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: { name: INGRESS_GATEWAY_NAME, namespace: ingress.namespace },
        spec: { selector: { istio: ingress.selector }, servers },
    };
}

/**
 * The ServiceEntry that puts an external API in the registry (so REGISTRY_ONLY lets it through) and,
 * when it leaves through the egress gateway, the Gateway, DestinationRule and VirtualService of Istio's
 * "egress gateway with mutual TLS" pattern: each sidecar wraps the application's own TLS in Istio mTLS
 * (SNI = the API's host) toward the egress gateway, which terminates that mTLS and sends the inner TLS
 * on to the API. The hop carries the caller's mesh identity, so the gateway's AuthorizationPolicy can
 * admit callers by namespace. A gateway server that terminates TLS takes `tcp` routes, not `tls` ones.
 */
export function externalService(ext: ExternalService, ctx: PolicyContext): MeshObject[] {
    const protocol = ext.protocol;
    const entry: MeshObject = {
        apiVersion: "networking.istio.io/v1",
        kind: "ServiceEntry",
        metadata: { name: ext.name, namespace: ctx.rootNamespace },
        spec: {
            hosts: [ext.host],
            ports: [{ number: ext.port, name: `${protocol.toLowerCase()}-${ext.port}`, protocol }],
            location: "MESH_EXTERNAL",
            resolution: "DNS",
            exportTo: ["*"],
        },
    };
    if (!ext.viaEgressGateway || !ctx.egress) return [entry];
    const egress = ctx.egress;
    const gatewayName = `${ext.name}-egress`;
    const gatewayRef = `${egress.namespace}/${gatewayName}`;
    const egressHost = fqdn(egress.name, egress.namespace);
    return [
        entry,
        {
            apiVersion: "networking.istio.io/v1",
            kind: "Gateway",
            metadata: { name: gatewayName, namespace: egress.namespace },
            spec: {
                selector: { istio: egress.selector },
                servers: [{ port: { number: EGRESS_PORT, name: "tls", protocol: "TLS" }, hosts: [ext.host], tls: { mode: "ISTIO_MUTUAL" } }],
            },
        },
        {
            apiVersion: "networking.istio.io/v1",
            kind: "DestinationRule",
            metadata: { name: gatewayName, namespace: ctx.rootNamespace },
            spec: {
                host: egressHost,
                subsets: [{
                    name: ext.name,
                    trafficPolicy: { portLevelSettings: [{ port: { number: EGRESS_PORT }, tls: { mode: "ISTIO_MUTUAL", sni: ext.host } }] },
                }],
                exportTo: ["*"],
            },
        },
        {
            apiVersion: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: { name: gatewayName, namespace: ctx.rootNamespace },
            spec: {
                hosts: [ext.host],
                gateways: ["mesh", gatewayRef],
                tls: [{
                    match: [{ gateways: ["mesh"], port: ext.port, sniHosts: [ext.host] }],
                    route: [{ destination: { host: egressHost, subset: ext.name, port: { number: EGRESS_PORT } } }],
                }],
                tcp: [{
                    match: [{ gateways: [gatewayRef], port: EGRESS_PORT }],
                    route: [{ destination: { host: ext.host, port: { number: ext.port } } }],
                }],
                exportTo: ["*"],
            },
        },
    ];
}

/**
 * Scopes what a namespace's sidecars know: their own namespace, the root namespace (mesh config and
 * external APIs), observability (trace and metric export), the egress gateway, and declared dependencies.
 */
export function sidecarScope(namespace: string, dependencies: readonly { name: string; namespace: string }[], ctx: PolicyContext): MeshObject {
    const hosts = [
        "./*",
        `${ctx.rootNamespace}/*`,
        `${ctx.observabilityNamespace}/*`,
        ...(ctx.egress ? [`${ctx.egress.namespace}/*`] : []),
        ...[...new Set(dependencies.filter((d) => d.namespace !== namespace).map((d) => `${d.namespace}/${fqdn(d.name, d.namespace)}`))].sort(),
    ];
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "Sidecar",
        metadata: { name: "default", namespace },
        spec: { egress: [{ hosts }] },
    };
}
