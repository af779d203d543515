/**
 * Cross-reference checks of the application settings, run before any resource exists: canary weights,
 * routed subsets, hosts, principals, environment rules. Each problem names its settings path.
 */

import { EGRESS_NAMESPACE, INGRESS_NAMESPACE, ISTIO_NAMESPACE, OBSERVABILITY_NAMESPACE } from "../components/names";
import { keyName, shown } from "./errors";
import { Env } from "./keys";
import { MeshSettings } from "./mesh";
import { checkProdSampling, ingressCovers, MeshPolicySettings, prodAcceptsMtls } from "./meshPolicy";
import { AppSettings, ExceptionMtlsMode, ServiceSpec } from "./services";

/** `<trust domain>/ns/<namespace>/sa/<service account>`, as Istio writes mTLS peer identities. */
export const PRINCIPAL = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?\/ns\/[a-z0-9]([-a-z0-9]*[a-z0-9])?\/sa\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** Namespaces meshstack itself runs in; application namespaces must be others. */
const RESERVED_NAMESPACES = [INGRESS_NAMESPACE, EGRESS_NAMESPACE, OBSERVABILITY_NAMESPACE, "kube-system", "kube-public", "kube-node-lease", "default"];

export interface CheckContext {
    readonly env: Env;
    readonly mesh: Pick<MeshSettings, "mode" | "egressGateway" | "canaryVersion">;
    readonly policy: MeshPolicySettings;
    /**
     * Names given in the stack file, including those of entries rejected for another reason (already reported):
     * a reference to them is not a second problem.
     */
    readonly declared?: {
        readonly names: ReadonlySet<string>;
        readonly namespaces: ReadonlySet<string>;
        /** `namespaces` is not a list (already reported): no service's namespace can be checked against it. */
        readonly namespacesUnreadable: boolean;
        /** `mesh.jwt` lists issuers, valid or not (bad ones are already reported). */
        readonly jwtGiven: boolean;
        /** Paths of services whose `versions` was rejected: their subset references are not checked again. */
        readonly rejectedVersions: ReadonlySet<string>;
        /** True when the stack file sets mesh.canaryVersion, even if it was rejected (already reported). */
        readonly canaryVersion?: boolean;
    };
}

