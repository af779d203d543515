import { at, isObject, isUnknown, plain, str, Unknown, UNKNOWN } from "./values";

/**
 * Istio objects and Helm releases as the policies see them, whatever API version created them.
 * CustomResources register as `kubernetes:<group>/<version>:<kind>`; `validateResourceOfType` cannot
 * match them, so rules match these type strings.
 */

/** Istio's default root namespace; mirrors components/names.ts ISTIO_NAMESPACE (the pack ships on its own). */
export const DEFAULT_ROOT_NAMESPACE = "istio-system";

/** `<Kind>Patch` is a CustomResourcePatch (server-side apply onto the object in the cluster): rules check it as `<Kind>`. */
const ISTIO_TYPE = /^kubernetes:([a-z0-9.-]+\.istio\.io)\/(v[0-9a-z]+):([A-Za-z]+?)(Patch)?$/;

export const KIND_GROUPS = {
    PeerAuthentication: "security.istio.io",
    AuthorizationPolicy: "security.istio.io",
    DestinationRule: "networking.istio.io",
    ServiceEntry: "networking.istio.io",
    Telemetry: "telemetry.istio.io",
} as const;
export type IstioKind = keyof typeof KIND_GROUPS;

/** The kind of an Istio type token we check (any API version: v1, v1beta1, v1alpha3...; objects or patches), else undefined. */
export function istioKind(type: string): IstioKind | undefined {
    const m = ISTIO_TYPE.exec(type);
    if (!m) return undefined;
    const kind = m[3] as IstioKind;
    return KIND_GROUPS[kind] === m[1] ? kind : undefined;
}

function isPatch(type: string): boolean {
    return ISTIO_TYPE.exec(type)?.[4] === "Patch";
}

export interface IstioObject {
    readonly kind: IstioKind;
    /** A `<Kind>Patch` (CustomResourcePatch): changes an object that may not be in the stack; never counted as one. */
    readonly patch: boolean;
    readonly type: string;
    readonly urn: string;
    /** Kubernetes defaults a missing namespace to "default". */
    readonly namespace: string | Unknown;
    readonly name: string | Unknown;
    /** Has a non-empty selector or a targetRef(s): applies to chosen workloads, not the whole namespace. */
    readonly scoped: boolean | Unknown;
    readonly spec: Record<string, unknown>;
}

/** Reads an Istio object from resource props (inputs or outputs); undefined for other types. */
export function istioObject(type: string, props: unknown, urn: string, resourceName: string): IstioObject | undefined {
    const kind = istioKind(type);
    if (!kind) return undefined;
    const p = plain(props);
    const namespace = str(at(p, "metadata", "namespace"));
    const name = str(at(p, "metadata", "name"));
    const spec = at(p, "spec");
    return {
        kind,
        patch: isPatch(type),
        type,
        urn,
        namespace: namespace ?? "default",
        name: name ?? resourceName,
        scoped: isScoped(spec),
        spec: isObject(spec) ? spec : {},
    };
}

function isScoped(spec: unknown): boolean | Unknown {
    if (isUnknown(spec)) return UNKNOWN;
    const labels = at(spec, "selector", "matchLabels");
    const targetRef = at(spec, "targetRef");
    const targetRefs = at(spec, "targetRefs");
    if ([labels, targetRef, targetRefs].some((v) => v === UNKNOWN)) return UNKNOWN;
    return (isObject(labels) && Object.keys(labels).length > 0)
        || isObject(targetRef)
        || (Array.isArray(targetRefs) && targetRefs.length > 0);
}

/** `PeerAuthentication istio-system/default` (or `PeerAuthenticationPatch …`), for messages. */
export function label(o: IstioObject): string {
    return `${o.kind}${o.patch ? "Patch" : ""} ${shown(o.namespace)}/${shown(o.name)}`;
}

/** A value for messages: "(unknown)" during preview. */
export function shown(v: string | Unknown): string {
    return v === UNKNOWN ? "(unknown)" : v;
}

/** Namespace-wide (or, in the root namespace, mesh-wide): no selector, no targetRef. */
export function isNamespaceWide(o: IstioObject): boolean {
    return o.scoped === false;
}

export function isMeshWide(o: IstioObject, rootNamespace: string): boolean {
    return o.namespace === rootNamespace && o.scoped === false;
}

/** The objects (not patches) of a kind that are mesh-wide, and the patches that target the mesh-wide one. */
export function meshWideOf(all: readonly IstioObject[], rootNamespace: string): { objects: IstioObject[]; patches: IstioObject[] } {
    const meshWide = all.filter((o) => isMeshWide(o, rootNamespace));
    return { objects: meshWide.filter((o) => !o.patch), patches: meshWide.filter((o) => o.patch) };
}

/** The message for a patch of a mesh-wide object: reviewing the object means nothing if a patch changes it out-of-band. */
export function meshWidePatch(o: IstioObject, rootNamespace: string, what: string, fix: string): string {
    return `${label(o)} patches the mesh-wide ${o.kind} (root namespace ${rootNamespace}, no selector): the patch changes ${what} out-of-band, `
        + "on whatever object is in the cluster, so the reviewed mesh-wide policy is no longer what applies. "
        + `Fix: remove the patch and change the mesh-wide ${o.kind} itself${fix}.`;
}
