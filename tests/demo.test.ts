import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { concretePath, demoPlan } from "../components/demo/plan";
import { loadSettings } from "../settings";
import { ProgramRun, RecordedResource } from "../tools/mockRuntime";
import { ISTIO_DEMO_JWT } from "../versions";
import { evaluate, evaluateStackFile, ofType, one } from "./harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const env = (d: RecordedResource): Record<string, string> =>
    Object.fromEntries(d.inputs.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
const calls = (run: ProgramRun, name: string) => JSON.parse(env(one(run, DEPLOYMENT, name)).CALLS);
const demoResources = (run: ProgramRun) => run.resources.filter((r) => r.urn.includes("meshstack:demo:DemoWorkload$")).map((r) => `${r.type.slice("kubernetes:".length)} ${r.name}`);

describe("first-hour settings (demo.enabled, portForward.localPortOffset)", () => {
    const raw = (values: Record<string, string>) => ({ values, secretKeys: new Set<string>() });
    const kubeconfig = path.join(__dirname, "fixtures", "kubeconfig.yaml");

    it("the demo is on in dev and off in staging and prod unless set; the port offset defaults to 0", () => {
        assert.deepStrictEqual(loadSettings(raw({}), "meshstack", "dev").firstHour, { demo: true, localPortOffset: 0 });
        const existing = { "cluster.kind": "existing", "existing.kubeconfigPath": kubeconfig };
        assert.deepStrictEqual(loadSettings(raw(existing), "meshstack", "staging").firstHour, { demo: false, localPortOffset: 0 });
        assert.deepStrictEqual(loadSettings(raw({ ...existing, "demo.enabled": "true", "portForward.localPortOffset": "200" }), "meshstack", "staging").firstHour,
            { demo: true, localPortOffset: 200 });
    });

    it("names the key, the bad value and the fix", () => {
        assert.throws(() => loadSettings(raw({ "demo.enabled": "yes", "portForward.localPortOffset": "50000" }), "meshstack", "dev"), {
            message: "meshstack:demo.enabled \"yes\" is not a boolean; use true or false\n"
                + "meshstack:portForward.localPortOffset 50000 is out of range; use a whole number from 0 to 40000",
        });
    });
});

describe("demo plan (pure)", () => {
    it("an exposed service requiring a JWT from another issuer gets no load, and is named in unloaded", () => {
        const settings = loadSettings({
            values: {
                "mesh.ingressHosts": JSON.stringify(["*.example.com"]),
                "mesh.jwt": JSON.stringify([{ issuer: "https://login.example.com", jwksUri: "https://login.example.com/jwks.json" }]),
                namespaces: JSON.stringify([{ name: "shop" }]),
                services: JSON.stringify([
                    { name: "web", namespace: "shop", port: 8080, expose: { host: "web.example.com" }, requireJwt: true },
                    { name: "docs", namespace: "shop", port: 8080, expose: { host: "docs.example.com" } },
                ]),
            },
            secretKeys: new Set<string>(),
        }, "meshstack", "dev");
        const plan = demoPlan(settings.app.services, settings.meshPolicy.jwt.map((j) => j.issuer),
            { namespace: "istio-ingress", service: "istio-ingressgateway", serviceAccount: "istio-ingressgateway", port: 80 });
        assert.deepStrictEqual(plan.load, [{ service: "docs", target: "http://istio-ingressgateway.istio-ingress.svc.cluster.local:80/", host: "docs.example.com", headers: {}, tokenUrl: undefined }]);
        assert.deepStrictEqual(plan.unloaded, ["web"]);
        assert.deepStrictEqual(plan.workloads.map((w) => [w.name, w.calls]), [["web", []], ["docs", []]]);
    });
});

describe("demo workload", () => {
    let dev: ProgramRun;
    let ambient: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        dev = await evaluateStackFile("dev");
        ambient = await evaluateStackFile("dev-ambient");
        prod = await evaluateStackFile("prod");
    });

    it("dev runs the declared services: a Service, service account and Deployment per service, one per version", () => {
        assert.deepStrictEqual(ofType(dev, DEPLOYMENT).map((d) => `${d.inputs.metadata.namespace}/${d.inputs.metadata.name}`), [
            "edge/api-gateway", "core/core", "ml/ml-prediction", "payments/payments-v1", "payments/payments-v2", "demo-load/loadgen",
        ]);
        assert.deepStrictEqual(ofType(dev, "kubernetes:core/v1:ServiceAccount").map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`),
            ["edge/api-gateway", "core/core", "ml/ml-prediction", "payments/payments"]);
        const payments = one(dev, "kubernetes:core/v1:Service", "demo-payments-payments").inputs;
        assert.deepStrictEqual(payments.spec, { selector: { app: "payments" }, ports: [{ name: "http", port: 8080, targetPort: 8080, protocol: "TCP", appProtocol: "http" }] });
        const v2 = one(dev, DEPLOYMENT, "demo-payments-payments-v2").inputs.spec;
        assert.deepStrictEqual(v2.selector, { matchLabels: { app: "payments", version: "v2" } });
        assert.strictEqual(v2.template.spec.serviceAccountName, "payments");
        assert.strictEqual(v2.template.spec.containers[0].image, "docker.io/library/python:3.14.0-alpine3.22");
        // The sidecar's resources are declared on the pod (dev's sidecar preset), so the footprint sees them.
        assert.deepStrictEqual(v2.template.metadata.annotations, {
            "sidecar.istio.io/proxyCPU": "10m", "sidecar.istio.io/proxyMemory": "40Mi", "sidecar.istio.io/proxyCPULimit": "200m", "sidecar.istio.io/proxyMemoryLimit": "128Mi",
        });
        assert.deepStrictEqual(one(dev, DEPLOYMENT, "demo-payments-payments-v2").dependencies.map((u) => u.split("::").pop()), ["policies-ns-payments", "demo-payments-app"]);
    });

    it("each service calls its declared dependencies with the method, path and header values their ALLOW rules admit", () => {
        assert.deepStrictEqual(calls(dev, "demo-edge-api-gateway"), [
            { url: "http://core.core.svc.cluster.local:8080/api/demo", method: "GET", headers: {} },
            { url: "http://ml-prediction.ml.svc.cluster.local:8501/v1/models/demo", method: "POST", headers: {} },
            // initech: an accepted tenant that no tenant route pins (acme -> v2, globex -> v1), so the canary split shows.
            { url: "http://payments.payments.svc.cluster.local:8080/payments", method: "GET", headers: { "x-tenant-id": "initech" } },
        ]);
        assert.deepStrictEqual(calls(dev, "demo-core-core"), [
            { url: "http://payments.payments.svc.cluster.local:8080/payments", method: "GET", headers: { "x-tenant-id": "initech" } },
        ]);
        // stripe is an external API: the demo makes no call that needs the internet.
        assert.deepStrictEqual(calls(dev, "demo-payments-payments-v1"), []);
        assert.deepStrictEqual(["/v1/models/*", "*.json", "/payments"].map(concretePath), ["/v1/models/demo", "/demo.json", "/payments"]);
    });

    it("every demo request passes the stack's own AuthorizationPolicies (the ALLOWs select the demo pods)", () => {
        const policies = ofType(dev, "kubernetes:security.istio.io/v1:AuthorizationPolicy").map((p) => p.inputs);
        const callers = ofType(dev, DEPLOYMENT).filter((d) => d.inputs.metadata.namespace !== "demo-load");
        let checked = 0;
        for (const caller of callers) {
            const principal = `cluster.local/ns/${caller.inputs.metadata.namespace}/sa/${caller.inputs.spec.template.spec.serviceAccountName}`;
            for (const c of calls(dev, caller.name)) {
                const [, name, namespace, port, pathname] = /^http:\/\/([^.]+)\.([^.]+)\.svc\.cluster\.local:(\d+)(\/.*)$/.exec(c.url)!;
                const pods = ofType(dev, DEPLOYMENT).filter((d) => d.inputs.metadata.namespace === namespace && d.inputs.spec.selector.matchLabels.app === name);
                assert.ok(pods.length > 0 && port, `${c.url} has pods`);
                for (const pod of pods) {
                    const labels = pod.inputs.spec.template.metadata.labels;
                    const allows = policies.filter((p) => p.metadata.namespace === namespace && p.spec.action === "ALLOW"
                        && Object.entries(p.spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
                    assert.ok(allows.length > 0, `an ALLOW policy selects ${namespace}/${pod.inputs.metadata.name}`);
                    const admitted = allows.some((p) => p.spec.rules.some((r: any) => admits(r, principal, c.method, pathname, c.headers)));
                    assert.ok(admitted, `${principal} ${c.method} ${c.url} is admitted by ${namespace}/${pod.inputs.metadata.name}'s ALLOW rules`);
                    checked++;
                }
            }
        }
        assert.strictEqual(checked, 6);
    });

    it("the load generator sits outside the mesh and calls the exposed service through the ingress gateway with Istio's demo JWT", () => {
        const load = one(dev, DEPLOYMENT, "demo-loadgen");
        assert.deepStrictEqual(one(dev, "kubernetes:core/v1:Namespace", "demo-ns-demo-load").inputs.metadata.labels, { "istio-injection": "disabled" });
        assert.deepStrictEqual(load.inputs.spec.template.spec.containers.map((c: any) => c.name), ["load-api-gateway"]);
        assert.deepStrictEqual(env(load), {
            PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1",
            TARGET: "http://istio-ingressgateway.istio-ingress.svc.cluster.local:80/", HOST: "api.meshstack.localhost", HEADERS: "{}",
            TOKEN_URL: "https://raw.githubusercontent.com/istio/istio/1.31.1/security/tools/jwt/samples/demo.jwt",
        });
        assert.strictEqual(load.inputs.spec.template.metadata.annotations, undefined);
    });

    it("ambient dev runs its two services without sidecar annotations; prod and staging run no demo unless asked", async () => {
        assert.deepStrictEqual(demoResources(ambient).filter((r) => r.startsWith("apps/v1:Deployment")), [
            "apps/v1:Deployment demo-edge-api-gateway", "apps/v1:Deployment demo-payments-payments-v1", "apps/v1:Deployment demo-payments-payments-v2", "apps/v1:Deployment demo-loadgen",
        ]);
        assert.strictEqual(one(ambient, DEPLOYMENT, "demo-edge-api-gateway").inputs.spec.template.metadata.annotations, undefined);
        assert.deepStrictEqual(one(ambient, "kubernetes:core/v1:Namespace", "demo-ns-demo-load").inputs.metadata.labels, {});
        assert.deepStrictEqual(demoResources(prod), []);
        const off = await evaluate("dev", { "cluster.kind": "kind", "demo.enabled": false, namespaces: [{ name: "shop" }], services: [{ name: "web", namespace: "shop", port: 8080 }] });
        assert.deepStrictEqual(ofType(off, DEPLOYMENT), []);
    });

    it("outputs the app URL, a request with the demo token, and the stack's kube context", () => {
        assert.deepStrictEqual(dev.outputs.appUrls, { "api-gateway": "http://api.meshstack.localhost:8080/" });
        assert.deepStrictEqual(dev.outputs.appRequests, {
            "api-gateway": `TOKEN=$(curl -fsS ${ISTIO_DEMO_JWT.url}) && curl -sS -H "Authorization: Bearer $TOKEN" http://api.meshstack.localhost:8080/`,
        });
        assert.strictEqual(dev.outputs.kubeContext, "kind-meshstack-dev");
        assert.deepStrictEqual(ambient.outputs.appUrls, { "api-gateway": "http://api.meshstack.localhost:9080/" });
        assert.strictEqual(ambient.outputs.kubeContext, "kind-meshstack-dev-ambient");
        // dev-ambient's port-forwards listen 1000 ports above dev's, so both stacks' UIs can be open at once.
        assert.deepStrictEqual((ambient.outputs.portForward as string[])[0], "kubectl --context kind-meshstack-dev-ambient -n observability port-forward svc/grafana 4000:80");
        assert.deepStrictEqual((ambient.outputs.urls as Record<string, string>).kiali, "http://localhost:21001/kiali");
        // Every laptop port one kind stack uses (port-forwards, the gateway's mappings) is free of the other's.
        const laptopPorts = (run: ProgramRun) => {
            const gateway = run.outputs.ingressGateway as { httpPort: number; httpsPort: number };
            return [...(run.outputs.portForward as string[]).map((c) => Number(/ (\d+):\d+$/.exec(c)![1])), gateway.httpPort, gateway.httpsPort];
        };
        assert.deepStrictEqual(laptopPorts(dev), [3000, 9090, 9093, 16686, 20001, 8080, 8443]);
        assert.deepStrictEqual(laptopPorts(ambient), [4000, 10090, 10093, 17686, 21001, 9080, 9443]);
        assert.deepStrictEqual(laptopPorts(dev).filter((p) => laptopPorts(ambient).includes(p)), []);
        // prod: a load balancer, HTTPS (mesh.tlsCredentialName), the host's DNS points at the gateway.
        assert.deepStrictEqual(prod.outputs.appUrls, { "api-gateway": "https://api.example.com/" });
    });
});