export function checkApp(app: AppSettings, ctx: CheckContext, problems: string[]): void {
    const at = (path: string, message: string) => problems.push(`${keyName(path)} ${message}`);
    const ambient = ctx.mesh.mode === "ambient";

    const namespaceAt = new Map<string, number>();
    app.namespaces.forEach((ns, i) => {
        const path = `namespaces[${i}]`;
        if (ns.name === ISTIO_NAMESPACE) {
            at(`${path}.name`, `${shown(ns.name)} is the mesh root namespace; its namespace-wide PeerAuthentication and Telemetry are the mesh-wide ones, so a second one there is not allowed; use another namespace`);
        } else if (RESERVED_NAMESPACES.includes(ns.name)) {
            at(`${path}.name`, `${shown(ns.name)} is reserved for the platform; use another namespace for applications`);
        } else if (namespaceAt.has(ns.name)) {
            at(`${path}.name`, `${shown(ns.name)} is already declared at namespaces[${namespaceAt.get(ns.name)}]; declare each namespace once`);
        }
        namespaceAt.set(ns.name, namespaceAt.get(ns.name) ?? i);
        if (ns.mtlsMode !== undefined) checkExceptionMode(ns.mtlsMode, `${path}.mtlsMode`, ctx, at);
        if (ns.revision === "canary" && ctx.mesh.canaryVersion === undefined && !ctx.declared?.canaryVersion) {
            at(`${path}.revision`, `"canary" needs a canary control plane, but ${keyName("mesh.canaryVersion")} is not set; set it, or use revision: stable`);
        }
        if (ns.samplingPercentage !== undefined && ctx.env === "prod") {
            checkProdSampling(ns.samplingPercentage, `${path}.samplingPercentage`, problems);
        }
    });

    const serviceAt = new Map<string, ServiceSpec>();
    const externalAt = new Map<string, string>();
    app.externalServices.forEach((ext) => {
        if (externalAt.has(ext.name)) {
            at(`${ext.path}.name`, `${shown(ext.name)} is already declared at ${externalAt.get(ext.name)}; external service names must be unique`);
        }
        externalAt.set(ext.name, externalAt.get(ext.name) ?? ext.path);
        if (ext.viaEgressGateway && ambient) {
            at(`${ext.path}.viaEgressGateway`, `is true, but routing through the egress gateway is a sidecar feature; in ambient mode remove it`);
        } else if (ext.viaEgressGateway && !ctx.mesh.egressGateway) {
            at(`${ext.path}.viaEgressGateway`, `is true but ${keyName("mesh.egressGateway")} is false; install the egress gateway or set viaEgressGateway: false`);
        }
        if (ext.viaEgressGateway && ext.protocol !== "TLS") {
            at(`${ext.path}.viaEgressGateway`, `is true for protocol ${ext.protocol}; the egress gateway passes TLS through only, so use protocol TLS or viaEgressGateway: false`);
        }
    });

    for (const svc of app.services) {
        const previous = serviceAt.get(svc.name);
        if (previous) {
            at(`${svc.path}.name`, `${shown(svc.name)} is already declared at ${previous.path}; service names must be unique`);
        } else if (externalAt.has(svc.name)) {
            at(`${svc.path}.name`, `${shown(svc.name)} is also an external service (${externalAt.get(svc.name)}); names must be unique`);
        } else {
            serviceAt.set(svc.name, svc);
        }
        if (!namespaceAt.has(svc.namespace) && !ctx.declared?.namespaces.has(svc.namespace) && !ctx.declared?.namespacesUnreadable) {
            at(`${svc.path}.namespace`, `${shown(svc.namespace)} is not declared in ${keyName("namespaces")}; add {name: ${svc.namespace}} there`);
        }
        if (!ctx.declared?.rejectedVersions.has(svc.path)) checkSubsets(svc, at);
        checkService(svc, ctx, at);
    }

    for (const svc of app.services) {
        svc.dependsOn.forEach((dep, j) => {
            if (!serviceAt.has(dep) && !externalAt.has(dep) && !ctx.declared?.names.has(dep)) {
                at(`${svc.path}.dependsOn[${j}]`, `${shown(dep)} is neither a declared service nor an external service; declare it in ${keyName("services")} or ${keyName("externalServices")}`);
            }
        });
    }

    const exposed = app.services.filter((s) => s.expose);
    if (ctx.env === "prod" && ctx.policy.tlsCredentialName === undefined) {
        if (exposed.length > 0) {
            problems.push(`${keyName("mesh.tlsCredentialName")} is required in prod when services are exposed (${exposed.map((s) => `${s.path}.expose`).join(", ")}); name the TLS secret in ${INGRESS_NAMESPACE}`);
        } else if (ctx.policy.ingressHosts.length > 0) {
            // The Gateway is created for these hosts even with no service behind it yet: prod serves no plain HTTP.
            problems.push(`${keyName("mesh.tlsCredentialName")} is required in prod when ${keyName("mesh.ingressHosts")} is set (${shown(ctx.policy.ingressHosts)}); name the TLS secret in ${INGRESS_NAMESPACE}, or remove mesh.ingressHosts`);
        }
    }
}

