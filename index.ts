import { createCluster } from "./components/cluster";
import { IstioMesh } from "./components/mesh/istio";
import { MeshPolicies } from "./components/policy";
import { readSettings } from "./settings";
import { ISTIO_VERSION } from "./versions";

// settings -> cluster -> mesh -> mesh policies -> outputs. Settings are validated before any resource exists.
const settings = readSettings();
const cluster = createCluster("cluster", settings);
const mesh = new IstioMesh("mesh", { settings, cluster }, { dependsOn: [] });
const policies = new MeshPolicies("policies", { settings, cluster, mesh });

export const environment = settings.environment;
export const clusterName = cluster.name;
export const kubeconfig = cluster.kubeconfig;
export const meshMode = settings.mesh.mode;
export const istioVersion = ISTIO_VERSION;
export const istioRootNamespace = mesh.rootNamespace;
export const appNamespaces = policies.namespaces;
