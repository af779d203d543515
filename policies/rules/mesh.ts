import { HelmRelease, isIstiod, mergeValues, parseHelmYaml, releaseLabel } from "./helm";
import { DEFAULT_ROOT_NAMESPACE, shown } from "./istio";
import { at, isObject, isUnknown, list, plain, str, Unknown, UNKNOWN } from "./values";

/**
 * The mesh as istiod sees it: one effective mesh config per control-plane revision, resolved from every
 * source a stack can set it through, with Istio's precedence:
 *
 * 1. istiod's Helm values (`helm.sh/v3` Release or `helm.sh/v4` Chart, `valueYamlFiles` under `values`) or an
 *    IstioOperator (`spec.meshConfig` over `spec.values.meshConfig`): the chart renders them into the ConfigMap
 *    `istio` (`istio-<revision>`) with its own defaults (the `mesh` template: rootNamespace from
 *    `global.istioNamespace`, `defaultProviders.metrics: [prometheus]` only while `meshConfig.defaultProviders`
 *    is unset), merged with sprig's mergeOverwrite;
 * 2. a ConfigMap `istio[-<rev>]` the stack creates: what istiod reads, so its `mesh` key replaces 1;
 * 3. a ConfigMapPatch of it: server-side apply replaces the whole `mesh` string, so it replaces 1 and 2.
 *
 * istiod then applies the `mesh` text over its built-in defaults (pkg/config/mesh ApplyMeshConfig): fields
 * replace, `defaultProviders` starts empty, `extensionProviders` are merged by name into the built-in
 * prometheus, stackdriver and envoy providers (a same-named entry replaces the built-in's type).
 */

/** Where a revision's mesh config came from, for messages. */
export interface MeshSource {
    readonly label: string;
    readonly urn: string;
}

export interface RevisionMesh {
    /** "" for the control plane installed without a revision (ConfigMap `istio`). */
    readonly revision: string;
    /** The source istiod reads. */
    readonly source: MeshSource;
    /** Sources of the same revision whose mesh config `source` replaces (lower precedence, or a duplicate). */
    readonly replaced: readonly MeshSource[];
    /** The effective mesh config, after istiod's defaults. */
    readonly config: Record<string, unknown>;
    /** The mesh config text istiod reads, before its defaults (what the stack set). */
    readonly given: Record<string, unknown>;
    /** istiod's Helm chart values (for chart-only settings such as traceSampling), when a chart renders this revision. */
    readonly chartValues?: Record<string, unknown>;
    readonly rootNamespace: string;
    /** Extension provider name -> provider type (prometheus, opentelemetry, envoyFileAccessLog...). */
    readonly extensionProviders: ReadonlyMap<string, string>;
    /** Some source value is unknown during preview (or unreadable): rules skip what depends on this revision. */
    readonly unknown: boolean;
}

export interface MeshModel {
    readonly revisions: readonly RevisionMesh[];
    /** The revision namespaces without `istio.io/rev` use: base `defaultRevision`, a `default` revision tag, else the unrevisioned one. */
    readonly defaultRevision?: RevisionMesh;
}

/** Istio's built-in extension providers (pkg/config/mesh DefaultMeshConfig). */
const BUILTIN_PROVIDERS: [string, string][] = [["prometheus", "prometheus"], ["stackdriver", "stackdriver"], ["envoy", "envoyFileAccessLog"]];

/** The chart values that turn the default prometheus provider off (istio-discovery `default-prometheus` helper). */
export const PROMETHEUS_SWITCHES = [["telemetry", "enabled"], ["telemetry", "v2", "enabled"], ["telemetry", "v2", "prometheus", "enabled"]] as const;

interface Candidate {
    readonly revision: string | Unknown;
    readonly rank: number;
    readonly source: MeshSource;
    readonly given: Record<string, unknown> | Unknown;
    readonly chartValues?: Record<string, unknown>;
}

/** Go template truthiness: empty maps, lists and strings, 0, false and nil are false. */
function truthy(v: unknown): boolean {
    if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
    if (Array.isArray(v)) return v.length > 0;
    if (isObject(v)) return Object.keys(v).length > 0;
    return true;
}

/** sprig mergeOverwrite (mergo WithOverride): maps merge, empty source values never replace. */
function mergeOverwrite(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
        const b = out[k];
        if (isObject(b) && isObject(v)) out[k] = mergeOverwrite(b, v);
        else if (!(k in out) || truthy(v)) out[k] = v;
    }
    return out;
}

