import * as assert from "assert";
import { compareVersions, controlPlanes, crdVersion, revisionName } from "../components/mesh/revisions";
import { ProgramRun, RecordedResource } from "../tools/mockRuntime";
import { renderRevisions } from "../tools/revisions";
import { ISTIO_REPO, ISTIO_VERSIONS } from "../versions";
import { depNames, evaluate, ofType, one } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const TAG = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const namespaces = [{ name: "shop" }, { name: "payments" }];

/** Pulumi name, Helm release, chart@version of every Istio release, in registration order. */
function istioReleases(run: ProgramRun): string[] {
    return ofType(run, RELEASE).filter((r) => r.inputs.repositoryOpts?.repo === ISTIO_REPO)
        .map((r) => `${r.name} ${r.inputs.name} ${r.inputs.chart}@${r.inputs.version}`);
}

/** Tag -> the istiod Service and revision its webhooks send pods to. */
function tags(run: ProgramRun): Record<string, string> {
    return Object.fromEntries(ofType(run, TAG).map((r) => {
        const services = new Set(r.inputs.webhooks.map((w: any) => w.clientConfig.service.name));
        assert.strictEqual(services.size, 1, r.name);
        return [r.inputs.metadata.labels["istio.io/tag"], `${[...services][0]} (rev ${r.inputs.metadata.labels["istio.io/rev"]})`];
    }));
}

function labels(run: ProgramRun, ns: string): Record<string, string> {
    return one(run, NAMESPACE, `policies-ns-${ns}`).inputs.metadata.labels;
}

function istiod(run: ProgramRun, revision: string): RecordedResource {
    return one(run, RELEASE, `mesh-istiod-${revision}`);
}

describe("Istio revisions: pure rules", () => {
    it("revision names replace the dots; the stable plane serves stable and default, a canary serves canary", () => {
        assert.strictEqual(revisionName("1.31.1"), "1-31-1");
        assert.deepStrictEqual(controlPlanes({ version: "1.30.5", canaryVersion: "1.31.1" }), [
            { role: "stable", version: "1.30.5", revision: "1-30-5", tags: ["stable", "default"], releaseName: "istiod-1-30-5" },
            { role: "canary", version: "1.31.1", revision: "1-31-1", tags: ["canary"], releaseName: "istiod-1-31-1" },
        ]);
    });

    it("the CRDs come from the newer version, whichever role it has", () => {
        assert.strictEqual(crdVersion({ version: "1.30.5", canaryVersion: "1.31.1" }), "1.31.1");
        assert.strictEqual(crdVersion({ version: "1.31.1", canaryVersion: "1.30.5" }), "1.31.1");
        assert.strictEqual(crdVersion({ version: "1.30.5" }), "1.30.5");
        assert.ok(compareVersions("1.30.10", "1.30.5") > 0);
    });

    it("knows exactly the Istio versions whose charts versions.ts pins", () => {
        assert.deepStrictEqual([...ISTIO_VERSIONS], ["1.30.5", "1.31.1"]);
    });
});

