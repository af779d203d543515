/**
 * Offline validation of Istio objects: the official CRD schemas through @kubernetes-models/istio (ajv,
 * precompiled from Istio 1.29's CRDs), plus the rules those schemas leave out that our objects touch:
 * the CRDs' CEL rules (x-kubernetes-validations, read from Istio 1.30.3's crd-all.gen.yaml) and a few
 * checks istiod's validating webhook makes.
 */

type Json = Record<string, any>;

export interface K8sObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string> };
    readonly spec: Json;
}

interface Model {
    validate(): void;
}
type ModelClass = new (data: unknown) => Model;

// ts-node compiles to CommonJS and would turn import() into require(), which cannot load this ESM package.
const esmImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, ModelClass>>;

const MODEL_MODULES: Record<string, string> = {
    "networking.istio.io/v1": "@kubernetes-models/istio/networking.istio.io/v1",
    "networking.istio.io/v1alpha3": "@kubernetes-models/istio/networking.istio.io/v1alpha3",
    "security.istio.io/v1": "@kubernetes-models/istio/security.istio.io/v1",
    "telemetry.istio.io/v1": "@kubernetes-models/istio/telemetry.istio.io/v1",
};

/** The schema validator of each Istio apiVersion/kind. */
export async function loadModels(): Promise<Map<string, ModelClass>> {
    const models = new Map<string, ModelClass>();
    for (const [apiVersion, specifier] of Object.entries(MODEL_MODULES)) {
        for (const [kind, cls] of Object.entries(await esmImport(specifier))) {
            models.set(`${apiVersion}/${kind}`, cls);
        }
    }
    return models;
}

/** Schema errors of one object (empty when valid); throws for a kind without a schema here. */
export function schemaErrors(models: Map<string, ModelClass>, o: K8sObject): string[] {
    const cls = models.get(`${o.apiVersion}/${o.kind}`);
    if (!cls) throw new Error(`no schema for ${o.apiVersion}/${o.kind}`);
    try {
        new cls(o).validate();
        return [];
    } catch (e) {
        return [(e as Error).message];
    }
}

const DURATION = /^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/;
const DURATION_FIELDS = new Set(["timeout", "perTryTimeout", "fixedDelay", "maxAge", "baseEjectionTime", "interval", "connectTimeout", "idleTimeout", "backoff"]);
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

function durationMs(value: string): number {
    let total = 0;
    for (const [, n, , u] of value.matchAll(/(\d+(?:\.\d+)?)((h|ms|m|s|us|µs|ns))/g)) total += Number(n) * UNIT_MS[u];
    return total;
}

/** Every duration field in the spec is a valid duration of at least 1ms (CEL `duration(self) >= duration('1ms')`). */
function durations(node: unknown, path: string, out: string[]): void {
    if (Array.isArray(node)) {
        node.forEach((n, i) => durations(n, `${path}[${i}]`, out));
    } else if (node !== null && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
            // EnvoyFilter patches carry Envoy config, whose fields the CRD does not type.
            if (k === "patch") continue;
            if (DURATION_FIELDS.has(k) && typeof v === "string" && (!DURATION.test(v) || durationMs(v) < 1)) {
                out.push(`${path}.${k}: must be a valid duration greater than 1ms (${v})`);
            }
            durations(v, `${path}.${k}`, out);
        }
    }
}

function labelRules(labels: Record<string, string> | undefined, path: string, out: string[]): void {
    for (const [k, v] of Object.entries(labels ?? {})) {
        if (k.length === 0) out.push(`${path}: key must not be empty`);
        if (k.includes("*")) out.push(`${path}: wildcard not allowed in label key match`);
        if (String(v).includes("*")) out.push(`${path}.${k}: wildcard not allowed in label value match`);
    }
}

const port = (n: unknown) => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 65535;

