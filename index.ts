import { createCluster } from "./components/cluster";
import { IstioMesh } from "./components/mesh/istio";
import { TRACING_PROVIDER_NAME } from "./components/names";
import { COLLECTOR, fqdn } from "./components/observability/names";
import { ObservabilityStack } from "./components/observability/stack";
import { MeshPolicies } from "./components/policy";
import { readSettings } from "./settings";

// settings -> cluster -> mesh -> observability -> mesh policies -> outputs.
// Settings are validated before any resource exists.
const settings = readSettings();
const cluster = createCluster("cluster", settings);
const mesh = new IstioMesh("mesh", {
    settings,
    cluster,
    // The collector's name is fixed, so istiod needs no dependency on its release to point at it.
    tracing: { name: TRACING_PROVIDER_NAME, service: fqdn(COLLECTOR.service), port: COLLECTOR.otlpGrpc },
}, { dependsOn: [] });
const observability = new ObservabilityStack("observability", { settings, cluster, mesh });
const policies = new MeshPolicies("policies", { settings, cluster, mesh });

export const environment = settings.environment;
export const clusterName = cluster.name;
export const kubeconfig = cluster.kubeconfig;
export const meshMode = settings.mesh.mode;
export const istioVersion = settings.mesh.version;
export const istioControlPlanes = mesh.controlPlanes.map(({ plane }) => ({ release: plane.releaseName, version: plane.version, revision: plane.revision, tags: plane.tags }));
export const istioRootNamespace = mesh.rootNamespace;
export const urls = observability.urls;
export const portForward = observability.portForward;
export const ingressGateway = observability.ingressGateway;
export const appNamespaces = policies.namespaces;
