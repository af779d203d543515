import { createCluster, kubeContext as contextOf } from "./components/cluster";
import { DemoWorkload } from "./components/demo";
import { appAccess } from "./components/mesh/appAccess";
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
if (settings.firstHour.demo) {
    new DemoWorkload("demo", { settings, cluster, mesh, namespaces: policies.namespaceResources });
}
const app = appAccess(settings.app.services, settings.meshPolicy, cluster, { namespace: mesh.ingress.namespace, serviceAccount: mesh.ingress.releaseName });

export const environment = settings.environment;
export const clusterName = cluster.name;
export const kubeContext = contextOf(settings.cluster);
export const kubeconfig = cluster.kubeconfig;
export const meshMode = settings.mesh.mode;
export const istioVersion = settings.mesh.version;
export const istioControlPlanes = mesh.controlPlanes.map(({ plane }) => ({ release: plane.releaseName, version: plane.version, revision: plane.revision, tags: plane.tags }));
export const istioRootNamespace = mesh.rootNamespace;
export const urls = observability.urls;
export const portForward = observability.portForward;
export const ingressGateway = observability.ingressGateway;
export const appNamespaces = policies.namespaces;
export const appUrls = Object.fromEntries(Object.entries(app).map(([service, a]) => [service, a.url]));
export const appRequests = Object.fromEntries(Object.entries(app).map(([service, a]) => [service, a.request]));