/** Violations of the CRDs' CEL rules and istiod's webhook rules our objects could break (empty when none). */
export function apiServerRuleErrors(o: K8sObject): string[] {
    const out: string[] = [];
    const s = o.spec;
    durations(s, "spec", out);
    labelRules(s.selector?.matchLabels, "spec.selector.matchLabels", out);
    labelRules(s.workloadSelector?.labels, "spec.workloadSelector.labels", out);
    const targets = [s.selector, s.targetRef, s.targetRefs, s.workloadSelector].filter((x) => x !== undefined).length;
    if (targets > 1) out.push("spec: only one of targetRefs or selector can be set");
    for (const ref of s.targetRefs ?? []) {
        if (ref.namespace) out.push("spec.targetRefs[].namespace: cross namespace referencing is not currently supported");
    }
    switch (`${o.apiVersion}/${o.kind}`) {
        case "security.istio.io/v1/PeerAuthentication":
            if (s.portLevelMtls !== undefined) {
                if (Object.keys(s.selector?.matchLabels ?? {}).length === 0) out.push("spec: portLevelMtls requires selector");
                if (!Object.keys(s.portLevelMtls).every((k) => /^\d+$/.test(k) && port(Number(k)))) out.push("spec.portLevelMtls: port must be between 1-65535");
            }
            break;
        case "security.istio.io/v1/AuthorizationPolicy":
            if (s.action === "DENY" && !(s.rules?.length > 0)) out.push("spec: a DENY policy needs rules (webhook)");
            for (const rule of s.rules ?? []) {
                for (const from of rule.from ?? []) {
                    const src = from.source ?? {};
                    if ((src.serviceAccounts || src.notServiceAccounts) && (src.principals || src.notPrincipals || src.namespaces || src.notNamespaces)) {
                        out.push("spec.rules[].from[].source: Cannot set serviceAccounts with namespaces or principals");
                    }
                }
                for (const when of rule.when ?? []) {
                    if (!(when.values?.length > 0) && !(when.notValues?.length > 0)) out.push(`spec.rules[].when ${when.key}: values or notValues required (webhook)`);
                }
            }
            break;
        case "security.istio.io/v1/RequestAuthentication":
            for (const rule of s.jwtRules ?? []) {
                if (rule.jwksUri && !/^https?:\/\//.test(rule.jwksUri)) out.push("spec.jwtRules[].jwksUri: url must have scheme http:// or https://");
                if ([rule.jwksUri, rule.jwks_uri, rule.jwks].filter((x) => x !== undefined).length > 1) out.push("spec.jwtRules[]: only one of jwks or jwksUri can be set");
            }
            break;
        case "networking.istio.io/v1/ServiceEntry": {
            if ((s.hosts ?? []).includes("*")) out.push("spec.hosts[]: hostname cannot be wildcard");
            const numbers = (s.ports ?? []).map((p: Json) => p.number);
            if (!numbers.every(port)) out.push("spec.ports[].number: port must be between 1-65535");
            if (new Set(numbers).size !== numbers.length) out.push("spec.ports: port number cannot be duplicated");
            if ((s.resolution ?? "NONE") === "NONE" && s.endpoints) out.push("spec: NONE mode cannot set endpoints");
            break;
        }
        case "networking.istio.io/v1/Gateway":
            for (const server of s.servers ?? []) {
                const tls = server.tls ?? {};
                if ([tls.credentialName, tls.credentialNames, tls.tlsCertificates].filter((x) => x !== undefined).length > 1) {
                    out.push("spec.servers[].tls: only one of credentialName, credentialNames or tlsCertificates can be set");
                }
                if (!port(server.port?.number)) out.push("spec.servers[].port.number: port must be between 1-65535 (webhook)");
            }
            break;
        case "networking.istio.io/v1/VirtualService":
            for (const route of s.http ?? []) {
                const weights = (route.route ?? []).map((d: Json) => d.weight).filter((w: unknown) => w !== undefined);
                if (weights.length > 0 && weights.reduce((a: number, b: number) => a + b, 0) !== 100) out.push(`spec.http[${route.name}]: weights must sum to 100 (webhook)`);
            }
            break;
        case "networking.istio.io/v1/Sidecar":
            for (const egress of s.egress ?? []) {
                for (const host of egress.hosts ?? []) {
                    if (!/^[^/]+\/[^/]+$/.test(host)) out.push(`spec.egress[].hosts: ${host} must be <namespace>/<dnsName> (webhook)`);
                }
            }
            break;
        case "telemetry.istio.io/v1/Telemetry":
            if ((s.tracing ?? []).length > 1 || (s.tracing ?? []).some((t: Json) => (t.providers ?? []).length > 1)) {
                out.push("spec.tracing: only one tracing entry with one provider is supported (webhook)");
            }
            break;
        case "networking.istio.io/v1alpha3/EnvoyFilter":
            for (const patch of s.configPatches ?? []) {
                const m = patch.match ?? {};
                if ((m.context === "WAYPOINT") !== (m.waypoint !== undefined)) out.push("spec.configPatches[].match: only support waypointMatch when context is WAYPOINT");
                if (m.waypoint?.portNumber !== undefined && !port(m.waypoint.portNumber)) out.push("spec.configPatches[].match.waypoint.portNumber: port must be between 1-65535");
            }
            break;
    }
    return out;
}

/**
 * The Gateway API waypoint (no schema package here): the shape Istio documents for a namespace waypoint.
 */
export function waypointErrors(o: K8sObject): string[] {
    const out: string[] = [];
    if (o.spec.gatewayClassName !== "istio-waypoint") out.push("spec.gatewayClassName must be istio-waypoint");
    const listeners: Json[] = o.spec.listeners ?? [];
    if (listeners.length === 0 || listeners.length > 64) out.push("spec.listeners: 1 to 64 listeners");
    for (const l of listeners) {
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(l.name ?? "")) out.push(`spec.listeners[].name ${l.name} is not a section name`);
        if (l.port !== 15008 || l.protocol !== "HBONE") out.push("spec.listeners[]: a waypoint listens for HBONE on 15008");
    }
    return out;
}
