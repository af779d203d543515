import { createCluster } from "./components/cluster";
import { IstioMesh } from "./components/mesh/istio";
import { readSettings } from "./settings";
import { ISTIO_VERSION } from "./versions";

// settings -> cluster -> mesh -> outputs. Settings are validated before any resource exists.
const settings = readSettings();
const cluster = createCluster("cluster", settings);
const mesh = new IstioMesh("mesh", { settings, cluster }, { dependsOn: [] });

export const environment = settings.environment;
export const clusterName = cluster.name;
export const kubeconfig = cluster.kubeconfig;
export const meshMode = settings.mesh.mode;
export const istioVersion = ISTIO_VERSION;
export const istioRootNamespace = mesh.rootNamespace;
