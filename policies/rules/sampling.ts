import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configOf, percentProp, PROD_SAMPLING, rootNamespaceProp, schema } from "./config";
import { HelmRelease, helmRelease, isIstiod, releaseLabel } from "./helm";
import { DEFAULT_ROOT_NAMESPACE, IstioObject, istioObject, isMeshWide, label, meshWideOf, meshWidePatch } from "./istio";
import { onePerNamespace } from "./mtls";
import { StackView } from "./stack";
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
    description: "Exactly one mesh-wide Telemetry with one tracing entry, one provider and an explicit randomSamplingPercentage within bounds.",
    enforcementLevel: "mandatory",
    configSchema: boundsSchema,
    validateStack: (args, report) => {
        const { rootNamespace, minPercent, maxPercent } = configOf(args, boundsDefaults);
        const all = new StackView(args.resources).of("Telemetry");
        const { objects: meshWide, patches } = meshWideOf(all, rootNamespace);
        const undecided = all.some((t) => t.namespace === UNKNOWN || t.scoped === UNKNOWN);
        for (const patch of patches) {
            report(meshWidePatch(patch, rootNamespace, "the mesh's trace sampling", ""), patch.urn);
        }
        const fix = `a Telemetry in ${rootNamespace} with no selector and tracing: [{providers: [{name: "${DEFAULT_TRACING_PROVIDER}"}], `
            + `randomSamplingPercentage: <${range(minPercent, maxPercent)}>}]`;
        if (meshWide.length === 0 && !undecided) {
            report(`no mesh-wide Telemetry in root namespace ${rootNamespace}: trace sampling then falls back to istiod's `
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
    },
};

function checkMeshWide(t: IstioObject, min: number, max: number, fix: string, report: (m: string) => void): void {
    const tracing = list(at(t.spec, "tracing"));
    if (tracing === UNKNOWN) return;
    if (tracing === undefined || tracing.length === 0) {
        report(`${label(t)} is the mesh-wide Telemetry but has no tracing entry: the mesh's sampling rate is left to istiod defaults. Fix: make it ${fix}.`);
        return;
    }
    if (tracing.length > 1) {
        report(`${label(t)} has ${tracing.length} tracing entries: Istio supports exactly one, the rest are ignored. Fix: keep one entry.`);
    }
    const entry = tracing[0];
    const providers = list(at(entry, "providers"));
    if (providers !== UNKNOWN && (providers?.length ?? 0) !== 1) {
        report(`${label(t)} names ${providers?.length ?? 0} tracing providers: the mesh-wide Telemetry must name exactly one, `
            + "so where traces go is explicit (Istio supports one). "
            + `Fix: set tracing[0].providers to [{name: "${DEFAULT_TRACING_PROVIDER}"}] (a provider defined in istiod's meshConfig.extensionProviders).`);
    }
    const percent = num(at(entry, "randomSamplingPercentage"));
    if (percent === UNKNOWN) return;
    if (percent === undefined) {
        report(`${label(t)} leaves tracing[0].randomSamplingPercentage unset: sampling then falls back to istiod's `
            + "meshConfig/traceSampling (1 % by default), decided outside this policy. "
            + `Fix: set randomSamplingPercentage between ${min} and ${max}.`);
    } else if (percent < min || percent > max) {
        report(`${label(t)} samples ${percent} % of traces (tracing[0].randomSamplingPercentage), outside the allowed ${range(min, max)}: `
            + `${percent > max ? COST : "too few traces are kept to debug a request"}. Fix: set it between ${min} and ${max}.`);
    }
}

const limitDefaults = { rootNamespace: DEFAULT_ROOT_NAMESPACE, maxPercent: PROD_SAMPLING.maxPercent };

export const samplingLimit: ResourceValidationPolicy = {
    name: "trace-sampling-limit",
    description: "Namespace- and workload-level Telemetry may lower sampling but not exceed the maximum; one tracing entry with one provider.",
    enforcementLevel: "mandatory",
    configSchema: schema(limitDefaults, { rootNamespace: rootNamespaceProp, maxPercent: percentProp("Highest allowed") }),
    validateResource: (args, report) => {
        const t = istioObject(args.type, args.props, args.urn, args.name);
        if (t?.kind !== "Telemetry") return;
        const { rootNamespace, maxPercent } = configOf(args, limitDefaults);
        if (isMeshWide(t, rootNamespace) || t.scoped === UNKNOWN) return;
        const tracing = list(at(t.spec, "tracing"));
        if (!Array.isArray(tracing)) return;
        if (tracing.length > 1) {
            report(`${label(t)} has ${tracing.length} tracing entries: Istio supports exactly one, the rest are ignored. Fix: keep one entry.`);
        }
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
    },
};

export const oneTelemetryPerNamespace = onePerNamespace("Telemetry", "one-telemetry-per-namespace",
    "Istio supports one namespace-wide Telemetry, and which one applies is undefined.");

const providerDefaults = { rootNamespace: DEFAULT_ROOT_NAMESPACE, extraProviders: [] as string[] };

/** The tracing providers istiod releases define, and their default tracing providers. */
function meshProviders(releases: readonly HelmRelease[]): { defined: Set<string>; defaults: string[]; istiod: HelmRelease[]; unknown: boolean } {
    const istiod = releases.filter(isIstiod);
    const defined = new Set<string>();
    const defaults: string[] = [];
    let unknown = false;
    for (const r of istiod) {
        if (r.valuesUnknown) unknown = true;
        const providers = list(at(r.values, "meshConfig", "extensionProviders"));
        if (providers === UNKNOWN) unknown = true;
        for (const p of Array.isArray(providers) ? providers : []) {
            const name = str(at(p, "name"));
            if (name === UNKNOWN) unknown = true;
            else if (name) defined.add(name);
        }
        const fallback = list(at(r.values, "meshConfig", "defaultProviders", "tracing"));
        if (fallback === UNKNOWN) unknown = true;
        for (const name of Array.isArray(fallback) ? fallback.map(str) : []) {
            if (name === UNKNOWN) unknown = true;
            else if (name) defaults.push(name);
        }
    }
    return { defined, defaults, istiod, unknown };
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
        const view = new StackView(args.resources);
        const mesh = meshProviders(await view.releases());
        if (mesh.unknown) return;
        const defined = new Set([...mesh.defined, ...extraProviders]);
        const where = mesh.istiod.length > 0
            ? `istiod's meshConfig.extensionProviders (${[...mesh.defined].join(", ") || "none"})`
            : "meshConfig.extensionProviders: this stack has no istiod Helm release";
        const fix = (name: string) => `Fix: use a provider istiod defines, or add an extensionProviders entry named "${name}" to istiod's meshConfig`
            + `${mesh.istiod.length > 0 ? "" : " (or, when istiod is managed elsewhere, list it in this policy's extraProviders)"}.`;
        for (const r of mesh.istiod) {
            for (const name of mesh.defaults.filter((n) => !defined.has(n))) {
                report(`${releaseLabel(r)} sets meshConfig.defaultProviders.tracing to "${name}", which is not in ${where}: `
                    + `Telemetries that name no provider silently export no traces. ${fix(name)}`, r.urn);
            }
        }
        // Istio resolves the provider level by level: defaultProviders, then the mesh-wide Telemetry, then namespace and workload ones.
        const telemetries = view.of("Telemetry");
        const meshWide = meshWideOf(telemetries, rootNamespace).objects;
        const meshTracing = meshWide.length === 1 ? list(at(meshWide[0].spec, "tracing")) : undefined;
        const meshNames = Array.isArray(meshTracing) && meshTracing.length > 0 ? providerNames(meshTracing[0]) : [];
        if (meshTracing === UNKNOWN || meshNames === UNKNOWN) return;
        const inherited = meshNames.length > 0 || mesh.defaults.length > 0;
        for (const t of telemetries) {
            const tracing = list(at(t.spec, "tracing"));
            if (!Array.isArray(tracing)) continue;
            const ownLevel = isMeshWide(t, rootNamespace) ? mesh.defaults.length > 0 : inherited;
            tracing.forEach((entry, n) => {
                const names = providerNames(entry);
                if (names === UNKNOWN) return;
                if (names.length === 0 && !ownLevel) {
                    report(`${label(t)} has no providers in tracing[${n}], and neither ${isMeshWide(t, rootNamespace) ? "" : "the mesh-wide Telemetry nor "}`
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

export const istiodSampling: ResourceValidationPolicy = {
    name: "istiod-sampling-bounds",
    description: "Sampling set through istiod's Helm values (meshConfig.defaultConfig.tracing.sampling, traceSampling, pilot.traceSampling) stays within bounds.",
    enforcementLevel: "mandatory",
    configSchema: schema(istiodDefaults, { minPercent: percentProp("Lowest allowed"), maxPercent: percentProp("Highest allowed") }),
    validateResource: async (args, report) => {
        const r = await helmRelease(args.type, args.props, args.urn, args.name);
        if (!r || !isIstiod(r)) return;
        const { minPercent, maxPercent } = configOf(args, istiodDefaults);
        for (const path of ISTIOD_SAMPLING_PATHS) {
            const raw = at(r.values, ...path);
            if (raw === undefined) continue;
            const percent = num(raw);
            if (percent === UNKNOWN) continue;
            const key = `values.${path.join(".")}`;
            if (percent === undefined) {
                report(`${releaseLabel(r)} sets ${key} to ${JSON.stringify(raw)}, not a number: istiod falls back to its default sampling. `
                    + `Fix: set a percentage between ${minPercent} and ${maxPercent}.`);
            } else if (percent < minPercent || percent > maxPercent) {
                report(`${releaseLabel(r)} sets ${key} to ${percent} %, outside the allowed ${range(minPercent, maxPercent)}: `
                    + `it applies wherever no Telemetry sets randomSamplingPercentage, and ${percent > maxPercent ? COST : "too few traces are kept to debug a request"}. `
                    + `Fix: set it between ${minPercent} and ${maxPercent}.`);
            }
        }
    },
};

export const samplingPolicies = [meshWideSampling, samplingLimit, oneTelemetryPerNamespace, tracingProviderDefined, istiodSampling];

