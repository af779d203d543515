import { AllowRule, ServiceSpec } from "../../settings/services";
import { ISTIO_DEMO_JWT } from "../../versions";
import { fqdn, principal } from "../policy/context";

/**
 * The demo workload, as plain data: a pod per declared service (and per version) that calls the services it
 * `dependsOn` the way that service's ALLOW rules admit (method, path, header values), so the stack's mesh
 * policies act on real traffic; and a load generator that calls every exposed service through the ingress
 * gateway, with Istio's demo JWT where the service requires one.
 */

/** One request a demo pod sends, for every request it receives. */
export interface DemoCall {
    readonly url: string;
    readonly method: string;
    readonly headers: Readonly<Record<string, string>>;
}

export interface DemoWorkload {
    readonly service: ServiceSpec;
    /** The pods' `version` label (each subset gets its pods); undefined when the service declares none. */
    readonly version?: string;
    /** Deployment name: the service name, with `-<version>` when it has versions. */
    readonly name: string;
    readonly calls: readonly DemoCall[];
}

/** One container of the load generator: GET `target` with `host` as the Host header, every second. */
export interface DemoLoad {
    readonly service: string;
    readonly target: string;
    readonly host: string;
    readonly headers: Readonly<Record<string, string>>;
    /** Where the load generator downloads the token from; set when the service requires a JWT. */
    readonly tokenUrl?: string;
}

export interface DemoPlan {
    readonly workloads: readonly DemoWorkload[];
    readonly load: readonly DemoLoad[];
    /** Exposed services whose JWT the load generator cannot get (an issuer other than Istio's demo one). */
    readonly unloaded: readonly string[];
}

/** Where the ingress gateway's Service answers inside the cluster, and who it is (its mTLS identity). */
export interface IngressRef {
    readonly namespace: string;
    readonly service: string;
    readonly serviceAccount: string;
    readonly port: number;
}

/** The request `caller` sends `target`: from the first ALLOW rule naming the caller (or else the first rule). */
export function requestFor(callerPrincipal: string, callerNamespace: string, target: ServiceSpec): { path: string; method: string; headers: Record<string, string> } {
    const rule: AllowRule | undefined = target.allow.find((r) => r.principals.includes(callerPrincipal) || r.namespaces.includes(callerNamespace))
        ?? target.allow[0];
    return {
        method: rule?.methods[0] ?? "GET",
        path: concretePath(rule?.paths[0] ?? "/"),
        headers: Object.fromEntries(Object.entries(rule?.headers ?? {}).map(([name, values]) => [name, headerValue(target, name, values)])),
    };
}

/**
 * The first accepted value, except that for the tenant-routing header a value no tenant route pins is preferred,
 * so the demo's requests take the default route and show its canary split.
 */
function headerValue(target: ServiceSpec, name: string, values: readonly string[]): string {
    const routing = target.tenantRouting;
    if (routing?.header !== name) return values[0];
    return values.find((v) => !(v in routing.tenants)) ?? values[0];
}

/** An Istio path pattern made concrete: `/v1/models/*` -> `/v1/models/demo`, `*.json` -> `/demo.json`. */
export function concretePath(pattern: string): string {
    if (pattern.endsWith("*")) return `${pattern.slice(0, -1)}demo`;
    if (pattern.startsWith("*")) return `/demo${pattern.slice(1)}`;
    return pattern;
}

export function demoPlan(services: readonly ServiceSpec[], jwtIssuers: readonly string[], ingress: IngressRef): DemoPlan {
    const byName = new Map(services.map((s) => [s.name, s]));
    const workloads = services.flatMap((svc) => {
        const calls = svc.dependsOn
            // External APIs (ServiceEntries) are left out: the demo must not need the internet to show traffic.
            .filter((d) => byName.has(d))
            .map((d): DemoCall => {
                const target = byName.get(d)!;
                const r = requestFor(principal(svc.namespace, svc.serviceAccount), svc.namespace, target);
                return { url: `http://${fqdn(target.name, target.namespace)}:${target.port}${r.path}`, method: r.method, headers: r.headers };
            });
        const versions = svc.versions.length > 0 ? svc.versions : [undefined];
        return versions.map((version): DemoWorkload => ({ service: svc, version, name: version ? `${svc.name}-${version}` : svc.name, calls }));
    });
    const exposed = services.filter((s) => s.expose !== undefined);
    const canSign = (s: ServiceSpec) => !s.requireJwt || jwtIssuers.includes(ISTIO_DEMO_JWT.issuer);
    const load = exposed.filter(canSign).map((svc): DemoLoad => {
        const r = requestFor(principal(ingress.namespace, ingress.serviceAccount), ingress.namespace, svc);
        return {
            service: svc.name,
            target: `http://${fqdn(ingress.service, ingress.namespace)}:${ingress.port}${r.path}`,
            host: svc.expose!.host,
            headers: r.headers,
            tokenUrl: svc.requireJwt ? ISTIO_DEMO_JWT.url : undefined,
        };
    });
    return { workloads, load, unloaded: exposed.filter((s) => !canSign(s)).map((s) => s.name) };
}