describe("Istio revisions: the three stages of a canary upgrade (dev stack)", () => {
    let stage1: ProgramRun;
    let stage2: ProgramRun;
    let stage3: ProgramRun;
    before(async () => {
        stage1 = await evaluate("dev", { "mesh.version": "1.30.5", namespaces });
        stage2 = await evaluate("dev", { "mesh.version": "1.30.5", "mesh.canaryVersion": "1.31.1", namespaces: [{ name: "shop" }, { name: "payments", revision: "canary" }] });
        stage3 = await evaluate("dev", { "mesh.version": "1.31.1", namespaces });
    });

    it("stage 1, stable 1.30.5: one revisioned istiod, tags stable and default on it, everything follows stable", () => {
        assert.deepStrictEqual(istioReleases(stage1), [
            "mesh-base istio-base base@1.30.5", "mesh-istiod-1-30-5 istiod-1-30-5 istiod@1.30.5", "mesh-ingress-gateway istio-ingressgateway gateway@1.30.5",
        ]);
        assert.deepStrictEqual(tags(stage1), { stable: "istiod-1-30-5 (rev 1-30-5)", default: "istiod-1-30-5 (rev 1-30-5)" });
        const values = istiod(stage1, "1-30-5").inputs.values;
        assert.deepStrictEqual([values.revision, values.revisionTags, values.global.hub, values.global.tag], ["1-30-5", undefined, "docker.io/istio", "1.30.5"]);
        assert.deepStrictEqual(one(stage1, RELEASE, "mesh-base").inputs.values, { defaultRevision: "1-30-5" });
        assert.deepStrictEqual([labels(stage1, "shop"), labels(stage1, "payments")], [{ "istio.io/rev": "stable" }, { "istio.io/rev": "stable" }]);
        const gw = one(stage1, RELEASE, "mesh-ingress-gateway").inputs.values;
        assert.deepStrictEqual([gw.revision, gw.podAnnotations], ["stable", { "meshstack.io/istio-revision": "1-30-5" }]);
    });

    it("stage 2, canary 1.31.1 beside stable 1.30.5: CRDs at 1.31.1, a second istiod with the canary tag, payments on canary", () => {
        assert.deepStrictEqual(istioReleases(stage2), [
            "mesh-base istio-base base@1.31.1",
            "mesh-istiod-1-30-5 istiod-1-30-5 istiod@1.30.5",
            "mesh-istiod-1-31-1 istiod-1-31-1 istiod@1.31.1",
            "mesh-ingress-gateway istio-ingressgateway gateway@1.30.5",
        ]);
        assert.deepStrictEqual(tags(stage2), { stable: "istiod-1-30-5 (rev 1-30-5)", default: "istiod-1-30-5 (rev 1-30-5)", canary: "istiod-1-31-1 (rev 1-31-1)" });
        const canary = istiod(stage2, "1-31-1").inputs.values;
        assert.deepStrictEqual([canary.revision, canary.global.hub, canary.global.tag], ["1-31-1", "docker.io/istio", "1.31.1"]);
        // The stable plane's values do not change when a canary is added: its pods are not restarted.
        assert.deepStrictEqual(istiod(stage2, "1-30-5").inputs.values, istiod(stage1, "1-30-5").inputs.values);
        assert.deepStrictEqual(one(stage2, RELEASE, "mesh-base").inputs.values, { defaultRevision: "1-30-5" });
        assert.deepStrictEqual([labels(stage2, "shop"), labels(stage2, "payments")], [{ "istio.io/rev": "stable" }, { "istio.io/rev": "canary" }]);
        assert.deepStrictEqual(one(stage2, RELEASE, "mesh-ingress-gateway").inputs.values.podAnnotations, { "meshstack.io/istio-revision": "1-30-5" });
    });

    it("stage 2 order: base first, each istiod after it, each tag after its istiod, namespaces after their tag", () => {
        assert.deepStrictEqual(depNames(istiod(stage2, "1-30-5")), ["mesh-base", "mesh-ns-system"]);
        assert.deepStrictEqual(depNames(istiod(stage2, "1-31-1")), ["mesh-base", "mesh-ns-system"]);
        assert.deepStrictEqual(ofType(stage2, TAG).map((r) => `${r.name} <- ${depNames(r).join(",")}`).sort(), [
            "mesh-tag-canary <- mesh-istiod-1-31-1", "mesh-tag-default <- mesh-istiod-1-30-5", "mesh-tag-stable <- mesh-istiod-1-30-5",
        ]);
        assert.deepStrictEqual(depNames(one(stage2, NAMESPACE, "policies-ns-payments")), ["mesh-istiod-1-30-5", "mesh-tag-canary"]);
        assert.deepStrictEqual(depNames(one(stage2, NAMESPACE, "policies-ns-shop")), ["mesh-istiod-1-30-5", "mesh-tag-stable"]);
        assert.deepStrictEqual(depNames(one(stage2, RELEASE, "mesh-ingress-gateway")), ["mesh-istiod-1-30-5", "mesh-ns-ingress", "mesh-tag-stable"]);
    });

    it("stage 3, promoted to 1.31.1: the tags move in place (same resources), 1.30.5 is no longer declared, gateways roll", () => {
        assert.deepStrictEqual(istioReleases(stage3), [
            "mesh-base istio-base base@1.31.1", "mesh-istiod-1-31-1 istiod-1-31-1 istiod@1.31.1", "mesh-ingress-gateway istio-ingressgateway gateway@1.31.1",
        ]);
        assert.deepStrictEqual(tags(stage3), { stable: "istiod-1-31-1 (rev 1-31-1)", default: "istiod-1-31-1 (rev 1-31-1)" });
        assert.deepStrictEqual(ofType(stage3, TAG).map((r) => r.urn).sort(), ofType(stage2, TAG).filter((r) => r.name !== "mesh-tag-canary").map((r) => r.urn).sort());
        // The promoted release keeps its values but for what its role changes: nothing (tags are not Helm values).
        assert.deepStrictEqual(istiod(stage3, "1-31-1").inputs.values, istiod(stage2, "1-31-1").inputs.values);
        assert.deepStrictEqual(one(stage3, RELEASE, "mesh-base").inputs.values, { defaultRevision: "1-31-1" });
        assert.deepStrictEqual([labels(stage3, "shop"), labels(stage3, "payments")], [{ "istio.io/rev": "stable" }, { "istio.io/rev": "stable" }]);
        assert.deepStrictEqual(one(stage3, RELEASE, "mesh-ingress-gateway").inputs.values.podAnnotations, { "meshstack.io/istio-revision": "1-31-1" });
        assert.deepStrictEqual(ofType(stage3, RELEASE).filter((r) => r.name === "mesh-istiod-1-30-5"), []);
    });

    it("plan shows each stage's control planes, tags, namespaces, gateways and restarts", () => {
        assert.deepStrictEqual(renderRevisions(stage2.resources), [
            "Istio control planes:",
            "  istiod-1-30-5 (istiod@1.30.5, revision 1-30-5): tags stable, default",
            "  istiod-1-31-1 (istiod@1.31.1, revision 1-31-1): tags canary",
            "  CRDs: istio-base (base@1.31.1); default validator -> revision 1-30-5",
            "Namespaces and gateways by revision tag:",
            "  stable -> 1-30-5: namespaces shop; gateways istio-ingress/istio-ingressgateway",
            "  canary -> 1-31-1: namespaces payments",
            "After an up that moves a tag, restart the namespaces following it (gateways roll by themselves):",
            "  kubectl rollout restart deployment,statefulset,daemonset -n shop   # follows stable",
            "  kubectl rollout restart deployment,statefulset,daemonset -n payments   # follows canary",
        ]);
        assert.deepStrictEqual(renderRevisions(stage3.resources).slice(1, 3), [
            "  istiod-1-31-1 (istiod@1.31.1, revision 1-31-1): tags stable, default",
            "  CRDs: istio-base (base@1.31.1); default validator -> revision 1-31-1",
        ]);
    });
});

