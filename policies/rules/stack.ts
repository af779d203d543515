import { PolicyResource } from "@pulumi/policy";
import { HelmRelease, helmRelease, HELM_TYPES } from "./helm";
import { IstioKind, IstioObject, istioObject } from "./istio";

/**
 * One pass over a stack's resources, grouped by what the policies look at, so every stack policy
 * stays linear in the number of resources (no loops over all resources inside loops).
 */
export class StackView {
    private readonly byKind = new Map<IstioKind, IstioObject[]>();
    private readonly helm: Pick<PolicyResource, "type" | "props" | "urn" | "name">[] = [];

    constructor(resources: readonly Pick<PolicyResource, "type" | "props" | "urn" | "name">[]) {
        for (const r of resources) {
            const o = istioObject(r.type, r.props, r.urn, r.name);
            if (o) {
                const list = this.byKind.get(o.kind);
                if (list) list.push(o);
                else this.byKind.set(o.kind, [o]);
                continue;
            }
            if (HELM_TYPES.has(r.type)) this.helm.push(r);
        }
    }

    /** The stack's Helm releases (reading their value files is asynchronous). */
    async releases(): Promise<HelmRelease[]> {
        const all = await Promise.all(this.helm.map((r) => helmRelease(r.type, r.props, r.urn, r.name)));
        return all.filter((r): r is HelmRelease => r !== undefined);
    }

    of(kind: IstioKind): readonly IstioObject[] {
        return this.byKind.get(kind) ?? [];
    }
}

/** Groups values by a key, keeping first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) {
        const k = key(item);
        if (k === undefined) continue;
        const g = groups.get(k);
        if (g) g.push(item);
        else groups.set(k, [item]);
    }
    return groups;
}
