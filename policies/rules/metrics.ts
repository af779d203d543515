import { StackValidationPolicy } from "@pulumi/policy";
import { configOf, rootNamespaceProp, schema } from "./config";
import { DEFAULT_ROOT_NAMESPACE, IstioObject, label, meshWideOf } from "./istio";
import { defaultProviders, PROMETHEUS_SWITCHES, RevisionMesh, sourceLabel } from "./mesh";
import { meshScope } from "./stack";
import { at, list, str, UNKNOWN } from "./values";

/**
 * Istio's standard metrics (istio_requests_total, istio_request_duration_milliseconds...) come from the
 * metrics providers of the mesh-wide Telemetry, else from meshConfig.defaultProviders.metrics. The istiod
 * chart adds `metrics: [prometheus]` only while meshConfig.defaultProviders is unset, so setting tracing
 * there switches metrics off unless metrics are listed too.
 */

const NO_METRICS = "no proxy, gateway or waypoint then emits istio_requests_total or istio_request_duration_milliseconds: "
    + "the Istio dashboards and Kiali's graph stay empty and mesh alerts can never fire";
const FIX = "Fix: list metrics: [prometheus] in meshConfig.defaultProviders (next to tracing), "
    + "or name providers: [{name: prometheus}] in the mesh-wide Telemetry's metrics.";

/** A metrics entry that switches every metric off in both directions: overrides[].disabled with no narrower match. */
function disablesAll(entry: unknown): boolean {
    const overrides = list(at(entry, "overrides"));
    if (!Array.isArray(overrides)) return false;
    return overrides.some((o) => at(o, "disabled") === true
        && [undefined, "ALL_METRICS"].includes(str(at(o, "match", "metric")) as string | undefined)
        && at(o, "match", "customMetric") === undefined
        && [undefined, "CLIENT_AND_SERVER"].includes(str(at(o, "match", "mode")) as string | undefined));
}

function providerNames(entry: unknown): string[] {
    const providers = list(at(entry, "providers"));
    return Array.isArray(providers) ? providers.map((p) => str(at(p, "name"))).filter((n): n is string => typeof n === "string") : [];
}

/** Why the chart dropped its default prometheus provider, naming the setting. */
function whyNoDefault(r: RevisionMesh): string {
    const off = r.chartValues && PROMETHEUS_SWITCHES.find((path) => at(r.chartValues, ...path) === false);
    if (off) return `sets values.${off.join(".")} to false, so the istiod chart does not add its default metrics: [prometheus]`;
    const given = at(r.given, "defaultProviders");
    if (given !== undefined) {
        const kinds = Object.keys(given as object).join(", ") || "none";
        return r.chartValues
            ? `sets meshConfig.defaultProviders (${kinds}) without metrics, so the istiod chart drops its default metrics: [prometheus]`
            : `sets defaultProviders (${kinds}) without metrics in the mesh config istiod reads`;
    }
    return "gives istiod a mesh config without defaultProviders.metrics";
}

export const meshMetrics: StackValidationPolicy = {
    name: "mesh-metrics-enabled",
    description: "Istio's standard metrics are on mesh-wide for every control-plane revision: a prometheus metrics provider in defaultProviders or the mesh-wide Telemetry, not switched off there, and not redefined as another provider type.",
    enforcementLevel: "mandatory",
    configSchema: schema({ rootNamespace: DEFAULT_ROOT_NAMESPACE }, { rootNamespace: rootNamespaceProp }),
    validateStack: async (args, report) => {
        const scope = await meshScope(args.resources, configOf(args, { rootNamespace: DEFAULT_ROOT_NAMESPACE }).rootNamespace);
        const telemetries = scope.view.of("Telemetry");
        for (const root of scope.roots) {
            const meshWide = meshWideOf(telemetries, root).objects;
            for (const t of meshWide) checkTelemetry(t, (m) => report(m, t.urn));
        }
        for (const r of scope.mesh.revisions) {
            if (r.unknown) continue;
            const meshWide = meshWideOf(telemetries, r.rootNamespace).objects;
            if (meshWide.some((t) => t.namespace === UNKNOWN || list(at(t.spec, "metrics")) === UNKNOWN)) continue;
            const telemetry = meshWide.length === 1 ? meshWide[0] : undefined;
            const entries = telemetry ? (list(at(telemetry.spec, "metrics")) as unknown[] | undefined) ?? [] : [];
            if (entries.some(disablesAll)) continue; // reported on the Telemetry
            const named = entries.flatMap(providerNames);
            const defaults = defaultProviders(r, "metrics");
            if (defaults === UNKNOWN) continue;
            const names = named.length > 0 ? named : defaults ?? [];
            const where = sourceLabel(r);
            if (names.length === 0) {
                report(`${where} ${whyNoDefault(r)}, and no mesh-wide Telemetry in ${r.rootNamespace} names a metrics provider: ${NO_METRICS}. ${FIX}`, r.source.urn);
                continue;
            }
            if (!names.some((n) => r.extensionProviders.get(n) === "prometheus")) {
                const kinds = names.map((n) => `"${n}" (${r.extensionProviders.get(n) ?? "not defined"})`).join(", ");
                report(`${where} sends Istio's metrics only to ${kinds}, none of them a prometheus provider: `
                    + `an extensionProviders entry named like the built-in replaces it, and a name that is not defined gets nothing; ${NO_METRICS}. `
                    + "Fix: keep the built-in prometheus provider (no extensionProviders entry named \"prometheus\" of another type) and list it in defaultProviders.metrics.",
                r.source.urn);
            }
        }
    },
};

function checkTelemetry(t: IstioObject, report: (m: string) => void): void {
    const entries = list(at(t.spec, "metrics"));
    if (!Array.isArray(entries)) return;
    entries.forEach((entry, n) => {
        if (!disablesAll(entry)) return;
        const providers = providerNames(entry);
        report(`${label(t)} is the mesh-wide Telemetry and switches every metric off in metrics[${n}] (overrides with disabled: true and no narrower match)`
            + `${providers.length > 0 ? ` for ${providers.join(", ")}` : ""}: ${NO_METRICS}. `
            + "Fix: remove that override, or narrow it to the metrics or the direction (match.metric, match.mode) you mean to drop.");
    });
}

export const metricsPolicies = [meshMetrics];