/**
 * Today's layout (before revisions, up to commit dd87e81): Pulumi resource `mesh-istiod`, Helm release `istiod`
 * (revision ""), base with defaultRevision "default", namespaces labelled istio-injection: enabled.
 */
describe("Istio revisions: migrating a stack from the un-revisioned istiod", () => {
    let run: ProgramRun;
    before(async () => { run = await evaluate("dev", { "mesh.version": "1.30.5", namespaces }); });

    it("keeps base, gateway and namespaces under their names (updated in place) and no longer declares mesh-istiod, which Pulumi deletes last", () => {
        for (const [type, name] of [[RELEASE, "mesh-base"], [RELEASE, "mesh-ingress-gateway"], [NAMESPACE, "policies-ns-shop"], [NAMESPACE, "policies-ns-payments"]]) {
            assert.ok(one(run, type, name), name);
        }
        assert.strictEqual(one(run, RELEASE, "mesh-base").inputs.name, "istio-base");
        assert.strictEqual(one(run, RELEASE, "mesh-ingress-gateway").inputs.name, "istio-ingressgateway");
        assert.deepStrictEqual(run.resources.filter((r) => r.name === "mesh-istiod" || r.inputs?.name === "istiod"), []);
        // The new release and its webhooks carry revision names, so none clashes with what the old release owns
        // (istiod, istio-sidecar-injector, istio-validator-istio-system) while both run.
        assert.deepStrictEqual(ofType(run, TAG).map((r) => r.inputs.metadata.name).sort(), ["istio-revision-tag-default", "istio-revision-tag-stable"]);
    });

    it("creates the new control plane and its tags before it moves labels or gateways, so a control plane always runs", () => {
        // Pulumi runs creates and updates in dependency order and deletes resources no longer declared at the end.
        assert.deepStrictEqual(depNames(istiod(run, "1-30-5")), ["mesh-base", "mesh-ns-system"]);
        assert.deepStrictEqual(depNames(one(run, TAG, "mesh-tag-stable")), ["mesh-istiod-1-30-5"]);
        assert.deepStrictEqual(depNames(one(run, NAMESPACE, "policies-ns-shop")), ["mesh-istiod-1-30-5", "mesh-tag-stable"]);
        assert.deepStrictEqual(depNames(one(run, RELEASE, "mesh-ingress-gateway")), ["mesh-istiod-1-30-5", "mesh-ns-ingress", "mesh-tag-stable"]);
        // istio-injection is dropped: the tag webhooks skip namespaces that still carry it.
        assert.deepStrictEqual(labels(run, "shop"), { "istio.io/rev": "stable" });
    });
});

