import { K8sObject } from "../render";
import { LabelSelector, objectLabel, PodTemplate, selects, strings } from "./objects";

/**
 * Cross-references that must resolve in the rendered manifests: every in-cluster URL or host:port, the
 * monitors' selectors and port names, Istio Gateway selectors, and the port-forward commands the stack exports.
 */

export interface ServicePort { readonly port: number; readonly name?: string }
export interface ServiceInfo { readonly namespace: string; readonly name: string; readonly labels: Record<string, string>; readonly ports: ServicePort[] }
export interface Located { readonly source: string; readonly namespace: string; readonly object: K8sObject }

/**
 * Services a cluster has without any chart: the API server and cluster DNS. kubelet's Service is created by the
 * Prometheus operator at run time under the name its `--kubelet-service` argument gives.
 */
export function builtinServices(objects: readonly Located[]): ServiceInfo[] {
    const builtin: ServiceInfo[] = [
        { namespace: "default", name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" }, ports: [{ port: 443, name: "https" }] },
        { namespace: "kube-system", name: "kube-dns", labels: { "k8s-app": "kube-dns" }, ports: [{ port: 53, name: "dns" }, { port: 53, name: "dns-tcp" }, { port: 9153, name: "metrics" }] },
    ];
    for (const { object: o } of objects) {
        for (const c of o.kind === "Deployment" ? o.spec?.template?.spec?.containers ?? [] : []) {
            const arg = (c.args ?? []).find((a: string) => a.startsWith("--kubelet-service="));
            if (!arg) continue;
            const [namespace, name] = arg.slice("--kubelet-service=".length).split("/");
            builtin.push({
                namespace, name, labels: { "app.kubernetes.io/name": "kubelet", "k8s-app": "kubelet" },
                ports: [{ port: 10250, name: "https-metrics" }, { port: 10255, name: "http-metrics" }, { port: 4194, name: "cadvisor" }],
            });
        }
    }
    return builtin;
}

export function serviceIndex(objects: readonly Located[]): ServiceInfo[] {
    return [
        ...objects.filter(({ object: o }) => o.kind === "Service" && o.apiVersion === "v1").map(({ object: o, namespace }) => ({
            namespace, name: o.metadata.name!, labels: o.metadata.labels ?? {},
            ports: (o.spec?.ports ?? []).map((p: any) => ({ port: Number(p.port), name: p.name })),
        })),
        ...builtinServices(objects),
    ];
}

/** `scheme://name.namespace[.svc[.cluster.local]][:port]` or `name.namespace.svc[.cluster.local]:port`. */
const URL_REF = /\b([a-z][a-z0-9+.-]*):\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)((?:\.svc(?:\.cluster\.local)?)?)(?::(\d+))?(?![-a-z0-9.])/g;
const HOST_PORT_REF = /(?<![-a-z0-9.:/])([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?(?::(\d+))?(?![-a-z0-9.])/g;
const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };

export interface Reference { readonly host: string; readonly namespace: string; readonly service: string; readonly port?: number; readonly text: string }

/** The in-cluster references in a text: URLs whose host is `<service>.<namespace>` of a namespace the stack uses, or `.svc` hosts. */
export function referencesIn(text: string, namespaces: ReadonlySet<string>): Reference[] {
    const found: Reference[] = [];
    for (const m of text.matchAll(URL_REF)) {
        const [whole, scheme, service, , namespace, , svc, port] = m;
        if (!svc && !namespaces.has(namespace)) continue;
        const p = port ? Number(port) : DEFAULT_PORTS[scheme];
        found.push({ host: `${service}.${namespace}`, namespace, service, ...(p ? { port: p } : {}), text: whole });
    }
    for (const m of text.matchAll(HOST_PORT_REF)) {
        const [whole, service, , namespace, , port] = m;
        if (found.some((f) => f.text.includes(whole))) continue;
        found.push({ host: `${service}.${namespace}`, namespace, service, ...(port ? { port: Number(port) } : {}), text: whole });
    }
    return found;
}

function decodedData(o: K8sObject): unknown {
    if (o.kind !== "Secret" || !o.data) return o;
    return { ...o, data: Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, Buffer.from(String(v), "base64").toString("utf8")])) };
}

