import { PolicyResource } from "@pulumi/policy";
import { HelmRelease, helmRelease, HELM_TYPES } from "./helm";
import { DEFAULT_ROOT_NAMESPACE, IstioKind, IstioObject, istioObject } from "./istio";
import { meshModel, MeshModel, rootNamespaces } from "./mesh";
import { at, plain, str } from "./values";

type Resource = Pick<PolicyResource, "type" | "props" | "urn" | "name">;

/** Resource types the mesh model reads besides Helm releases: IstioOperators and the `istio[-<rev>]` ConfigMaps. */
const MESH_SOURCE_TYPE = /^kubernetes:(install\.istio\.io\/v1alpha1:IstioOperator|core\/v1:ConfigMap(Patch)?)$/;
const SERVICE_TYPE = "kubernetes:core/v1:Service";

const views = new WeakMap<readonly Resource[], StackView>();

/** The view of a resource list, built once per list: every stack policy of one run shares it (and its mesh model). */
export function stackView(resources: readonly Resource[]): StackView {
    let view = views.get(resources);
    if (!view) {
        view = new StackView(resources);
        views.set(resources, view);
    }
    return view;
}

/**
 * One pass over a stack's resources, grouped by what the policies look at, so every stack policy
 * stays linear in the number of resources (no loops over all resources inside loops).
 */
export class StackView {
    private readonly byKind = new Map<IstioKind, IstioObject[]>();
    private readonly helm: Resource[] = [];
    private readonly meshSources: Resource[] = [];
    /** Hosts (name.namespace.svc.cluster.local) of ExternalName Services: names for hosts outside the mesh. */
    readonly externalNameHosts: string[] = [];
    private model?: Promise<{ releases: HelmRelease[]; mesh: MeshModel }>;

    constructor(resources: readonly Resource[]) {
        for (const r of resources) {
            const o = istioObject(r.type, r.props, r.urn, r.name);
            if (o) {
                const list = this.byKind.get(o.kind);
                if (list) list.push(o);
                else this.byKind.set(o.kind, [o]);
                continue;
            }
            if (HELM_TYPES.has(r.type)) this.helm.push(r);
            else if (MESH_SOURCE_TYPE.test(r.type)) this.meshSources.push(r);
            else if (r.type === SERVICE_TYPE) this.addService(r);
        }
    }

    private addService(r: Resource): void {
        const p = plain(r.props);
        if (str(at(p, "spec", "type")) !== "ExternalName") return;
        const name = str(at(p, "metadata", "name")) ?? r.name;
        const namespace = str(at(p, "metadata", "namespace")) ?? "default";
        if (typeof name !== "string" || typeof namespace !== "string") return;
        this.externalNameHosts.push(`${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`);
    }

    private resolve(): Promise<{ releases: HelmRelease[]; mesh: MeshModel }> {
        this.model ??= (async () => {
            const all = await Promise.all(this.helm.map((r) => helmRelease(r.type, r.props, r.urn, r.name)));
            const releases = all.filter((r): r is HelmRelease => r !== undefined);
            return { releases, mesh: meshModel(releases, this.meshSources) };
        })();
        return this.model;
    }

    /** The stack's Helm releases (reading their value files is asynchronous). */
    async releases(): Promise<HelmRelease[]> {
        return (await this.resolve()).releases;
    }

    /** The effective mesh model, resolved once per view. */
    async mesh(): Promise<MeshModel> {
        return (await this.resolve()).mesh;
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

/** What a stack policy needs to know about the mesh: the view, the mesh model, and the root namespaces it resolves to. */
export interface MeshScope {
    readonly view: StackView;
    readonly mesh: MeshModel;
    /** Every revision's root namespace; the configured one when the stack installs no control plane. */
    readonly roots: readonly string[];
}

export async function meshScope(resources: readonly Resource[], configuredRoot: string): Promise<MeshScope> {
    const view = stackView(resources);
    const mesh = await view.mesh();
    return { view, mesh, roots: rootNamespaces(mesh, configuredRoot) };
}

/** "root namespace X", naming where meshConfig.rootNamespace set it when it is not Istio's default. */
export function rootLabel(scope: MeshScope, namespace: string): string {
    const setBy = scope.mesh.revisions.filter((r) => r.rootNamespace === namespace && r.given.rootNamespace === namespace && namespace !== DEFAULT_ROOT_NAMESPACE);
    return setBy.length === 0 ? `root namespace ${namespace}`
        : `root namespace ${namespace} (meshConfig.rootNamespace of ${setBy.map((r) => r.source.label).join(", ")})`;
}
