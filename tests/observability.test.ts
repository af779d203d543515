import * as assert from "assert";
import { releaseWaves } from "../tools/graph";
import { ProgramRun, RecordedResource, runProgram } from "../tools/mockRuntime";
import { readStackConfig } from "../tools/stackConfig";
import { retentionSize } from "../components/observability/prometheusStack";
import { depNames, evaluate, evaluateStackFile, ofType, one, providerName } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NS = "observability";
const PASSWORD = "plan-placeholder-password";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

const release = (run: ProgramRun, name: string): RecordedResource => one(run, RELEASE, name);
const values = (run: ProgramRun, name: string): any => release(run, name).inputs.values;
const cr = (run: ProgramRun, kind: string, name: string, api = "monitoring.coreos.com/v1") => one(run, `kubernetes:${api}:${kind}`, name);
const svc = (service: string, port: number, path = "") => `http://${service}.${NS}.svc.cluster.local:${port}${path}`;
/** The port of a "host:port" listen address such as "0.0.0.0:4317" or "${env:MY_POD_IP}:4317". */
const portOf = (endpoint: string) => Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));

/** The names and ports each chart really gives its services, derived from that chart's own values. */
function services(run: ProgramRun) {
    const kps = values(run, "observability-prometheus-stack");
    const loki = values(run, "observability-loki");
    const jaeger = values(run, "observability-jaeger");
    const collector = values(run, "observability-otel-collector");
    const kiali = values(run, "observability-kiali");
    return {
        prometheus: { name: `${kps.fullnameOverride}-prometheus`, port: kps.prometheus.service.port },
        grafana: { name: kps.grafana.fullnameOverride, port: kps.grafana.service.port },
        loki: { name: loki.fullnameOverride, port: loki.loki.server.http_listen_port },
        jaeger: {
            name: jaeger.fullnameOverride,
            otlp: portOf(jaeger.userconfig.receivers.otlp.protocols.grpc.endpoint),
            ui: portOf(jaeger.userconfig.extensions.jaeger_query.http.endpoint),
            grpcQuery: portOf(jaeger.userconfig.extensions.jaeger_query.grpc.endpoint),
        },
        collector: { name: collector.fullnameOverride, otlp: portOf(collector.config.receivers.otlp.protocols.grpc.endpoint) },
        kiali: { name: kiali.deployment.instance_name, port: kiali.server.port, webRoot: kiali.server.web_root },
    };
}

/** Every string in a value that is not inside a Pulumi secret. */
function plainStrings(value: unknown, into: string[] = []): string[] {
    if (typeof value === "string") into.push(value);
    else if (Array.isArray(value)) value.forEach((v) => plainStrings(v, into));
    else if (value !== null && typeof value === "object") {
        if (SECRET_SIG in value) return into;
        Object.values(value).forEach((v) => plainStrings(v, into));
    }
    return into;
}