function checkSubsets(svc: ServiceSpec, at: (path: string, message: string) => void): void {
    const declared = new Set<string>();
    svc.versions.forEach((v, i) => {
        if (declared.has(v)) at(`${svc.path}.versions[${i}]`, `${shown(v)} is declared twice; list each version once`);
        declared.add(v);
    });
    const requireSubset = (path: string, subset: string) => {
        if (!declared.has(subset)) {
            const has = svc.versions.length > 0 ? `has: ${svc.versions.join(", ")}` : "it declares no versions";
            at(path, `${shown(subset)} is not a subset of ${svc.name}'s DestinationRule (${has}); add it to ${svc.path}.versions`);
        }
    };
    if (svc.canary) {
        const { subsets, weights } = svc.canary;
        subsets.forEach((s, i) => requireSubset(`${svc.path}.canary.subsets[${i}]`, s));
        const sum = weights.reduce((a, b) => a + b, 0);
        if (weights.length !== subsets.length) {
            at(`${svc.path}.canary.weights`, `${shown(weights)} gives ${weights.length} weights for ${subsets.length} subsets; give one weight per subset`);
        } else if (sum !== 100) {
            at(`${svc.path}.canary.weights`, `${shown(weights)} sum to ${sum}; weights must sum to 100`);
        }
    }
    for (const [tenant, subset] of Object.entries(svc.tenantRouting?.tenants ?? {})) {
        requireSubset(`${svc.path}.tenantRouting.tenants.${tenant}`, subset);
    }
    if (svc.mirror) requireSubset(`${svc.path}.mirror.subset`, svc.mirror.subset);
    svc.routes.forEach((r) => {
        if (r.subset !== undefined) requireSubset(`${r.path}.subset`, r.subset);
    });
}

function checkService(svc: ServiceSpec, ctx: CheckContext, at: (path: string, message: string) => void): void {
    for (const rule of svc.allow) {
        rule.principals.forEach((p, k) => {
            if (!PRINCIPAL.test(p)) {
                at(`${rule.path}.principals[${k}]`, `${shown(p)} is not a well-formed principal; use <trust domain>/ns/<namespace>/sa/<service account>, e.g. cluster.local/ns/core/sa/core`);
            }
        });
    }
    if (svc.expose && !ingressCovers(ctx.policy.ingressHosts, svc.expose.host)) {
        at(`${svc.path}.expose.host`, `${shown(svc.expose.host)} is not served by the ingress Gateway; add it (or a *. wildcard covering it) to ${keyName("mesh.ingressHosts")}`);
    }
    if (svc.requireJwt && ctx.policy.jwt.length === 0 && !ctx.declared?.jwtGiven) {
        at(`${svc.path}.requireJwt`, `is true but ${keyName("mesh.jwt")} declares no issuer; add {issuer, jwksUri} there`);
    }
    if (svc.fault && !svc.fault.header && !ctx.policy.faultInjection) {
        at(`${svc.path}.fault`, `applies to every request, but ${keyName("mesh.faultInjection")} is false in ${ctx.env}; add fault.header so only requests carrying it get the fault, or remove the fault`);
    }
    if (svc.mtls?.mode !== undefined) checkExceptionMode(svc.mtls.mode, `${svc.path}.mtls.mode`, ctx, at);
    for (const [port, mode] of Object.entries(svc.mtls?.ports ?? {})) {
        checkExceptionMode(mode, `${svc.path}.mtls.ports.${port}`, ctx, at);
    }
}

/**
 * Prod keeps every workload STRICT: its policy pack rejects PeerAuthentications with PERMISSIVE or DISABLE
 * (no-permissive-mtls, no exceptions configured) and DestinationRules with DISABLE toward mesh hosts.
 * Ambient mode has no DISABLE: ztunnel always carries mTLS.
 */
function checkExceptionMode(mode: ExceptionMtlsMode, path: string, ctx: CheckContext, at: (path: string, message: string) => void): void {
    if (ctx.env === "prod" && !prodAcceptsMtls(mode)) {
        at(path, `${shown(mode)} is not allowed in prod; prod requires STRICT mTLS for every namespace and workload (its policy pack rejects PERMISSIVE and DISABLE exceptions); use STRICT or remove the exception`);
    } else if (ctx.mesh.mode === "ambient" && mode === "DISABLE") {
        at(path, `"DISABLE" is not supported in ambient mode; use PERMISSIVE`);
    }
}
