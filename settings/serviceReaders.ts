/** Reads `meshstack:namespaces`, `services` and `externalServices` into typed data; every problem names its path. */

import { keyName } from "./errors";
import { Env } from "./keys";
import { MeshSettings } from "./mesh";
import { MeshPolicySettings } from "./meshPolicy";
import { checkApp } from "./serviceChecks";
import {
    AllowRule, AppSettings, Canary, ConnectionPool, Cors, EXCEPTION_MTLS_MODES, ExceptionMtlsMode, EXTERNAL_PROTOCOLS, ExternalProtocol, Fault,
    LOAD_BALANCERS, LoadBalancer, Mirror, Retries, RETRY_ON, REVISION_TAGS, RevisionTag, RouteSpec, ServiceSpec, SimpleLoadBalancer, TenantRouting, TRAFFIC_POLICIES,
    TrafficPolicyName, WorkloadMtls,
} from "./services";
import { readSlo, SLO_FIELDS } from "./slo";
import { checkString, DNS_LABEL, DURATION, Fields, HEADER_NAME, HOSTNAME, numeric, objectList, Pattern } from "./structured";
import { Values } from "./values";

const PERCENT = [0, 100] as const;
const PORT = [1, 65535] as const;
const METHOD: Pattern = { re: /^[A-Z]+$/, hint: "an HTTP method in capitals such as GET" };
const HTTP_PATH: Pattern = { re: /^\/\S*$/, hint: "a path starting with /" };
const SERVICE_FIELDS = [
    "name", "namespace", "port", "serviceAccount", "versions", "trafficPolicy", "loadBalancer", "connectionPool",
    "timeout", "retries", "routes", "canary", "tenantRouting", "mirror", "fault", "cors", "expose", "allow", "requireJwt",
    "rateLimit", "mtls", "dependsOn", "slo",
] as const;

/** The application settings, read and cross-checked; problems go to `v.problems`. */
export function buildApp(v: Values, env: Env, mesh: MeshSettings, policy: MeshPolicySettings): AppSettings {
    // Only sidecars route external TLS to the egress gateway; ambient workloads go out through ztunnel.
    const egressByDefault = mesh.egressGateway && mesh.mode === "sidecar";
    const app = readApp({ namespaces: v.get("namespaces"), services: v.get("services"), externalServices: v.get("externalServices") }, egressByDefault, v.problems);
    const rawNamespaces = v.get("namespaces");
    const rawJwt = v.get("mesh.jwt");
    const declared = {
        names: new Set([...namesIn(v.get("services")), ...namesIn(v.get("externalServices"))]),
        namespaces: new Set(namesIn(rawNamespaces)),
        namespacesUnreadable: rawNamespaces !== undefined && !Array.isArray(rawNamespaces),
        jwtGiven: rawJwt !== undefined && !(Array.isArray(rawJwt) && rawJwt.length === 0),
        rejectedVersions: new Set(rejectedVersionPaths(v.get("services"))),
        canaryVersion: v.isSet("mesh.canaryVersion") || v.isRejected("mesh.canaryVersion"),
    };
    checkApp(app, { env, mesh, policy, declared }, v.problems);
    return app;
}

/** The `name` strings of a raw list of objects, whatever else is wrong with the entries. */
function namesIn(list: unknown): string[] {
    return Array.isArray(list)
        ? list.flatMap((e) => (e !== null && typeof e === "object" && typeof (e as { name?: unknown }).name === "string" ? [(e as { name: string }).name] : []))
        : [];
}

/** Paths of service entries whose `versions` is present but not a list of strings. */
function rejectedVersionPaths(list: unknown): string[] {
    if (!Array.isArray(list)) return [];
    return list.flatMap((e, i) => {
        const versions = e !== null && typeof e === "object" ? (e as { versions?: unknown }).versions : undefined;
        const ok = versions === undefined || (Array.isArray(versions) && versions.every((x) => typeof x === "string"));
        return ok ? [] : [`services[${i}]`];
    });
}