/** Istio's ALLOW rule semantics for the fields meshstack emits: principals, methods, paths (exact, prefix*, *suffix), header conditions. */
function admits(rule: any, principal: string, method: string, pathname: string, headers: Record<string, string>): boolean {
    const pathMatches = (p: string) => p.endsWith("*") ? pathname.startsWith(p.slice(0, -1)) : p.startsWith("*") ? pathname.endsWith(p.slice(1)) : pathname === p;
    const from = (rule.from ?? []).every((f: any) => (f.source.principals ?? [principal]).includes(principal));
    const to = (rule.to ?? []).every((t: any) => (t.operation.methods ?? [method]).includes(method) && (t.operation.paths ?? [pathname]).some(pathMatches));
    const when = (rule.when ?? []).every((w: any) => {
        const header = /^request\.headers\[(.+)\]$/.exec(w.key)?.[1];
        return header !== undefined && w.values.includes(headers[header]);
    });
    return from && to && when;
}

describe("demo server (components/demo/server.py, run with the local python3)", function () {
    const python = spawnSync("python3", ["--version"]).status === 0;
    const script = path.join(__dirname, "..", "components", "demo", "server.py");
    const children: ChildProcess[] = [];
    let recorder: http.Server;
    const seen: http.IncomingHttpHeaders[] = [];

    before(function () {
        if (!python) {
            console.log("    SKIPPED: python3 is not installed, so the demo server cannot run here");
            this.skip();
        }
    });
    after(() => {
        children.forEach((c) => c.kill());
        recorder?.close();
    });

    const freePort = () => new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
    const serve = async (name: string, callsTo: object[]) => {
        const port = await freePort();
        const child = spawn("python3", [script, "serve"], { env: { ...process.env, PORT: String(port), SERVICE: name, CALLS: JSON.stringify(callsTo) }, stdio: "ignore" });
        children.push(child);
        for (let n = 0; n < 50; n++) {
            if (await new Promise((r) => net.connect(port, "127.0.0.1").on("connect", function (this: net.Socket) { this.end(); r(true); }).on("error", () => r(false)))) return port;
            await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`${name} did not start`);
    };
    const get = (port: number, headers: Record<string, string>) => new Promise<{ status: number; body: any }>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path: "/", headers }, (res) => {
            let b = "";
            res.on("data", (d) => { b += d; });
            res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(b) }));
        }).on("error", reject);
    });

    it("a request crossing two demo services reaches the third with the same trace context, request id and the rule's header", async () => {
        const recorderPort = await freePort();
        recorder = http.createServer((req, res) => {
            seen.push(req.headers);
            res.writeHead(req.url === "/fail" ? 500 : 200).end("{}");
        }).listen(recorderPort, "127.0.0.1");
        const b = await serve("b", [{ url: `http://127.0.0.1:${recorderPort}/payments`, method: "POST", headers: { "x-tenant-id": "acme" } }]);
        // a -> b is a POST with a JSON body, as api-gateway -> ml-prediction is: b must read it before answering.
        const a = await serve("a", [{ url: `http://127.0.0.1:${b}/api/demo`, method: "POST", headers: {} }]);
        const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        const r = await get(a, { traceparent, "x-request-id": "req-1", "x-b3-traceid": "0af7651916cd43dd8448eb211c80319c", "x-secret": "not forwarded" });
        assert.deepStrictEqual(r, { status: 200, body: { service: "a", version: "", calls: [{ url: `http://127.0.0.1:${b}/api/demo`, status: 200 }] } });
        assert.strictEqual(seen.length, 1);
        assert.deepStrictEqual([seen[0].traceparent, seen[0]["x-request-id"], seen[0]["x-b3-traceid"], seen[0]["x-tenant-id"], seen[0]["x-secret"]],
            [traceparent, "req-1", "0af7651916cd43dd8448eb211c80319c", "acme", undefined]);
    });

    it("answers 502 when a call fails, so the failure shows at the caller (and in Kiali)", async () => {
        const recorderPort = (recorder.address() as net.AddressInfo).port;
        const a = await serve("a", [{ url: `http://127.0.0.1:${recorderPort}/fail`, method: "GET", headers: {} }]);
        const r = await get(a, {});
        assert.deepStrictEqual(r, { status: 502, body: { service: "a", version: "", calls: [{ url: `http://127.0.0.1:${recorderPort}/fail`, status: 500 }] } });
    });

    it("probe exits 0 when a plaintext request is answered and 3 when the connection is refused", async () => {
        const recorderPort = (recorder.address() as net.AddressInfo).port;
        // Run asynchronously: the recorder answering the probe lives in this process's event loop.
        const probe = (url: string) => new Promise<{ status: number | null; stdout: string }>((resolve) => {
            const child = spawn("python3", [script, "probe", url]);
            let stdout = "";
            child.stdout.on("data", (d) => { stdout += d; });
            child.on("close", (status) => resolve({ status, stdout }));
        });
        const answered = await probe(`http://127.0.0.1:${recorderPort}/`);
        assert.deepStrictEqual([answered.status, answered.stdout], [0, `{"url": "http://127.0.0.1:${recorderPort}/", "status": 200}\n`]);
        const refused = await probe(`http://127.0.0.1:${await freePort()}/`);
        assert.strictEqual(refused.status, 3);
        assert.match(refused.stdout, /"error": ".*Connection refused/);
    });
});

