/**
 * Revisioned control planes and the revision tags that point at them, as plain data.
 *
 * Each Istio version runs as its own istiod Helm release `istiod-<revision>` (revision `1-31-1` for 1.31.1).
 * Namespaces and gateways never name a revision: they follow the tag `stable` (or `canary`), and the tag `default`
 * follows `stable`. A tag is a MutatingWebhookConfiguration `istio-revision-tag-<tag>` that sends the pods of its
 * namespaces to one revision's injector. meshstack owns these webhooks itself (as `istioctl tag set` does) instead of
 * through the istiod chart's `revisionTags`: moving a tag is then an in-place update of one object, and no two Helm
 * releases ever own the same webhook (Helm refuses to upgrade a release onto a webhook another release owns).
 */

import { MeshSettings } from "../../settings";
import { RevisionTag } from "../../settings/services";
import { ISTIO_NAMESPACE } from "../names";

export const DEFAULT_TAG = "default";

export interface ControlPlane {
    /** Which tag(s) it serves: the stable one also serves `default`. */
    readonly role: RevisionTag;
    readonly version: string;
    /** `1-31-1` for 1.31.1: Istio revision names may not contain dots. */
    readonly revision: string;
    readonly tags: readonly string[];
    /** Helm release name, and istiod's Deployment and Service name. */
    readonly releaseName: string;
}

export function revisionName(version: string): string {
    return version.replace(/\./g, "-");
}

/** The control planes a stack runs, stable first. */
export function controlPlanes(mesh: Pick<MeshSettings, "version" | "canaryVersion">): ControlPlane[] {
    const plane = (role: RevisionTag, version: string, tags: string[]): ControlPlane =>
        ({ role, version, revision: revisionName(version), tags, releaseName: `istiod-${revisionName(version)}` });
    return [
        plane("stable", mesh.version, ["stable", DEFAULT_TAG]),
        ...(mesh.canaryVersion === undefined ? [] : [plane("canary", mesh.canaryVersion, ["canary"])]),
    ];
}

/** Numeric comparison of x.y.z versions. */
export function compareVersions(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d !== 0) return d;
    }
    return 0;
}

/** The base chart (CRDs) runs the newer of the two versions, so a canary finds its CRDs before it starts. */
export function crdVersion(mesh: Pick<MeshSettings, "version" | "canaryVersion">): string {
    return controlPlanes(mesh).map((c) => c.version).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
}

type Selector = { matchExpressions: { key: string; operator: string; values?: string[] }[] };

/**
 * The webhook configuration of one revision tag, as the istiod chart renders it for `revisionTags`
 * (istio-discovery/templates/revision-tags-mwc.yaml, with the chart's defaults): pods of namespaces labelled
 * `istio.io/rev: <tag>`, or pods labelled so themselves, go to the revision's injector. The `default` tag also
 * takes `istio-injection: enabled` namespaces and `sidecar.istio.io/inject: "true"` pods. istiod patches the
 * caBundle into every webhook labelled with its revision.
 */
export function revisionTagWebhook(tag: string, plane: ControlPlane) {
    const notDisabled = { key: "sidecar.istio.io/inject", operator: "NotIn", values: ["false"] };
    const absent = (key: string) => ({ key, operator: "DoesNotExist" });
    const webhook = (prefix: string, namespaceSelector: Selector, objectSelector: Selector) => ({
        name: `${prefix}sidecar-injector.istio.io`,
        clientConfig: { service: { name: plane.releaseName, namespace: ISTIO_NAMESPACE, path: "/inject", port: 443 } },
        sideEffects: "None",
        rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
        failurePolicy: "Fail",
        reinvocationPolicy: "Never",
        admissionReviewVersions: ["v1"],
        namespaceSelector,
        objectSelector,
    });
    const byTag = { key: "istio.io/rev", operator: "In", values: [tag] };
    const webhooks = [
        webhook("rev.namespace.", { matchExpressions: [byTag, absent("istio-injection")] }, { matchExpressions: [notDisabled] }),
        webhook("rev.object.", { matchExpressions: [absent("istio.io/rev"), absent("istio-injection")] }, { matchExpressions: [notDisabled, byTag] }),
    ];
    if (tag === DEFAULT_TAG) {
        webhooks.push(
            webhook("namespace.", { matchExpressions: [{ key: "istio-injection", operator: "In", values: ["enabled"] }] }, { matchExpressions: [notDisabled] }),
            webhook("object.", { matchExpressions: [absent("istio-injection"), absent("istio.io/rev")] },
                { matchExpressions: [{ key: "sidecar.istio.io/inject", operator: "In", values: ["true"] }, absent("istio.io/rev")] }),
        );
    }
    return {
        metadata: {
            name: `istio-revision-tag-${tag}`,
            labels: { "istio.io/tag": tag, "istio.io/rev": plane.revision, app: "sidecar-injector", "app.kubernetes.io/name": "istiod" },
        },
        webhooks,
    };
}
