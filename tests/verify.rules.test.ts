import * as assert from "assert";
import { K8sObject } from "../tools/render";
import { imageFindings, imageProblem } from "../tools/verify/images";
import { meshFindings, renderedMeshes } from "../tools/verify/mesh";
import { podTemplates } from "../tools/verify/objects";
import { extensionProviderFindings, gatewaySelectorFindings, Located, monitorFindings, outputFindings, serviceIndex, urlFindings } from "../tools/verify/references";
import { renderedRequests, requestFindings } from "../tools/verify/requests";
import { schemaFindings } from "../tools/verify/schema";

/** Each verify rule on hand-written manifests: one case that must be found, one that must pass. */

const at = (source: string, namespace: string, object: Partial<K8sObject> & { kind: string }): Located =>
    ({ source, namespace, object: { apiVersion: "v1", metadata: { name: "x", namespace }, ...object } as K8sObject });

const service = (name: string, namespace: string, ports: { port: number; name?: string }[], labels: Record<string, string> = {}) =>
    at("release r", namespace, { kind: "Service", metadata: { name, namespace, labels }, spec: { ports } });

const deployment = (name: string, namespace: string, labels: Record<string, string>, containers: any[], extra: Record<string, unknown> = {}) =>
    at("release r", namespace, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace }, spec: { replicas: 1, ...extra, template: { metadata: { labels }, spec: { containers } } } });

const prom = service("prom", "obs", [{ port: 9090, name: "http-web" }], { app: "prom" });

function urls(objects: Located[]): string[] {
    const namespaces = new Set(objects.map((o) => o.namespace));
    return urlFindings(objects, serviceIndex(objects), namespaces);
}

