import * as assert from "assert";
import { parseSmokeArgs, USAGE } from "../tools/smoke";
import {
    checkGateway, checkKiali, checkLogs, checkMetrics, checkPods, checkReleases, checkRules, checkStrictMtls, checkTrace, CHECKS, renderResult,
} from "../tools/smoke/checks";
import { smokeTarget, stackSettings } from "../tools/smoke/target";
import { readStackConfig } from "../tools/stackConfig";
import { evaluateStackFile } from "./harness";

/**
 * smoke's verdicts on hand-written API responses, shaped as kubectl, Jaeger's /api/traces, Loki's query_range,
 * Prometheus's query and rules APIs and Kiali's graph API answer. The live run needs a cluster; these don't.
 */
const line = (r: Parameters<typeof renderResult>[0]) => renderResult(r);
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

describe("smoke: checks on recorded answers", () => {
    it("releases: the newest revision of each expected release must be deployed", () => {
        const secret = (namespace: string, name: string, version: string, status: string) => ({ metadata: { namespace, labels: { owner: "helm", name, version, status } } });
        const expected = [{ name: "istiod", namespace: "istio-system" }, { name: "loki", namespace: "observability" }];
        assert.strictEqual(line(checkReleases(expected, { items: [secret("istio-system", "istiod", "1", "superseded"), secret("istio-system", "istiod", "2", "deployed"), secret("observability", "loki", "1", "deployed")] })),
            "PASS  releases 2 Helm releases deployed");
        assert.strictEqual(line(checkReleases(expected, { items: [secret("istio-system", "istiod", "3", "failed"), secret("istio-system", "istiod", "2", "deployed")] })),
            "FAIL  releases not deployed: istio-system/istiod (failed), observability/loki (missing); look at: the pulumi up output for the release, then kubectl -n <namespace> get events --sort-by=.lastTimestamp");
    });

    it("pods: every pod in scope Ready (finished Jobs aside); a failure names the pod and the container's reason", () => {
        const pod = (namespace: string, name: string, ready: boolean, phase = "Running", reason?: string) => ({
            metadata: { namespace, name },
            status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }], containerStatuses: [{ ready, state: (reason ? { waiting: { reason } } : { running: {} }) as Record<string, { reason?: string }> }] },
        });
        const pods = { items: [pod("edge", "api-gateway-1", true), pod("observability", "hook-1", false, "Succeeded"), pod("kube-system", "coredns", false)] };
        assert.strictEqual(line(checkPods(["edge", "observability"], pods)), "PASS  pods     1 pods Ready in 2 namespaces");
        pods.items.push(pod("edge", "core-2", false, "Pending", "ImagePullBackOff"));
        assert.strictEqual(line(checkPods(["edge", "observability"], pods)),
            "FAIL  pods     not Ready: edge/core-2 (ImagePullBackOff); look at: kubectl -n <namespace> describe pod <pod> and its logs");
    });

    it("mtls: STRICT passes when the plaintext probe is refused (exit 3), fails when answered, and says when the probe did not run", () => {
        const url = "http://payments.payments.svc.cluster.local:8080/";
        assert.strictEqual(line(checkStrictMtls([{ namespace: "payments", url, exitCode: 3, output: '{"error": "Connection reset by peer"}' }])),
            "PASS  mtls     plaintext refused by payments");
        assert.strictEqual(line(checkStrictMtls([{ namespace: "payments", url, exitCode: 0, output: '{"status": 200}\n' }])),
            `FAIL  mtls     plaintext accepted: ${url} answered {"status": 200}; look at: kubectl -n payments get peerauthentication, and whether the pods have an istio-proxy container`);
        assert.strictEqual(line(checkStrictMtls([{ namespace: "payments", url, exitCode: 1, output: 'error: context "kind-x" does not exist' }])),
            `FAIL  mtls     the probe did not run: ${url}: exit 1 error: context "kind-x" does not exist; look at: kubectl -n demo-load get pods`);
        assert.strictEqual(line(checkStrictMtls([])), "SKIP  mtls     no namespace is STRICT in this stack");
    });

    it("gateway: 200 passes; 403 points at the JWT and authorization policies, no answer at the gateway itself", () => {
        const url = "GET http://api.meshstack.localhost/ (through the gateway)";
        assert.strictEqual(line(checkGateway(url, 200, "{}")), `PASS  gateway  ${url} answered 200`);
        assert.strictEqual(line(checkGateway(url, 403, "RBAC: access denied")),
            `FAIL  gateway  ${url} answered 403: RBAC: access denied; look at: the service's RequestAuthentication and AuthorizationPolicies (kubectl get requestauthentication,authorizationpolicy -A)`);
        assert.strictEqual(line(checkGateway(url, undefined, "")),
            `FAIL  gateway  ${url} answered nothing; look at: the kind port mapping and the ingress gateway pod (kubectl -n istio-ingress get pods,svc)`);
    });

    it("trace: Jaeger's trace must hold spans from three services", () => {
        const trace = (services: string[]) => ({
            data: [{
                traceID: TRACE,
                spans: services.map((_, n) => ({ traceID: TRACE, spanID: `s${n}`, processID: `p${n}` })),
                processes: Object.fromEntries(services.map((s, n) => [`p${n}`, { serviceName: s }])),
            }],
        });
        assert.strictEqual(line(checkTrace(TRACE, trace(["istio-ingressgateway.istio-ingress", "api-gateway.edge", "core.core", "payments.payments"]))),
            `PASS  trace    trace ${TRACE}: 4 spans from api-gateway.edge, core.core, istio-ingressgateway.istio-ingress, payments.payments`);
        assert.strictEqual(line(checkTrace(TRACE, trace(["istio-ingressgateway.istio-ingress", "api-gateway.edge"]))),
            `FAIL  trace    trace ${TRACE} has spans from 2 service(s) (api-gateway.edge, istio-ingressgateway.istio-ingress), fewer than 3; look at: whether the services propagate traceparent (the demo's server.py does) and their sidecars are injected`);
        assert.strictEqual(line(checkTrace(TRACE, { data: [] })),
            `FAIL  trace    trace ${TRACE} is not in Jaeger; look at: the collector's logs (kubectl -n observability logs deploy/otel-collector), the mesh Telemetry (kubectl get telemetry -A)`);
    });

    it("logs: Loki must return an access log line whose trace_id field is the request's", () => {
        const stream = (lineText: string) => ({ data: { result: [{ stream: { namespace: "istio-ingress", pod: "istio-ingressgateway-7d9f", container: "istio-proxy" }, values: [["1764520000000000000", lineText] as [string, string]] }] } });
        assert.strictEqual(line(checkLogs(TRACE, stream(`{"method":"GET","path":"/","response_code":200,"trace_id":"${TRACE}"}`))),
            `PASS  logs     access log of istio-ingress/istio-ingressgateway-7d9f has trace_id ${TRACE}`);
        // The id appears, but only in another field (e.g. a traceparent header logged by the app): not the access log.
        assert.strictEqual(line(checkLogs(TRACE, stream(`traceparent=00-${TRACE}-b7ad6b7169203331-01`))),
            `FAIL  logs     no access log line with trace_id ${TRACE} in Loki (1 lines matched the id); look at: Alloy's logs (kubectl -n observability logs ds/alloy) and istiod's accessLogFormat`);
    });

    it("metrics: istio_requests_total for the service must be above zero", () => {
        assert.strictEqual(line(checkMetrics("api-gateway", { data: { result: [{ metric: {}, value: [1764520000.1, "12"] }] } })), "PASS  metrics  istio_requests_total for api-gateway: 12");
        assert.strictEqual(line(checkMetrics("api-gateway", { data: { result: [] } })),
            "FAIL  metrics  no istio_requests_total for api-gateway in Prometheus; look at: Prometheus targets (port-forward, /targets): the istio-proxy PodMonitor and istiod's defaultProviders.metrics");
    });

    it("kiali: the graph must have the gateway -> service edge", () => {
        const graph = (edges: [string, string][]) => ({
            elements: {
                nodes: [
                    { data: { id: "n0", namespace: "istio-ingress", app: "istio-ingressgateway" } },
                    { data: { id: "n1", namespace: "edge", app: "api-gateway" } },
                    { data: { id: "n2", namespace: "core", app: "core" } },
                ],
                edges: edges.map(([source, target]) => ({ data: { source, target } })),
            },
        });
        const from = { namespace: "istio-ingress", app: "istio-ingressgateway" };
        const to = { namespace: "edge", app: "api-gateway" };
        assert.strictEqual(line(checkKiali(from, to, graph([["n0", "n1"], ["n1", "n2"]]))), "PASS  kiali    graph has istio-ingress/istio-ingressgateway -> edge/api-gateway");
        assert.strictEqual(line(checkKiali(from, to, graph([["n1", "n2"]]))),
            "FAIL  kiali    graph has no edge istio-ingress/istio-ingressgateway -> edge/api-gateway (3 nodes); look at: Kiali's Prometheus URL (external_services.prometheus.url) and the metrics check above");
    });

    it("rules: every PrometheusRule group of the stack must be loaded", () => {
        const expected = ["meshstack.mesh", "meshstack.control-plane", "meshstack.telemetry"];
        assert.strictEqual(line(checkRules(expected, { data: { groups: expected.map((name) => ({ name })) } })),
            "PASS  rules    3 rule groups loaded: meshstack.mesh, meshstack.control-plane, meshstack.telemetry");
        assert.strictEqual(line(checkRules(expected, { data: { groups: [{ name: "meshstack.mesh" }, { name: "kubernetes-apps" }] } })),
            "FAIL  rules    not loaded: meshstack.control-plane, meshstack.telemetry; look at: kubectl -n observability get prometheusrules, and the operator's ruleSelector (ruleSelectorNilUsesHelmValues)");
    });
});

