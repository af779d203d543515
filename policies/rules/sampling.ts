import { StackValidationPolicy } from "@pulumi/policy";
import { configOf, percentProp, PROD_SAMPLING, rootNamespaceProp, schema } from "./config";
import { DEFAULT_ROOT_NAMESPACE, IstioObject, isMeshWide, label, meshWideOf, meshWidePatch } from "./istio";
import { onePerNamespace } from "./mtls";
import { meshScope, rootLabel, stackView } from "./stack";
import { defaultProviders, MeshModel, RevisionMesh, sourceLabel } from "./mesh";
import { at, list, num, str, UNKNOWN } from "./values";

/** The extension provider istiod defines for traces; mirrors components/names.ts TRACING_PROVIDER_NAME. */
export const DEFAULT_TRACING_PROVIDER = "otel-tracing";

const boundsDefaults = { rootNamespace: DEFAULT_ROOT_NAMESPACE, ...PROD_SAMPLING };
const boundsSchema = schema(boundsDefaults, {
    rootNamespace: rootNamespaceProp,
    minPercent: percentProp("Lowest mesh-wide"),
    maxPercent: percentProp("Highest allowed"),
});

const COST = "tracing cost (collector, storage and sidecar CPU) grows with every sampled request";
const range = (min: number, max: number) => `${min}-${max} %`;

export const meshWideSampling: StackValidationPolicy = {
    name: "mesh-wide-trace-sampling",
    description: "Exactly one mesh-wide Telemetry per root namespace with one tracing entry per traffic direction, one provider, spans reported and an explicit randomSamplingPercentage within bounds.",
    enforcementLevel: "mandatory",
    configSchema: boundsSchema,
    validateStack: async (args, report) => {
        const { rootNamespace: configured, minPercent, maxPercent } = configOf(args, boundsDefaults);
        const scope = await meshScope(args.resources, configured);
        const all = scope.view.of("Telemetry");
        const undecided = all.some((t) => t.namespace === UNKNOWN || t.scoped === UNKNOWN) || scope.mesh.revisions.some((r) => r.unknown);
        for (const rootNamespace of scope.roots) {
            const { objects: meshWide, patches } = meshWideOf(all, rootNamespace);
            for (const patch of patches) {
                report(meshWidePatch(patch, rootNamespace, "the mesh's trace sampling", ""), patch.urn);
            }
            const fix = `a Telemetry in ${rootNamespace} with no selector and tracing: [{providers: [{name: "${DEFAULT_TRACING_PROVIDER}"}], `
                + `randomSamplingPercentage: <${range(minPercent, maxPercent)}>}]`;
            if (meshWide.length === 0 && !undecided) {
                report(`no mesh-wide Telemetry in ${rootLabel(scope, rootNamespace)}: trace sampling then falls back to istiod's `
                    + "meshConfig.defaultConfig.tracing.sampling or traceSampling (1 % by default), which no stack setting reviews. "
                    + `Fix: create ${fix}.`);
            }
            if (meshWide.length > 1) {
                for (const t of meshWide) {
                    report(`${label(t)} is one of ${meshWide.length} mesh-wide Telemetries (${meshWide.map(label).join(", ")}): `
                        + "Istio supports one per namespace and which one applies is undefined. "
                        + `Fix: keep one selectorless Telemetry in ${rootNamespace}.`, t.urn);
                }
            }
            for (const t of meshWide) {
                checkMeshWide(t, minPercent, maxPercent, fix, (m) => report(m, t.urn));
            }
        }
    },
};

/** The traffic directions a tracing (or metrics) entry applies to: match.mode CLIENT, SERVER, or both (the default). */
function directions(entry: unknown): string[] {
    const mode = str(at(entry, "match", "mode"));
    return mode === "CLIENT" || mode === "SERVER" ? [mode] : ["CLIENT", "SERVER"];
}

/** Istio applies one tracing entry per direction: a CLIENT and a SERVER entry are a pair, two for one direction are not. */
function duplicateEntries(t: IstioObject, tracing: readonly unknown[]): string | undefined {
    const seen = new Map<string, number>();
    for (const entry of tracing) for (const d of directions(entry)) seen.set(d, (seen.get(d) ?? 0) + 1);
    const doubled = [...seen].filter(([, n]) => n > 1).map(([d]) => d);
    if (doubled.length === 0) return undefined;
    return `${label(t)} has ${tracing.length} tracing entries that apply to the same ${doubled.join(" and ")} traffic: Istio supports one entry per direction `
        + "(match.mode CLIENT, SERVER or the default CLIENT_AND_SERVER), the rest are ignored. Fix: keep one entry, or one with match.mode CLIENT and one with SERVER.";
}

