import { objectLabel, Sourced, strings } from "./objects";

/** Registries Istio no longer serves from (istio.io, "An update on our move to AWS"; 1.31 upgrade notes). */
export const RETIRED_REGISTRIES = ["gcr.io/istio-release/", "registry.istio.io/"] as const;

/** A reference pinned by digest, or by a tag other than latest. */
export function imageProblem(image: string): string | undefined {
    const retired = RETIRED_REGISTRIES.find((r) => image.startsWith(r));
    if (retired) return `comes from ${retired.slice(0, -1)}, which Istio has retired; set the hub to docker.io/istio`;
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "";
    if (tag === "") return "has no tag, so it runs whatever latest is at pull time";
    if (tag === "latest") return "is tagged latest, so it is not pinned";
    return undefined;
}

/**
 * Every image the stack's pods run: `image` fields (the gateway chart's `auto` is filled in by istiod's injector),
 * images passed to operators as arguments, and the proxy image istiod's injector puts into every sidecar and gateway.
 */
export function imagesOf(o: Sourced["object"]): { path: string; image: string }[] {
    const found: { path: string; image: string }[] = [];
    for (const { path, value } of strings(o)) {
        if (/(^|\.)image$/.test(path) && value !== "auto" && value !== "") found.push({ path, image: value });
        const arg = /^--[a-z-]*(?:image|reloader)=(\S+)$/.exec(value);
        if (arg && /\[\d+\]$/.test(path) && path.includes("args")) found.push({ path, image: arg[1] });
    }
    if (o.kind === "ConfigMap" && /^istio-sidecar-injector/.test(o.metadata?.name ?? "") && o.data?.values) {
        const g = JSON.parse(o.data.values).global ?? {};
        const proxy = String(g.proxy?.image ?? "proxyv2");
        found.push({ path: "data.values global.hub/proxy.image/tag", image: proxy.includes("/") ? proxy : `${g.hub}/${proxy}:${g.tag}` });
    }
    return found;
}

export function imageFindings(objects: readonly Sourced[]): string[] {
    const findings: string[] = [];
    for (const { source, object } of objects) {
        for (const { path, image } of imagesOf(object)) {
            const problem = imageProblem(image);
            if (problem) findings.push(`${source}: ${objectLabel(object)} ${path}: image ${image} ${problem}`);
        }
    }
    return findings;
}
