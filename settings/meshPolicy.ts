import { PROD_BOUNDS } from "../policies/rules/bounds";
import { keyName, shown } from "./errors";
import { Env, KeySpec } from "./keys";
import { HOSTNAME, objectList } from "./structured";
import { Values } from "./values";

export const MTLS_MODES = ["STRICT", "PERMISSIVE"] as const;
export type MeshMtlsMode = (typeof MTLS_MODES)[number];

/** Sampling the prod mesh-wide Telemetry must stay within: the policy pack's production bounds, so both enforce one range. */
export const PROD_SAMPLING = { min: PROD_BOUNDS.sampling.minPercent, max: PROD_BOUNDS.sampling.maxPercent } as const;

/** The mTLS modes prod accepts, mesh-wide and in exceptions: the policy pack's production bounds. */
export function prodAcceptsMtls(mode: string): boolean {
    return PROD_BOUNDS.mtlsModes.includes(mode);
}

/** A JWT issuer services can require (RequestAuthentication jwtRules). */
export interface JwtIssuer {
    readonly issuer: string;
    readonly jwksUri: string;
    /** Accepted `aud` values; any audience when empty. */
    readonly audiences: readonly string[];
}

/** Mesh-wide policy defaults of a stack (the `meshstack:mesh.*` policy keys). */
export interface MeshPolicySettings {
    /** Mesh-wide PeerAuthentication mode. Default: dev PERMISSIVE, staging and prod STRICT; prod accepts only STRICT. */
    readonly mtlsMode: MeshMtlsMode;
    /** Mesh-wide trace sampling in percent. Default: dev 100, staging 10, prod 1 (prod: 1-10). */
    readonly samplingPercentage: number;
    /** A mesh-wide allow-nothing AuthorizationPolicy; services then need explicit ALLOW rules. Default: dev false, staging and prod true. */
    readonly defaultDeny: boolean;
    /** Fault injection may apply to all requests; otherwise only behind a request header. Default: dev and staging true, prod false. */
    readonly faultInjection: boolean;
    /** Hosts the ingress Gateway serves; exposed services' hosts must be among them. Default: none. */
    readonly ingressHosts: readonly string[];
    /** Secret (in the ingress namespace) with the ingress TLS certificate; enables HTTPS and the HTTP -> HTTPS redirect. Required in prod when hosts are exposed. */
    readonly tlsCredentialName?: string;
    /** JWT issuers services may require. Default: none. */
    readonly jwt: readonly JwtIssuer[];
}

export const meshPolicyKeys: readonly KeySpec[] = [
    { key: "mesh.mtlsMode", type: "string", oneOf: MTLS_MODES, description: "Mesh-wide mTLS mode (PeerAuthentication in the root namespace); prod accepts only STRICT, here and in namespace or workload exceptions." },
    { key: "mesh.samplingPercentage", type: "integer", min: 0, max: 100, description: `Mesh-wide trace sampling in percent (Telemetry); prod: ${PROD_SAMPLING.min}-${PROD_SAMPLING.max}.` },
    { key: "mesh.defaultDeny", type: "boolean", description: "Deny every request no ALLOW AuthorizationPolicy matches (mesh-wide allow-nothing policy)." },
    { key: "mesh.faultInjection", type: "boolean", description: "Allow fault injection on every request; when false, faults apply only behind the header a service names." },
    { key: "mesh.ingressHosts", type: "string[]", pattern: HOSTNAME, description: "Hosts the ingress Gateway serves (exposed services' hosts must match one).", defaultText: "none" },
    { key: "mesh.tlsCredentialName", type: "string", pattern: { re: /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, hint: "a Kubernetes secret name in the ingress namespace" }, description: "TLS secret of the ingress Gateway (in istio-ingress); enables HTTPS and the HTTP to HTTPS redirect.", defaultText: "unset (HTTP only); required in prod when mesh.ingressHosts is set" },
    { key: "mesh.jwt", type: "object", description: "JWT issuers services may require: a list of {issuer, jwksUri, audiences}.", defaultText: "none" },
];

