import { HELM_RELEASE } from "./graph";
import { ProgramRun, RecordedResource } from "./mockRuntime";

/**
 * What the platform asks the scheduler for, read from the values each Helm release really gets.
 * Each chart's containers are listed with where the chart takes their resources and replicas from;
 * a container whose resources are missing from the values is an error, so no container runs unsized.
 */

/** Where a container's resources and replica count live in its chart's values. */
interface ContainerModel {
    readonly container: string;
    /** Dotted values path of `{requests, limits}`. */
    readonly resources: string;
    /**
     * A replica count, or the dotted values path(s) whose sum is the count (a missing path counts 1, the charts' default);
     * `a|b` reads b where a is absent (a fixed count, else the autoscaler's minimum).
     */
    readonly replicas: number | readonly string[];
    /** DaemonSet: one pod per node. */
    readonly perNode?: boolean;
    /** Init containers and Helm hook Jobs: must be sized, but hold nothing once they finish. */
    readonly transient?: boolean;
}

const fixed = (container: string, resources: string, replicas: number | readonly string[] = 1, extra: Partial<ContainerModel> = {}): ContainerModel =>
    ({ container, resources, replicas, ...extra });

/** The containers each chart renders with the values meshstack sets (by chart name). */
export const CHART_CONTAINERS: Readonly<Record<string, readonly ContainerModel[]>> = {
    base: [],
    istiod: [fixed("discovery", "resources", ["replicaCount|autoscaleMin"])],
    gateway: [fixed("istio-proxy", "resources", ["replicaCount|autoscaling.minReplicas"])],
    cni: [fixed("install-cni", "resources", 1, { perNode: true })],
    ztunnel: [fixed("istio-proxy", "resources", 1, { perNode: true })],
    "kube-prometheus-stack": [
        fixed("prometheus", "prometheus.prometheusSpec.resources", ["prometheus.prometheusSpec.replicas"]),
        fixed("alertmanager", "alertmanager.alertmanagerSpec.resources", ["alertmanager.alertmanagerSpec.replicas"]),
        fixed("config-reloader", "prometheusOperator.prometheusConfigReloader.resources",
            ["prometheus.prometheusSpec.replicas", "alertmanager.alertmanagerSpec.replicas"]),
        fixed("prometheus-operator", "prometheusOperator.resources"),
        fixed("admission-webhook-jobs", "prometheusOperator.admissionWebhooks.patch.resources", 1, { transient: true }),
        fixed("kube-state-metrics", "kube-state-metrics.resources"),
        fixed("node-exporter", "prometheus-node-exporter.resources", 1, { perNode: true }),
        fixed("grafana", "grafana.resources", ["grafana.replicas"]),
        fixed("grafana-sc-dashboard", "grafana.sidecar.resources", ["grafana.replicas"]),
        fixed("grafana-sc-datasources", "grafana.sidecar.resources", ["grafana.replicas"]),
    ],
    loki: [fixed("loki", "singleBinary.resources", ["singleBinary.replicas"])],
    alloy: [
        fixed("alloy", "alloy.resources", 1, { perNode: true }),
        fixed("config-reloader", "configReloader.resources", 1, { perNode: true }),
    ],
    "opentelemetry-collector": [fixed("opentelemetry-collector", "resources", ["replicaCount"])],
    jaeger: [fixed("jaeger", "jaeger.resources", ["jaeger.replicas"])],
    "kiali-server": [fixed("kiali", "deployment.resources", ["deployment.replicas"])],
};

export interface ReleaseFootprint {
    readonly release: string;
    readonly chart: string;
    /** Steady-state pods' requests in millicores and bytes, DaemonSets counted for one node. */
    readonly cpu: number;
    readonly memory: number;
    /** The part of cpu/memory that each further node adds (DaemonSets). */
    readonly perNode: { readonly cpu: number; readonly memory: number };
}

export interface Footprint {
    readonly releases: ReleaseFootprint[];
    readonly total: { readonly cpu: number; readonly memory: number };
}

/** The whole dev platform must fit a laptop kind node. */
export const DEV_BUDGET = { cpu: 2500, memory: 5 * 1024 ** 3 } as const;

