import { parse } from "yaml";
import { objectLabel } from "./objects";
import { Located } from "./references";

/** The mesh config istiod reads, as the istiod chart rendered it (ConfigMap `istio` or `istio-<revision>`, key `mesh`). */
export interface RenderedMesh {
    readonly source: string;
    readonly where: string;
    readonly namespace: string;
    readonly config: Record<string, any>;
}

export function renderedMeshes(objects: readonly Located[]): RenderedMesh[] {
    return objects
        .filter(({ object: o }) => o.kind === "ConfigMap" && /^istio(-.+)?$/.test(o.metadata?.name ?? "") && typeof o.data?.mesh === "string")
        .map(({ source, namespace, object: o }) => ({ source, where: objectLabel(o), namespace, config: parse(o.data.mesh) ?? {} }));
}

const names = (providers: unknown): string[] => (Array.isArray(providers) ? providers.map((p: any) => String(p?.name ?? p)) : []);

/**
 * A mesh whose proxies emit no standard metrics, or whose tracing names a provider the mesh config does not define.
 * The mesh-wide Telemetry (root namespace, no selector or targetRefs) overrides defaultProviders.
 */
export function meshFindings(meshes: readonly RenderedMesh[], objects: readonly Located[]): string[] {
    const findings: string[] = [];
    const telemetries = objects.filter(({ object: o }) => o.kind === "Telemetry" && String(o.apiVersion).startsWith("telemetry.istio.io/"));
    for (const mesh of meshes) {
        const at = `${mesh.source}: ${mesh.where}`;
        const root = mesh.config.rootNamespace ?? mesh.namespace;
        const defined = new Map<string, Record<string, unknown>>((mesh.config.extensionProviders ?? []).map((p: any) => [String(p.name), p]));
        const isPrometheus = (name: string) => name === "prometheus" || defined.get(name)?.prometheus !== undefined;
        const meshWide = telemetries.filter(({ namespace, object: o }) => namespace === root && !o.spec?.selector && !o.spec?.targetRefs && !o.spec?.targetRef);
        const telemetryMetrics = meshWide.flatMap(({ object: o }) => (o.spec?.metrics ?? []).flatMap((m: any) => names(m.providers)));
        const metrics = telemetryMetrics.length > 0 ? telemetryMetrics : names(mesh.config.defaultProviders?.metrics);
        if (!metrics.some(isPrometheus)) {
            findings.push(`${at}: no Prometheus metrics provider (defaultProviders.metrics: ${JSON.stringify(names(mesh.config.defaultProviders?.metrics))}`
                + `${telemetryMetrics.length ? `, mesh-wide Telemetry metrics providers: ${JSON.stringify(telemetryMetrics)}` : ""}), so no proxy emits istio_requests_total; `
                + "add \"prometheus\" to meshConfig.defaultProviders.metrics");
        }
        for (const { source, object: o } of meshWide) {
            for (const m of o.spec?.metrics ?? []) {
                const off = (m.overrides ?? []).find((ov: any) => ov.disabled === true && (!ov.match || ov.match.metric === "ALL_METRICS"));
                if (off && (names(m.providers).length === 0 ? metrics : names(m.providers)).some(isPrometheus)) {
                    findings.push(`${source}: ${objectLabel(o)} disables every standard metric mesh-wide (overrides[].disabled: true for ALL_METRICS)`);
                }
            }
        }
        for (const name of names(mesh.config.defaultProviders?.tracing)) {
            if (!defined.has(name)) findings.push(`${at}: defaultProviders.tracing names "${name}", which extensionProviders does not define: no traces are exported`);
        }
        for (const { source, object: o } of telemetries) {
            for (const t of o.spec?.tracing ?? []) {
                for (const name of names(t.providers)) {
                    if (!defined.has(name)) {
                        findings.push(`${source}: ${objectLabel(o)} traces to provider "${name}", which ${mesh.where} does not define in extensionProviders (defined: ${[...defined.keys()].join(", ") || "none"})`);
                    }
                }
            }
        }
    }
    return findings;
}
