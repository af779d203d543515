import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PackConfig } from "../tools/policyRunner";
import { deployment, istio, release, service, withResources } from "./fixtures/resources";
import { messages, report } from "./fixtures/run";

describe("policies: guardrails", () => {
    describe("helm-chart-pinned", () => {
        const policy = "helm-chart-pinned";

        it("reports ranges, missing versions, http and missing repositories", async () => {
            const found = await messages(policy, withResources(
                release("istio-base", "base", {}, { version: "^1.30.0" }),
                release("istiod", "istiod", {}, { version: "" }),
                release("kiali", "kiali-server", {}, { repo: "http://kiali.org/helm-charts", version: "2.29.0" }),
                release("local", "./charts/local", {}, { repo: null }),
            ));
            assert.deepStrictEqual(found, [
                "istio-base: Helm release istio-base (chart base) has chart version \"^1.30.0\", not an exact version: the chart (and every image it pins) "
                + "then changes whenever the repository publishes, without a reviewed change. Fix: set version to an exact release such as 1.30.5 (in versions.ts).",
                "istiod: Helm release istiod (chart istiod) has chart version unset, not an exact version: the chart (and every image it pins) "
                + "then changes whenever the repository publishes, without a reviewed change. Fix: set version to an exact release such as 1.30.5 (in versions.ts).",
                "kiali: Helm release kiali (chart kiali-server) comes from repository http://kiali.org/helm-charts, not an https repository: without TLS "
                + "(or without a declared repository) the chart that gets installed cannot be traced to a trusted source. Fix: set repositoryOpts.repo to the chart's https repository URL.",
                "local: Helm release local (chart ./charts/local) sets no repositoryOpts.repo, not an https repository: without TLS "
                + "(or without a declared repository) the chart that gets installed cannot be traced to a trusted source. Fix: set repositoryOpts.repo to the chart's https repository URL.",
            ]);
        });

        it("accepts oci:// charts only when allowOci is set", async () => {
            const oci = release("podinfo", "oci://ghcr.io/stefanprodan/charts/podinfo", {}, { repo: null, version: "6.9.0" });
            assert.strictEqual((await messages(policy, withResources(oci))).length, 1);
            assert.deepStrictEqual(await messages(policy, withResources(oci), { [policy]: { allowOci: true } }), []);
        });
    });

    describe("helm-chart-pinned: chart URLs", () => {
        const policy = "helm-chart-pinned";

        it("requires an https chart URL whatever the repository says, and oci:// only with allowOci", async () => {
            const byUrl = (chart: string) => release("foo", chart, {}, { version: "1.2.3", repo: "https://charts.example.com" });
            const found = await messages(policy, withResources(byUrl("http://charts.example.com/foo-1.2.3.tgz")));
            assert.deepStrictEqual(found, [
                "foo: Helm release foo (chart http://charts.example.com/foo-1.2.3.tgz) downloads its chart from http://charts.example.com/foo-1.2.3.tgz, not an https URL: "
                + "without TLS the chart that gets installed cannot be traced to a trusted source. "
                + "Fix: use an https:// chart URL, or a chart name with repositoryOpts.repo set to the chart's https repository URL.",
            ]);
            assert.strictEqual((await messages(policy, withResources(byUrl("oci://ghcr.io/example/charts/foo")))).length, 1, "oci without allowOci, beside an https repo");
            assert.deepStrictEqual(await messages(policy, withResources(byUrl("oci://ghcr.io/example/charts/foo")), { [policy]: { allowOci: true } }), []);
            assert.deepStrictEqual(await messages(policy, withResources(release("foo", "https://charts.example.com/foo-1.2.3.tgz", {}, { version: "1.2.3", repo: null }))), []);
        });
    });

    describe("no-latest-images", () => {
        const policy = "no-latest-images";

        it("reports untagged and latest images in values and pod specs, not digests, pinned tags or Istio's image names", async () => {
            const found = await messages(policy, withResources(
                release("collector", "opentelemetry-collector", {
                    image: { repository: "otel/opentelemetry-collector-k8s", tag: "latest" },
                    extraContainers: [{ name: "sidecar", image: "busybox" }, { name: "pinned", image: "busybox@sha256:" + "a".repeat(64) }],
                    initImage: { image: "registry.local:5000/tools/init:1.2" },
                }, { repo: "https://open-telemetry.github.io/opentelemetry-helm-charts", version: "0.170.0" }),
                release("ztunnel", "ztunnel", { image: "ztunnel", hub: "docker.io/istio", tag: "1.30.5" }),
                release("istio-ingressgateway", "gateway", { image: "auto" }, { namespace: "istio-ingress" }),
                deployment("frontend", "shop", "ghcr.io/example/frontend:latest"),
            ));
            assert.deepStrictEqual(found.map((m) => m.split(", which")[0]), [
                "frontend: Deployment frontend sets spec.template.spec.containers[0].image to \"ghcr.io/example/frontend:latest\"",
                "collector: Helm release collector (chart opentelemetry-collector) sets values.image.tag to \"latest\"",
                "collector: Helm release collector (chart opentelemetry-collector) sets values.extraContainers[0].image to \"busybox\"",
            ]);
            assert.ok(found[2].endsWith(", which has no tag (pulls latest): every node pull can then run different code, rollbacks don't restore the old image, "
                + "and what runs is not what was reviewed. Fix: pin an exact tag (or a digest) such as 1.30.5, or leave the tag empty so the chart's pinned appVersion applies."), found[2]);
            assert.deepStrictEqual(await messages(policy, withResources(deployment("frontend", "shop", "ghcr.io/example/frontend:latest")),
                { [policy]: { exceptions: ["ghcr.io/example/frontend:latest"] } }), []);
        });
        it("reports latest under other tag keys (Kiali's deployment.image_version, imageTag, image_tag; version next to an image key)", async () => {
            const found = await messages(policy, withResources(
                release("kiali", "kiali-server", { auth: { strategy: "token" }, deployment: { image_name: "quay.io/kiali/kiali", image_version: "latest" } },
                    { version: "2.29.0", repo: "https://kiali.org/helm-charts" }),
                release("tools", "tools", {
                    a: { image: "ghcr.io/example/a", imageTag: "latest" }, b: { repository: "ghcr.io/example/b", image_tag: "latest" },
                    c: { repository: "ghcr.io/example/c", version: "latest" }, d: { imageVersion: "latest" }, e: { app: { version: "latest" } },
                }, { version: "1.0.0", repo: "https://charts.example.com" }),
            ));
            assert.deepStrictEqual(found.map((m) => m.split(", which")[0]), [
                "kiali: Helm release kiali (chart kiali-server) sets values.deployment.image_version to \"latest\"",
                "tools: Helm release tools (chart tools) sets values.a.imageTag to \"latest\"",
                "tools: Helm release tools (chart tools) sets values.b.image_tag to \"latest\"",
                "tools: Helm release tools (chart tools) sets values.c.version to \"latest\"",
                "tools: Helm release tools (chart tools) sets values.d.imageVersion to \"latest\"",
            ]);
        });

        it("skips values unknown during preview (never reported as untagged)", async () => {
            const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
            assert.deepStrictEqual(await messages(policy, withResources(
                deployment("frontend", "shop", unknown),
                release("collector", "opentelemetry-collector", { image: { repository: unknown, tag: unknown }, extraContainers: [{ name: "x", image: unknown }] },
                    { repo: "https://open-telemetry.github.io/opentelemetry-helm-charts", version: "0.170.0" }),
            )), []);
        });
    });

    describe("no-anonymous-ui-admin", () => {
        const policy = "no-anonymous-ui-admin";
        const kps = (grafana: unknown) => release("monitoring", "kube-prometheus-stack", { grafana },
            { version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts", namespace: "observability" });

        it("reports anonymous Grafana admins and editors (standalone, in kube-prometheus-stack, through env) and anonymous Kiali", async () => {
            const found = await messages(policy, withResources(
                kps({ "grafana.ini": { "auth.anonymous": { enabled: true, org_role: "Admin" } } }),
                release("grafana", "grafana", { env: { GF_AUTH_ANONYMOUS_ENABLED: "true", GF_AUTH_ANONYMOUS_ORG_ROLE: "Editor" } }, { version: "12.11.1", repo: "https://grafana-community.github.io/helm-charts" }),
                release("kiali", "kiali-server", { auth: { strategy: "anonymous" } }, { version: "2.29.0", repo: "https://kiali.org/helm-charts" }),
                release("kiali-operator", "kiali-operator", { cr: { spec: { auth: { strategy: "anonymous" }, deployment: { view_only_mode: false } } } }, { version: "2.29.0", repo: "https://kiali.org/helm-charts" }),
            ));
            assert.deepStrictEqual(found.map((m) => m.split(": anyone")[0]), [
                "monitoring: Helm release monitoring (chart kube-prometheus-stack): Grafana allows anonymous users with org_role Admin",
                "kiali: Helm release kiali (chart kiali-server): Kiali uses auth.strategy anonymous without deployment.view_only_mode",
                "grafana: Helm release grafana (chart grafana): Grafana allows anonymous users with org_role Editor",
                "kiali-operator: Helm release kiali-operator (chart kiali-operator): Kiali uses auth.strategy anonymous without deployment.view_only_mode",
            ]);
            assert.ok(found[0].endsWith("anyone who reaches the UI can change dashboards, data sources or mesh configuration without logging in. "
                + "Fix: turn anonymous access off (or limit it to Viewer / Kiali view_only_mode) and use the UI's login or SSO."));
        });

        it("reads enabled as Grafana's ini parser does (1, t, True, yes, on...) and lets env override grafana.ini", async () => {
            const grafana = (values: Record<string, unknown>) => release("grafana", "grafana", values, { version: "12.11.1", repo: "https://grafana-community.github.io/helm-charts" });
            const anon = (enabled: unknown) => grafana({ "grafana.ini": { "auth.anonymous": { enabled, org_role: "Admin" } } });
            for (const enabled of [true, "True", "TRUE", "t", "T", 1, "1", "yes", "y", "on", "On"]) {
                assert.deepStrictEqual((await messages(policy, withResources(anon(enabled)))).map((m) => m.split(": anyone")[0]),
                    ["grafana: Helm release grafana (chart grafana): Grafana allows anonymous users with org_role Admin"], JSON.stringify(enabled));
            }
            for (const enabled of [false, "false", 0, "0", "off", "no", "disabled"]) {
                assert.deepStrictEqual(await messages(policy, withResources(anon(enabled))), [], JSON.stringify(enabled));
            }
            const viaEnv = await messages(policy, withResources(grafana({ env: { GF_AUTH_ANONYMOUS_ENABLED: true, GF_AUTH_ANONYMOUS_ORG_ROLE: "Admin" } })));
            assert.strictEqual(viaEnv.length, 1);
            const envWins = grafana({ "grafana.ini": { "auth.anonymous": { enabled: false, org_role: "Viewer" } }, env: { GF_AUTH_ANONYMOUS_ENABLED: "1", GF_AUTH_ANONYMOUS_ORG_ROLE: "Editor" } });
            assert.deepStrictEqual((await messages(policy, withResources(envWins))).map((m) => m.split(": anyone")[0]),
                ["grafana: Helm release grafana (chart grafana): Grafana allows anonymous users with org_role Editor"]);
        });

        it("accepts anonymous viewers (Grafana's default role) and view-only Kiali", async () => {
            const resources = withResources(
                kps({ "grafana.ini": { "auth.anonymous": { enabled: true } } }),
                release("kiali", "kiali-server", { auth: { strategy: "anonymous" }, deployment: { view_only_mode: true } }, { version: "2.29.0", repo: "https://kiali.org/helm-charts" }),
            );
            assert.deepStrictEqual(await messages(policy, resources), []);
        });
    });

    describe("no-allow-all-authorization", () => {
        const policy = "no-allow-all-authorization";
        const ap = (spec: unknown) => istio("AuthorizationPolicy", "shop", "open", spec);

        it("reports an ALLOW policy with an empty rule", async () => {
            const found = await messages(policy, withResources(ap({ rules: [{ from: [{ source: { namespaces: ["shop"] } }] }, {}] })));
            assert.deepStrictEqual(found, [
                "shop-open: AuthorizationPolicy shop/open is an ALLOW policy whose rules[1] is empty: an empty rule matches every request, so it allows "
                + "all traffic to the workloads it selects and cancels the deny-by-default that ALLOW policies otherwise give. "
                + "Fix: constrain the rule with from.source (principals, namespaces) or to.operation; `spec: {}` denies all if that was meant; "
                + "if allow-all is intended, add \"shop/open\" to this policy's exceptions.",
            ]);
        });

        it("is mandatory with no config file and in prod.json, advisory in dev.json", async () => {
            const resources = withResources(ap({ rules: [{}] }));
            const config = (env: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policies", "config", `${env}.json`), "utf8")) as PackConfig;
            const levels = async (c: PackConfig) => (await report(resources, c)).filter((l) => l.split(" ")[1] === policy).map((l) => l.split(" ")[0]);
            assert.deepStrictEqual(await levels({}), ["mandatory"]);
            assert.deepStrictEqual(await levels(config("prod")), ["mandatory"]);
            assert.deepStrictEqual(await levels(config("dev")), ["advisory"]);
        });

        it("leaves deny-all, DENY policies, constrained rules and exceptions alone", async () => {
            for (const spec of [{}, { action: "DENY", rules: [{ to: [{ operation: { paths: ["/admin"] } }] }] }, { rules: [{ when: [{ key: "request.auth.claims[iss]", values: ["x"] }] }] }]) {
                assert.deepStrictEqual(await messages(policy, withResources(ap(spec))), [], JSON.stringify(spec));
            }
            assert.deepStrictEqual(await messages(policy, withResources(ap({ action: "ALLOW", rules: [{}] })), { [policy]: { exceptions: ["shop/open"] } }), []);
        });
    });

    describe("no-loadbalancer-ui", () => {
        const policy = "no-loadbalancer-ui";

        it("reports UI charts and UI Services exposed as LoadBalancer, not the ingress gateway", async () => {
            const found = await messages(policy, withResources(
                release("monitoring", "kube-prometheus-stack", { grafana: { service: { type: "LoadBalancer" } }, prometheus: { service: { type: "ClusterIP" } } },
                    { version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts", namespace: "observability" }),
                release("kiali", "kiali-server", { deployment: { service_type: "LoadBalancer" } }, { version: "2.29.0", repo: "https://kiali.org/helm-charts" }),
                service("jaeger-query", "observability", "LoadBalancer"),
                service("shop-web", "shop", "LoadBalancer"),
            ));
            assert.deepStrictEqual(found.map((m) => m.split(": internal")[0]), [
                "monitoring: Helm release monitoring (chart kube-prometheus-stack) sets values.grafana.service.type to LoadBalancer",
                "kiali: Helm release kiali (chart kiali-server) sets values.deployment.service_type to LoadBalancer",
                "jaeger-query: Service jaeger-query is of type LoadBalancer",
            ]);
            assert.ok(found[0].endsWith("internal UIs then get an address outside the cluster, protected only by their own (often weaker or anonymous) logins. "
                + "Fix: use ClusterIP and reach the UI with kubectl port-forward, or publish it through the ingress gateway behind authentication."));
        });

        it("also recognises UI Services by their selector's app or app.kubernetes.io/name label", async () => {
            const found = await messages(policy, withResources(
                service("dashboards", "observability", "LoadBalancer", { "app.kubernetes.io/name": "grafana" }),
                service("mesh-console", "istio-system", "LoadBalancer", { app: "kiali" }),
                service("shop-web", "shop", "LoadBalancer", { app: "shop-web", "app.kubernetes.io/component": "grafana-proxy" }),
            ));
            assert.deepStrictEqual(found.map((m) => m.split(": internal")[0]), [
                "dashboards: Service dashboards (selects app.kubernetes.io/name=grafana) is of type LoadBalancer",
                "mesh-console: Service mesh-console (selects app=kiali) is of type LoadBalancer",
            ]);
        });
    });
});
