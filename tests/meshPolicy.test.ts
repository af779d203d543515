import * as assert from "assert";
import * as path from "path";
import { TRACING_PROVIDER_NAME } from "../components/names";
import { PolicyContext } from "../components/policy/context";
import { checkPlan, meshPolicyPlan } from "../components/policy/plan";
import { meshMtls, namespaceMtls } from "../components/policy/security";
import { circuitBreaker } from "../components/policy/traffic";
import { loadSettings } from "../settings";
import { ProgramRun, RecordedResource } from "../tools/mockRuntime";
import { depNames, errorOf, evaluate, evaluateStackFile, providerName } from "./harness";

const POLICIES = "meshstack:policy:MeshPolicies";
/** Mesh objects the MeshPolicies component creates (the observability stack adds its own UI routing). */
const isMeshObject = (r: RecordedResource) => /^kubernetes:[a-z.]+\.(istio\.io|k8s\.io)\//.test(r.type) && r.name.startsWith("policies-");
/** `<kind> <namespace>/<name>` of every mesh object a run creates, sorted. */
const objectIds = (run: ProgramRun) => run.resources.filter(isMeshObject).map((r) => `${r.inputs.kind} ${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`).sort();
const meshObject = (run: ProgramRun, kind: string, ns: string, name: string) => {
    const found = run.resources.filter((r) => isMeshObject(r) && r.inputs.kind === kind && r.inputs.metadata.namespace === ns && r.inputs.metadata.name === name);
    assert.strictEqual(found.length, 1, `${kind} ${ns}/${name}`);
    return found[0];
};
const meshWide = (run: ProgramRun, kind: string) =>
    run.resources.filter((r) => r.inputs.kind === kind && r.inputs.metadata?.namespace === "istio-system" && !r.inputs.spec.selector && !r.inputs.spec.targetRefs);