describe("demo objects against Kubernetes' OpenAPI schemas (kubernetes-models 5.1.0: types, required fields, formats)", function () {
    this.timeout(120_000);
    // ts-node compiles to CommonJS and would turn import() into require(), which cannot load this ESM package.
    const esmImport = new Function("specifier", "return import(specifier)") as (s: string) => Promise<Record<string, new (data: unknown) => { validate(): void }>>;

    for (const stack of ["dev", "dev-ambient"]) {
        it(`${stack}: every Deployment, Service, ServiceAccount, ConfigMap and Namespace of the demo validates`, async () => {
            const run = await evaluateStackFile(stack);
            const objects = run.resources.filter((r) => r.urn.includes("meshstack:demo:DemoWorkload$"));
            const kinds = new Set<string>();
            const errors: string[] = [];
            for (const r of objects) {
                const [, groupVersion, kind] = r.type.split(":");
                const apiVersion = groupVersion === "core/v1" ? "v1" : groupVersion;
                const models = await esmImport(`kubernetes-models/${apiVersion}`);
                kinds.add(`${apiVersion}/${kind}`);
                try {
                    new models[kind]({ apiVersion, kind, ...r.inputs }).validate();
                } catch (e) {
                    errors.push(`${r.name}: ${(e as Error).message}`);
                }
            }
            assert.deepStrictEqual(errors, []);
            assert.deepStrictEqual([...kinds].sort(), ["apps/v1/Deployment", "v1/ConfigMap", "v1/Namespace", "v1/Service", "v1/ServiceAccount"]);
        });
    }

    it("the validator catches what it should: a replica count as a string, a container without a name", async () => {
        const { Deployment } = await esmImport("kubernetes-models/apps/v1");
        const d = one(await evaluateStackFile("dev"), DEPLOYMENT, "demo-core-core").inputs;
        const broken = { ...d, spec: { ...d.spec, replicas: "one", template: { ...d.spec.template, spec: { ...d.spec.template.spec, containers: [{ image: "x" }] } } } };
        assert.throws(() => new Deployment({ apiVersion: "apps/v1", kind: "Deployment", ...broken }).validate(), /replicas must be integer|must have required property 'name'/);
    });
});