/** The `mesh` the istiod chart renders from its values (templates/configmap.yaml). */
export function chartMesh(values: Record<string, unknown>): Record<string, unknown> | Unknown {
    const meshConfig = at(values, "meshConfig");
    if (isUnknown(meshConfig)) return UNKNOWN;
    const switches = PROMETHEUS_SWITCHES.map((path) => at(values, ...path));
    if (switches.some(isUnknown) || isUnknown(at(values, "meshConfig", "defaultProviders"))) return UNKNOWN;
    const rendered: Record<string, unknown> = { rootNamespace: str(at(values, "global", "istioNamespace")) || DEFAULT_ROOT_NAMESPACE };
    // The chart's default for each switch is true.
    if (!truthy(at(values, "meshConfig", "defaultProviders")) && switches.every((s) => s === undefined || truthy(s))) {
        rendered.defaultProviders = { metrics: ["prometheus"] };
    }
    return mergeOverwrite(rendered, isObject(meshConfig) ? meshConfig : {});
}

/** istiod's ApplyMeshConfig over its defaults, for the fields rules read. */
function applyMesh(given: Record<string, unknown>): Record<string, unknown> {
    const config: Record<string, unknown> = {
        rootNamespace: DEFAULT_ROOT_NAMESPACE,
        enableTracing: true,
        outboundTrafficPolicy: { mode: "ALLOW_ANY" },
        ...given,
        defaultProviders: isObject(given.defaultProviders) ? given.defaultProviders : {},
        defaultConfig: isObject(given.defaultConfig) ? given.defaultConfig : {},
    };
    const providers: Record<string, unknown>[] = BUILTIN_PROVIDERS.map(([name, type]) => ({ name, [type]: {} }));
    for (const p of Array.isArray(given.extensionProviders) ? given.extensionProviders : []) {
        if (!isObject(p)) continue;
        const same = providers.findIndex((e) => e.name === p.name);
        if (same >= 0) providers[same] = p;
        else providers.push(p);
    }
    config.extensionProviders = providers;
    return config;
}

function providerTypes(config: Record<string, unknown>): Map<string, string> {
    const types = new Map<string, string>();
    for (const p of config.extensionProviders as Record<string, unknown>[]) {
        const name = str(p.name);
        if (typeof name !== "string") continue;
        types.set(name, Object.keys(p).find((k) => k !== "name") ?? "none");
    }
    return types;
}

function revisionOf(value: unknown): string | Unknown {
    const r = str(value);
    return r === UNKNOWN ? UNKNOWN : r ?? "";
}

function fromRelease(r: HelmRelease): Candidate {
    return {
        revision: revisionOf(at(r.values, "revision")),
        rank: 0,
        source: { label: releaseLabel(r), urn: r.urn },
        given: r.valuesUnknown || r.unreadable.length > 0 ? UNKNOWN : chartMesh(r.values),
        chartValues: r.values,
    };
}

interface Resource { readonly type: string; readonly props: unknown; readonly urn: string; readonly name: string }

const OPERATOR_TYPE = /^kubernetes:install\.istio\.io\/v1alpha1:IstioOperator$/;
const CONFIG_MAP_TYPE = /^kubernetes:core\/v1:ConfigMap(Patch)?$/;
const MESH_CONFIG_MAP = /^istio(-(.+))?$/;

/** istioctl merges spec.meshConfig over spec.values.meshConfig, then renders the same istiod chart. */
function fromOperator(r: Resource): Candidate {
    const p = plain(r.props);
    const spec = at(p, "spec");
    const values = at(spec, "values");
    const meshConfig = at(spec, "meshConfig");
    const name = str(at(p, "metadata", "name"));
    const source = { label: `IstioOperator ${shown(str(at(p, "metadata", "namespace")) ?? "default")}/${shown(name ?? r.name)}`, urn: r.urn };
    if (isUnknown(spec) || isUnknown(values) || isUnknown(meshConfig)) return { revision: revisionOf(at(spec, "revision")), rank: 0, source, given: UNKNOWN };
    const chartValues = isObject(values) ? values : {};
    const merged = mergeValues(isObject(chartValues.meshConfig) ? chartValues.meshConfig : {}, isObject(meshConfig) ? meshConfig : {});
    const all = { ...chartValues, meshConfig: merged };
    return { revision: revisionOf(at(spec, "revision") ?? at(values, "revision")), rank: 0, source, given: chartMesh(all), chartValues: all };
}

