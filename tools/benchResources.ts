import { CheckResource } from "./checkInput";

/**
 * The Istio objects and workloads N services bring to a stack, as recorded resources (stack export
 * shape), so the check can be timed at scale before the services settings exist. Ten services share
 * a namespace; every service is mesh-compliant, so a clean run reports nothing.
 */
const PROJECT_PREFIX = "urn:pulumi:bench::meshstack::meshstack:mesh:MeshPolicies$";
export const SERVICES_PER_NAMESPACE = 10;

function k8s(type: string, apiVersion: string, kind: string, namespace: string, name: string, spec: unknown): CheckResource {
    const inputs = { apiVersion, kind, metadata: { name, namespace }, spec };
    return {
        urn: `${PROJECT_PREFIX}${type}::${namespace}-${name}`, type, name: `${namespace}-${name}`, custom: true,
        dependencies: [], protect: false, inputs, outputs: inputs,
    };
}

function istio(group: string, kind: string, namespace: string, name: string, spec: unknown): CheckResource {
    return k8s(`kubernetes:${group}/v1:${kind}`, `${group}/v1`, kind, namespace, name, spec);
}

export function namespaceOf(service: number): string {
    return `team-${String(Math.floor(service / SERVICES_PER_NAMESPACE)).padStart(3, "0")}`;
}

/** What one namespace holds besides its services: namespace-wide mTLS, tracing and egress scope. */
function namespaceResources(ns: string): CheckResource[] {
    return [
        istio("security.istio.io", "PeerAuthentication", ns, "default", { mtls: { mode: "STRICT" } }),
        istio("telemetry.istio.io", "Telemetry", ns, "tracing", { tracing: [{ randomSamplingPercentage: 2 }] }),
        istio("networking.istio.io", "Sidecar", ns, "default", { egress: [{ hosts: ["./*", "istio-system/*"] }] }),
    ];
}

function serviceResources(n: number): CheckResource[] {
    const ns = namespaceOf(n);
    const name = `svc-${String(n).padStart(4, "0")}`;
    const host = `${name}.${ns}.svc.cluster.local`;
    const labels = { app: name };
    const out = [
        k8s("kubernetes:apps/v1:Deployment", "apps/v1", "Deployment", ns, name, {
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name, image: `ghcr.io/example/${name}:1.0.${n}`, ports: [{ containerPort: 8080 }] }] } },
        }),
        k8s("kubernetes:core/v1:Service", "v1", "Service", ns, name, { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: 80, targetPort: 8080 }] }),
        istio("networking.istio.io", "DestinationRule", ns, name, {
            host,
            trafficPolicy: {
                tls: { mode: "ISTIO_MUTUAL" },
                connectionPool: { tcp: { maxConnections: 100 }, http: { http2MaxRequests: 1000, maxRetries: 3 } },
                outlierDetection: { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s" },
                portLevelSettings: [{ port: { number: 80 }, tls: { mode: "ISTIO_MUTUAL" } }],
            },
            subsets: [
                { name: "stable", labels: { version: "stable" } },
                { name: "canary", labels: { version: "canary" }, trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: "ISTIO_MUTUAL" } }] } },
            ],
        }),
        istio("networking.istio.io", "VirtualService", ns, name, {
            hosts: [host],
            http: [{ route: [{ destination: { host, subset: "stable" }, weight: 90 }, { destination: { host, subset: "canary" }, weight: 10 }], retries: { attempts: 3, perTryTimeout: "2s" } }],
        }),
        istio("security.istio.io", "AuthorizationPolicy", ns, name, {
            selector: { matchLabels: labels }, action: "ALLOW",
            rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/frontend`] } }], to: [{ operation: { methods: ["GET", "POST"] } }] }],
        }),
    ];
    if (n % 5 === 0) {
        out.push(istio("security.istio.io", "PeerAuthentication", ns, name, { selector: { matchLabels: labels }, mtls: { mode: "STRICT" }, portLevelMtls: { 8080: { mode: "STRICT" } } }));
    }
    if (n % 10 === 0) {
        const external = `api-${n}.partner.example.com`;
        out.push(
            istio("networking.istio.io", "ServiceEntry", ns, `${name}-partner`, { hosts: [external], location: "MESH_EXTERNAL", ports: [{ number: 443, name: "tls", protocol: "TLS" }], resolution: "DNS" }),
            istio("networking.istio.io", "DestinationRule", ns, `${name}-partner`, { host: external, trafficPolicy: { tls: { mode: "SIMPLE", sni: external } } }),
        );
    }
    return out;
}

/** The mesh-wide objects every compliant stack carries. */
export function meshWideResources(): CheckResource[] {
    return [
        istio("security.istio.io", "PeerAuthentication", "istio-system", "default", { mtls: { mode: "STRICT" } }),
        istio("telemetry.istio.io", "Telemetry", "istio-system", "mesh-default", { tracing: [{ providers: [{ name: "otel-tracing" }], randomSamplingPercentage: 5 }] }),
    ];
}

/** N services' worth of resources: per namespace, then per service. */
export function serviceResourcesFor(services: number): CheckResource[] {
    const out: CheckResource[] = [];
    for (let n = 0; n < services; n++) {
        if (n % SERVICES_PER_NAMESPACE === 0) out.push(...namespaceResources(namespaceOf(n)));
        out.push(...serviceResources(n));
    }
    return out;
}