/** Reads the application settings; problems go to `problems`, each naming its settings path. */
export function readApp(raw: { namespaces: unknown; services: unknown; externalServices: unknown }, egressByDefault: boolean, problems: string[]): AppSettings {
    return {
        namespaces: objectList(raw.namespaces, "namespaces", problems, ["name", "mtlsMode", "samplingPercentage", "revision"]).flatMap((f) => {
            const name = f.str("name", { pattern: DNS_LABEL, example: "payments" });
            return name === undefined ? [] : [{
                name,
                mtlsMode: f.str("mtlsMode", { oneOf: EXCEPTION_MTLS_MODES }) as ExceptionMtlsMode | undefined,
                samplingPercentage: f.num("samplingPercentage", ...PERCENT),
                revision: (f.str("revision", { oneOf: REVISION_TAGS }) ?? "stable") as RevisionTag,
            }];
        }),
        services: objectList(raw.services, "services", problems, SERVICE_FIELDS).flatMap((f) => readService(f) ?? []),
        externalServices: objectList(raw.externalServices, "externalServices", problems, ["name", "host", "port", "protocol", "viaEgressGateway"]).flatMap((f) => {
            const name = f.str("name", { pattern: DNS_LABEL, example: "stripe" });
            const host = f.str("host", { pattern: HOSTNAME, example: "api.stripe.com" });
            const wildcard = host?.startsWith("*.") ?? false;
            if (wildcard) f.problem("host", `${JSON.stringify(host)} is a wildcard; declare each external host by its exact name`);
            const port = f.int("port", ...PORT) ?? 443;
            const protocol = (f.str("protocol", { oneOf: EXTERNAL_PROTOCOLS }) ?? "TLS") as ExternalProtocol;
            // The egress gateway passes TLS through; plain HTTP goes out directly unless asked otherwise.
            const viaEgressGateway = f.bool("viaEgressGateway") ?? (egressByDefault && protocol === "TLS");
            return name === undefined || host === undefined || wildcard ? [] : [{ path: f.path, name, host, port, protocol, viaEgressGateway }];
        }),
    };
}

function readService(f: Fields): ServiceSpec | undefined {
    const name = f.str("name", { pattern: DNS_LABEL, example: "payments" });
    const namespace = f.str("namespace", { pattern: DNS_LABEL, example: "payments" });
    const port = f.int("port", ...PORT, "8080");
    const serviceAccount = f.str("serviceAccount", { pattern: DNS_LABEL });
    // Every field is read (and reported) even when the service cannot be used for cross-checks.
    const rest = {
        versions: f.strings("versions", DNS_LABEL) ?? [],
        trafficPolicy: (f.str("trafficPolicy", { oneOf: TRAFFIC_POLICIES }) ?? "moderate") as TrafficPolicyName,
        loadBalancer: readLoadBalancer(f),
        connectionPool: readConnectionPool(f),
        timeout: f.str("timeout", { pattern: DURATION }),
        retries: readRetries(f.obj("retries", ["attempts", "perTryTimeout", "retryOn"])),
        routes: f.objects("routes", ["match", "subset", "timeout"]).map(readRoute),
        canary: readCanary(f.obj("canary", ["subsets", "weights"])),
        tenantRouting: readTenantRouting(f.obj("tenantRouting", ["header", "tenants"])),
        mirror: readMirror(f.obj("mirror", ["subset", "percent"])),
        fault: readFault(f.obj("fault", ["delay", "abort", "header"])),
        cors: readCors(f.obj("cors", ["allowOrigins", "allowMethods", "allowHeaders", "maxAge", "allowCredentials"])),
        expose: readExpose(f.obj("expose", ["host"])),
        allow: f.objects("allow", ["principals", "namespaces", "methods", "paths", "headers"]).map(readAllow),
        requireJwt: f.bool("requireJwt") ?? false,
        rateLimit: readRateLimit(f.obj("rateLimit", ["requestsPerMinute"])),
        mtls: readWorkloadMtls(f.obj("mtls", ["mode", "ports"])),
        dependsOn: f.strings("dependsOn", DNS_LABEL) ?? [],
    };
    const slo = readSlo(f.obj("slo", SLO_FIELDS));
    if (name === undefined || namespace === undefined || port === undefined) return undefined;
    return { path: f.path, name, namespace, port, serviceAccount: serviceAccount ?? name, ...rest, ...(slo ? { slo } : {}) };
}

function readLoadBalancer(f: Fields): LoadBalancer {
    const raw = f.raw("loadBalancer");
    if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
        const lb = f.obj("loadBalancer", ["hashHeader"]);
        const hashHeader = lb?.str("hashHeader", { pattern: HEADER_NAME, example: "x-session-id" });
        return hashHeader === undefined ? { simple: "LEAST_REQUEST" } : { hashHeader };
    }
    if (raw !== undefined && raw !== null && (typeof raw !== "string" || !(LOAD_BALANCERS as readonly string[]).includes(raw))) {
        f.problem("loadBalancer", `${JSON.stringify(raw)} is not supported; use one of: ${LOAD_BALANCERS.join(", ")}, or {hashHeader: <header>} for consistent hashing`);
    }
    return { simple: (typeof raw === "string" && (LOAD_BALANCERS as readonly string[]).includes(raw) ? raw : "LEAST_REQUEST") as SimpleLoadBalancer };
}

