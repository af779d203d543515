import { MeshPolicySettings } from "../../settings";
import { ServiceSpec } from "../../settings/services";
import { ISTIO_DEMO_JWT } from "../../versions";
import { Cluster, INGRESS_NODE_PORTS } from "../cluster";
import { requestFor } from "../demo/plan";
import { principal } from "../policy/context";

/** How to reach one exposed service through the ingress gateway. */
export interface AppEntry {
    /** scheme://host[:laptop port]/path; without a load balancer the port is the laptop's (kind) or the node port. */
    readonly url: string;
    /** A curl command that passes the service's mesh policies: its JWT and the header values its ALLOW rule wants. */
    readonly request: string;
}

/**
 * The exposed services' URLs and a request each accepts. The host is `expose.host`: `*.localhost` names resolve
 * to the laptop by themselves; other hosts need DNS (or a hosts entry) pointing at the gateway's address.
 */
export function appAccess(
    services: readonly ServiceSpec[],
    meshPolicy: Pick<MeshPolicySettings, "tlsCredentialName" | "jwt">,
    cluster: Pick<Cluster, "loadBalancer" | "localIngress">,
    ingress: { readonly namespace: string; readonly serviceAccount: string },
): Record<string, AppEntry> {
    const https = meshPolicy.tlsCredentialName !== undefined;
    const laptopPort = https ? cluster.localIngress?.httpsPort ?? INGRESS_NODE_PORTS.https : cluster.localIngress?.httpPort ?? INGRESS_NODE_PORTS.http;
    const port = cluster.loadBalancer ? "" : `:${laptopPort}`;
    const issuers = meshPolicy.jwt.map((j) => j.issuer);
    return Object.fromEntries(services.filter((s) => s.expose !== undefined).map((svc) => {
        const r = requestFor(principal(ingress.namespace, ingress.serviceAccount), ingress.namespace, svc);
        const url = `${https ? "https" : "http"}://${svc.expose!.host}${port}${r.path}`;
        const headers = Object.entries(r.headers).map(([name, value]) => ` -H '${name}: ${value}'`).join("");
        const method = r.method === "GET" ? "" : ` -X ${r.method}`;
        let request = `curl -sS${method}${headers} ${url}`;
        if (svc.requireJwt) {
            request = issuers.includes(ISTIO_DEMO_JWT.issuer)
                // Istio's public demo token, signed for the sample issuer this stack trusts.
                ? `TOKEN=$(curl -fsS ${ISTIO_DEMO_JWT.url}) && curl -sS${method} -H "Authorization: Bearer $TOKEN"${headers} ${url}`
                : `curl -sS${method} -H "Authorization: Bearer <a JWT from ${issuers.join(" or ")}>"${headers} ${url}`;
        }
        return [svc.name, { url, request }];
    }));
}