describe("mesh policies", function () {
    this.timeout(60_000);
    let dev: ProgramRun;
    let prod: ProgramRun;

    before(async () => {
        dev = await evaluateStackFile("dev");
        prod = await evaluateStackFile("prod");
    });

    describe("per environment", () => {
        it("prod has exactly one mesh-wide PeerAuthentication, STRICT, in the root namespace", () => {
            const pas = meshWide(prod, "PeerAuthentication");
            assert.deepStrictEqual(pas.map((r) => [r.type, r.name, r.inputs.spec]), [
                ["kubernetes:security.istio.io/v1:PeerAuthentication", "policies-istio-system-default", { mtls: { mode: "STRICT" } }],
            ]);
        });

        it("prod samples within 1-10 % through the provider istiod defines; dev samples 100 %", () => {
            const telemetry = (run: ProgramRun) => {
                const all = meshWide(run, "Telemetry");
                assert.strictEqual(all.length, 1);
                return all[0].inputs.spec;
            };
            const p = telemetry(prod);
            assert.strictEqual(p.tracing[0].randomSamplingPercentage, 2);
            assert.ok(p.tracing[0].randomSamplingPercentage >= 1 && p.tracing[0].randomSamplingPercentage <= 10);
            assert.deepStrictEqual(p, {
                tracing: [{
                    providers: [{ name: TRACING_PROVIDER_NAME }],
                    randomSamplingPercentage: 2,
                    customTags: { environment: { literal: { value: "prod" } }, cluster: { literal: { value: "meshstack-prod" } } },
                }],
                accessLogging: [{ providers: [{ name: "envoy" }] }],
            });
            assert.strictEqual(telemetry(dev).tracing[0].randomSamplingPercentage, 100);
            assert.strictEqual(telemetry(dev).tracing[0].providers[0].name, "otel-tracing");
        });

        it("dev runs PERMISSIVE mesh-wide with named exceptions; prod denies by default and serves HTTPS", () => {
            assert.deepStrictEqual(meshWide(dev, "PeerAuthentication").map((r) => r.inputs.spec), [{ mtls: { mode: "PERMISSIVE" } }]);
            assert.deepStrictEqual(meshObject(dev, "PeerAuthentication", "payments", "mtls-exception").inputs.spec, { mtls: { mode: "STRICT" } });
            assert.deepStrictEqual(meshObject(dev, "PeerAuthentication", "payments", "payments-mtls-exception").inputs.spec, {
                selector: { matchLabels: { app: "payments" } },
                portLevelMtls: { "8443": { mode: "PERMISSIVE" } },
            });
            assert.deepStrictEqual(meshObject(prod, "AuthorizationPolicy", "istio-system", "default-deny").inputs.spec, {});
            assert.ok(!objectIds(dev).includes("AuthorizationPolicy istio-system/default-deny"));
            assert.deepStrictEqual(meshObject(prod, "Gateway", "istio-ingress", "ingress-gateway").inputs.spec, {
                selector: { istio: "ingressgateway" },
                servers: [
                    { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["api.example.com"], tls: { httpsRedirect: true } },
                    { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["api.example.com"], tls: { mode: "SIMPLE", credentialName: "api-example-com-tls" } },
                ],
            });
        });

        it("dev injects a fault on every request where allowed; prod only behind its header", () => {
            const devMl = meshObject(dev, "VirtualService", "ml", "ml-prediction").inputs.spec.http;
            assert.deepStrictEqual(devMl.map((r: any) => [r.name, r.fault]), [["default", { delay: { percentage: { value: 5 }, fixedDelay: "3s" } }]]);
            const prodPayments = meshObject(prod, "VirtualService", "payments", "payments").inputs.spec.http;
            assert.deepStrictEqual(prodPayments.map((r: any) => [r.name, r.match, r.fault]), [
                ["fault-injection", [{ headers: { "x-chaos": { exact: "payments-delay" } } }], { delay: { percentage: { value: 100 }, fixedDelay: "2s" } }],
                ["tenant-acme", [{ headers: { "x-tenant-id": { exact: "acme" } } }], undefined],
                ["tenant-globex", [{ headers: { "x-tenant-id": { exact: "globex" } } }], undefined],
                ["default", undefined, undefined],
            ]);
            assert.deepStrictEqual(prodPayments[3].route.map((d: any) => [d.destination.subset, d.weight]), [["v1", 95], ["v2", 5]]);
        });
    });

    describe("the resources", () => {
        it("dev creates exactly these objects", () => {
            assert.deepStrictEqual(objectIds(dev), [
                "AuthorizationPolicy core/core-allow",
                "AuthorizationPolicy edge/api-gateway-allow",
                "AuthorizationPolicy edge/api-gateway-require-jwt",
                "AuthorizationPolicy ml/ml-prediction-allow",
                "AuthorizationPolicy payments/payments-allow",
                "DestinationRule core/core",
                "DestinationRule edge/api-gateway",
                "DestinationRule ml/ml-prediction",
                "DestinationRule payments/payments",
                "EnvoyFilter edge/api-gateway-ratelimit",
                "EnvoyFilter payments/payments-ratelimit",
                "Gateway istio-ingress/ingress-gateway",
                "PeerAuthentication istio-system/default",
                "PeerAuthentication payments/mtls-exception",
                "PeerAuthentication payments/payments-mtls-exception",
                "RequestAuthentication edge/api-gateway-jwt",
                "ServiceEntry istio-system/stripe",
                "Sidecar core/default",
                "Sidecar edge/default",
                "Sidecar ml/default",
                "Sidecar payments/default",
                "Telemetry istio-system/mesh-default",
                "VirtualService core/core",
                "VirtualService edge/api-gateway",
                "VirtualService ml/ml-prediction",
                "VirtualService payments/payments",
            ]);
        });

        it("prod adds default deny, gateway allowances, egress routing and a namespace Telemetry", () => {
            const added = objectIds(prod).filter((id) => !objectIds(dev).includes(id));
            const removed = objectIds(dev).filter((id) => !objectIds(prod).includes(id));
            assert.deepStrictEqual(added, [
                "AuthorizationPolicy istio-egress/allow-egress",
                "AuthorizationPolicy istio-ingress/allow-ingress",
                "AuthorizationPolicy istio-system/default-deny",
                "DestinationRule istio-system/stripe-egress",
                "Gateway istio-egress/stripe-egress",
                "Telemetry ml/tracing-override",
                "VirtualService istio-system/stripe-egress",
            ]);
            assert.deepStrictEqual(removed, ["PeerAuthentication payments/mtls-exception", "PeerAuthentication payments/payments-mtls-exception"]);
        });

        it("every object is a child of the component on the cluster's provider and waits for istiod and its namespace", () => {
            const componentOf = (run: ProgramRun) => run.resources.find((r) => r.type === POLICIES)!.urn;
            const objects = [dev, prod].flatMap((run) => run.resources.filter(isMeshObject).map((r) => ({ r, component: componentOf(run) })));
            assert.ok(objects.length > 40, `${objects.length} objects`);
            for (const { r, component } of objects) {
                const ns = r.inputs.metadata.namespace;
                const nsDep = ns === "istio-system" ? [] : ns === "istio-ingress" ? ["mesh-ingress-gateway"] : ns === "istio-egress" ? ["mesh-egress-gateway"] : [`policies-ns-${ns}`];
                assert.deepStrictEqual(depNames(r), ["mesh-istiod-1-31-1", ...nsDep].sort(), r.name);
                assert.strictEqual(providerName(r), "cluster-provider", r.name);
                assert.strictEqual(r.name, `policies-${ns}-${r.inputs.metadata.name}`);
                assert.strictEqual(r.parent, component, r.name);
            }
        });

        it("creates the application namespaces with sidecar injection, after istiod", () => {
            const namespaces = dev.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace" && r.name.startsWith("policies-"));
            assert.deepStrictEqual(namespaces.map((r) => [r.name, r.inputs.metadata, depNames(r), providerName(r)]).sort(), ["core", "edge", "ml", "payments"].map((ns) => [
                `policies-ns-${ns}`, { name: ns, labels: { "istio.io/rev": "stable" } }, ["mesh-istiod-1-31-1", "mesh-tag-stable"], "cluster-provider",
            ]));
            assert.deepStrictEqual(dev.outputs.appNamespaces, ["edge", "core", "ml", "payments"]);
        });

        it("scopes each namespace's sidecars to what it calls", () => {
            assert.deepStrictEqual(meshObject(prod, "Sidecar", "edge", "default").inputs.spec, {
                egress: [{
                    hosts: ["./*", "istio-system/*", "observability/*", "istio-egress/*", "core/core.core.svc.cluster.local",
                        "ml/ml-prediction.ml.svc.cluster.local", "payments/payments.payments.svc.cluster.local"],
                }],
            });
            assert.deepStrictEqual(meshObject(dev, "Sidecar", "payments", "default").inputs.spec, { egress: [{ hosts: ["./*", "istio-system/*", "observability/*"] }] });
        });

        it("stops before creating anything when a service declaration is broken", async () => {
            const message = await errorOf(() => evaluate("dev", {
                namespaces: [{ name: "shop" }],
                services: [{ name: "cart", namespace: "shop", port: 8080, versions: ["v1"], canary: { subsets: ["v1", "v2"], weights: [60, 30] } }],
            }));
            assert.strictEqual(message, [
                "meshstack:services[0].canary.subsets[1] \"v2\" is not a subset of cart's DestinationRule (has: v1); add it to services[0].versions",
                "meshstack:services[0].canary.weights [60,30] sum to 90; weights must sum to 100",
            ].join("\n"));
        });
    });

    describe("ambient mode", () => {
        let ambient: ProgramRun;
        before(async () => {
            ambient = await evaluate("prod", {
                "cluster.kind": "existing", "existing.kubeconfigPath": path.join(__dirname, "fixtures", "kubeconfig.yaml"), "mesh.mode": "ambient", "observability.lokiStorage": "filesystem",
                "mesh.jwt": [{ issuer: "https://auth.example.com", jwksUri: "https://auth.example.com/jwks.json" }],
                namespaces: [{ name: "shop", samplingPercentage: 5 }, { name: "batch" }],
                services: [{ name: "cart", namespace: "shop", port: 8080, requireJwt: true, rateLimit: { requestsPerMinute: 120 }, allow: [{ namespaces: ["shop"], methods: ["GET"] }] }],
            });
        });

        it("labels namespaces for ambient and gives a waypoint to namespaces with services", () => {
            const labels = ambient.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace" && r.name.startsWith("policies-")).map((r) => r.inputs.metadata);
            assert.deepStrictEqual(labels.sort((a, b) => a.name.localeCompare(b.name)), [
                { name: "batch", labels: { "istio.io/dataplane-mode": "ambient" } },
                { name: "shop", labels: { "istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "waypoint" } },
            ]);
            const wp = meshObject(ambient, "Gateway", "shop", "waypoint");
            assert.strictEqual(wp.type, "kubernetes:gateway.networking.k8s.io/v1:Gateway");
            assert.deepStrictEqual(wp.inputs.metadata.labels, { "istio.io/waypoint-for": "service" });
            assert.deepStrictEqual(wp.inputs.spec, { gatewayClassName: "istio-waypoint", listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }] });
            assert.ok(!objectIds(ambient).some((id) => id.startsWith("Sidecar ") || id.endsWith("/waypoint") && id.includes(" batch/")));
        });

        it("attaches L7 policies through targetRefs and lets the waypoint past the mesh-wide deny", () => {
            const service = [{ group: "", kind: "Service", name: "cart" }];
            const waypoint = [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "waypoint" }];
            assert.deepStrictEqual(meshObject(ambient, "AuthorizationPolicy", "shop", "cart-allow").inputs.spec, {
                targetRefs: service, action: "ALLOW", rules: [{ from: [{ source: { namespaces: ["shop"] } }], to: [{ operation: { methods: ["GET"] } }] }],
            });
            assert.deepStrictEqual(meshObject(ambient, "AuthorizationPolicy", "shop", "cart-require-jwt").inputs.spec, {
                targetRefs: service, action: "DENY",
                rules: [{ from: [{ source: { notRequestPrincipals: ["https://auth.example.com/*"] } }], to: [{ operation: { ports: ["8080"] } }] }],
            });
            assert.deepStrictEqual(meshObject(ambient, "RequestAuthentication", "shop", "cart-jwt").inputs.spec.targetRefs, service);
            assert.deepStrictEqual(meshObject(ambient, "Telemetry", "shop", "tracing-override").inputs.spec.targetRefs, waypoint);
            const filter = meshObject(ambient, "EnvoyFilter", "shop", "cart-ratelimit").inputs.spec;
            assert.deepStrictEqual([filter.targetRefs, filter.priority, filter.configPatches[0].match], [waypoint, 10, {
                context: "SIDECAR_INBOUND",
                listener: {
                    filterChain: {
                        name: "inbound-vip|8080|http|cart.shop.svc.cluster.local",
                        filter: { name: "envoy.filters.network.http_connection_manager", subFilter: { name: "envoy.filters.http.router" } },
                    },
                },
            }]);
            assert.deepStrictEqual(meshObject(ambient, "AuthorizationPolicy", "shop", "allow-waypoint").inputs.spec, {
                action: "ALLOW", rules: [{ from: [{ source: { principals: ["cluster.local/ns/shop/sa/waypoint"] } }] }],
            });
            assert.strictEqual(meshObject(ambient, "DestinationRule", "shop", "cart").inputs.spec.trafficPolicy.tls, undefined);
        });
    });

    describe("builders", () => {
        it("traffic-policy presets", () => {
            const row = (p: "strict" | "moderate" | "lenient") => {
                const c = circuitBreaker(p);
                return [c.connectionPool.tcp.maxConnections, c.outlierDetection.consecutive5xxErrors, c.outlierDetection.baseEjectionTime, c.outlierDetection.maxEjectionPercent,
                    c.outlierDetection.minHealthPercent];
            };
            // minHealthPercent 0: no panic routing to ejected or (Istio 1.31) not-ready endpoints.
            assert.deepStrictEqual([row("strict"), row("moderate"), row("lenient")], [[50, 2, "30s", 80, 0], [100, 5, "30s", 50, 0], [200, 10, "60s", 30, 0]]);
        });

        it("the lenient ML service gets long timeouts, consistent hashing and its pool override", () => {
            const dr = meshObject(dev, "DestinationRule", "ml", "ml-prediction").inputs.spec;
            assert.deepStrictEqual(dr.trafficPolicy, {
                connectionPool: { tcp: { maxConnections: 400, connectTimeout: "10s" }, http: { http1MaxPendingRequests: 200, http2MaxRequests: 400 } },
                outlierDetection: { consecutive5xxErrors: 10, interval: "10s", baseEjectionTime: "60s", maxEjectionPercent: 30, minHealthPercent: 0 },
                loadBalancer: { consistentHash: { httpHeaderName: "x-model-id" } },
                tls: { mode: "ISTIO_MUTUAL" },
            });
            const route = meshObject(dev, "VirtualService", "ml", "ml-prediction").inputs.spec.http[0];
            assert.deepStrictEqual([route.timeout, route.retries], ["120s", { attempts: 1, perTryTimeout: "110s", retryOn: "reset,connect-failure" }]);
        });

        it("refuses to build a second mesh-wide PeerAuthentication or Telemetry, or one object twice", () => {
            const s = loadSettings({ values: {}, secretKeys: new Set() }, "meshstack", "dev");
            const ctx: PolicyContext = {
                environment: "dev", clusterName: "c", mode: "sidecar", rootNamespace: "istio-system", observabilityNamespace: "observability",
                ingress: { namespace: "istio-ingress", selector: "ingressgateway", name: "istio-ingressgateway" },
            };
            const plan = meshPolicyPlan(s.meshPolicy, s.app, ctx);
            assert.deepStrictEqual(plan.objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`), ["PeerAuthentication istio-system/default", "Telemetry istio-system/mesh-default"]);
            const second = { ...namespaceMtls("istio-system", "STRICT") };
            assert.throws(() => checkPlan([...plan.objects, second], "istio-system"), {
                message: "mesh policies: expected exactly one mesh-wide PeerAuthentication in istio-system, found 2 (default, mtls-exception)",
            });
            assert.throws(() => checkPlan([...plan.objects, meshMtls("istio-system", "STRICT")], "istio-system"), {
                message: "mesh policies: security.istio.io/v1/PeerAuthentication istio-system/default is built twice",
            });
            assert.throws(() => checkPlan(plan.objects.filter((o) => o.kind !== "Telemetry"), "istio-system"), {
                message: "mesh policies: expected exactly one mesh-wide Telemetry in istio-system, found 0 ()",
            });
        });
    });
});