function readConnectionPool(f: Fields): ConnectionPool | undefined {
    const c = f.obj("connectionPool", ["maxConnections", "maxPendingRequests", "maxRequestsPerConnection", "connectTimeout"]);
    return c && {
        maxConnections: c.int("maxConnections", 1, 100_000),
        maxPendingRequests: c.int("maxPendingRequests", 1, 100_000),
        maxRequestsPerConnection: c.int("maxRequestsPerConnection", 1, 100_000),
        connectTimeout: c.str("connectTimeout", { pattern: DURATION }),
    };
}

function readRetries(r: Fields | undefined): Retries | undefined {
    if (!r) return undefined;
    const attempts = r.int("attempts", 0, 10, "3");
    const retryOn = r.str("retryOn");
    for (const condition of retryOn?.split(",") ?? []) {
        // Istio also accepts HTTP status codes in retryOn.
        if (!(RETRY_ON as readonly string[]).includes(condition.trim()) && !/^\d{3}$/.test(condition.trim())) {
            r.problem("retryOn", `${JSON.stringify(retryOn)} has unknown condition ${JSON.stringify(condition)}; use a comma-separated list of: ${RETRY_ON.join(", ")} or status codes`);
        }
    }
    return attempts === undefined ? undefined : { attempts, perTryTimeout: r.str("perTryTimeout", { pattern: DURATION }), retryOn };
}

function readRoute(r: Fields): RouteSpec {
    const m = r.obj("match", ["pathPrefix", "path", "headers"]);
    if (!m) r.required("match", "{pathPrefix: /v2}");
    const pathPrefix = m?.str("pathPrefix", { pattern: HTTP_PATH });
    const exactPath = m?.str("path", { pattern: HTTP_PATH });
    const headers = m?.map("headers", (v, p) => checkString(v, p, r.problems), HEADER_NAME) ?? {};
    if (m && pathPrefix !== undefined && exactPath !== undefined) m.problem("path", "and pathPrefix are both set; use one of them");
    if (m && pathPrefix === undefined && exactPath === undefined && Object.keys(headers).length === 0 && !m.has("pathPrefix") && !m.has("path")) {
        r.problem("match", "matches every request; set pathPrefix, path or headers");
    }
    return { path: r.path, pathPrefix, exactPath, headers, subset: r.str("subset", { pattern: DNS_LABEL }), timeout: r.str("timeout", { pattern: DURATION }) };
}

function readCanary(c: Fields | undefined): Canary | undefined {
    if (!c) return undefined;
    const subsets = c.strings("subsets", DNS_LABEL);
    if (subsets === undefined) c.required("subsets", "[v1, v2]");
    const list = c.list("weights");
    if (list === undefined) c.required("weights", "[90, 10]");
    const weights = (list ?? []).map((w, i) => {
        const n = numeric(w);
        if (n === undefined || !Number.isInteger(n) || n < 0 || n > 100) {
            c.problems.push(`${keyName(`${c.at("weights")}[${i}]`)} ${JSON.stringify(w)} is not a percentage; use a whole number from 0 to 100`);
            return undefined;
        }
        return n;
    });
    if (subsets === undefined || list === undefined || weights.some((w) => w === undefined)) return undefined;
    return { subsets, weights: weights as number[] };
}

function readTenantRouting(t: Fields | undefined): TenantRouting | undefined {
    if (!t) return undefined;
    const header = t.str("header", { pattern: HEADER_NAME, example: "x-tenant-id" });
    const tenants = t.map("tenants", (v, p) => checkString(v, p, t.problems, { pattern: DNS_LABEL }));
    if (tenants === undefined) t.required("tenants", "{acme: v2}");
    return header === undefined || tenants === undefined ? undefined : { header, tenants };
}

function readMirror(m: Fields | undefined): Mirror | undefined {
    if (!m) return undefined;
    const subset = m.str("subset", { pattern: DNS_LABEL, example: "v2" });
    const percent = m.num("percent", ...PERCENT, "10");
    return subset === undefined || percent === undefined ? undefined : { subset, percent };
}

