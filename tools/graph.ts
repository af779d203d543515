import { RecordedResource } from "./mockRuntime";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** The last URN segment: the resource's own name. */
export function nameOf(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

/**
 * Helm releases grouped in install waves: a release is in wave n+1 when the latest release it
 * (transitively) depends on is in wave n. Waves run in parallel; the wave count is the longest chain.
 */
export function releaseWaves(resources: readonly RecordedResource[]): RecordedResource[][] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const depth = new Map<string, number>();
    const visiting = new Set<string>();
    const depthOf = (urn: string): number => {
        const known = depth.get(urn);
        if (known !== undefined) return known;
        const r = byUrn.get(urn);
        if (!r || visiting.has(urn)) return 0;
        visiting.add(urn);
        const below = Math.max(0, ...r.dependencies.map(depthOf));
        const d = below + (r.type === HELM_RELEASE ? 1 : 0);
        depth.set(urn, d);
        return d;
    };
    const waves: RecordedResource[][] = [];
    for (const r of resources.filter((x) => x.type === HELM_RELEASE)) {
        const d = depthOf(r.urn);
        (waves[d - 1] ??= []).push(r);
    }
    return waves.filter((w) => w !== undefined);
}
