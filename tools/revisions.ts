import { HELM_RELEASE } from "./graph";
import { RecordedResource } from "./mockRuntime";

const TAG_WEBHOOK = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration";
const NAMESPACE = "kubernetes:core/v1:Namespace";

/**
 * What `npm run plan` says about Istio revisions, read from the recorded resources (what the program really
 * creates): each control plane and its tags, which namespaces and gateways follow which tag, and the restarts a
 * moved tag needs, because the program does not own the workloads.
 */
export function renderRevisions(resources: readonly RecordedResource[]): string[] {
    const releases = resources.filter((r) => r.type === HELM_RELEASE);
    const planes = releases.filter((r) => r.inputs.chart === "istiod");
    if (planes.length === 0) return [];
    const tagRevision = new Map<string, string>(resources.filter((r) => r.type === TAG_WEBHOOK)
        .map((r) => [r.inputs.metadata.labels["istio.io/tag"], r.inputs.metadata.labels["istio.io/rev"]]));
    const base = releases.find((r) => r.inputs.chart === "base");
    const tagsOf = (revision: string) => [...tagRevision].filter(([, rev]) => rev === revision).map(([tag]) => tag);
    const byTag = new Map<string, { namespaces: string[]; gateways: string[] }>();
    const follow = (tag: string) => byTag.get(tag) ?? byTag.set(tag, { namespaces: [], gateways: [] }).get(tag)!;
    for (const ns of resources.filter((r) => r.type === NAMESPACE)) {
        const tag = ns.inputs.metadata.labels?.["istio.io/rev"];
        if (tag) follow(tag).namespaces.push(ns.inputs.metadata.name);
    }
    for (const gw of releases.filter((r) => r.inputs.chart === "gateway")) {
        follow(gw.inputs.values.revision ?? "default").gateways.push(`${gw.inputs.namespace}/${gw.inputs.name}`);
    }
    const lines = [
        "Istio control planes:",
        ...planes.map((r) => `  ${r.inputs.name} (istiod@${r.inputs.version}, revision ${r.inputs.values.revision}): tags ${tagsOf(r.inputs.values.revision).join(", ") || "none"}`),
        ...(base ? [`  CRDs: ${base.inputs.name} (base@${base.inputs.version}); default validator -> revision ${base.inputs.values.defaultRevision}`] : []),
        "Namespaces and gateways by revision tag:",
    ];
    for (const [tag, who] of byTag) {
        const parts = [...(who.namespaces.length ? [`namespaces ${who.namespaces.join(", ")}`] : []), ...(who.gateways.length ? [`gateways ${who.gateways.join(", ")}`] : [])];
        lines.push(`  ${tag} -> ${tagRevision.get(tag) ?? "(no such tag)"}: ${parts.join("; ")}`);
    }
    const restarts = [...byTag].flatMap(([tag, who]) => who.namespaces.map((ns) => `  kubectl rollout restart deployment,statefulset,daemonset -n ${ns}   # follows ${tag}`));
    if (restarts.length > 0) {
        lines.push("After an up that moves a tag, restart the namespaces following it (gateways roll by themselves):", ...restarts);
    }
    return lines;
}