describe("smoke: what it checks per stack, and its arguments", () => {
    it("dev: the stack's releases, namespaces, STRICT payments, the exposed api-gateway with the demo JWT, its rule groups", async () => {
        const t = smokeTarget(await evaluateStackFile("dev"), stackSettings(readStackConfig("dev")));
        assert.strictEqual(t.context, "kind-meshstack-dev");
        assert.deepStrictEqual(t.releases.map((r) => `${r.namespace}/${r.name}`).sort(), [
            "istio-ingress/istio-ingressgateway", "istio-system/istio-base", "istio-system/istiod-1-31-1", "observability/alloy", "observability/jaeger",
            "observability/kiali", "observability/kube-prometheus-stack", "observability/loki", "observability/otel-collector",
        ]);
        assert.deepStrictEqual(t.namespaces, ["istio-system", "observability", "istio-ingress", "edge", "core", "ml", "payments", "demo-load"]);
        assert.deepStrictEqual(t.strict, [{ namespace: "payments", url: "http://payments.payments.svc.cluster.local:8080/" }]);
        assert.deepStrictEqual(t.entry, {
            service: "api-gateway", namespace: "edge", host: "api.meshstack.localhost", path: "/", method: "GET", headers: {},
            tokenUrl: "https://raw.githubusercontent.com/istio/istio/1.31.1/security/tools/jwt/samples/demo.jwt",
        });
        assert.deepStrictEqual(t.gateway, { namespace: "istio-ingress", service: "istio-ingressgateway" });
        assert.deepStrictEqual(t.ruleGroups, ["meshstack.mesh", "meshstack.control-plane", "meshstack.telemetry", "meshstack.slo.recording", "meshstack.slo.alerts"]);
    });

    it("--help documents every check; arguments are strict", () => {
        for (const [name, what] of CHECKS) assert.ok(USAGE.includes(`  ${name.padEnd(9)}${what}\n`), name);
        assert.match(USAGE, /It needs the cluster: nothing here is simulated\./);
        assert.deepStrictEqual(parseSmokeArgs(["--stack", "dev"]), { stack: "dev", waitSeconds: 120 });
        assert.deepStrictEqual(parseSmokeArgs(["--stack", "dev-ambient", "--wait", "30"]), { stack: "dev-ambient", waitSeconds: 30 });
        assert.strictEqual(parseSmokeArgs(["--help"]), "help");
        assert.throws(() => parseSmokeArgs([]), /^Error: --stack is required; usage: npm run smoke -- --stack <name> \[--wait <seconds>\]$/);
        assert.throws(() => parseSmokeArgs(["--stack", "dev", "--json"]), /^Error: unknown or incomplete argument --json; usage:/);
    });
});