describe("verify rules on hand-written manifests", () => {
    it("URLs and .svc hosts resolve to a Service and one of its ports; app namespaces without Services are not checked", () => {
        const cm = (data: Record<string, string>) => at("release grafana", "obs", { kind: "ConfigMap", metadata: { name: "ds", namespace: "obs" }, data });
        assert.deepStrictEqual(urls([prom, cm({ a: "url: http://prom.obs:9090/api", b: "prom.obs.svc.cluster.local:9090", c: "https://grafana.com/x" })]), []);
        assert.deepStrictEqual(urls([prom, cm({ a: "url: http://prom.obs:9091", b: "http://loki.obs:3100", c: "jaeger.obsrv.svc:4317" })]), [
            "release grafana: ConfigMap obs/ds data.a: http://prom.obs:9091 uses port 9091, which Service obs/prom does not expose (ports: 9090)",
            "release grafana: ConfigMap obs/ds data.b: http://loki.obs:3100 names no Service obs/loki",
            "release grafana: ConfigMap obs/ds data.c: jaeger.obsrv.svc:4317 names namespace obsrv, which the stack neither creates nor installs anything into",
        ]);
        const app = at("program", "shop", { kind: "Namespace", metadata: { name: "shop" } });
        const dr = at("program", "shop", { apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "cart", namespace: "shop" }, spec: { host: "cart.shop.svc.cluster.local" } });
        assert.deepStrictEqual(urls([prom, app, dr]), []);
        const secret = at("release kiali", "obs", { kind: "Secret", metadata: { name: "s", namespace: "obs" }, data: { cfg: Buffer.from("http://prom.obs:1").toString("base64") } });
        assert.deepStrictEqual(urls([prom, secret]), ["release kiali: Secret obs/s data.cfg: http://prom.obs:1 uses port 1, which Service obs/prom does not expose (ports: 9090)"]);
    });

    it("istiod's extension providers name a Service and port that exist", () => {
        const collector = service("otel", "obs", [{ port: 4317, name: "otlp" }]);
        const mesh = (port: number) => [{ source: "release istiod", config: { extensionProviders: [{ name: "otel-tracing", opentelemetry: { service: "otel.obs.svc.cluster.local", port } }] } }];
        assert.deepStrictEqual(extensionProviderFindings(mesh(4317), serviceIndex([collector])), []);
        assert.deepStrictEqual(extensionProviderFindings(mesh(4318), serviceIndex([collector])), [
            "release istiod: meshConfig.extensionProviders otel-tracing (opentelemetry) service otel.obs.svc.cluster.local:4318 uses port 4318, which Service obs/otel does not expose (ports: 4317)",
        ]);
    });

    it("ServiceMonitors and PodMonitors select something, by port names it has", () => {
        const sm = (selector: Record<string, string>, port: string) => at("program", "obs", {
            apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "sm", namespace: "obs" },
            spec: { namespaceSelector: { matchNames: ["obs"] }, selector: { matchLabels: selector }, endpoints: [{ port }] },
        });
        const proxy = deployment("gw", "ingress", { istio: "ingress" }, [{ name: "istio-proxy", ports: [{ name: "http-envoy-prom", containerPort: 15090 }] }]);
        const pm = (regex: string, port?: string) => at("program", "obs", {
            apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "pm", namespace: "obs" },
            spec: {
                namespaceSelector: { any: true }, selector: { matchExpressions: [{ key: "istio-prometheus-ignore", operator: "DoesNotExist" }] },
                podMetricsEndpoints: [{ ...(port ? { port } : {}), relabelings: [{ action: "keep", sourceLabels: ["__meta_kubernetes_pod_container_name", "__meta_kubernetes_pod_container_port_name"], regex }] }],
            },
        });
        const check = (objects: Located[]) => monitorFindings(objects, serviceIndex(objects), podTemplates(objects));
        assert.deepStrictEqual(check([prom, proxy, sm({ app: "prom" }, "http-web"), pm("istio-proxy;http-envoy-prom")]), []);
        assert.deepStrictEqual(check([prom, proxy, sm({ app: "prometheus" }, "http-web"), pm("istio-proxy;envoy-prom", "metrics")]), [
            "program: ServiceMonitor obs/sm: its selector {\"matchLabels\":{\"app\":\"prometheus\"}} matches no Service",
            "program: PodMonitor obs/pm: endpoint port \"metrics\" is not a container port name of Deployment ingress/gw",
            "program: PodMonitor obs/pm: keeps only container;port \"istio-proxy;envoy-prom\", which no pod it selects has",
        ]);
        assert.deepStrictEqual(check([prom, sm({ app: "prom" }, "web")]), ["program: ServiceMonitor obs/sm: endpoint port \"web\" is not a port name of obs/prom"]);
    });

    it("Istio Gateways select gateway pods that exist", () => {
        const gw = (selector: Record<string, string>) => at("program", "ingress", { apiVersion: "networking.istio.io/v1", kind: "Gateway", metadata: { name: "web", namespace: "ingress" }, spec: { selector } });
        const pods = podTemplates([deployment("gw", "ingress", { istio: "ingressgateway", app: "gw" }, [{ name: "istio-proxy", image: "auto" }])]);
        assert.deepStrictEqual(gatewaySelectorFindings([gw({ istio: "ingressgateway" })], pods), []);
        assert.deepStrictEqual(gatewaySelectorFindings([gw({ istio: "ingress-gateway" })], pods),
            ["program: Gateway ingress/web selects pods {\"istio\":\"ingress-gateway\"}, and no gateway pod the stack runs has those labels"]);
    });

    it("the exported port-forward commands reach a Service port, and every localhost URL has its port-forward", () => {
        const services = serviceIndex([prom]);
        assert.deepStrictEqual(outputFindings({ portForward: ["kubectl -n obs port-forward svc/prom 9090:9090"], urls: { prometheus: "http://localhost:9090" } }, services), []);
        assert.deepStrictEqual(outputFindings({ portForward: ["kubectl -n obs port-forward svc/prom 9091:80", "kubectl get pods"], urls: { prometheus: "http://localhost:9090" } }, services), [
            "output portForward: \"kubectl -n obs port-forward svc/prom 9091:80\" uses port 80, which Service obs/prom does not expose (ports: 9090)",
            "output portForward: \"kubectl get pods\" is not a kubectl port-forward to a service",
            "output urls.prometheus: http://localhost:9090 is on local port 9090, which no portForward command opens",
        ]);
    });

    it("the rendered mesh config keeps a Prometheus metrics provider and defines every tracing provider in use", () => {
        const istio = (mesh: string) => at("release istiod", "istio-system", { kind: "ConfigMap", metadata: { name: "istio", namespace: "istio-system" }, data: { mesh } });
        const telemetry = (spec: Record<string, unknown>, namespace = "istio-system") =>
            at("program", namespace, { apiVersion: "telemetry.istio.io/v1", kind: "Telemetry", metadata: { name: "mesh-default", namespace }, spec });
        const good = istio("defaultProviders:\n  metrics: [prometheus]\n  tracing: [otel]\nextensionProviders:\n- name: otel\n  opentelemetry: {service: otel.obs.svc.cluster.local, port: 4317}\n");
        const check = (objects: Located[]) => meshFindings(renderedMeshes(objects), objects);
        assert.deepStrictEqual(check([good, telemetry({ tracing: [{ providers: [{ name: "otel" }] }] })]), []);
        const tracingOnly = istio("defaultProviders:\n  tracing: [otel]\nextensionProviders:\n- name: otel\n  opentelemetry: {service: otel.obs.svc.cluster.local, port: 4317}\n");
        assert.deepStrictEqual(check([tracingOnly]), [
            "release istiod: ConfigMap istio-system/istio: no Prometheus metrics provider (defaultProviders.metrics: []), so no proxy emits istio_requests_total; add \"prometheus\" to meshConfig.defaultProviders.metrics",
        ]);
        assert.deepStrictEqual(check([tracingOnly, telemetry({ metrics: [{ providers: [{ name: "prometheus" }] }] })]), [], "a mesh-wide Telemetry can name the provider instead");
        assert.deepStrictEqual(check([good, telemetry({ metrics: [{ overrides: [{ disabled: true }] }], tracing: [{ providers: [{ name: "zipkin" }] }] })]), [
            "program: Telemetry istio-system/mesh-default disables every standard metric mesh-wide (overrides[].disabled: true for ALL_METRICS)",
            "program: Telemetry istio-system/mesh-default traces to provider \"zipkin\", which ConfigMap istio-system/istio does not define in extensionProviders (defined: otel)",
        ]);
        assert.deepStrictEqual(check([istio("defaultProviders:\n  metrics: [prometheus]\n  tracing: [otel]\n")]),
            ["release istiod: ConfigMap istio-system/istio: defaultProviders.tracing names \"otel\", which extensionProviders does not define: no traces are exported"]);
    });

    it("images are pinned and come from live registries", () => {
        assert.strictEqual(imageProblem("quay.io/prometheus/prometheus:v3.14.0"), undefined);
        assert.strictEqual(imageProblem("quay.io/x/y@sha256:" + "a".repeat(64)), undefined);
        assert.strictEqual(imageProblem("localhost:5000/app"), "has no tag, so it runs whatever latest is at pull time");
        assert.strictEqual(imageProblem("grafana/grafana:latest"), "is tagged latest, so it is not pinned");
        assert.strictEqual(imageProblem("gcr.io/istio-release/pilot:1.30.5"), "comes from gcr.io/istio-release, which Istio has retired; set the hub to docker.io/istio");
        const injector = at("release istiod", "istio-system", { kind: "ConfigMap", metadata: { name: "istio-sidecar-injector", namespace: "istio-system" }, data: { values: JSON.stringify({ global: { hub: "registry.istio.io/release", tag: "1.30.5", proxy: { image: "proxyv2" } } }) } });
        const operator = deployment("op", "obs", {}, [{ name: "op", image: "quay.io/op:v1", args: ["--prometheus-config-reloader=quay.io/reloader"] }, { name: "gw", image: "auto" }]);
        assert.deepStrictEqual(imageFindings([injector, operator]), [
            "release istiod: ConfigMap istio-system/istio-sidecar-injector data.values global.hub/proxy.image/tag: image registry.istio.io/release/proxyv2:1.30.5 comes from registry.istio.io, which Istio has retired; set the hub to docker.io/istio",
            "release r: Deployment obs/op spec.template.spec.containers[0].args[0]: image quay.io/reloader has no tag, so it runs whatever latest is at pull time",
        ]);
    });

    it("custom resources match the schemas of the CRDs the stack ships; unknown fields are findings", () => {
        const crd = {
            apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widgets.example.com" },
            spec: {
                group: "example.com", names: { kind: "Widget" }, versions: [{
                    name: "v1", served: true, schema: {
                        openAPIV3Schema: {
                            type: "object", properties: {
                                spec: {
                                    type: "object", required: ["mode"], properties: {
                                        mode: { type: "string", enum: ["A", "B"] }, port: { "x-kubernetes-int-or-string": true },
                                        count: { type: "integer", minimum: 1 }, free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                                    },
                                },
                            },
                        },
                    },
                }, { name: "v1alpha1", served: false }],
            },
        } as K8sObject;
        const widget = (spec: Record<string, unknown>, apiVersion = "example.com/v1") => at("program", "apps", { apiVersion, kind: "Widget", metadata: { name: "w", namespace: "apps" }, spec });
        assert.deepStrictEqual(schemaFindings([widget({ mode: "A", port: "http", count: 2, free: { any: 1 } })], [crd]), []);
        assert.deepStrictEqual(schemaFindings([widget({ mode: "C", port: 1.5, count: 0, colour: "red" }), widget({ mode: "A" }, "example.com/v1alpha1")], [crd]), [
            "program: Widget apps/w (example.com/v1): spec.mode: \"C\" is not one of \"A\", \"B\"",
            "program: Widget apps/w (example.com/v1): spec.port: 1.5 is not an integer or a string",
            "program: Widget apps/w (example.com/v1): spec.count: 0 is below the minimum 1",
            "program: Widget apps/w (example.com/v1): spec.colour: unknown field (the API server drops it)",
            "program: Widget apps/w (example.com/v1alpha1): no CRD in the stack serves Widget at example.com/v1alpha1",
        ]);
        assert.deepStrictEqual(schemaFindings([widget({})], [crd]), ["program: Widget apps/w (example.com/v1): spec.mode: required"]);
    });

    it("rendered requests: replicas (an HPA's minimum) times containers, DaemonSets once, hooks and init containers not counted", () => {
        const objects: K8sObject[] = [
            deployment("a", "obs", {}, [{ name: "a", resources: { requests: { cpu: "100m", memory: "64Mi" } } }], { replicas: 3 }).object,
            { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "a", namespace: "obs" }, spec: { scaleTargetRef: { kind: "Deployment", name: "a" }, minReplicas: 2 } },
            { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "d" }, spec: { template: { spec: { containers: [{ name: "d", resources: { requests: { cpu: "50m", memory: "32Mi" } } }], initContainers: [{ name: "i", resources: { requests: { cpu: "1" } } }] } } } },
            { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j", annotations: { "helm.sh/hook": "pre-install" } }, spec: { template: { spec: { containers: [{ name: "j", resources: { requests: { cpu: "1" } } }] } } } },
            { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "operator" }, spec: { template: { spec: { containers: [{ name: "op", args: ["--config-reloader-cpu-request=10m", "--config-reloader-memory-request=16Mi"] }] } } } },
            { apiVersion: "monitoring.coreos.com/v1", kind: "Prometheus", metadata: { name: "p" }, spec: { replicas: 2, resources: { requests: { cpu: "200m", memory: "1Gi" } } } },
        ];
        const release = { name: "kps", chart: "c", version: "1", namespace: "obs", values: {}, chartPath: "", apiVersions: [], objects };
        assert.deepStrictEqual(renderedRequests(release), { cpu: 2 * 100 + 50 + 2 * 200 + 2 * 10, memory: (2 * 64 + 32 + 2 * 1024 + 2 * 16) * 1024 ** 2 });
        const plan = (cpu: number) => ({ releases: [{ release: "kps", chart: "c", cpu, memory: 2240 * 1024 ** 2, perNode: { cpu: 0, memory: 0 } }], total: { cpu, memory: 0 } });
        assert.deepStrictEqual(requestFindings([release], plan(670)), []);
        assert.deepStrictEqual(requestFindings([release], plan(600)), [
            `release kps: the rendered manifests request 0.670 CPU, 2.19 GiB (670m, ${2240 * 1024 ** 2} bytes); plan's footprint says 0.600 CPU, 2.19 GiB (600m, ${2240 * 1024 ** 2} bytes)`,
        ]);
    });
});

