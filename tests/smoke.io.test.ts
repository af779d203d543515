import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { runChecks } from "../tools/smoke";
import { renderResult } from "../tools/smoke/checks";
import { SmokeTarget } from "../tools/smoke/target";

/**
 * smoke's I/O wired to stand-ins: a fake `kubectl` on PATH answers get/exec from files and "port-forwards" every
 * service to one local HTTP server that answers as the gateway, Jaeger, Loki, Prometheus and Kiali do. This checks
 * the requests smoke makes (paths, queries, headers) and how it reads the answers; the real APIs need a cluster.
 */
describe("smoke: the live run's I/O against a fake kubectl and fake UI APIs", function () {
    this.timeout(60_000);
    let dir: string;
    let server: http.Server;
    let savedPath: string | undefined;
    const requests: string[] = [];
    let traceId = "";

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-smoke-"));
        server = http.createServer((req, res) => {
            const url = new URL(req.url!, "http://x");
            requests.push(`${req.method} ${url.pathname}`);
            const json = (body: unknown, status = 200) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
            if (url.pathname === "/demo.jwt") return res.end("header.payload.signature\n");
            if (url.pathname === "/") {
                // The gateway: the exposed host, the demo token and a sampled W3C trace context, or 403.
                const m = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(String(req.headers.traceparent));
                const ok = req.headers.host === "api.meshstack.localhost" && req.headers.authorization === "Bearer header.payload.signature" && m;
                if (m) traceId = m[1];
                return json({}, ok ? 200 : 403);
            }
            if (url.pathname.startsWith("/api/traces/")) {
                const names = ["istio-ingressgateway.istio-ingress", "api-gateway.edge", "core.core"];
                return json({ data: [{ spans: names.map((_, n) => ({ processID: `p${n}` })), processes: Object.fromEntries(names.map((s, n) => [`p${n}`, { serviceName: s }])) }] });
            }
            if (url.pathname === "/loki/api/v1/query_range") {
                const id = /\|= "([0-9a-f]{32})"/.exec(url.searchParams.get("query")!)![1];
                return json({ data: { result: [{ stream: { namespace: "edge", pod: "api-gateway-1" }, values: [["1", `{"trace_id":"${id}"}`]] }] } });
            }
            if (url.pathname === "/api/v1/query") {
                assert.strictEqual(url.searchParams.get("query"), 'sum(istio_requests_total{destination_service_name="api-gateway",destination_service_namespace="edge"})');
                return json({ data: { result: [{ metric: {}, value: [1, "7"] }] } });
            }
            if (url.pathname === "/kiali/api/namespaces/graph") {
                assert.deepStrictEqual([url.searchParams.get("namespaces"), url.searchParams.get("graphType")], ["istio-ingress,edge", "app"]);
                return json({ elements: { nodes: [{ data: { id: "a", namespace: "istio-ingress", app: "istio-ingressgateway" } }, { data: { id: "b", namespace: "edge", app: "api-gateway" } }], edges: [{ data: { source: "a", target: "b" } }] } });
            }
            if (url.pathname === "/api/v1/rules") return json({ data: { groups: [{ name: "meshstack.mesh" }] } });
            return json({}, 404);
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as net.AddressInfo).port;
        fs.writeFileSync(path.join(dir, "secrets.json"), JSON.stringify({ items: [{ metadata: { namespace: "istio-system", labels: { name: "istiod", status: "deployed", version: "1" } } }] }));
        fs.writeFileSync(path.join(dir, "pods.json"), JSON.stringify({ items: [{ metadata: { namespace: "edge", name: "api-gateway-1" }, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } }] }));
        fs.writeFileSync(path.join(dir, "kubectl"), [
            "#!/bin/bash",
            `echo "$*" >> "${dir}/calls"`,
            '[ "$1 $2" = "--context kind-fake" ] || { echo "no context" >&2; exit 1; }; shift 2',
            'case "$*" in',
            `  "get secrets -A -l owner=helm -o json") cat "${dir}/secrets.json" ;;`,
            `  "get pods -A -o json") cat "${dir}/pods.json" ;;`,
            '  *" exec deploy/loadgen -- python3 /app/server.py probe "*) echo \'{"error": "Connection reset by peer"}\'; exit 3 ;;',
            `  *" port-forward "*) echo "Forwarding from 127.0.0.1:${port} -> 80"; exec sleep 60 ;;`,
            '  *) echo "unexpected: $*" >&2; exit 1 ;;',
            "esac",
        ].join("\n"), { mode: 0o755 });
        savedPath = process.env.PATH;
        process.env.PATH = `${dir}:${savedPath}`;
    });

    after(() => {
        process.env.PATH = savedPath;
        server.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("prints a PASS line per check and makes exactly the calls the checks need", async () => {
        const port = (server.address() as net.AddressInfo).port;
        const target: SmokeTarget = {
            context: "kind-fake",
            releases: [{ name: "istiod", namespace: "istio-system" }],
            namespaces: ["edge"],
            demo: true,
            strict: [{ namespace: "payments", url: "http://payments.payments.svc.cluster.local:8080/" }],
            entry: { service: "api-gateway", namespace: "edge", host: "api.meshstack.localhost", path: "/", method: "GET", headers: {}, tokenUrl: `http://127.0.0.1:${port}/demo.jwt` },
            gateway: { namespace: "istio-ingress", service: "istio-ingressgateway" },
            ruleGroups: ["meshstack.mesh"],
        };
        const lines = (await runChecks(target, 0, () => undefined)).map(renderResult);
        assert.match(traceId, /^[0-9a-f]{32}$/);
        assert.deepStrictEqual(lines, [
            "PASS  releases 1 Helm releases deployed",
            "PASS  pods     1 pods Ready in 1 namespaces",
            "PASS  mtls     plaintext refused by payments",
            "PASS  gateway  GET http://api.meshstack.localhost/ (through the gateway) answered 200",
            `PASS  trace    trace ${traceId}: 3 spans from api-gateway.edge, core.core, istio-ingressgateway.istio-ingress`,
            `PASS  logs     access log of edge/api-gateway-1 has trace_id ${traceId}`,
            "PASS  metrics  istio_requests_total for api-gateway: 7",
            "PASS  kiali    graph has istio-ingress/istio-ingressgateway -> edge/api-gateway",
            "PASS  rules    1 rule groups loaded: meshstack.mesh",
        ]);
        assert.deepStrictEqual(requests.map((r) => r.replace(traceId, "<id>")), [
            "GET /demo.jwt", "GET /", "GET /api/traces/<id>", "GET /loki/api/v1/query_range", "GET /api/v1/query", "GET /kiali/api/namespaces/graph", "GET /api/v1/rules",
        ]);
        // One port-forward per service for the whole run (Prometheus serves two checks).
        const forwards = fs.readFileSync(path.join(dir, "calls"), "utf8").split("\n").filter((l) => l.includes("port-forward"));
        assert.deepStrictEqual(forwards, [
            "--context kind-fake -n istio-ingress port-forward svc/istio-ingressgateway :80",
            "--context kind-fake -n observability port-forward svc/jaeger :16686",
            "--context kind-fake -n observability port-forward svc/loki :3100",
            "--context kind-fake -n observability port-forward svc/kps-prometheus :9090",
            "--context kind-fake -n observability port-forward svc/kiali :20001",
        ]);
    });
});