describe("observability stack (mock runs of Pulumi.dev.yaml and Pulumi.prod.yaml)", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        dev = await evaluateStackFile("dev");
        prod = await evaluateStackFile("prod");
    });

    describe("releases", () => {
        it("installs every chart at its pinned version under fixed release names, on the cluster provider, in the observability namespace", () => {
            const expected: [string, string, string, string][] = [
                ["observability-prometheus-stack", "kube-prometheus-stack", "kube-prometheus-stack", "88.5.3"],
                ["observability-loki", "loki", "loki", "18.11.0"],
                ["observability-alloy", "alloy", "alloy", "1.11.1"],
                ["observability-jaeger", "jaeger", "jaeger", "4.11.1"],
                ["observability-otel-collector", "otel-collector", "opentelemetry-collector", "0.170.0"],
                ["observability-kiali", "kiali", "kiali-server", "2.27.0"],
            ];
            for (const [name, releaseName, chart, version] of expected) {
                const r = release(dev, name);
                assert.deepStrictEqual([r.inputs.name, r.inputs.chart, r.inputs.version, r.inputs.namespace], [releaseName, chart, version, NS], name);
                assert.strictEqual(providerName(r), "cluster-provider", name);
            }
            assert.strictEqual(release(prod, "observability-otel-sampler").inputs.version, "0.170.0");
            assert.strictEqual(ofType(dev, RELEASE).filter((r) => r.name === "observability-otel-sampler").length, 0, "no sampling tier in dev");
        });

        it("keeps the observability namespace out of the mesh", () => {
            const ns = one(dev, "kubernetes:core/v1:Namespace", "observability-ns");
            assert.deepStrictEqual(ns.inputs.metadata, { name: NS, labels: { "istio-injection": "disabled" } });
        });
    });

    describe("wiring: every URL points at the service and port the other release really gets", () => {
        for (const stack of ["dev", "prod"] as const) {
            it(`${stack}: istiod's tracing provider is the collector's service FQDN and OTLP gRPC port`, () => {
                const run = stack === "dev" ? dev : prod;
                const s = services(run);
                const mesh = values(run, "mesh-istiod-1-31-1").meshConfig;
                assert.deepStrictEqual(mesh.extensionProviders, [
                    { name: "otel-tracing", opentelemetry: { service: `${s.collector.name}.${NS}.svc.cluster.local`, port: s.collector.otlp } },
                ]);
                assert.deepStrictEqual(mesh.defaultProviders, { metrics: ["prometheus"], tracing: ["otel-tracing"] });
                assert.strictEqual(s.collector.otlp, 4317);
            });

            it(`${stack}: Grafana's datasources point at Prometheus, Loki and Jaeger`, () => {
                const run = stack === "dev" ? dev : prod;
                const s = services(run);
                const grafana = values(run, "observability-prometheus-stack").grafana;
                assert.strictEqual(grafana.sidecar.datasources.url, svc(s.prometheus.name, s.prometheus.port));
                assert.strictEqual(grafana.sidecar.datasources.uid, "prometheus");
                const byType = Object.fromEntries(grafana.additionalDataSources.map((d: any) => [d.type, d]));
                assert.strictEqual(byType.loki.url, svc(s.loki.name, s.loki.port));
                assert.strictEqual(byType.jaeger.url, svc(s.jaeger.name, s.jaeger.ui));
                // The links between them name datasource uids that exist.
                assert.strictEqual(byType.jaeger.jsonData.tracesToLogsV2.datasourceUid, byType.loki.uid);
                assert.strictEqual(byType.jaeger.jsonData.tracesToMetrics.datasourceUid, grafana.sidecar.datasources.uid);
                assert.strictEqual(byType.loki.jsonData.derivedFields[0].datasourceUid, byType.jaeger.uid);
                assert.strictEqual(grafana.sidecar.datasources.exemplarTraceIdDestinations.datasourceUid, byType.jaeger.uid);
            });

            it(`${stack}: Kiali reads Prometheus, Grafana and Jaeger's gRPC query port`, () => {
                const run = stack === "dev" ? dev : prod;
                const s = services(run);
                const ext = values(run, "observability-kiali").external_services;
                assert.strictEqual(ext.prometheus.url, svc(s.prometheus.name, s.prometheus.port));
                assert.strictEqual(ext.grafana.internal_url, svc(s.grafana.name, s.grafana.port));
                assert.deepStrictEqual(
                    { provider: ext.tracing.provider, url: ext.tracing.internal_url, grpc: ext.tracing.use_grpc },
                    { provider: "jaeger", url: svc(s.jaeger.name, s.jaeger.grpcQuery), grpc: true });
                assert.strictEqual(s.jaeger.grpcQuery, 16685);
            });

            it(`${stack}: Alloy writes to Loki's push endpoint`, () => {
                const run = stack === "dev" ? dev : prod;
                const s = services(run);
                const content: string = values(run, "observability-alloy").alloy.configMap.content;
                assert.ok(content.includes(`url = "${svc(s.loki.name, s.loki.port, "/loki/api/v1/push")}"`), content);
                for (const label of ["namespace", "pod", "container"]) {
                    assert.ok(content.includes(`target_label  = "${label}"`), label);
                }
                assert.ok(!content.includes("{{"), "the chart runs the config through tpl");
            });

            it(`${stack}: span metrics go to Prometheus's OTLP receiver, traces to Jaeger's OTLP port`, () => {
                const run = stack === "dev" ? dev : prod;
                const s = services(run);
                const kps = values(run, "observability-prometheus-stack");
                assert.strictEqual(kps.prometheus.prometheusSpec.enableOTLPReceiver, true);
                const exporting = values(run, stack === "dev" ? "observability-otel-collector" : "observability-otel-sampler").config;
                assert.strictEqual(exporting.exporters["otlp_http/prometheus"].endpoint, svc(s.prometheus.name, s.prometheus.port, "/api/v1/otlp"));
                assert.strictEqual(exporting.exporters["otlp/jaeger"].endpoint, `${s.jaeger.name}.${NS}.svc.cluster.local:${s.jaeger.otlp}`);
                assert.ok(exporting.service.pipelines.metrics.receivers.includes("span_metrics"));
                assert.ok(Object.values(exporting.service.pipelines).some((p: any) => p?.exporters?.includes("span_metrics")));
            });
        }

        it("prod: the collector routes by trace id to the headless sampling tier, which keeps errors and slow traces", () => {
            const lb = values(prod, "observability-otel-collector");
            const sampler = values(prod, "observability-otel-sampler");
            const exporter = lb.config.exporters.loadbalancing;
            assert.strictEqual(exporter.routing_key, "traceID");
            assert.deepStrictEqual(exporter.resolver.dns, {
                hostname: `${sampler.fullnameOverride}.${NS}.svc.cluster.local`,
                port: portOf(sampler.config.receivers.otlp.protocols.grpc.endpoint),
            });
            assert.strictEqual(sampler.service.clusterIP, "None");
            assert.deepStrictEqual(lb.config.service.pipelines.traces.exporters, ["loadbalancing"]);
            assert.deepStrictEqual(sampler.config.processors.tail_sampling.policies, [
                { name: "errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
                { name: "slow", type: "latency", latency: { threshold_ms: 500 } },
                { name: "baseline", type: "probabilistic", probabilistic: { sampling_percentage: 5 } },
            ]);
            assert.deepStrictEqual(sampler.config.service.pipelines.traces.processors, ["memory_limiter", "tail_sampling", "batch"]);
        });

        it("dev: one collector with memory_limiter and batch, no sampling", () => {
            const c = values(dev, "observability-otel-collector").config;
            assert.deepStrictEqual(c.service.pipelines.traces, { receivers: ["otlp"], processors: ["memory_limiter", "k8s_attributes", "batch"], exporters: ["otlp/jaeger", "span_metrics"] });
            assert.strictEqual(c.processors.tail_sampling, undefined);
        });

        for (const stack of ["dev", "prod"] as const) {
            it(`${stack}: trace to logs: spans carry the sender's namespace and pod, access logs carry the trace id Loki links on`, () => {
                const run = stack === "dev" ? dev : prod;
                const collector = values(run, "observability-otel-collector");
                assert.deepStrictEqual(collector.presets, { kubernetesAttributes: { enabled: true } });
                const traces = collector.config.service.pipelines.traces.processors;
                assert.deepStrictEqual(traces.slice(0, 2), ["memory_limiter", "k8s_attributes"]);
                if (stack === "prod") {
                    // The sampling tier sees the collector's address, not the sidecar's: no pod lookup there.
                    assert.strictEqual(values(prod, "observability-otel-sampler").presets, undefined);
                }
                const byType = Object.fromEntries(values(run, "observability-prometheus-stack").grafana.additionalDataSources.map((d: any) => [d.type, d]));
                assert.deepStrictEqual(byType.jaeger.jsonData.tracesToLogsV2.tags, [{ key: "k8s.namespace.name", value: "namespace" }, { key: "k8s.pod.name", value: "pod" }]);
                assert.strictEqual(byType.jaeger.jsonData.tracesToLogsV2.filterByTraceID, true);

                // A line as Envoy writes it from istiod's format: compact JSON, every operator replaced.
                const format: Record<string, string> = JSON.parse(values(run, "mesh-istiod-1-31-1").meshConfig.accessLogFormat);
                const line = (traceId: string) => JSON.stringify(Object.fromEntries(Object.entries(format).map(([k, v]) => [k, v === "%TRACE_ID%" ? traceId : "-"])));
                const regex = new RegExp(byType.loki.jsonData.derivedFields[0].matcherRegex);
                const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
                assert.strictEqual(regex.exec(line(traceId))?.[1], traceId);
                assert.strictEqual(regex.exec(line("-")), null, "untraced requests link nowhere");
            });
        }

        it("Grafana's admin credentials and Kiali's Grafana login name the Secret that exists", () => {
            const secret = one(prod, "kubernetes:core/v1:Secret", "observability-grafana-admin");
            const admin = values(prod, "observability-prometheus-stack").grafana.admin;
            assert.strictEqual(admin.existingSecret, secret.inputs.metadata.name);
            assert.deepStrictEqual(Object.keys(secret.inputs.stringData.value).sort(), [admin.passwordKey, admin.userKey].sort());
            const auth = values(prod, "observability-kiali").external_services.grafana.auth;
            assert.deepStrictEqual(auth, { type: "basic", username: "admin", password: `secret:${secret.inputs.metadata.name}:${admin.passwordKey}` });
            assert.deepStrictEqual(values(dev, "observability-kiali").external_services.grafana.auth, { type: "none" });
        });

        it("prod: the gateway serves only the UIs that log people in, each host routed to the service and port the releases get", () => {
            const s = services(prod);
            const expected: Record<string, { host: string; port: number }> = {
                grafana: { host: s.grafana.name, port: s.grafana.port },
                kiali: { host: s.kiali.name, port: s.kiali.port },
            };
            const gateway = cr(prod, "Gateway", "observability-ui-gateway", "networking.istio.io/v1");
            const ingressRelease = release(prod, "mesh-ingress-gateway");
            assert.deepStrictEqual(gateway.inputs.spec.selector, { istio: ingressRelease.inputs.name.replace(/^istio-/, "") });
            assert.strictEqual(gateway.inputs.spec.servers[0].tls.credentialName, "observability-tls");
            for (const server of gateway.inputs.spec.servers) {
                assert.deepStrictEqual(server.hosts, ["grafana.observability.example.com", "kiali.observability.example.com"]);
            }
            const routes = ofType(prod, "kubernetes:networking.istio.io/v1:VirtualService").filter((r) => r.name.startsWith("observability-ui-"));
            assert.deepStrictEqual(routes.map((r) => r.name).sort(), ["observability-ui-grafana", "observability-ui-kiali"]);
            for (const [ui, dest] of Object.entries(expected)) {
                const vs = cr(prod, "VirtualService", `observability-ui-${ui}`, "networking.istio.io/v1");
                assert.deepStrictEqual(vs.inputs.spec, {
                    hosts: [`${ui}.observability.example.com`],
                    gateways: [`${NS}/${gateway.inputs.metadata.name}`],
                    http: [{ route: [{ destination: { host: `${dest.host}.${NS}.svc.cluster.local`, port: { number: dest.port } } }] }],
                }, ui);
            }
        });
    });

    describe("Grafana sessions", () => {
        it("prod (2 Grafana pods behind the gateway): a cookie keeps each browser on one pod", () => {
            const dr = cr(prod, "DestinationRule", "observability-ui-grafana-affinity", "networking.istio.io/v1");
            const s = services(prod);
            assert.strictEqual(values(prod, "observability-prometheus-stack").grafana.replicas, 2);
            assert.deepStrictEqual(dr.inputs.metadata, { name: "grafana-affinity", namespace: NS });
            assert.deepStrictEqual(dr.inputs.spec, {
                host: `${s.grafana.name}.${NS}.svc.cluster.local`,
                trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: "grafana-affinity", path: "/", ttl: "0s" } } } },
            });
            assert.deepStrictEqual(depNames(dr), ["mesh-istiod-1-31-1", "observability-ns"]);
        });

        it("no affinity rule where one Grafana pod runs or nothing goes through the gateway", async () => {
            const file = readStackConfig("prod");
            const config = Object.fromEntries(Object.entries(file.config).filter(([k]) => !/^meshstack:observability\.(ingressDomain|tlsSecretName)$/.test(k)));
            const internal = await runProgram({ ...file, config });
            assert.strictEqual(values(internal, "observability-prometheus-stack").grafana.replicas, 2);
            for (const run of [dev, internal]) {
                assert.deepStrictEqual(ofType(run, "kubernetes:networking.istio.io/v1:DestinationRule").filter((r) => r.name.startsWith("observability-")), []);
            }
        });
    });

    describe("monitors and alerts", () => {
        it("scrapes Envoy on 15020 in every namespace and istiod on http-monitoring", () => {
            const envoy = cr(dev, "PodMonitor", "observability-envoy-stats").inputs.spec;
            assert.deepStrictEqual(envoy.namespaceSelector, { any: true });
            const ep = envoy.podMetricsEndpoints[0];
            assert.strictEqual(ep.path, "/stats/prometheus");
            assert.deepStrictEqual(ep.relabelings[0], { action: "keep", sourceLabels: ["__meta_kubernetes_pod_container_name", "__meta_kubernetes_pod_container_port_name"], regex: "istio-proxy;http-envoy-prom" });
            assert.deepStrictEqual(ep.relabelings.slice(1, 3).map((r: any) => r.replacement), ["[$1]:15020", "$1:15020"]);
            assert.deepStrictEqual(ep.relabelings.map((r: any) => r.action), ["keep", "replace", "replace", "replace", "replace"], "no labeldrop of __meta labels (Prometheus drops them anyway)");
            const istiod = cr(dev, "ServiceMonitor", "observability-istiod").inputs.spec;
            assert.deepStrictEqual(istiod.endpoints, [{ port: "http-monitoring", interval: "15s" }]);
            assert.deepStrictEqual(istiod.podTargetLabels, ["app"], "the Istio dashboards filter on app=\"istiod\"");
            assert.deepStrictEqual(istiod.namespaceSelector, { matchNames: ["istio-system"] });
            assert.strictEqual(ofType(dev, "kubernetes:monitoring.coreos.com/v1:PodMonitor").filter((r) => r.name === "observability-ztunnel").length, 0);
        });

        it("adds a ztunnel monitor in ambient mode", async () => {
            const run = await evaluate("dev", { "mesh.mode": "ambient" });
            const z = cr(run, "PodMonitor", "observability-ztunnel").inputs.spec;
            assert.deepStrictEqual(z.podMetricsEndpoints, [{ port: "ztunnel-stats", path: "/metrics", interval: "15s" }]);
            assert.deepStrictEqual(z.podTargetLabels, ["app"], "the ztunnel dashboard filters on app=\"ztunnel\"");
        });

        it("Prometheus takes every namespace's monitors and rules, not only its release's", () => {
            const spec = values(dev, "observability-prometheus-stack").prometheus.prometheusSpec;
            for (const k of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) {
                assert.strictEqual(spec[`${k}SelectorNilUsesHelmValues`], false, k);
            }
        });

        it("the collector monitor selects the collector releases that exist", () => {
            const selector = cr(prod, "PodMonitor", "observability-otel-collector").inputs.spec.selector.matchExpressions[0];
            const names = ["observability-otel-collector", "observability-otel-sampler"].map((n) => release(prod, n).inputs.name);
            assert.deepStrictEqual(selector, { key: "app.kubernetes.io/instance", operator: "In", values: names });
            assert.strictEqual(values(prod, "observability-otel-collector").ports.metrics.enabled, true);
        });

        it("the alert thresholds follow the environment", () => {
            const rules = (run: ProgramRun) => Object.fromEntries(
                cr(run, "PrometheusRule", "observability-mesh-alerts").inputs.spec.groups.flatMap((g: any) => g.rules).map((r: any) => [r.alert, r]));
            const d = rules(dev);
            const p = rules(prod);
            assert.deepStrictEqual(Object.keys(p).sort(), ["CollectorDroppingSpans", "IstioCircuitBreakerOpen", "IstioHigh5xxRate", "IstioHighP99Latency", "IstiodConfigRejected", "IstiodPushErrors"]);
            assert.ok(d.IstioHighP99Latency.expr.endsWith("> 2000"), d.IstioHighP99Latency.expr);
            assert.ok(p.IstioHighP99Latency.expr.endsWith("> 1000"), p.IstioHighP99Latency.expr);
            assert.ok(d.IstioHigh5xxRate.expr.endsWith("> 0.1"));
            assert.ok(p.IstioHigh5xxRate.expr.endsWith("> 0.05"));
            assert.ok(p.CollectorDroppingSpans.expr.endsWith("> 0"));
            assert.deepStrictEqual([d.IstioHighP99Latency.for, p.IstioHighP99Latency.for], ["10m", "5m"]);
            assert.ok(p.IstioCircuitBreakerOpen.expr.includes(`istio_requests_total{reporter=~"source|waypoint",response_flags=~"UO|UH"}`), "ambient: waypoints report");
            // Without send errors the series is absent: each term falls back to 0 so the sum still evaluates.
            assert.strictEqual(p.IstiodPushErrors.expr,
                `(sum(rate(pilot_xds_pushes{type=~".+_senderr"}[5m])) or vector(0)) + (sum(rate(pilot_xds_push_context_errors[5m])) or vector(0)) > 0`);
        });
    });

    describe("ordering", () => {
        for (const stack of ["dev", "prod"] as const) {
            it(`${stack}: charts install in parallel; the longest chain of releases is Istio's 3`, () => {
                const run = stack === "dev" ? dev : prod;
                const waves = releaseWaves(run.resources).map((w) => w.map((r) => r.inputs.name as string).sort());
                assert.strictEqual(waves.length, 3);
                const first = ["alloy", "istio-base", "jaeger", "kube-prometheus-stack", "loki", "otel-collector", ...(stack === "prod" ? ["otel-sampler"] : [])].sort();
                assert.deepStrictEqual(waves[0], first);
                assert.deepStrictEqual(waves[1], ["istiod-1-31-1", "kiali"]);
            });
        }

        it("the monitors and the rule wait for the chart that brings their CRDs; Kiali for its backends", () => {
            for (const name of ["observability-envoy-stats", "observability-otel-collector", "observability-mesh-alerts", "observability-istiod"]) {
                const r = dev.resources.find((x) => x.name === name && x.type.startsWith("kubernetes:monitoring.coreos.com/v1:"));
                assert.ok(r, name);
                assert.deepStrictEqual(depNames(r), ["observability-prometheus-stack"], name);
            }
            assert.deepStrictEqual(depNames(release(dev, "observability-kiali")), ["observability-jaeger", "observability-kiali-signing-key", "observability-ns", "observability-prometheus-stack"]);
            assert.deepStrictEqual(depNames(release(dev, "observability-prometheus-stack")), ["observability-grafana-admin", "observability-ns"]);
        });

        it("Istio objects wait for istiod", () => {
            assert.deepStrictEqual(depNames(cr(prod, "Gateway", "observability-ui-gateway", "networking.istio.io/v1")), ["mesh-istiod-1-31-1", "observability-ns"]);
            assert.deepStrictEqual(depNames(cr(prod, "VirtualService", "observability-ui-kiali", "networking.istio.io/v1")), ["mesh-istiod-1-31-1", "observability-ns", "observability-ui-gateway"]);
            assert.deepStrictEqual(ofType(dev, "kubernetes:networking.istio.io/v1:Gateway").filter((r) => r.name.startsWith("observability-")), [], "dev exposes no UI");
        });
    });

    describe("access", () => {
        it("dev (kind, no domain): localhost URLs with matching port-forward commands and the laptop's gateway ports", () => {
            assert.deepStrictEqual(dev.outputs.urls, {
                grafana: "http://localhost:3000",
                prometheus: "http://localhost:9090",
                alertmanager: "http://localhost:9093",
                jaeger: "http://localhost:16686",
                kiali: "http://localhost:20001/kiali",
            });
            const s = services(dev);
            assert.deepStrictEqual(dev.outputs.portForward, [
                `kubectl --context kind-meshstack-dev -n ${NS} port-forward svc/${s.grafana.name} 3000:${s.grafana.port}`,
                `kubectl --context kind-meshstack-dev -n ${NS} port-forward svc/${s.prometheus.name} 9090:${s.prometheus.port}`,
                `kubectl --context kind-meshstack-dev -n ${NS} port-forward svc/kps-alertmanager 9093:9093`,
                `kubectl --context kind-meshstack-dev -n ${NS} port-forward svc/${s.jaeger.name} 16686:${s.jaeger.ui}`,
                `kubectl --context kind-meshstack-dev -n ${NS} port-forward svc/${s.kiali.name} 20001:${s.kiali.port}`,
            ]);
            assert.deepStrictEqual(dev.outputs.ingressGateway, { address: "127.0.0.1", httpPort: 8080, httpsPort: 8443 });
        });

        it("prod: Grafana and Kiali over https through the gateway; Prometheus, Alertmanager and Jaeger only by port-forward", () => {
            assert.deepStrictEqual(prod.outputs.urls, {
                grafana: "https://grafana.observability.example.com",
                prometheus: "http://localhost:9090",
                alertmanager: "http://localhost:9093",
                jaeger: "http://localhost:16686",
                kiali: "https://kiali.observability.example.com/kiali",
            });
            const s = services(prod);
            assert.deepStrictEqual(prod.outputs.portForward, [
                `kubectl --context meshstack-prod -n ${NS} port-forward svc/${s.prometheus.name} 9090:${s.prometheus.port}`,
                `kubectl --context meshstack-prod -n ${NS} port-forward svc/kps-alertmanager 9093:9093`,
                `kubectl --context meshstack-prod -n ${NS} port-forward svc/${s.jaeger.name} 16686:${s.jaeger.ui}`,
            ]);
            assert.deepStrictEqual(prod.outputs.ingressGateway, { address: "plan-gateway.invalid", httpPort: 80, httpsPort: 443 });
            const read = one(prod, "kubernetes:core/v1:Service", "observability-ingress-gateway-service");
            assert.ok(read.urn.includes("ObservabilityStack"));
        });

        it("Grafana and Kiali link to the URLs browsers use", () => {
            assert.strictEqual(values(prod, "observability-prometheus-stack").grafana["grafana.ini"].server.root_url, prod.outputs.urls && (prod.outputs.urls as any).grafana);
            const ext = values(dev, "observability-kiali").external_services;
            assert.deepStrictEqual([ext.grafana.external_url, ext.tracing.external_url], ["http://localhost:3000", "http://localhost:16686"]);
        });

        it("anonymous access only in dev", () => {
            const ini = (run: ProgramRun) => values(run, "observability-prometheus-stack").grafana["grafana.ini"]["auth.anonymous"];
            assert.deepStrictEqual(ini(dev), { enabled: true, org_role: "Viewer" });
            assert.deepStrictEqual(ini(prod), { enabled: false });
            assert.deepStrictEqual([values(dev, "observability-kiali").auth.strategy, values(prod, "observability-kiali").auth.strategy], ["anonymous", "token"]);
        });
    });

    describe("secrets", () => {
        for (const stack of ["dev", "prod"] as const) {
            it(`${stack}: the Grafana password appears in no resource input or output and no stack output`, () => {
                const run = stack === "dev" ? dev : prod;
                for (const r of run.resources) {
                    // The generator's own result: the random provider declares it an additional secret output,
                    // which the engine (absent under mocks) encrypts.
                    const outputs = r.type === "random:index/randomPassword:RandomPassword" ? { ...r.outputs, result: undefined } : r.outputs;
                    for (const [where, value] of [["inputs", r.inputs], ["outputs", outputs]] as const) {
                        const leaks = plainStrings(value).filter((v) => v.includes(PASSWORD));
                        assert.deepStrictEqual(leaks, [], `${r.type} ${r.name} ${where}`);
                    }
                }
                assert.ok(!JSON.stringify(run.outputs).includes(PASSWORD));
                const secret = one(run, "kubernetes:core/v1:Secret", "observability-grafana-admin");
                assert.strictEqual(secret.inputs.stringData[SECRET_SIG], "1b47061264138c4ac30d75fd1eb44270", "stringData is a Pulumi secret");
                assert.strictEqual(secret.inputs.stringData.value["admin-password"], PASSWORD);
            });
        }

        it("Kiali signs login tokens with a key generated once and read from a Secret, so upgrades keep sessions", () => {
            const generator = one(prod, "random:index/randomPassword:RandomPassword", "observability-kiali-signing-key");
            assert.deepStrictEqual([generator.inputs.length, generator.inputs.special], [32, false]);
            const secret = one(prod, "kubernetes:core/v1:Secret", "observability-kiali-signing-key");
            assert.deepStrictEqual(secret.inputs.metadata, { name: "kiali-signing-key", namespace: NS });
            assert.strictEqual(secret.inputs.stringData[SECRET_SIG], "1b47061264138c4ac30d75fd1eb44270", "stringData is a Pulumi secret");
            assert.deepStrictEqual(secret.inputs.stringData.value, { "signing-key": PASSWORD });
            for (const run of [dev, prod]) {
                assert.deepStrictEqual(values(run, "observability-kiali").login_token, { signing_key: "secret:kiali-signing-key:signing-key" });
            }
        });
    });

    describe("production availability", () => {
        it("prod runs at least 2 replicas with a PodDisruptionBudget for istiod, gateways, Grafana and the collectors", () => {
            const istiod = values(prod, "mesh-istiod-1-31-1");
            assert.deepStrictEqual([istiod.autoscaleEnabled, istiod.autoscaleMin, istiod.replicaCount], [true, 2, undefined]);
            assert.deepStrictEqual([istiod.pdb, istiod.global.defaultPodDisruptionBudget], [{ minAvailable: 1 }, { enabled: true }]);
            for (const gw of ["mesh-ingress-gateway", "mesh-egress-gateway"]) {
                const v = values(prod, gw);
                assert.deepStrictEqual([v.autoscaling.enabled, v.autoscaling.minReplicas, v.replicaCount], [true, 2, undefined], gw);
                assert.deepStrictEqual(v.podDisruptionBudget, { minAvailable: 1 }, gw);
            }
            const grafana = values(prod, "observability-prometheus-stack").grafana;
            assert.strictEqual(grafana.replicas, 2);
            assert.deepStrictEqual(grafana.podDisruptionBudget, { minAvailable: 1 });
            for (const c of ["observability-otel-collector", "observability-otel-sampler"]) {
                const v = values(prod, c);
                assert.strictEqual(v.replicaCount, 2, c);
                assert.deepStrictEqual(v.podDisruptionBudget, { enabled: true, minAvailable: 1 }, c);
            }
            assert.deepStrictEqual(values(dev, "observability-otel-collector").podDisruptionBudget, { enabled: false });
        });

        it("prod spreads Grafana, Alertmanager and both collector tiers over zones, then nodes; dev runs one of each", () => {
            const spread = (matchLabels: Record<string, string>) => ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) =>
                ({ maxSkew: 1, topologyKey, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels } }));
            const kps = values(prod, "observability-prometheus-stack");
            const kpsRelease = release(prod, "observability-prometheus-stack").inputs.name;
            assert.deepStrictEqual(kps.grafana.topologySpreadConstraints, spread({ "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": kpsRelease }));
            assert.deepStrictEqual(kps.alertmanager.alertmanagerSpec.topologySpreadConstraints,
                spread({ "app.kubernetes.io/name": "alertmanager", alertmanager: `${kps.fullnameOverride}-alertmanager` }));
            for (const c of ["observability-otel-collector", "observability-otel-sampler"]) {
                const v = values(prod, c);
                assert.deepStrictEqual(v.topologySpreadConstraints, spread({ "app.kubernetes.io/name": release(prod, c).inputs.chart, "app.kubernetes.io/instance": release(prod, c).inputs.name }), c);
            }
            const d = values(dev, "observability-prometheus-stack");
            assert.deepStrictEqual([d.grafana.topologySpreadConstraints, d.alertmanager.alertmanagerSpec.topologySpreadConstraints, values(dev, "observability-otel-collector").topologySpreadConstraints],
                [undefined, undefined, undefined]);
        });

        it("prod keeps Loki in S3 through the IRSA role, three replicas, replication 3; dev on the filesystem", () => {
            const p = values(prod, "observability-loki");
            assert.deepStrictEqual(p.loki.storage, { type: "s3", bucketNames: { chunks: "meshstack-prod-loki", ruler: "meshstack-prod-loki" }, s3: { region: "eu-west-1" } });
            assert.deepStrictEqual(p.serviceAccount, { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/meshstack-prod-loki" } });
            assert.deepStrictEqual([p.singleBinary.replicas, p.loki.commonConfig.replication_factor, p.loki.schemaConfig.configs[0].object_store], [3, 3, "s3"]);
            const d = values(dev, "observability-loki");
            assert.deepStrictEqual([d.loki.storage, d.singleBinary.replicas, d.loki.commonConfig.replication_factor, d.singleBinary.persistence], [{ type: "filesystem" }, 1, 1, { enabled: false }]);
            assert.deepStrictEqual([d.read.replicas, d.write.replicas, d.backend.replicas, d.loki.auth_enabled], [0, 0, 0, false]);
        });

        it("prod keeps Jaeger's traces in badger on a protected claim of its own that outlives the release; dev in memory", () => {
            const p = values(prod, "observability-jaeger");
            assert.deepStrictEqual(p.userconfig.extensions.jaeger_storage.backends.main.badger.ttl, { spans: "360h" });
            const claim = one(prod, "kubernetes:core/v1:PersistentVolumeClaim", "observability-jaeger-badger");
            assert.deepStrictEqual(claim.inputs.metadata, { name: p.jaeger.extraVolumes[0].persistentVolumeClaim.claimName, namespace: NS });
            assert.deepStrictEqual(claim.inputs.spec, { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } } });
            assert.deepStrictEqual([claim.retainOnDelete, claim.protect, providerName(claim)], [true, true, "cluster-provider"]);
            assert.strictEqual(p.extraObjects, undefined, "not the chart's: deleting the release keeps the traces");
            assert.deepStrictEqual(depNames(release(prod, "observability-jaeger")), ["observability-jaeger-badger", "observability-ns"]);
            const d = values(dev, "observability-jaeger");
            assert.deepStrictEqual(d.userconfig.extensions.jaeger_storage.backends.main, { memory: { max_traces: 20000 } });
            assert.deepStrictEqual(ofType(dev, "kubernetes:core/v1:PersistentVolumeClaim"), []);
            const prom = values(prod, "observability-prometheus-stack").prometheus.prometheusSpec;
            assert.deepStrictEqual([prom.retention, prom.storageSpec.volumeClaimTemplate.spec.resources.requests.storage], ["15d", "100Gi"]);
        });

        it("prod's Alertmanager reads its receivers from the Secret the stack names; dev keeps the chart's", () => {
            assert.strictEqual(values(prod, "observability-prometheus-stack").alertmanager.alertmanagerSpec.configSecret, "alertmanager-prod-config");
            assert.strictEqual(values(dev, "observability-prometheus-stack").alertmanager.alertmanagerSpec.configSecret, undefined);
        });

        it("prod caps Prometheus's storage at 85 % of its volume; dev without a volume has no cap", () => {
            const prom = values(prod, "observability-prometheus-stack").prometheus.prometheusSpec;
            assert.deepStrictEqual([prom.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, prom.retentionSize], ["100Gi", "85GB"]);
            const d = values(dev, "observability-prometheus-stack").prometheus.prometheusSpec;
            assert.deepStrictEqual([d.storageSpec, d.retentionSize], [{}, undefined]);
            assert.deepStrictEqual(["20Gi", "5Gi", "512Mi", "1Ti"].map(retentionSize), ["17GB", "4352MB", "435MB", "891289MB"]);
        });
    });
});