export function buildMeshPolicy(v: Values, env: Env): MeshPolicySettings {
    const mtlsMode = v.must<MeshMtlsMode>("mesh.mtlsMode");
    if (env === "prod" && !prodAcceptsMtls(mtlsMode)) {
        v.problems.push(`${keyName("mesh.mtlsMode")} ${shown(mtlsMode)} is not allowed in prod; prod requires STRICT mesh-wide and accepts no PERMISSIVE or DISABLE exception; use STRICT (a PERMISSIVE migration belongs in dev or staging)`);
    }
    const outbound = v.must<string>("mesh.outboundTrafficPolicy");
    if (env === "prod" && outbound !== "REGISTRY_ONLY") {
        v.problems.push(`${keyName("mesh.outboundTrafficPolicy")} ${shown(outbound)} is not allowed in prod; prod sends traffic only to registered hosts (REGISTRY_ONLY); declare external APIs in meshstack:externalServices`);
    }
    const samplingPercentage = v.must<number>("mesh.samplingPercentage");
    if (env === "prod") {
        checkProdSampling(samplingPercentage, "mesh.samplingPercentage", v.problems);
    }
    return {
        mtlsMode,
        samplingPercentage,
        defaultDeny: v.must("mesh.defaultDeny"),
        faultInjection: v.must("mesh.faultInjection"),
        ingressHosts: v.must("mesh.ingressHosts"),
        tlsCredentialName: v.get<string>("mesh.tlsCredentialName"),
        jwt: readJwt(v.get("mesh.jwt"), env, v.problems),
    };
}

/** Prod traces a small, explicit share of requests. */
export function checkProdSampling(value: number, path: string, problems: string[]): void {
    if (value < PROD_SAMPLING.min || value > PROD_SAMPLING.max) {
        problems.push(`${keyName(path)} ${value} is outside the prod range; use ${PROD_SAMPLING.min} to ${PROD_SAMPLING.max} percent`);
    }
}

function readJwt(value: unknown, env: Env, problems: string[]): JwtIssuer[] {
    const issuers: JwtIssuer[] = [];
    for (const f of objectList(value, "mesh.jwt", problems, ["issuer", "jwksUri", "audiences"])) {
        const issuer = f.str("issuer", { example: "https://auth.example.com" });
        const jwksUri = f.str("jwksUri", { pattern: { re: /^https?:\/\/[^\s/]+/, hint: "an http:// or https:// URL" }, example: "https://auth.example.com/.well-known/jwks.json" });
        const audiences = f.strings("audiences") ?? [];
        if (env === "prod" && jwksUri?.startsWith("http://")) {
            // Whoever can alter the keys in transit can mint tokens every service accepts.
            f.problem("jwksUri", `${shown(jwksUri)} is not allowed in prod; the signing keys must be fetched over TLS; use the issuer's https:// JWKS URL`);
        } else if (issuer !== undefined && /[\s*]/.test(issuer)) {
            f.problem("issuer", `${shown(issuer)} is not valid; an issuer has no spaces or '*'`);
        } else if (issuer !== undefined && issuers.some((i) => i.issuer === issuer)) {
            f.problem("issuer", `${shown(issuer)} is declared twice; declare each issuer once`);
        } else if (issuer !== undefined && jwksUri !== undefined) {
            issuers.push({ issuer, jwksUri, audiences });
        }
    }
    return issuers;
}

/** Whether a Gateway serving `ingressHosts` serves `host` (exact, or under a `*.` wildcard, as Istio matches them). */
export function ingressCovers(ingressHosts: readonly string[], host: string): boolean {
    return ingressHosts.some((h) => h === host || (h.startsWith("*.") && host.endsWith(h.slice(1))));
}
