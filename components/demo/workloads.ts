import * as k8s from "@pulumi/kubernetes";
import { Resources } from "../../settings";
import { ServiceSpec } from "../../settings/services";
import { appLabels } from "../policy/context";
import { DEMO_IMAGE } from "../../versions";
import { DemoPlan, DemoWorkload } from "./plan";

/** Names and sizes the demo's objects share (smoke finds the load generator by them). */
export const DEMO = {
    configMap: "demo-app",
    script: "server.py",
    mountPath: "/app",
    labels: { "app.kubernetes.io/part-of": "meshstack-demo" },
    loadNamespace: "demo-load",
    loadgen: "loadgen",
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
} as const;

interface ContainerInput {
    readonly name: string;
    readonly args: readonly string[];
    readonly env: Readonly<Record<string, string>>;
    readonly port?: number;
}

interface PodInput {
    readonly name: string;
    readonly namespace: string;
    /** Pod labels; the Deployment selects on all of them. */
    readonly labels: Readonly<Record<string, string>>;
    readonly serviceAccount?: string;
    readonly containers: readonly ContainerInput[];
    /** The sidecar's resources, set on the pod so the footprint (and the scheduler) see what injection adds. */
    readonly sidecar?: Resources;
}

/** Istio's per-pod sidecar resource annotations. */
function sidecarAnnotations(r: Resources): Record<string, string> {
    return {
        "sidecar.istio.io/proxyCPU": r.requests.cpu,
        "sidecar.istio.io/proxyMemory": r.requests.memory,
        "sidecar.istio.io/proxyCPULimit": r.limits.cpu,
        "sidecar.istio.io/proxyMemoryLimit": r.limits.memory,
    };
}

/** One replica running server.py from the ConfigMap as an unprivileged user on a read-only filesystem. */
export function podDeployment(p: PodInput): k8s.types.input.apps.v1.Deployment {
    return {
        metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels, ...DEMO.labels } },
        spec: {
            replicas: 1,
            selector: { matchLabels: p.labels },
            template: {
                metadata: { labels: { ...p.labels, ...DEMO.labels }, ...(p.sidecar ? { annotations: sidecarAnnotations(p.sidecar) } : {}) },
                spec: {
                    ...(p.serviceAccount ? { serviceAccountName: p.serviceAccount } : {}),
                    securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534 },
                    containers: p.containers.map((c) => ({
                        name: c.name,
                        image: DEMO_IMAGE,
                        command: ["python3", `${DEMO.mountPath}/${DEMO.script}`],
                        args: [...c.args],
                        env: [{ name: "PYTHONUNBUFFERED", value: "1" }, { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
                            ...Object.entries(c.env).map(([name, value]) => ({ name, value }))],
                        ...(c.port ? {
                            ports: [{ name: "http", containerPort: c.port, protocol: "TCP" }],
                            readinessProbe: { tcpSocket: { port: c.port }, periodSeconds: 5 },
                        } : {}),
                        resources: DEMO.resources,
                        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        volumeMounts: [{ name: "app", mountPath: DEMO.mountPath, readOnly: true }],
                    })),
                    volumes: [{ name: "app", configMap: { name: DEMO.configMap } }],
                },
            },
        },
    };
}

/** A declared service's pods: labelled `app` (and `version`) as its mesh policies select them, under its service account. */
export function serviceDeployment(w: DemoWorkload, sidecar: Resources | undefined): k8s.types.input.apps.v1.Deployment {
    const svc = w.service;
    return podDeployment({
        name: w.name,
        namespace: svc.namespace,
        labels: { ...appLabels(svc), ...(w.version ? { version: w.version } : {}) },
        serviceAccount: svc.serviceAccount,
        sidecar,
        containers: [{
            name: svc.name,
            args: ["serve"],
            port: svc.port,
            env: { PORT: String(svc.port), SERVICE: svc.name, VERSION: w.version ?? "", CALLS: JSON.stringify(w.calls) },
        }],
    });
}

/** The Service the mesh policies' hosts name: `<name>.<namespace>`, port `http` (Istio reads the protocol from it). */
export function demoService(svc: ServiceSpec): k8s.types.input.core.v1.Service {
    return {
        metadata: { name: svc.name, namespace: svc.namespace, labels: { ...appLabels(svc), ...DEMO.labels } },
        spec: {
            selector: appLabels(svc),
            ports: [{ name: "http", port: svc.port, targetPort: svc.port, protocol: "TCP", appProtocol: "http" }],
        },
    };
}

/** The load generator: a container per exposed service, outside the mesh. */
export function loadDeployment(plan: DemoPlan): k8s.types.input.apps.v1.Deployment {
    return podDeployment({
        name: DEMO.loadgen,
        namespace: DEMO.loadNamespace,
        labels: { app: DEMO.loadgen },
        containers: plan.load.map((l) => ({
            name: `load-${l.service}`,
            args: ["load"],
            env: { TARGET: l.target, HOST: l.host, HEADERS: JSON.stringify(l.headers), ...(l.tokenUrl ? { TOKEN_URL: l.tokenUrl } : {}) },
        })),
    });
}
