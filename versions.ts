/**
 * Every chart, image and node-image version meshstack deploys, in one place.
 * Nothing is resolved at deploy time: bumping a version is a reviewed change to this file.
 */

export interface ChartPin {
    /** Helm repository URL (https only). */
    readonly repo: string;
    readonly chart: string;
    /** Exact chart version, never a range. */
    readonly version: string;
}

/**
 * One Istio version for every Istio chart, so base, istiod, gateways, cni and ztunnel never drift apart.
 * 1.31 sends not-ready endpoints to Envoy unless a DestinationRule sets outlierDetection.minHealthPercent
 * (see TRAFFIC_PRESETS in components/policy/traffic.ts for meshstack's choice).
 */
export const ISTIO_VERSION = "1.31.1";
/**
 * Istio's chart repository since its move off Google Cloud: https://istio-release.storage.googleapis.com/charts loses
 * its charts in December 2026 (istio.io blog "An update on our move to AWS", 2026-08-21; 1.31 upgrade notes).
 */
export const ISTIO_REPO = "https://blob.istio.io/istio-release/charts";
/**
 * Where every Istio image is pulled from, set explicitly in every Istio chart's values: gcr.io/istio-release and
 * registry.istio.io are decommissioned, and from 1.31 images are published only to Docker Hub.
 */
export const ISTIO_HUB = "docker.io/istio";

/**
 * The Kubernetes minor versions Istio 1.31 supports: 1.32 to 1.36 (istio.io supported releases; istioctl's
 * MinK8SVersion = 32 on release-1.31).
 */
export const MIN_KUBERNETES_MINOR = 32;
export const MAX_KUBERNETES_MINOR = 36;

/**
 * The Istio versions meshstack knows, oldest first: `meshstack:mesh.version` and `mesh.canaryVersion` may name only
 * these, so every control plane a stack runs comes from charts pinned here. ISTIO_VERSION is the newest.
 */
export const ISTIO_VERSIONS = ["1.30.5", ISTIO_VERSION] as const;

/** The five Istio charts of one version (base, istiod, gateway, cni, ztunnel), all from ISTIO_REPO. */
export function istioCharts(version: string) {
    const pin = (chart: string): ChartPin => ({ repo: ISTIO_REPO, chart, version });
    return { base: pin("base"), istiod: pin("istiod"), gateway: pin("gateway"), cni: pin("cni"), ztunnel: pin("ztunnel") };
}

const istio = istioCharts(ISTIO_VERSION);

export const charts = {
    istioBase: istio.base,
    istiod: istio.istiod,
    istioGateway: istio.gateway,
    istioCni: istio.cni,
    ztunnel: istio.ztunnel,
    kubePrometheusStack: { repo: "https://prometheus-community.github.io/helm-charts", chart: "kube-prometheus-stack", version: "88.5.3" },
    // The OSS Loki chart moved to the community repo; grafana/helm-charts' loki is the enterprise one.
    loki: { repo: "https://grafana-community.github.io/helm-charts", chart: "loki", version: "18.11.0" },
    alloy: { repo: "https://grafana.github.io/helm-charts", chart: "alloy", version: "1.11.1" },
    jaeger: { repo: "https://jaegertracing.github.io/helm-charts", chart: "jaeger", version: "4.11.1" },
    otelCollector: { repo: "https://open-telemetry.github.io/opentelemetry-helm-charts", chart: "opentelemetry-collector", version: "0.170.0" },
    // The Kiali Istio 1.31 ships with (istio/istio release-1.31 samples/addons/kiali.yaml: kiali-server-2.27.0).
    kiali: { repo: "https://kiali.org/helm-charts", chart: "kiali-server", version: "2.27.0" },
} as const satisfies Record<string, ChartPin>;

/**
 * Gateway API CRDs (not shipped by Istio's base chart; ambient waypoints need them): the version Istio 1.31 is built
 * and conformance-tested against (sigs.k8s.io/gateway-api in istio/istio's go.mod on release-1.31).
 */
export const GATEWAY_API_VERSION = "v1.6.0";
export const gatewayApiCrdsUrl =
    `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml`;

/** kind release the node image below was built for (older kind binaries cannot run it). */
export const KIND_VERSION = "v0.33.0";
/**
 * kind node image, pinned by tag and by the digest kind's release notes publish. Not kind's own default
 * (v0.33.0 defaults to Kubernetes 1.37, outside the range Istio 1.31 supports).
 */
export const KIND_NODE_IMAGE =
    "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0";

/** Default Kubernetes minor version for managed clusters (AKS, EKS) unless a stack overrides it. */
export const DEFAULT_KUBERNETES_VERSION = "1.35";

/**
 * The collector chart requires an image. The k8s distribution has OTLP, spanmetrics, tail sampling and the
 * loadbalancing exporter, but no Prometheus exporters (span metrics are pushed over OTLP). 0.158.0 is the
 * chart's appVersion.
 */
export const COLLECTOR_IMAGE = { repository: "otel/opentelemetry-collector-k8s", tag: "0.158.0" } as const;

/**
 * The demo workload's image: its services, load generator and probe are one Python standard-library script
 * (components/demo/server.py) mounted from a ConfigMap.
 */
export const DEMO_IMAGE = "docker.io/library/python:3.14.0-alpine3.22";

/**
 * Istio's sample JWT issuer and its demo token (signed by the key in the jwks.json beside it, which Pulumi.dev.yaml's
 * jwksUri names), from the Istio release the mesh runs. The token is public test material, not a secret.
 */
export const ISTIO_DEMO_JWT = {
    issuer: "testing@secure.istio.io",
    url: `https://raw.githubusercontent.com/istio/istio/${ISTIO_VERSION}/security/tools/jwt/samples/demo.jwt`,
} as const;

/**
 * Istio's Grafana dashboards (manifests/addons/dashboards in the Istio repo), fetched by the machine running
 * Pulumi and checked against these sha256 sums before they reach a ConfigMap: no pod downloads anything.
 * 1.30.3 is the newest tag whose files were checksummed here; the release-1.30 branch carries the same files.
 */
export const ISTIO_DASHBOARDS_REF = "1.30.3";
export const ISTIO_DASHBOARD_SHA256: Readonly<Record<string, string>> = {
    "istio-mesh-dashboard.gen.json": "d1f8f1f0c61722ffebada80b4ea50a17d99e5dfd62efd658d0f79635437afc74",
    "istio-service-dashboard.json": "d2c3881bd82f44965bd124ef5aade6e81b41e05355758a41c6d4d7465e98d3fc",
    "istio-workload-dashboard.json": "0a9b4c2cec355b85fe941db9215467b0ca0bfd85c44598c99fbfe91eb539a1de",
    "istio-performance-dashboard.json": "8a34d37f6798fbd931db93b1ce9972fa81bb215a62705adbe94db8a5fc6c5688",
    "pilot-dashboard.gen.json": "5a03f45efa32b975ac1dba1b12877c586fb63bbb1da06516dfa56256caa1acc0",
    "ztunnel-dashboard.gen.json": "66b6b15099eb9b497cba8655835f4e8cc485fd0ef61ee8e4ed545ee26553cfe8",
};
