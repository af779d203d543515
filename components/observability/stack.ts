import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Settings } from "../../settings";
import { charts } from "../../versions";
import { Cluster, INGRESS_NODE_PORTS, kubeContext } from "../cluster";
import { namespace, pinnedRelease } from "../helm";
import { IstioMesh } from "../mesh/istio";
import { OBSERVABILITY_NAMESPACE } from "../names";
import { access, GATEWAY_UIS, GRAFANA_AFFINITY, grafanaAffinitySpec, UI_GATEWAY, uiGatewaySpec, uiVirtualServiceSpec, UiName } from "./access";
import { meshAlertGroups } from "./alerts";
import { GRAFANA_ADMIN_USER } from "./grafana";
import { kialiValues } from "./kiali";
import { alloyValues, lokiValues } from "./logs";
import { monitorSpecs } from "./monitors";
import { ALLOY, COLLECTOR, GRAFANA_ADMIN_SECRET, JAEGER, KIALI, KIALI_SIGNING_KEY_SECRET, KPS, LOKI, SAMPLER } from "./names";
import { prometheusStackValues } from "./prometheusStack";
import { provisionDashboards } from "./dashboards";
import { sloRuleGroups, sloServices } from "./slo";
import { sloDashboard } from "./sloDashboard";
import { collectorValues, JAEGER_BADGER_CLAIM, jaegerClaimSpec, jaegerValues, samplerValues } from "./tracing";

export interface ObservabilityStackArgs {
    readonly settings: Settings;
    readonly cluster: Cluster;
    /** The mesh: its ingress gateway serves the UIs, and istiod must run before Istio objects exist. */
    readonly mesh: IstioMesh;
}

/** Where the ingress gateway answers. */
export interface GatewayAddress {
    readonly address: string;
    readonly httpPort: number;
    readonly httpsPort: number;
}

/**
 * Prometheus/Alertmanager/Grafana, Loki + Alloy, the OpenTelemetry collector, Jaeger and Kiali, wired to
 * each other by service name. Every chart installs in parallel once the namespace exists; only the
 * monitors and the rule (CRDs from kube-prometheus-stack) and Kiali (after its backends) wait.
 */
export class ObservabilityStack extends pulumi.ComponentResource {
    readonly releases: Record<string, k8s.helm.v3.Release>;
    readonly urls: Record<UiName, string>;
    readonly portForward: string[];
    readonly ingressGateway: pulumi.Output<GatewayAddress>;

    constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshstack:observability:ObservabilityStack", name, {}, opts);
        const { settings, cluster, mesh } = args;
        const preset = settings.preset;
        const child = { parent: this, provider: cluster.provider };
        const ui = access(settings.observability, cluster, { context: kubeContext(settings.cluster), portOffset: settings.firstHour.localPortOffset });

        // Not injected: the backends stay outside the mesh, so no sidecars and no mTLS to their scrapers.
        const ns = namespace(`${name}-ns`, OBSERVABILITY_NAMESPACE, { "istio-injection": "disabled" }, child);
        const inNs = { ...child, dependsOn: [ns] };
        const release = (suffix: string, releaseName: string, pin: (typeof charts)[keyof typeof charts], values: pulumi.Inputs, deps: pulumi.Resource[] = [ns]) =>
            pinnedRelease(`${name}-${suffix}`, { releaseName, pin, namespace: ns.metadata.name, preset, values }, { ...child, dependsOn: deps });

