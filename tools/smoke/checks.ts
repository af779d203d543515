/**
 * The smoke checks' verdicts, as pure functions of what kubectl and the UIs' HTTP APIs answered, so tests drive
 * them with recorded or hand-written responses. tools/smoke.ts does the I/O.
 */

export type Verdict = "PASS" | "FAIL" | "SKIP";

export interface CheckResult {
    readonly check: string;
    readonly verdict: Verdict;
    readonly detail: string;
    /** For a failure: what to look at. */
    readonly lookAt?: string;
}

/** Every check, in the order smoke runs them, with what it proves (`--help` prints this table). */
export const CHECKS = [
    ["releases", "every Helm release of the stack is deployed (Helm's release secrets, status deployed)"],
    ["pods", "every pod in the mesh, observability and application namespaces is Running and Ready"],
    ["mtls", "STRICT mTLS is enforced: a plaintext request from the demo load generator (outside the mesh) to a service in each STRICT namespace is refused"],
    ["gateway", "a request through the ingress gateway to an exposed service succeeds (with Istio's demo JWT where the service requires one)"],
    ["trace", "that request's trace is in Jaeger with spans from at least three services"],
    ["logs", "an access log line carrying that request's trace id is in Loki"],
    ["metrics", "istio_requests_total for the exposed service is in Prometheus"],
    ["kiali", "Kiali's graph has the edge from the ingress gateway to the exposed service"],
    ["rules", "meshstack's PrometheusRule groups are loaded by Prometheus"],
] as const;
export type CheckName = (typeof CHECKS)[number][0];

const pass = (check: CheckName, detail: string): CheckResult => ({ check, verdict: "PASS", detail });
const fail = (check: CheckName, detail: string, lookAt: string): CheckResult => ({ check, verdict: "FAIL", detail, lookAt });
export const skip = (check: CheckName, detail: string): CheckResult => ({ check, verdict: "SKIP", detail });

/** One line per check: `PASS  trace    ...`, and for a failure `; look at: ...`. */
export function renderResult(r: CheckResult): string {
    return `${r.verdict}  ${r.check.padEnd(8)} ${r.detail}${r.lookAt ? `; look at: ${r.lookAt}` : ""}`;
}

interface HelmSecretList {
    items: { metadata: { namespace: string; labels?: Record<string, string> } }[];
}

/** Helm keeps a secret per release revision labelled `owner=helm, name, status`; the newest decides. */
export function checkReleases(expected: readonly { name: string; namespace: string }[], secrets: HelmSecretList): CheckResult {
    const latest = new Map<string, { version: number; status: string }>();
    for (const s of secrets.items) {
        const l = s.metadata.labels ?? {};
        const key = `${s.metadata.namespace}/${l.name}`;
        const version = Number(l.version ?? 0);
        if (!latest.has(key) || latest.get(key)!.version < version) latest.set(key, { version, status: l.status ?? "unknown" });
    }
    const bad = expected.map((e) => ({ e, status: latest.get(`${e.namespace}/${e.name}`)?.status ?? "missing" })).filter((x) => x.status !== "deployed");
    return bad.length === 0
        ? pass("releases", `${expected.length} Helm releases deployed`)
        : fail("releases", `not deployed: ${bad.map((x) => `${x.e.namespace}/${x.e.name} (${x.status})`).join(", ")}`,
            "the pulumi up output for the release, then kubectl -n <namespace> get events --sort-by=.lastTimestamp");
}

interface PodList {
    items: {
        metadata: { name: string; namespace: string };
        status: { phase: string; conditions?: { type: string; status: string }[]; containerStatuses?: { ready: boolean; state?: Record<string, { reason?: string }> }[] };
    }[];
}