export function footprint(run: ProgramRun): Footprint {
    const releases = run.resources.filter((r) => r.type === HELM_RELEASE).map((r): ReleaseFootprint => {
        const chart = r.inputs.chart as string;
        const release = r.inputs.name as string;
        const model = CHART_CONTAINERS[chart];
        if (model === undefined) throw new Error(`footprint: no container model for chart ${chart} (release ${release})`);
        const values = (r.inputs.values ?? {}) as Record<string, unknown>;
        let cpu = 0, memory = 0;
        const perNode = { cpu: 0, memory: 0 };
        for (const c of model) {
            const res = at(values, c.resources) as { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } } | undefined;
            if (!res?.requests?.cpu || !res.requests.memory || !res.limits?.cpu || !res.limits.memory) {
                throw new Error(`footprint: release ${release} container ${c.container} has no requests and limits (cpu and memory) at values ${c.resources}`);
            }
            if (c.transient) continue;
            const replicas = typeof c.replicas === "number" ? c.replicas : c.replicas.reduce((sum, p) => sum + Number(p.split("|").map((alt) => at(values, alt)).find((v) => v !== undefined) ?? 1), 0);
            const ccpu = replicas * parseCpu(res.requests.cpu);
            const cmem = replicas * parseMemory(res.requests.memory);
            cpu += ccpu;
            memory += cmem;
            if (c.perNode) {
                perNode.cpu += ccpu;
                perNode.memory += cmem;
            }
        }
        return { release, chart, cpu, memory, perNode };
    });
    const all = [...releases, ...run.resources.filter((r) => r.type === DEPLOYMENT).map(deploymentFootprint)];
    const sum = (f: (r: ReleaseFootprint) => number) => all.reduce((s, r) => s + f(r), 0);
    return { releases: all, total: { cpu: sum((r) => r.cpu), memory: sum((r) => r.memory) } };
}

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

interface PodTemplate {
    metadata?: { annotations?: Record<string, string> };
    spec: { containers: { name: string; resources?: { requests?: { cpu?: string; memory?: string } } }[] };
}

/**
 * A Deployment the program declares itself (the demo workload): its containers' requests times its replicas,
 * plus the sidecar its pods declare through Istio's `sidecar.istio.io/proxyCPU`/`proxyMemory` annotations.
 */
function deploymentFootprint(r: RecordedResource): ReleaseFootprint {
    const { namespace, name } = r.inputs.metadata as { namespace: string; name: string };
    const spec = r.inputs.spec as { replicas?: number; template: PodTemplate };
    const replicas = spec.replicas ?? 1;
    const annotations = spec.template.metadata?.annotations ?? {};
    const requests = spec.template.spec.containers.map((c) => {
        if (!c.resources?.requests?.cpu || !c.resources.requests.memory) {
            throw new Error(`footprint: deployment ${namespace}/${name} container ${c.name} has no cpu and memory requests`);
        }
        return c.resources.requests as { cpu: string; memory: string };
    });
    const proxy = annotations["sidecar.istio.io/proxyCPU"] ? [{ cpu: annotations["sidecar.istio.io/proxyCPU"], memory: annotations["sidecar.istio.io/proxyMemory"] }] : [];
    const all = [...requests, ...proxy];
    return {
        release: `${namespace}/${name}`,
        chart: "Deployment",
        cpu: replicas * all.reduce((s, q) => s + parseCpu(q.cpu), 0),
        memory: replicas * all.reduce((s, q) => s + parseMemory(q.memory), 0),
        perNode: { cpu: 0, memory: 0 },
    };
}

function at(values: Record<string, unknown>, path: string): unknown {
    return path.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), values);
}

/** Kubernetes CPU quantity ("250m", "1", "0.5") in millicores. */
export function parseCpu(q: string): number {
    const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q);
    if (!m) throw new Error(`footprint: CPU quantity ${q} is not understood`);
    return m[2] === "m" ? Number(m[1]) : Number(m[1]) * 1000;
}

const MEMORY_UNITS: Record<string, number> = { "": 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** Kubernetes memory quantity ("256Mi", "1Gi", "500M") in bytes. */
export function parseMemory(q: string): number {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|)$/.exec(q);
    if (!m) throw new Error(`footprint: memory quantity ${q} is not understood`);
    return Number(m[1]) * MEMORY_UNITS[m[2]];
}

export const formatCpu = (millicores: number): string => `${(millicores / 1000).toFixed(3)} CPU`;
export const formatMemory = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/** The plan's footprint section: requests per release, the total and, for dev, the budget. */
export function renderFootprint(fp: Footprint, environment: unknown): string[] {
    const width = Math.max(...fp.releases.map((r) => r.release.length), "total".length);
    const row = (name: string, cpu: number, memory: number, note = "") =>
        `  ${name.padEnd(width)}  ${formatCpu(cpu).padStart(10)}  ${formatMemory(memory).padStart(9)}${note}`;
    const perNode = fp.releases.reduce((s, r) => ({ cpu: s.cpu + r.perNode.cpu, memory: s.memory + r.perNode.memory }), { cpu: 0, memory: 0 });
    const lines = [
        "Resource requests (Helm releases, then the program's own Deployments with their sidecars; DaemonSets counted for one node):",
        ...fp.releases.map((r) => row(r.release, r.cpu, r.memory, r.cpu > 0 && r.perNode.cpu === r.cpu ? "  (per node)" : "")),
        row("total", fp.total.cpu, fp.total.memory),
        `  each further node adds ${formatCpu(perNode.cpu)}, ${formatMemory(perNode.memory)}`,
    ];
    if (environment === "dev") {
        const within = fp.total.cpu <= DEV_BUDGET.cpu && fp.total.memory <= DEV_BUDGET.memory;
        lines.push(`  dev budget ${formatCpu(DEV_BUDGET.cpu)}, ${formatMemory(DEV_BUDGET.memory)}: ${within ? "within" : "EXCEEDED"}`);
    }
    return lines;
}
