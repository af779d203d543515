import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { Settings } from "../../settings";
import { ISTIO_DEMO_JWT } from "../../versions";
import { Cluster } from "../cluster";
import { namespace } from "../helm";
import { IstioMesh } from "../mesh/istio";
import { GATEWAY_LISTENER_PORTS } from "../mesh/values";
import { demoPlan, DemoPlan } from "./plan";
import { DEMO, demoService, loadDeployment, serviceDeployment } from "./workloads";

export interface DemoArgs {
    readonly settings: Settings;
    readonly cluster: Cluster;
    readonly mesh: IstioMesh;
    /** The application namespaces (MeshPolicies creates them with their injection or ambient labels). */
    readonly namespaces: ReadonlyMap<string, pulumi.Resource>;
}

const SERVER = fs.readFileSync(path.join(__dirname, "server.py"), "utf8");

/**
 * The demo workload: the stack's declared services as running pods, and a load generator outside the mesh that
 * calls the exposed ones through the ingress gateway, so Jaeger, Loki, Prometheus and Kiali have traffic to show.
 */
export class DemoWorkload extends pulumi.ComponentResource {
    readonly plan: DemoPlan;

    constructor(name: string, args: DemoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshstack:demo:DemoWorkload", name, {}, opts);
        const { settings, cluster, mesh } = args;
        const child = { parent: this, provider: cluster.provider };
        const sidecar = settings.mesh.mode === "sidecar" ? settings.preset.sizing.sidecar : undefined;
        this.plan = demoPlan(settings.app.services, settings.meshPolicy.jwt.map((j) => j.issuer), {
            namespace: mesh.ingress.namespace, service: mesh.ingress.releaseName, serviceAccount: mesh.ingress.releaseName, port: GATEWAY_LISTENER_PORTS.http,
        });

        for (const service of this.plan.unloaded) {
            pulumi.log.warn(`demo: the load generator does not call ${service}: it requires a JWT from an issuer other than Istio's demo issuer (${ISTIO_DEMO_JWT.issuer}), whose tokens the demo cannot sign`, this);
        }

        const scripts = new Map<string, k8s.core.v1.ConfigMap>();
        const script = (ns: string, deps: pulumi.Resource[]) => {
            if (!scripts.has(ns)) {
                scripts.set(ns, new k8s.core.v1.ConfigMap(`${name}-${ns}-app`, {
                    metadata: { name: DEMO.configMap, namespace: ns, labels: DEMO.labels },
                    data: { [DEMO.script]: SERVER },
                }, { ...child, dependsOn: deps }));
            }
            return scripts.get(ns)!;
        };

        for (const svc of settings.app.services) {
            const nsReady = [args.namespaces.get(svc.namespace)!];
            new k8s.core.v1.ServiceAccount(`${name}-${svc.namespace}-${svc.serviceAccount}-sa`, {
                metadata: { name: svc.serviceAccount, namespace: svc.namespace, labels: DEMO.labels },
            }, { ...child, dependsOn: nsReady });
            new k8s.core.v1.Service(`${name}-${svc.namespace}-${svc.name}`, demoService(svc), { ...child, dependsOn: nsReady });
        }
        for (const w of this.plan.workloads) {
            const ns = w.service.namespace;
            const deps = [args.namespaces.get(ns)!, script(ns, [args.namespaces.get(ns)!])];
            new k8s.apps.v1.Deployment(`${name}-${ns}-${w.name}`, serviceDeployment(w, sidecar), { ...child, dependsOn: deps });
        }

        if (this.plan.load.length > 0) {
            // Outside the mesh: its requests enter through the gateway like a user's, and smoke probes STRICT mTLS from it.
            const loadNs = namespace(`${name}-ns-${DEMO.loadNamespace}`, DEMO.loadNamespace, settings.mesh.mode === "sidecar" ? { "istio-injection": "disabled" } : {}, child);
            new k8s.apps.v1.Deployment(`${name}-loadgen`, loadDeployment(this.plan), {
                ...child, dependsOn: [loadNs, script(DEMO.loadNamespace, [loadNs]), mesh.ingress.release],
            });
        }
        this.registerOutputs({});
    }
}