        const password = new random.RandomPassword(`${name}-grafana-password`, { length: 32, special: false }, { parent: this });
        const adminSecret = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: GRAFANA_ADMIN_SECRET.name, namespace: ns.metadata.name },
            type: "Opaque",
            stringData: {
                [GRAFANA_ADMIN_SECRET.userKey]: GRAFANA_ADMIN_USER,
                [GRAFANA_ADMIN_SECRET.passwordKey]: pulumi.secret(password.result),
            },
        }, inNs);

        // AES-256 wants exactly 32 bytes; generated once and kept in state, so every upgrade reuses it.
        const signingKey = new random.RandomPassword(`${name}-kiali-signing-key`, { length: 32, special: false }, { parent: this });
        const kialiKey = new k8s.core.v1.Secret(`${name}-kiali-signing-key`, {
            metadata: { name: KIALI_SIGNING_KEY_SECRET.name, namespace: ns.metadata.name },
            type: "Opaque",
            stringData: { [KIALI_SIGNING_KEY_SECRET.key]: pulumi.secret(signingKey.result) },
        }, inNs);

        const withSlo = sloServices(settings.app.services);
        provisionDashboards(name, {
            mode: settings.mesh.mode,
            namespace: ns.metadata.name,
            generated: withSlo.length > 0 ? { slo: sloDashboard(withSlo) } : {},
        }, inNs);

        const kps = release("prometheus-stack", KPS.release, charts.kubePrometheusStack, prometheusStackValues(settings, ui.urls.grafana), [ns, adminSecret]);
        const loki = release("loki", LOKI.release, charts.loki, lokiValues(settings));
        const alloy = release("alloy", ALLOY.release, charts.alloy, alloyValues(settings));
        // Stored traces outlive the release: the claim is not the chart's, and stays when the stack is destroyed.
        const badgerClaim = settings.observability.jaegerStorage === "badger"
            ? [new k8s.core.v1.PersistentVolumeClaim(`${name}-jaeger-badger`, {
                metadata: { name: JAEGER_BADGER_CLAIM, namespace: ns.metadata.name },
                spec: jaegerClaimSpec(settings),
            }, { ...inNs, retainOnDelete: true, protect: settings.cluster.protect })]
            : [];
        const jaeger = release("jaeger", JAEGER.release, charts.jaeger, jaegerValues(settings), [ns, ...badgerClaim]);
        const collector = release("otel-collector", COLLECTOR.release, charts.otelCollector, collectorValues(settings));
        const sampling = samplerValues(settings);
        const sampler = sampling === undefined ? undefined : release("otel-sampler", SAMPLER.release, charts.otelCollector, sampling);
        // Kiali reads Prometheus, Grafana and Jaeger (and Grafana's Secret and its signing key) from the moment it starts.
        const kiali = release("kiali", KIALI.release, charts.kiali, kialiValues(settings, ui.urls), [ns, kps, jaeger, kialiKey]);
        this.releases = { kps, loki, alloy, jaeger, collector, ...(sampler ? { sampler } : {}), kiali };

        const afterCrds = { ...child, dependsOn: [kps] };
        for (const m of monitorSpecs(settings.mesh.mode)) {
            new k8s.apiextensions.CustomResource(`${name}-${m.name}`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: m.kind,
                metadata: { name: m.name, namespace: OBSERVABILITY_NAMESPACE },
                spec: m.spec,
            }, afterCrds);
        }
        new k8s.apiextensions.CustomResource(`${name}-mesh-alerts`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "mesh-alerts", namespace: OBSERVABILITY_NAMESPACE },
            spec: { groups: meshAlertGroups(preset.observability.alerts) },
        }, afterCrds);
        const sloGroups = sloRuleGroups(settings.mesh.mode, settings.app.services);
        if (sloGroups.length > 0) {
            new k8s.apiextensions.CustomResource(`${name}-slo-rules`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "slo-rules", namespace: OBSERVABILITY_NAMESPACE },
                spec: { groups: sloGroups },
            }, afterCrds);
        }

        if (ui.mode === "gateway") {
            const afterIstiod = { ...child, dependsOn: [ns, mesh.istiod] };
            const hosts = GATEWAY_UIS.map((n) => ui.hosts[n]);
            const gateway = new k8s.apiextensions.CustomResource(`${name}-ui-gateway`, {
                apiVersion: "networking.istio.io/v1",
                kind: "Gateway",
                metadata: { name: UI_GATEWAY, namespace: OBSERVABILITY_NAMESPACE },
                spec: uiGatewaySpec(mesh.ingress.selector, hosts, ui.tlsSecretName),
            }, afterIstiod);
            for (const n of GATEWAY_UIS) {
                new k8s.apiextensions.CustomResource(`${name}-ui-${n}`, {
                    apiVersion: "networking.istio.io/v1",
                    kind: "VirtualService",
                    metadata: { name: n, namespace: OBSERVABILITY_NAMESPACE },
                    spec: uiVirtualServiceSpec(n, ui.hosts[n]),
                }, { ...afterIstiod, dependsOn: [ns, mesh.istiod, gateway] });
            }
            if (preset.observability.replicas.grafana > 1) {
                new k8s.apiextensions.CustomResource(`${name}-ui-${GRAFANA_AFFINITY}`, {
                    apiVersion: "networking.istio.io/v1",
                    kind: "DestinationRule",
                    metadata: { name: GRAFANA_AFFINITY, namespace: OBSERVABILITY_NAMESPACE },
                    spec: grafanaAffinitySpec(),
                }, afterIstiod);
            }
        }

        this.urls = ui.urls;
        this.portForward = ui.portForward;
        this.ingressGateway = this.gatewayAddress(name, args);
        this.registerOutputs({ urls: this.urls, portForward: this.portForward, ingressGateway: this.ingressGateway });
    }

    /** The load balancer's address read from the gateway Service, or the laptop ports kind maps to it. */
    private gatewayAddress(name: string, args: ObservabilityStackArgs): pulumi.Output<GatewayAddress> {
        const { cluster, mesh } = args;
        if (!cluster.loadBalancer) {
            return pulumi.output(cluster.localIngress !== undefined
                ? { address: "127.0.0.1", httpPort: cluster.localIngress.httpPort, httpsPort: cluster.localIngress.httpsPort }
                : { address: "any node's address", httpPort: INGRESS_NODE_PORTS.http, httpsPort: INGRESS_NODE_PORTS.https });
        }
        const service = k8s.core.v1.Service.get(`${name}-ingress-gateway-service`, `${mesh.ingress.namespace}/${mesh.ingress.releaseName}`,
            { parent: this, provider: cluster.provider, dependsOn: [mesh.ingress.release] });
        return service.status.apply((s) => {
            const lb = s?.loadBalancer?.ingress?.[0];
            return { address: lb?.hostname ?? lb?.ip ?? "pending", httpPort: 80, httpsPort: 443 };
        });
    }
}