function readFault(f: Fields | undefined): Fault | undefined {
    if (!f) return undefined;
    const d = f.obj("delay", ["percent", "fixedDelay"]);
    const a = f.obj("abort", ["percent", "httpStatus"]);
    const h = f.obj("header", ["name", "value"]);
    if (!d && !a) f.problem("delay", "or fault.abort is required; a fault needs a delay, an abort or both");
    const delay = d && { percent: d.num("percent", ...PERCENT, "10"), fixedDelay: d.str("fixedDelay", { pattern: DURATION, example: "2s" }) };
    const abort = a && { percent: a.num("percent", ...PERCENT, "5"), httpStatus: a.int("httpStatus", 200, 599, "503") };
    const header = h && { name: h.str("name", { pattern: HEADER_NAME, example: "x-chaos" }), value: h.str("value", { example: "payments" }) };
    return {
        delay: delay?.percent !== undefined && delay.fixedDelay !== undefined ? { percent: delay.percent, fixedDelay: delay.fixedDelay } : undefined,
        abort: abort?.percent !== undefined && abort.httpStatus !== undefined ? { percent: abort.percent, httpStatus: abort.httpStatus } : undefined,
        header: header?.name !== undefined && header.value !== undefined ? { name: header.name, value: header.value } : undefined,
    };
}

function readCors(c: Fields | undefined): Cors | undefined {
    if (!c) return undefined;
    const allowOrigins = c.strings("allowOrigins", { re: /^https?:\/\/[^\s/*]+$/, hint: "an exact origin such as https://app.example.com" });
    if (allowOrigins === undefined) c.required("allowOrigins", "[https://app.example.com]");
    return {
        allowOrigins: allowOrigins ?? [],
        allowMethods: c.strings("allowMethods", METHOD) ?? [],
        allowHeaders: c.strings("allowHeaders") ?? [],
        maxAge: c.str("maxAge", { pattern: DURATION }),
        allowCredentials: c.bool("allowCredentials"),
    };
}

function readExpose(e: Fields | undefined): { host: string } | undefined {
    const host = e?.str("host", { pattern: HOSTNAME, example: "api.example.com" });
    if (host?.startsWith("*.")) {
        e?.problem("host", `${JSON.stringify(host)} is a wildcard; expose a service under one exact host`);
        return undefined;
    }
    return host === undefined ? undefined : { host };
}

function readAllow(a: Fields): AllowRule {
    const rule: AllowRule = {
        path: a.path,
        principals: a.strings("principals") ?? [],
        namespaces: a.strings("namespaces", DNS_LABEL) ?? [],
        methods: a.strings("methods", METHOD) ?? [],
        paths: a.strings("paths", { re: /^(\*|\/\S*)$/, hint: "a path starting with / (a trailing or leading * is allowed)" }) ?? [],
        headers: a.map("headers", (v, p) => {
            if (!Array.isArray(v) || v.length === 0) {
                a.problems.push(`${keyName(p)} ${JSON.stringify(v)} is not a list of values; write the accepted header values as a YAML list`);
                return undefined;
            }
            return v.flatMap((s, i) => checkString(s, `${p}[${i}]`, a.problems) ?? []);
        }, HEADER_NAME) ?? {},
    };
    if (rule.principals.length === 0 && rule.namespaces.length === 0) {
        a.problem("principals", "or namespaces is required; an ALLOW rule names who may call (use principals like cluster.local/ns/core/sa/core)");
    }
    return rule;
}

function readRateLimit(r: Fields | undefined): { requestsPerMinute: number } | undefined {
    const requestsPerMinute = r?.int("requestsPerMinute", 1, 1_000_000, "600");
    return requestsPerMinute === undefined ? undefined : { requestsPerMinute };
}

function readWorkloadMtls(m: Fields | undefined): WorkloadMtls | undefined {
    if (!m) return undefined;
    const mode = m.str("mode", { oneOf: EXCEPTION_MTLS_MODES }) as ExceptionMtlsMode | undefined;
    const ports = m.map("ports", (v, p) => checkString(v, p, m.problems, { oneOf: EXCEPTION_MTLS_MODES }) as ExceptionMtlsMode | undefined) ?? {};
    for (const port of Object.keys(ports)) {
        const n = Number(port);
        if (!/^\d+$/.test(port) || n < PORT[0] || n > PORT[1]) {
            m.problems.push(`${keyName(`${m.at("ports")}.${port}`)} is not a port; portLevelMtls keys are container ports from 1 to 65535`);
            delete (ports as Record<string, ExceptionMtlsMode>)[port];
        }
    }
    if (mode === undefined && Object.keys(ports).length === 0) m.problem("mode", "or mtls.ports is required; an exception sets a mode for the workload or for some of its ports");
    return { mode, ports };
}
