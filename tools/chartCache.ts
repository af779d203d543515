import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ChartPin, charts, GATEWAY_API_VERSION, gatewayApiCrdsUrl, istioCharts, ISTIO_VERSIONS } from "../versions";
import { runHelm } from "./helmBinary";
import { REPO_ROOT } from "./stackConfig";

/**
 * The local chart cache `render` reads: every pinned chart as `helm pull` lays it out
 * (`<chart>-<version>.tgz`, or the same name as an unpacked directory), plus the Gateway API CRDs file.
 * `npm run charts:pull` fills it; nothing in it is committed.
 */

export const DEFAULT_CACHE = path.join(REPO_ROOT, ".chart-cache");

export function cacheDir(flag?: string): string {
    return path.resolve(flag ?? process.env.MESHSTACK_CHART_CACHE ?? DEFAULT_CACHE);
}

/** Every distinct pinned chart: the Istio charts of every version a stack may run (stable or canary), and the rest. */
export function pinnedCharts(): ChartPin[] {
    const seen = new Map<string, ChartPin>();
    const all = [...ISTIO_VERSIONS.flatMap((v) => Object.values(istioCharts(v))), ...Object.values(charts)];
    for (const pin of all) seen.set(`${pin.chart}-${pin.version}`, pin);
    return [...seen.values()];
}

export const GATEWAY_API_FILE = `gateway-api-${GATEWAY_API_VERSION}-standard-install.yaml`;

export interface CachedChart {
    readonly path: string;
    /** The version the chart itself declares (Chart.yaml), which render reports when it is not the pin. */
    readonly chartVersion: string;
}

export class ChartCacheError extends Error {}

export function locateChart(cache: string, pin: Pick<ChartPin, "chart" | "version">): CachedChart {
    const base = path.join(cache, `${pin.chart}-${pin.version}`);
    const dir = fs.existsSync(path.join(base, "Chart.yaml")) ? base : undefined;
    const tgz = fs.existsSync(`${base}.tgz`) ? `${base}.tgz` : undefined;
    const found = dir ?? tgz;
    if (found === undefined) {
        throw new ChartCacheError(`chart ${pin.chart} ${pin.version} is not in the chart cache ${cache}; run npm run charts:pull (needs network) or point --cache at a cache that has it`);
    }
    return { path: found, chartVersion: dir ? String(parse(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8")).version) : pin.version };
}

export function locateGatewayApiCrds(cache: string): string {
    const file = path.join(cache, GATEWAY_API_FILE);
    if (!fs.existsSync(file)) {
        throw new ChartCacheError(`${GATEWAY_API_FILE} is not in the chart cache ${cache}; run npm run charts:pull (needs network)`);
    }
    return file;
}

/** Fills the cache from the pinned repositories: what a user with network access runs once per version bump. */
export async function pullAll(cache: string, helm: string, log: (line: string) => void,
    pins: readonly ChartPin[] = pinnedCharts(), crdsUrl = gatewayApiCrdsUrl): Promise<void> {
    fs.mkdirSync(cache, { recursive: true });
    for (const pin of pins) {
        if (fs.existsSync(path.join(cache, `${pin.chart}-${pin.version}.tgz`))) {
            log(`  ${pin.chart} ${pin.version}: already cached`);
            continue;
        }
        await runHelm(helm, ["pull", pin.chart, "--repo", pin.repo, "--version", pin.version, "--destination", cache]);
        log(`  ${pin.chart} ${pin.version}: pulled from ${pin.repo}`);
    }
    const crds = path.join(cache, GATEWAY_API_FILE);
    if (fs.existsSync(crds)) {
        log(`  Gateway API CRDs ${GATEWAY_API_VERSION}: already cached`);
    } else {
        const response = await fetch(crdsUrl);
        if (!response.ok) throw new ChartCacheError(`${crdsUrl} answered ${response.status}`);
        fs.writeFileSync(crds, Buffer.from(await response.arrayBuffer()));
        log(`  Gateway API CRDs ${GATEWAY_API_VERSION}: downloaded from ${crdsUrl}`);
    }
}