/**
 * References into namespaces the stack renders Services into must resolve. Namespaces the stack only declares
 * (application namespaces, whose workloads the program does not own) are not checked; a `.svc` host in a
 * namespace the stack never mentions is a finding (usually a misspelt namespace).
 */
export function urlFindings(objects: readonly Located[], services: readonly ServiceInfo[], namespaces: ReadonlySet<string>): string[] {
    const findings: string[] = [];
    const withServices = new Set(services.map((s) => s.namespace));
    for (const { source, object } of objects) {
        if (object.kind === "CustomResourceDefinition") continue;
        for (const { path, value } of strings(decodedData(object))) {
            for (const ref of referencesIn(value, namespaces)) {
                if (namespaces.has(ref.namespace) && !withServices.has(ref.namespace)) continue;
                const problem = namespaces.has(ref.namespace) ? resolve(ref, services) : `names namespace ${ref.namespace}, which the stack neither creates nor installs anything into`;
                if (problem) findings.push(`${source}: ${objectLabel(object)} ${path}: ${ref.text} ${problem}`);
            }
        }
    }
    return findings;
}

export function resolve(ref: Pick<Reference, "namespace" | "service" | "port">, services: readonly ServiceInfo[]): string | undefined {
    const svc = services.find((s) => s.namespace === ref.namespace && s.name === ref.service);
    if (!svc) return `names no Service ${ref.namespace}/${ref.service}`;
    if (ref.port !== undefined && !svc.ports.some((p) => p.port === ref.port)) {
        return `uses port ${ref.port}, which Service ${ref.namespace}/${ref.service} does not expose (ports: ${svc.ports.map((p) => p.port).join(", ") || "none"})`;
    }
    return undefined;
}

