import { K8sObject } from "../render";

/** Where an object came from, for findings: `release kiali` or `program`. */
export interface Sourced {
    readonly source: string;
    readonly object: K8sObject;
}

export function objectLabel(o: K8sObject): string {
    return `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;
}

/** The namespace an object lives in: its own, else the release namespace it was rendered into. */
export function namespaceOf(o: K8sObject, fallback: string): string {
    return o.metadata?.namespace ?? fallback;
}

export interface PodTemplate {
    readonly source: string;
    readonly owner: string;
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly spec: Record<string, any>;
    /** Replicas the workload runs steadily: its count, an HPA's minimum, or one per node for a DaemonSet. */
    readonly replicas: number;
    readonly perNode: boolean;
    readonly transient: boolean;
}

const WORKLOADS: Record<string, (o: K8sObject) => Record<string, any> | undefined> = {
    Deployment: (o) => o.spec?.template,
    StatefulSet: (o) => o.spec?.template,
    DaemonSet: (o) => o.spec?.template,
    ReplicaSet: (o) => o.spec?.template,
    Job: (o) => o.spec?.template,
    CronJob: (o) => o.spec?.jobTemplate?.spec?.template,
    Pod: (o) => ({ metadata: o.metadata, spec: o.spec }),
};

/** Every pod template among the objects, with the namespace it would run in. */
export function podTemplates(objects: readonly (Sourced & { namespace: string })[]): PodTemplate[] {
    const hpaMin = new Map<string, number>();
    for (const { object: o, namespace } of objects) {
        if (o.kind === "HorizontalPodAutoscaler" && o.spec?.scaleTargetRef?.name) {
            hpaMin.set(`${namespace}/${o.spec.scaleTargetRef.kind}/${o.spec.scaleTargetRef.name}`, o.spec.minReplicas ?? 1);
        }
    }
    const out: PodTemplate[] = [];
    for (const { source, object: o, namespace } of objects) {
        const template = WORKLOADS[o.kind]?.(o);
        if (!template?.spec) continue;
        const hook = o.metadata?.annotations?.["helm.sh/hook"] !== undefined;
        out.push({
            source, owner: objectLabel(o), namespace, labels: template.metadata?.labels ?? {}, spec: template.spec,
            replicas: hpaMin.get(`${namespace}/${o.kind}/${o.metadata.name}`) ?? (o.kind === "DaemonSet" ? 1 : o.spec?.replicas ?? 1),
            perNode: o.kind === "DaemonSet",
            transient: hook || o.kind === "Job" || o.kind === "CronJob" || o.kind === "Pod",
        });
    }
    return out;
}

export interface LabelSelector {
    readonly matchLabels?: Record<string, string>;
    readonly matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of selector?.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const ok = e.operator === "In" ? has && (e.values ?? []).includes(labels[e.key])
            : e.operator === "NotIn" ? !has || !(e.values ?? []).includes(labels[e.key])
                : e.operator === "Exists" ? has
                    : e.operator === "DoesNotExist" ? !has : false;
        if (!ok) return false;
    }
    return true;
}

/** Every string in a value, with its JSON-ish path. */
export function* strings(value: unknown, path = ""): Generator<{ path: string; value: string }> {
    if (typeof value === "string") yield { path, value };
    else if (Array.isArray(value)) for (let n = 0; n < value.length; n++) yield* strings(value[n], `${path}[${n}]`);
    else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) yield* strings(v, path ? `${path}.${k}` : k);
    }
}