export function checkPods(namespaces: readonly string[], pods: PodList): CheckResult {
    const inScope = pods.items.filter((p) => namespaces.includes(p.metadata.namespace) && p.status.phase !== "Succeeded");
    const notReady = inScope.filter((p) => !(p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"));
    const why = (p: PodList["items"][number]) => {
        const reason = (p.status.containerStatuses ?? []).flatMap((c) => Object.values(c.state ?? {}).map((s) => s.reason)).find((r) => r !== undefined);
        return `${p.metadata.namespace}/${p.metadata.name} (${reason ?? p.status.phase})`;
    };
    if (inScope.length === 0) return fail("pods", `no pods in ${namespaces.join(", ")}`, "kubectl get pods -A");
    return notReady.length === 0
        ? pass("pods", `${inScope.length} pods Ready in ${namespaces.length} namespaces`)
        : fail("pods", `not Ready: ${notReady.map(why).join(", ")}`, "kubectl -n <namespace> describe pod <pod> and its logs");
}

/** A plaintext probe from outside the mesh (server.py probe): exit 0 = answered, 3 = refused, else it did not run. */
export interface ProbeResult {
    readonly namespace: string;
    readonly url: string;
    readonly exitCode: number;
    readonly output: string;
}

export const PROBE_REFUSED = 3;

export function checkStrictMtls(probes: readonly ProbeResult[]): CheckResult {
    if (probes.length === 0) return skip("mtls", "no namespace is STRICT in this stack");
    const answered = probes.filter((p) => p.exitCode === 0);
    const broken = probes.filter((p) => p.exitCode !== 0 && p.exitCode !== PROBE_REFUSED);
    if (answered.length > 0) {
        return fail("mtls", `plaintext accepted: ${answered.map((p) => `${p.url} answered ${p.output.trim()}`).join(", ")}`,
            `kubectl -n ${answered[0].namespace} get peerauthentication, and whether the pods have an istio-proxy container`);
    }
    if (broken.length > 0) {
        return fail("mtls", `the probe did not run: ${broken.map((p) => `${p.url}: exit ${p.exitCode} ${p.output.trim()}`).join(", ")}`, "kubectl -n demo-load get pods");
    }
    return pass("mtls", `plaintext refused by ${probes.map((p) => p.namespace).join(", ")}`);
}

export function checkGateway(url: string, status: number | undefined, body: string): CheckResult {
    if (status === 200) return pass("gateway", `${url} answered 200`);
    const lookAt = status === 403 || status === 401
        ? "the service's RequestAuthentication and AuthorizationPolicies (kubectl get requestauthentication,authorizationpolicy -A)"
        : status === undefined
            ? "the kind port mapping and the ingress gateway pod (kubectl -n istio-ingress get pods,svc)"
            : "the demo pods' logs (kubectl logs -n <namespace> deploy/<service>) and the gateway's access log";
    return fail("gateway", `${url} answered ${status ?? "nothing"}${body ? `: ${body.slice(0, 200)}` : ""}`, lookAt);
}

interface JaegerTraces {
    data?: { spans: { processID: string }[]; processes: Record<string, { serviceName: string }> }[];
}

export function checkTrace(traceId: string, response: JaegerTraces | undefined, minServices = 3): CheckResult {
    const trace = response?.data?.[0];
    if (!trace) {
        return fail("trace", `trace ${traceId} is not in Jaeger`, "the collector's logs (kubectl -n observability logs deploy/otel-collector), the mesh Telemetry (kubectl get telemetry -A)");
    }
    const services = [...new Set(trace.spans.map((s) => trace.processes[s.processID]?.serviceName).filter((s): s is string => s !== undefined))].sort();
    return services.length >= minServices
        ? pass("trace", `trace ${traceId}: ${trace.spans.length} spans from ${services.join(", ")}`)
        : fail("trace", `trace ${traceId} has spans from ${services.length} service(s) (${services.join(", ")}), fewer than ${minServices}`,
            "whether the services propagate traceparent (the demo's server.py does) and their sidecars are injected");
}

interface LokiQuery {
    data?: { result?: { stream: Record<string, string>; values: [string, string][] }[] };
}

export function checkLogs(traceId: string, response: LokiQuery | undefined): CheckResult {
    const lines = (response?.data?.result ?? []).flatMap((r) => r.values.map(([, line]) => ({ stream: r.stream, line })));
    const hit = lines.find((l) => l.line.includes(`"trace_id":"${traceId}"`));
    return hit
        ? pass("logs", `access log of ${hit.stream.namespace ?? "?"}/${hit.stream.pod ?? "?"} has trace_id ${traceId}`)
        : fail("logs", `no access log line with trace_id ${traceId} in Loki (${lines.length} lines matched the id)`,
            "Alloy's logs (kubectl -n observability logs ds/alloy) and istiod's accessLogFormat");
}

interface PromQuery {
    data?: { result?: { metric: Record<string, string>; value: [number, string] }[] };
}

export function checkMetrics(service: string, response: PromQuery | undefined): CheckResult {
    const total = (response?.data?.result ?? []).reduce((s, r) => s + Number(r.value[1]), 0);
    return total > 0
        ? pass("metrics", `istio_requests_total for ${service}: ${total}`)
        : fail("metrics", `no istio_requests_total for ${service} in Prometheus`,
            "Prometheus targets (port-forward, /targets): the istio-proxy PodMonitor and istiod's defaultProviders.metrics");
}

interface KialiGraph {
    elements?: {
        nodes?: { data: { id: string; workload?: string; app?: string; namespace?: string } }[];
        edges?: { data: { source: string; target: string } }[];
    };
}

export function checkKiali(from: { namespace: string; app: string }, to: { namespace: string; app: string }, graph: KialiGraph | undefined): CheckResult {
    const nodes = new Map((graph?.elements?.nodes ?? []).map((n) => [n.data.id, n.data]));
    const is = (id: string, want: { namespace: string; app: string }) => {
        const n = nodes.get(id);
        return n !== undefined && n.namespace === want.namespace && (n.app === want.app || n.workload === want.app);
    };
    const edge = (graph?.elements?.edges ?? []).some((e) => is(e.data.source, from) && is(e.data.target, to));
    return edge
        ? pass("kiali", `graph has ${from.namespace}/${from.app} -> ${to.namespace}/${to.app}`)
        : fail("kiali", `graph has no edge ${from.namespace}/${from.app} -> ${to.namespace}/${to.app} (${nodes.size} nodes)`,
            "Kiali's Prometheus URL (external_services.prometheus.url) and the metrics check above");
}

interface PromRules {
    data?: { groups?: { name: string }[] };
}

export function checkRules(expected: readonly string[], response: PromRules | undefined): CheckResult {
    const loaded = new Set((response?.data?.groups ?? []).map((g) => g.name));
    const missing = expected.filter((g) => !loaded.has(g));
    return missing.length === 0
        ? pass("rules", `${expected.length} rule groups loaded: ${expected.join(", ")}`)
        : fail("rules", `not loaded: ${missing.join(", ")}`,
            "kubectl -n observability get prometheusrules, and the operator's ruleSelector (ruleSelectorNilUsesHelmValues)");
}