describe("verify: istioctl analyze, where an istioctl binary is at hand", () => {
    const { analyzeFindings, runAnalyze } = require("../tools/verify/istioctl") as typeof import("../tools/verify/istioctl");
    const fs = require("fs") as typeof import("fs");
    const os = require("os") as typeof import("os");
    const path = require("path") as typeof import("path");

    it("keeps Istio's errors and warnings as findings, not its info messages nor the EnvoyFilter caution meshstack accepts", () => {
        const out = [
            "Error [IST0101] (VirtualService shop/cart) Referenced host not found: \"carts\"",
            "Warning [IST0118] (Service shop/cart) Port name web (port: 80, targetPort: 8080) doesn't follow the naming convention of Istio port.",
            "Info [IST0102] (Namespace shop) The namespace is not enabled for Istio injection.",
            "Warning [IST0133] (EnvoyFilter shop/cart-ratelimit x.yaml:3) Schema validation warning: EnvoyFilter exposes internal implementation details that may change at any time.",
            "Warning [IST0133] (AuthorizationPolicy shop/cart x.yaml:9) Schema validation warning: configured AuthorizationPolicy will deny all traffic to TCP ports under its scope",
            "Error: Analyzers found issues when analyzing namespace: default.",
        ].join("\n");
        assert.deepStrictEqual(analyzeFindings(out), [
            "istioctl analyze: Error [IST0101] (VirtualService shop/cart) Referenced host not found: \"carts\"",
            "istioctl analyze: Warning [IST0118] (Service shop/cart) Port name web (port: 80, targetPort: 8080) doesn't follow the naming convention of Istio port.",
            "istioctl analyze: Warning [IST0133] (AuthorizationPolicy shop/cart x.yaml:9) Schema validation warning: configured AuthorizationPolicy will deny all traffic to TCP ports under its scope",
        ]);
        assert.deepStrictEqual(analyzeFindings("\u2714 No validation issues found when analyzing namespace: default."), []);
    });

    it("runs `istioctl analyze --use-kube=false` over the files; a run that printed no analysis is an error", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-istioctl-"));
        try {
            const fake = path.join(dir, "istioctl");
            fs.writeFileSync(fake, "#!/bin/sh\necho \"Warning [IST0103] (Pod a/b) args: $*\"\nexit 79\n", { mode: 0o755 });
            assert.strictEqual(await runAnalyze(fake, ["/x/a.yaml", "/x/b.yaml"]), "Warning [IST0103] (Pod a/b) args: analyze --use-kube=false --all-namespaces --color=false /x/a.yaml /x/b.yaml\n");
            const broken = path.join(dir, "broken");
            fs.writeFileSync(broken, "#!/bin/sh\necho 'unknown flag' >&2\nexit 1\n", { mode: 0o755 });
            await assert.rejects(runAnalyze(broken, []), { message: "istioctl analyze failed: unknown flag" });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