/** istiod's extension providers name a service and a port in separate fields. */
export function extensionProviderFindings(mesh: { source: string; config: Record<string, any> }[], services: readonly ServiceInfo[]): string[] {
    const findings: string[] = [];
    for (const { source, config } of mesh) {
        for (const p of config.extensionProviders ?? []) {
            for (const [kind, spec] of Object.entries(p ?? {})) {
                if (kind === "name" || typeof spec !== "object" || !spec || !("service" in spec)) continue;
                const host = String((spec as any).service).replace(/^[^/]*\//, "");
                const m = /^([a-z0-9-]+)\.([a-z0-9-]+)(\.svc(\.cluster\.local)?)?$/.exec(host);
                const port = (spec as any).port === undefined ? undefined : Number((spec as any).port);
                const problem = m ? resolve({ service: m[1], namespace: m[2], port }, services) : "is not a <service>.<namespace> host";
                if (problem) findings.push(`${source}: meshConfig.extensionProviders ${p.name} (${kind}) service ${host}:${port ?? ""} ${problem}`);
            }
        }
    }
    return findings;
}

function namespacesOf(selector: any, own: string): (ns: string) => boolean {
    if (selector?.any) return () => true;
    if (Array.isArray(selector?.matchNames)) return (ns) => selector.matchNames.includes(ns);
    return (ns) => ns === own;
}

export function monitorFindings(objects: readonly Located[], services: readonly ServiceInfo[], pods: readonly PodTemplate[]): string[] {
    const findings: string[] = [];
    for (const { source, namespace, object: o } of objects) {
        const where = `${source}: ${objectLabel(o)}`;
        if (o.kind === "ServiceMonitor" && String(o.apiVersion).startsWith("monitoring.coreos.com/")) {
            const inNs = namespacesOf(o.spec?.namespaceSelector, namespace);
            const matched = services.filter((s) => inNs(s.namespace) && selects(o.spec?.selector as LabelSelector, s.labels));
            if (matched.length === 0) {
                findings.push(`${where}: its selector ${JSON.stringify(o.spec?.selector ?? {})} matches no Service`);
                continue;
            }
            for (const e of o.spec?.endpoints ?? []) {
                if (e.port && !matched.some((s) => s.ports.some((p) => p.name === e.port))) {
                    findings.push(`${where}: endpoint port "${e.port}" is not a port name of ${matched.map((s) => `${s.namespace}/${s.name}`).join(", ")}`);
                }
            }
        }
        if (o.kind === "PodMonitor" && String(o.apiVersion).startsWith("monitoring.coreos.com/")) {
            const inNs = namespacesOf(o.spec?.namespaceSelector, namespace);
            const matched = pods.filter((p) => inNs(p.namespace) && selects(o.spec?.selector as LabelSelector, p.labels));
            if (matched.length === 0) {
                findings.push(`${where}: its selector ${JSON.stringify(o.spec?.selector ?? {})} matches no pod the stack runs`);
                continue;
            }
            const ports = matched.flatMap((p) => (p.spec.containers ?? []).flatMap((c: any) => (c.ports ?? []).map((port: any) => ({ container: c.name, name: port.name }))));
            for (const e of o.spec?.podMetricsEndpoints ?? []) {
                if (e.port && !ports.some((p) => p.name === e.port)) {
                    findings.push(`${where}: endpoint port "${e.port}" is not a container port name of ${matched.map((p) => p.owner).join(", ")}`);
                }
                const keep = (e.relabelings ?? []).find((r: any) => r.action === "keep"
                    && JSON.stringify(r.sourceLabels) === JSON.stringify(["__meta_kubernetes_pod_container_name", "__meta_kubernetes_pod_container_port_name"]));
                if (keep && !ports.some((p) => new RegExp(`^(?:${keep.regex})$`).test(`${p.container};${p.name}`))) {
                    findings.push(`${where}: keeps only container;port "${keep.regex}", which no pod it selects has`);
                }
            }
        }
    }
    return findings;
}

/** Istio Gateways select gateway pods by label, in any namespace. */
export function gatewaySelectorFindings(objects: readonly Located[], pods: readonly PodTemplate[]): string[] {
    return objects
        .filter(({ object: o }) => o.kind === "Gateway" && String(o.apiVersion).startsWith("networking.istio.io/") && o.spec?.selector)
        .filter(({ object: o }) => !pods.some((p) => selects({ matchLabels: o.spec.selector }, p.labels)))
        .map(({ source, object: o }) => `${source}: ${objectLabel(o)} selects pods ${JSON.stringify(o.spec.selector)}, and no gateway pod the stack runs has those labels`);
}

/** `kubectl ... -n <ns> port-forward svc/<name> <local>:<remote>` lines, and URLs on those local ports. */
export function outputFindings(outputs: Record<string, unknown>, services: readonly ServiceInfo[]): string[] {
    const findings: string[] = [];
    const forwarded = new Set<number>();
    for (const cmd of (Array.isArray(outputs.portForward) ? outputs.portForward : []) as string[]) {
        const ns = /(?:-n|--namespace)[ =](\S+)/.exec(cmd)?.[1];
        const target = /port-forward\s+(?:\S+\s+)*?svc\/(\S+)\s+(\d+):(\d+)/.exec(cmd);
        if (!ns || !target) {
            findings.push(`output portForward: "${cmd}" is not a kubectl port-forward to a service`);
            continue;
        }
        forwarded.add(Number(target[2]));
        const problem = resolve({ namespace: ns, service: target[1], port: Number(target[3]) }, services);
        if (problem) findings.push(`output portForward: "${cmd}" ${problem}`);
    }
    for (const [name, url] of Object.entries((outputs.urls ?? {}) as Record<string, string>)) {
        const m = /^https?:\/\/localhost:(\d+)/.exec(url);
        if (m && !forwarded.has(Number(m[1]))) findings.push(`output urls.${name}: ${url} is on local port ${m[1]}, which no portForward command opens`);
    }
    return findings;
}
