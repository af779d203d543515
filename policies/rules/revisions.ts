import { StackValidationPolicy } from "@pulumi/policy";
import { configOf, rootNamespaceProp, schema } from "./config";
import { DEFAULT_ROOT_NAMESPACE } from "./istio";
import { defaultProviders, RevisionMesh, sourceLabel } from "./mesh";
import { meshScope } from "./stack";
import { at, list, plain, str, UNKNOWN } from "./values";

/**
 * Control-plane revisions and revision tags that fit together: every namespace's `istio.io/rev` names an installed
 * revision or a tag that points at one; with several revisions, each defines every tracing provider the Telemetries
 * use (a canary without it silently stops tracing the namespaces moved onto it); one control plane at most is the
 * default (an unrevisioned istiod and a `default` tag both inject `istio-injection=enabled` namespaces).
 */

const NAMESPACE = "kubernetes:core/v1:Namespace";
const TAG_WEBHOOK = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration";

const revisionName = (rev: string) => (rev === "" ? "the unrevisioned control plane" : `revision ${rev}`);

export const revisionsConsistent: StackValidationPolicy = {
    name: "revisions-consistent",
    description: "Every namespace's istio.io/rev resolves to an installed revision; with several revisions, each defines the tracing providers the Telemetries use; at most one control plane is the default.",
    enforcementLevel: "mandatory",
    configSchema: schema({ rootNamespace: DEFAULT_ROOT_NAMESPACE }, { rootNamespace: rootNamespaceProp }),
    validateStack: async (args, report) => {
        const scope = await meshScope(args.resources, configOf(args, { rootNamespace: DEFAULT_ROOT_NAMESPACE }).rootNamespace);
        const revisions = scope.mesh.revisions.filter((r) => !r.unknown);
        if (revisions.length === 0) return;
        const installed = new Map<string, RevisionMesh>(revisions.map((r) => [r.revision, r]));

        // Tags: the webhooks a stack creates (labels istio.io/tag -> istio.io/rev) and the chart's revisionTags.
        const tags = new Map<string, { revision: string; urn: string }>();
        for (const r of args.resources.filter((x) => x.type === TAG_WEBHOOK)) {
            const labels = at(plain(r.props), "metadata", "labels");
            const tag = str(at(labels, "istio.io/tag")), rev = str(at(labels, "istio.io/rev"));
            if (typeof tag === "string" && typeof rev === "string") tags.set(tag, { revision: rev, urn: r.urn });
        }
        for (const r of revisions) {
            const chartTags = list(at(r.chartValues, "revisionTags"));
            for (const tag of Array.isArray(chartTags) ? chartTags : []) if (typeof tag === "string") tags.set(tag, { revision: r.revision, urn: r.source.urn });
        }
        for (const [tag, { revision, urn }] of tags) {
            if (!installed.has(revision)) {
                report(`revision tag "${tag}" points at revision ${revision}, which no istiod in this stack installs: namespaces on the tag get no sidecars. `
                    + `Fix: point the tag at one of ${[...installed.keys()].map((r) => r || "(unrevisioned)").join(", ")}.`, urn);
            }
        }

        for (const ns of args.resources.filter((x) => x.type === NAMESPACE)) {
            const p = plain(ns.props);
            const rev = str(at(p, "metadata", "labels", "istio.io/rev"));
            if (typeof rev !== "string" || installed.has(rev) || tags.has(rev)) continue;
            const nsName = str(at(p, "metadata", "name"));
            report(`Namespace ${typeof nsName === "string" ? nsName : ns.name} is labelled istio.io/rev=${rev}, which is neither an installed revision `
                + `(${[...installed.keys()].map((r) => r || "(unrevisioned)").join(", ")}) nor a revision tag (${[...tags.keys()].join(", ") || "none"}): `
                + "its pods are not injected and run outside the mesh. Fix: label it with a tag (stable, canary) or an installed revision.", ns.urn);
        }

        if (revisions.length > 1) {
            const used = new Set<string>();
            for (const t of scope.view.of("Telemetry")) {
                const tracing = list(at(t.spec, "tracing"));
                for (const entry of Array.isArray(tracing) ? tracing : []) {
                    const providers = list(at(entry, "providers"));
                    for (const p of Array.isArray(providers) ? providers : []) {
                        const name = str(at(p, "name"));
                        if (typeof name === "string") used.add(name);
                    }
                }
            }
            for (const r of revisions) {
                const defaults = defaultProviders(r, "tracing");
                if (defaults !== UNKNOWN) for (const name of defaults ?? []) used.add(name);
            }
            for (const r of revisions) {
                const missing = [...used].filter((name) => !r.extensionProviders.has(name));
                if (missing.length > 0) {
                    report(`${sourceLabel(r)} does not define the tracing provider${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")} `
                        + `that the stack's Telemetries or another revision's defaultProviders use: workloads on ${revisionName(r.revision)} export no traces. `
                        + "Fix: give every revision the same meshConfig.extensionProviders.", r.source.urn);
                }
            }
        }

        const defaultTag = tags.get("default");
        if (installed.has("") && defaultTag && defaultTag.revision !== "") {
            report(`the unrevisioned control plane and the "default" revision tag (revision ${defaultTag.revision}) both inject namespaces labelled `
                + "istio-injection=enabled: which one injects a pod is up to the API server's webhook order. "
                + "Fix: keep one default: remove the unrevisioned istiod once the default tag points at its successor.", defaultTag.urn);
        }
    },
};

export const revisionPolicies = [revisionsConsistent];