function checkMeshWide(t: IstioObject, min: number, max: number, fix: string, report: (m: string) => void): void {
    const tracing = list(at(t.spec, "tracing"));
    if (tracing === UNKNOWN) return;
    if (tracing === undefined || tracing.length === 0) {
        report(`${label(t)} is the mesh-wide Telemetry but has no tracing entry: the mesh's sampling rate is left to istiod defaults. Fix: make it ${fix}.`);
        return;
    }
    const duplicate = duplicateEntries(t, tracing);
    if (duplicate) report(duplicate);
    tracing.forEach((entry, n) => {
        const at_ = `tracing[${n}]`;
        const providers = list(at(entry, "providers"));
        if (providers !== UNKNOWN && (providers?.length ?? 0) !== 1) {
            report(`${label(t)} names ${providers?.length ?? 0} tracing providers in ${at_}: the mesh-wide Telemetry must name exactly one, `
                + "so where traces go is explicit (Istio supports one). "
                + `Fix: set ${at_}.providers to [{name: "${DEFAULT_TRACING_PROVIDER}"}] (a provider defined in istiod's meshConfig.extensionProviders).`);
        }
        if (at(entry, "disableSpanReporting") === true) {
            report(`${label(t)} sets ${at_}.disableSpanReporting: true: proxies then report no spans for ${directions(entry).join(" and ")} traffic anywhere in the mesh, `
                + "whatever the sampling percentage, so no trace reaches the collector. "
                + "Fix: remove disableSpanReporting from the mesh-wide Telemetry (switch span reporting off in a namespace or workload Telemetry instead).");
            return;
        }
        const percent = num(at(entry, "randomSamplingPercentage"));
        if (percent === UNKNOWN) return;
        if (percent === undefined) {
            report(`${label(t)} leaves ${at_}.randomSamplingPercentage unset: sampling then falls back to istiod's `
                + "meshConfig/traceSampling (1 % by default), decided outside this policy. "
                + `Fix: set randomSamplingPercentage between ${min} and ${max}.`);
        } else if (percent < min || percent > max) {
            report(`${label(t)} samples ${percent} % of traces (${at_}.randomSamplingPercentage), outside the allowed ${range(min, max)}: `
                + `${percent > max ? COST : "too few traces are kept to debug a request"}. Fix: set it between ${min} and ${max}.`);
        }
    });
}

const limitDefaults = { rootNamespace: DEFAULT_ROOT_NAMESPACE, maxPercent: PROD_SAMPLING.maxPercent };

export const samplingLimit: StackValidationPolicy = {
    name: "trace-sampling-limit",
    description: "Namespace- and workload-level Telemetry may lower sampling but not exceed the maximum; one tracing entry per direction with one provider.",
    enforcementLevel: "mandatory",
    configSchema: schema(limitDefaults, { rootNamespace: rootNamespaceProp, maxPercent: percentProp("Highest allowed") }),
    validateStack: async (args, report) => {
        const { rootNamespace, maxPercent } = configOf(args, limitDefaults);
        const scope = await meshScope(args.resources, rootNamespace);
        for (const t of scope.view.of("Telemetry")) {
            if (t.scoped === UNKNOWN || scope.roots.some((root) => isMeshWide(t, root))) continue;
            checkLimit(t, maxPercent, (m) => report(m, t.urn));
        }
    },
};

function checkLimit(t: IstioObject, maxPercent: number, report: (m: string) => void): void {
    const tracing = list(at(t.spec, "tracing"));
    if (!Array.isArray(tracing)) return;
    const duplicate = duplicateEntries(t, tracing);
    if (duplicate) report(duplicate);
    tracing.forEach((entry, n) => {
        const providers = list(at(entry, "providers"));
        if (Array.isArray(providers) && providers.length > 1) {
            report(`${label(t)} names ${providers.length} providers in tracing[${n}]: Istio supports one; the others get no traces. Fix: keep one provider.`);
        }
        const percent = num(at(entry, "randomSamplingPercentage"));
        if (typeof percent === "number" && (percent > maxPercent || percent < 0)) {
            report(`${label(t)} samples ${percent} % of traces (tracing[${n}].randomSamplingPercentage), above the allowed maximum of ${maxPercent} %: `
                + `${COST}. Namespace and workload Telemetry may lower the mesh-wide rate but not raise it past the maximum. `
                + `Fix: set it to at most ${maxPercent}.`);
        }
    });
}