describe("Istio revisions: settings", () => {
    const problems = async (values: Record<string, unknown>) => {
        try {
            await evaluate("dev", values);
        } catch (e) {
            return (e as Error).message.split("\n");
        }
        return [];
    };

    it("accepts only versions whose charts are pinned, a canary different from stable, and canary namespaces only with a canary", async () => {
        assert.deepStrictEqual(await problems({ "mesh.version": "1.29.0", "mesh.canaryVersion": "1.31" }), [
            "meshstack:mesh.version \"1.29.0\" is not supported; use one of: 1.30.5, 1.31.1",
            "meshstack:mesh.canaryVersion \"1.31\" is not supported; use one of: 1.30.5, 1.31.1",
        ]);
        assert.deepStrictEqual(await problems({ "mesh.canaryVersion": "1.31.1" }), [
            "meshstack:mesh.canaryVersion \"1.31.1\" is the stable version (meshstack:mesh.version); a canary runs a different version: set another one, or remove mesh.canaryVersion to finish a promotion",
        ]);
        assert.deepStrictEqual(await problems({ namespaces: [{ name: "shop", revision: "canary" }, { name: "web", revision: "1-31-1" }] }), [
            "meshstack:namespaces[1].revision \"1-31-1\" is not supported; use one of: stable, canary",
            "meshstack:namespaces[0].revision \"canary\" needs a canary control plane, but meshstack:mesh.canaryVersion is not set; set it, or use revision: stable",
        ]);
    });

    it("rejects a canary in ambient mode once, without a second line for the namespaces on it", async () => {
        assert.deepStrictEqual(await problems({ "mesh.mode": "ambient", "mesh.version": "1.30.5", "mesh.canaryVersion": "1.31.1", namespaces: [{ name: "shop", revision: "canary" }] }), [
            "meshstack:mesh.canaryVersion is not supported in ambient mode: ztunnel and istio-cni run one version per node and are upgraded in place "
            + "(Istio's ambient upgrade guide), so no namespace can run a canary data plane; remove mesh.canaryVersion and upgrade by setting meshstack:mesh.version (each node's ztunnel restarts once)",
        ]);
    });

    it("ambient: istiod by revision, cni and ztunnel in place at the stable version, pointed at its revision", async () => {
        const run = await evaluate("dev", { "mesh.mode": "ambient", "mesh.version": "1.30.5" });
        assert.deepStrictEqual(istioReleases(run), [
            "mesh-base istio-base base@1.30.5", "mesh-istiod-1-30-5 istiod-1-30-5 istiod@1.30.5", "mesh-cni istio-cni cni@1.30.5",
            "mesh-ztunnel ztunnel ztunnel@1.30.5", "mesh-ingress-gateway istio-ingressgateway gateway@1.30.5",
        ]);
        const ztunnel = one(run, RELEASE, "mesh-ztunnel").inputs.values;
        assert.deepStrictEqual([ztunnel.revision, ztunnel.hub, ztunnel.tag], ["1-30-5", "docker.io/istio", "1.30.5"]);
    });
});