/** A ConfigMap `istio`/`istio-<rev>` with a `mesh` key, or undefined for any other ConfigMap. */
function fromConfigMap(r: Resource): Candidate | undefined {
    const patch = CONFIG_MAP_TYPE.exec(r.type)?.[1] === "Patch";
    const p = plain(r.props);
    const name = str(at(p, "metadata", "name"));
    const mesh = at(p, "data", "mesh");
    if (typeof name !== "string" || mesh === undefined) return undefined;
    const m = MESH_CONFIG_MAP.exec(name);
    if (!m) return undefined;
    const source = { label: `ConfigMap${patch ? "Patch" : ""} ${shown(str(at(p, "metadata", "namespace")) ?? "default")}/${name}`, urn: r.urn };
    let given: Record<string, unknown> | Unknown = UNKNOWN;
    if (typeof mesh === "string") {
        try {
            // istiod reads it through sigs.k8s.io/yaml, the YAML 1.1 parser Helm uses for values.
            const parsed: unknown = parseHelmYaml(mesh);
            given = isObject(parsed) ? parsed : parsed === null ? {} : UNKNOWN;
        } catch {
            given = UNKNOWN;
        }
    }
    return { revision: m[2] ?? "", rank: patch ? 2 : 1, source, given };
}

/** The highest-precedence source wins (a stable sort keeps the first of equals: two charts cannot both own the ConfigMap). */
function resolve(revision: string, candidates: Candidate[]): RevisionMesh {
    const [winner, ...rest] = [...candidates].sort((a, b) => b.rank - a.rank);
    const given = winner.given === UNKNOWN ? {} : winner.given;
    const config = applyMesh(given);
    const root = str(config.rootNamespace);
    return {
        revision,
        source: winner.source,
        replaced: rest.map((c) => c.source),
        config,
        given,
        chartValues: winner.chartValues,
        rootNamespace: typeof root === "string" && root !== "" ? root : DEFAULT_ROOT_NAMESPACE,
        extensionProviders: providerTypes(config),
        unknown: winner.given === UNKNOWN,
    };
}

/** The revision's source for messages, saying which lower-precedence sources istiod does not read. */
export function sourceLabel(r: RevisionMesh): string {
    const where = r.revision === "" ? r.source.label : `${r.source.label} (${revisionLabel(r.revision)})`;
    return r.replaced.length === 0 ? where
        : `${where}, which istiod reads instead of the mesh config of ${r.replaced.map((s) => s.label).join(", ")},`;
}

function revisionLabel(revision: string): string {
    return revision === "" ? "the default control plane (no revision)" : `control plane revision ${revision}`;
}

/** The resolved model for a stack's istiod releases, IstioOperators, `istio` ConfigMaps and base chart. */
export function meshModel(releases: readonly HelmRelease[], others: readonly Resource[]): MeshModel {
    const candidates: Candidate[] = releases.filter(isIstiod).map(fromRelease);
    for (const r of others) {
        if (OPERATOR_TYPE.test(r.type)) candidates.push(fromOperator(r));
        else if (CONFIG_MAP_TYPE.test(r.type)) {
            const c = fromConfigMap(r);
            if (c) candidates.push(c);
        }
    }
    const byRevision = new Map<string, Candidate[]>();
    const unknownRevision = candidates.filter((c) => c.revision === UNKNOWN);
    for (const c of candidates) {
        if (c.revision === UNKNOWN) continue;
        const list = byRevision.get(c.revision);
        if (list) list.push(c);
        else byRevision.set(c.revision, [c]);
    }
    const revisions = [...byRevision].map(([revision, list]) => resolve(revision, list));
    for (const c of unknownRevision) {
        revisions.push({ ...resolve("(unknown)", [c]), unknown: true });
    }
    return { revisions, defaultRevision: defaultRevision(releases, revisions) };
}

function defaultRevision(releases: readonly HelmRelease[], revisions: readonly RevisionMesh[]): RevisionMesh | undefined {
    const byName = (rev: unknown) => revisions.find((r) => r.revision === rev);
    const base = releases.find((r) => r.chartName === "base");
    const declared = base ? str(at(base.values, "defaultRevision")) : undefined;
    if (typeof declared === "string" && declared !== "default" && declared !== "" && byName(declared)) return byName(declared);
    const tagged = revisions.find((r) => {
        const tags = list(at(r.chartValues, "revisionTags"));
        return Array.isArray(tags) && tags.includes("default");
    });
    return tagged ?? byName("") ?? (revisions.length === 1 ? revisions[0] : undefined);
}

/** The root namespaces policies treat as mesh-wide: every revision's; the configured one when the stack has no control plane. */
export function rootNamespaces(model: MeshModel, configured: string): string[] {
    if (model.revisions.length === 0) return [configured];
    return [...new Set(model.revisions.map((r) => r.rootNamespace))];
}

/** Names listed under a defaultProviders kind; undefined when the kind is absent, UNKNOWN when a name is. */
export function defaultProviders(mesh: RevisionMesh, kind: "metrics" | "tracing" | "accessLogging"): string[] | undefined | Unknown {
    const names = list(at(mesh.config, "defaultProviders", kind));
    if (names === UNKNOWN || names?.some(isUnknown)) return UNKNOWN;
    return names?.filter((n): n is string => typeof n === "string");
}