export const oneTelemetryPerNamespace = onePerNamespace("Telemetry", "one-telemetry-per-namespace",
    "Istio supports one namespace-wide Telemetry, and which one applies is undefined.");

const providerDefaults = { rootNamespace: DEFAULT_ROOT_NAMESPACE, extraProviders: [] as string[] };

/** The tracing providers the stack's control planes define (by name, as the stack sets them) and their default tracing providers. */
function meshProviders(mesh: MeshModel): { defined: Set<string>; defaults: string[]; unknown: boolean } {
    const defined = new Set<string>();
    const defaults: string[] = [];
    let unknown = mesh.revisions.some((r) => r.unknown);
    for (const r of mesh.revisions) {
        for (const p of Array.isArray(r.given.extensionProviders) ? r.given.extensionProviders : []) {
            const name = str(at(p, "name"));
            if (name === UNKNOWN) unknown = true;
            else if (name) defined.add(name);
        }
        const names = defaultProviders(r, "tracing");
        if (names === UNKNOWN) unknown = true;
        else defaults.push(...(names ?? []));
    }
    return { defined, defaults, unknown };
}

/** Provider names of one tracing entry: a list, [] when it names none, UNKNOWN during preview. */
function providerNames(entry: unknown): string[] | typeof UNKNOWN {
    const providers = list(at(entry, "providers"));
    if (providers === UNKNOWN) return UNKNOWN;
    const names = (providers ?? []).map((p) => str(at(p, "name")));
    if (names.includes(UNKNOWN)) return UNKNOWN;
    return names.filter((n): n is string => typeof n === "string");
}

export const tracingProviderDefined: StackValidationPolicy = {
    name: "tracing-provider-defined",
    description: "Every Telemetry tracing provider is defined in istiod's meshConfig.extensionProviders; entries without providers inherit the mesh-wide Telemetry's, then defaultProviders.",
    enforcementLevel: "mandatory",
    configSchema: schema(providerDefaults, {
        rootNamespace: rootNamespaceProp,
        extraProviders: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description: "Providers defined by an istiod managed outside this stack.",
        },
    }),
    validateStack: async (args, report) => {
        const { rootNamespace, extraProviders } = configOf(args, providerDefaults);
        const scope = await meshScope(args.resources, rootNamespace);
        const view = scope.view;
        const mesh = meshProviders(scope.mesh);
        if (mesh.unknown) return;
        const defined = new Set([...mesh.defined, ...extraProviders]);
        const installed = scope.mesh.revisions.length > 0;
        const where = installed
            ? `istiod's meshConfig.extensionProviders (${[...mesh.defined].join(", ") || "none"})`
            : "meshConfig.extensionProviders: this stack has no istiod (Helm release, IstioOperator or istio ConfigMap)";
        const fix = (name: string) => `Fix: use a provider istiod defines, or add an extensionProviders entry named "${name}" to istiod's meshConfig`
            + `${installed ? "" : " (or, when istiod is managed elsewhere, list it in this policy's extraProviders)"}.`;
        for (const r of scope.mesh.revisions) {
            const names = defaultProviders(r, "tracing");
            for (const name of names === UNKNOWN ? [] : (names ?? []).filter((n) => !defined.has(n))) {
                report(`${sourceLabel(r)} sets meshConfig.defaultProviders.tracing to "${name}", which is not in ${where}: `
                    + `Telemetries that name no provider silently export no traces. ${fix(name)}`, r.source.urn);
            }
        }
        // Istio resolves the provider level by level: defaultProviders, then the mesh-wide Telemetry, then namespace and workload ones.
        const telemetries = view.of("Telemetry");
        const meshWide = scope.roots.flatMap((root) => meshWideOf(telemetries, root).objects);
        const meshTracing = meshWide.length === 1 ? list(at(meshWide[0].spec, "tracing")) : undefined;
        const meshNames = Array.isArray(meshTracing) && meshTracing.length > 0 ? providerNames(meshTracing[0]) : [];
        if (meshTracing === UNKNOWN || meshNames === UNKNOWN) return;
        const inherited = meshNames.length > 0 || mesh.defaults.length > 0;
        for (const t of telemetries) {
            const tracing = list(at(t.spec, "tracing"));
            if (!Array.isArray(tracing)) continue;
            const isRoot = scope.roots.some((root) => isMeshWide(t, root));
            const ownLevel = isRoot ? mesh.defaults.length > 0 : inherited;
            tracing.forEach((entry, n) => {
                const names = providerNames(entry);
                if (names === UNKNOWN) return;
                if (names.length === 0 && !ownLevel) {
                    report(`${label(t)} has no providers in tracing[${n}], and neither ${isRoot ? "" : "the mesh-wide Telemetry nor "}`
                        + "istiod's meshConfig.defaultProviders.tracing names one: the entry silently exports no traces. "
                        + `Fix: name a provider, e.g. providers: [{name: "${DEFAULT_TRACING_PROVIDER}"}].`, t.urn);
                }
                for (const name of names.filter((x) => !defined.has(x))) {
                    report(`${label(t)} sends traces to provider "${name}" (tracing[${n}]), which is not in ${where}: `
                        + `Istio accepts the Telemetry but exports no traces. ${fix(name)}`, t.urn);
                }
            });
        }
    },
};

