import { parse } from "yaml";
import { shown } from "./istio";
import { at, isObject, isUnknown, plain, redactUrl, str, Unknown, UNKNOWN } from "./values";

/** Helm releases as the policies see them: chart, version, repository and the values Helm would install. */

export const HELM_TYPES = new Set(["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"]);

export interface HelmRelease {
    readonly type: string;
    readonly urn: string;
    /** The chart's own name: "istiod" for "istiod", "istio/istiod", "oci://…/istiod" or "./charts/istiod-1.30.5.tgz". */
    readonly chartName: string | Unknown;
    /** Chart and repo carry no URL credentials (redacted): rules quote them in messages. */
    readonly chart: string | Unknown;
    readonly version: string | Unknown | undefined;
    readonly repo: string | Unknown | undefined;
    /** `valueYamlFiles` merged under `values` (values win), as Helm does. */
    readonly values: Record<string, unknown>;
    readonly valuesUnknown: boolean;
    /** Value files the pack cannot read (file or remote assets, invalid YAML), for messages. */
    readonly unreadable: string[];
    /** The release name, or the Pulumi resource name when none is set. */
    readonly name: string | Unknown;
}

export async function helmRelease(type: string, props: unknown, urn: string, resourceName: string): Promise<HelmRelease | undefined> {
    if (!HELM_TYPES.has(type)) return undefined;
    const p = plain(props);
    const rawChart = str(at(p, "chart")) ?? "";
    const chart = rawChart === UNKNOWN ? UNKNOWN : redactUrl(rawChart);
    const repo = str(at(p, "repositoryOpts", "repo"));
    const values = at(p, "values");
    const files = await valueFiles(at(p, "valueYamlFiles"));
    const releaseName = str(at(p, "name"));
    const merged = [...files.values, isObject(values) ? values : {}].reduce(mergeValues, {});
    return {
        type,
        urn,
        chart,
        chartName: chart === UNKNOWN ? UNKNOWN : chartName(chart),
        version: str(at(p, "version")),
        repo: typeof repo === "string" ? redactUrl(repo) : repo,
        values: merged,
        valuesUnknown: isUnknown(values) || files.unknown,
        unreadable: files.unreadable,
        name: releaseName ?? resourceName,
    };
}

/** The basename of a chart reference, without a packaged chart's `-<version>.tgz`. */
function chartName(chart: string): string {
    const base = chart.replace(/\/+$/, "").split("/").pop() ?? chart;
    return base.replace(/\.tgz$/, "").replace(/-v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$/, "");
}

/** istiod by chart (name, path or URL) or by release name. */
export function isIstiod(r: HelmRelease): boolean {
    return r.chartName === "istiod" || r.name === "istiod";
}

/**
 * The values of `valueYamlFiles` assets. CrossGuard hands assets over as the SDK's asset objects, whose
 * `text`, `path` and `uri` are promises; a raw export carries them as plain strings. Only text assets
 * can be read: a file asset's path is on the machine that ran the program, a remote one is fetched by Helm.
 */
async function valueFiles(raw: unknown): Promise<{ values: Record<string, unknown>[]; unknown: boolean; unreadable: string[] }> {
    const out = { values: [] as Record<string, unknown>[], unknown: isUnknown(raw), unreadable: [] as string[] };
    const assets = Array.isArray(raw) ? raw : [];
    for (const [n, asset] of assets.entries()) {
        const where = `valueYamlFiles[${n}]`;
        if (isUnknown(asset)) {
            out.unknown = true;
            continue;
        }
        const field = (k: string) => (asset !== null && typeof asset === "object" && k in asset ? (asset as Record<string, unknown>)[k] : undefined);
        const [text, path, uri] = await Promise.all([field("text"), field("path"), field("uri")]);
        if (isUnknown(text)) {
            out.unknown = true;
        } else if (typeof text === "string") {
            try {
                const parsed: unknown = parseHelmYaml(text);
                if (isObject(parsed) || parsed === null) out.values.push(parsed ?? {});
                else out.unreadable.push(`${where} (not a YAML map)`);
            } catch (e) {
                out.unreadable.push(`${where} (invalid YAML: ${(e as Error).message.split("\n")[0]})`);
            }
        } else if (typeof path === "string") {
            out.unreadable.push(`${where} (file ${path})`);
        } else if (typeof uri === "string") {
            out.unreadable.push(`${where} (remote ${uri})`);
        } else {
            out.unreadable.push(`${where} (not an asset)`);
        }
    }
    return out;
}

/**
 * YAML as Helm reads values files (sigs.k8s.io/yaml over go-yaml v2, a YAML 1.1 parser): merge keys
 * (`<<: *anchor`) apply, and y/yes/on and n/no/off are booleans.
 */
export function parseHelmYaml(text: string): unknown {
    return parse(text, { version: "1.1" });
}

/** Helm's merge: maps merge key by key, anything else in `over` replaces what is in `base`. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
        const b = out[k];
        out[k] = isObject(b) && isObject(v) ? mergeValues(b, v) : v;
    }
    return out;
}

export function releaseLabel(r: HelmRelease): string {
    return `Helm release ${shown(r.name)} (chart ${shown(r.chart)})`;
}