/** Where istiod's chart values set a sampling percentage (precedence below Telemetry). */
export const ISTIOD_SAMPLING_PATHS = [
    ["meshConfig", "defaultConfig", "tracing", "sampling"],
    ["traceSampling"],
    ["pilot", "traceSampling"],
] as const;

const istiodDefaults = { ...PROD_SAMPLING };

export const istiodSampling: StackValidationPolicy = {
    name: "istiod-sampling-bounds",
    description: "Sampling set through istiod's mesh config (meshConfig.defaultConfig.tracing.sampling, from whichever source istiod reads) or chart values (traceSampling, pilot.traceSampling) stays within bounds.",
    enforcementLevel: "mandatory",
    configSchema: schema(istiodDefaults, { minPercent: percentProp("Lowest allowed"), maxPercent: percentProp("Highest allowed") }),
    validateStack: async (args, report) => {
        const { minPercent, maxPercent } = configOf(args, istiodDefaults);
        for (const r of (await stackView(args.resources).mesh()).revisions) {
            if (r.unknown) continue;
            for (const [key, raw] of samplingSettings(r)) {
                const percent = num(raw);
                if (percent === UNKNOWN) continue;
                if (percent === undefined) {
                    report(`${sourceLabel(r)} sets ${key} to ${JSON.stringify(raw)}, not a number: istiod falls back to its default sampling. `
                        + `Fix: set a percentage between ${minPercent} and ${maxPercent}.`, r.source.urn);
                } else if (percent < minPercent || percent > maxPercent) {
                    report(`${sourceLabel(r)} sets ${key} to ${percent} %, outside the allowed ${range(minPercent, maxPercent)}: `
                        + `it applies wherever no Telemetry sets randomSamplingPercentage, and ${percent > maxPercent ? COST : "too few traces are kept to debug a request"}. `
                        + `Fix: set it between ${minPercent} and ${maxPercent}.`, r.source.urn);
                }
            }
        }
    },
};

/** The sampling settings of one revision, named as its source spells them: the effective mesh config first, then chart values. */
function samplingSettings(r: RevisionMesh): [string, unknown][] {
    const found: [string, unknown][] = [];
    const meshKey = r.source.label.startsWith("ConfigMap") ? "data.mesh defaultConfig.tracing.sampling"
        : r.source.label.startsWith("IstioOperator") ? "spec.meshConfig.defaultConfig.tracing.sampling" : "values.meshConfig.defaultConfig.tracing.sampling";
    const meshSampling = at(r.config, "defaultConfig", "tracing", "sampling");
    if (meshSampling !== undefined) found.push([meshKey, meshSampling]);
    for (const path of ISTIOD_SAMPLING_PATHS.slice(1)) {
        const raw = at(r.chartValues, ...path);
        if (raw !== undefined) found.push([`values.${path.join(".")}`, raw]);
    }
    return found;
}

export const samplingPolicies = [meshWideSampling, samplingLimit, oneTelemetryPerNamespace, tracingProviderDefined, istiodSampling];

