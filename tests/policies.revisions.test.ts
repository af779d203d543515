import * as assert from "assert";
import { CheckResource, fromRun } from "../tools/checkInput";
import { messages } from "./fixtures/run";
import { evaluate } from "./harness";

/**
 * revisions-consistent on the program's own canary stage (stable 1.30.5, canary 1.31.1, payments on canary),
 * passing as emitted, and failing once one piece is changed the way a hand edit or a half-done upgrade would.
 */
const policy = "revisions-consistent";
const NAMESPACES = [{ name: "shop" }, { name: "payments", revision: "canary" }];

function edit(resources: CheckResource[], name: string, change: (props: Record<string, any>) => Record<string, any>): CheckResource[] {
    assert.ok(resources.some((r) => r.name === name), `no resource ${name}`);
    return resources.map((r) => (r.name === name ? { ...r, inputs: change(r.inputs), outputs: change(r.outputs) } : r));
}

describe("policies: revisions-consistent", function () {
    this.timeout(120_000);
    let canary: CheckResource[];
    let stable: CheckResource[];

    before(async () => {
        canary = fromRun(await evaluate("dev", { "mesh.version": "1.30.5", "mesh.canaryVersion": "1.31.1", namespaces: NAMESPACES })).resources;
        stable = fromRun(await evaluate("dev", { "mesh.version": "1.31.1", namespaces: [{ name: "shop" }] })).resources;
    });

    it("passes the program's stable and canary stages as emitted", async () => {
        assert.deepStrictEqual(await messages(policy, canary), []);
        assert.deepStrictEqual(await messages(policy, stable), []);
    });

    it("reports a namespace on a tag no control plane serves", async () => {
        const moved = edit(stable, "policies-ns-shop", (p) => ({ ...p, metadata: { ...p.metadata, labels: { ...p.metadata.labels, "istio.io/rev": "canary" } } }));
        assert.deepStrictEqual(await messages(policy, moved), [
            "policies-ns-shop: Namespace shop is labelled istio.io/rev=canary, which is neither an installed revision (1-31-1) nor a revision tag (stable, default): "
            + "its pods are not injected and run outside the mesh. Fix: label it with a tag (stable, canary) or an installed revision.",
        ]);
    });

    it("reports a tag pointing at a revision that is not installed", async () => {
        const dangling = edit(canary, "mesh-tag-canary", (p) => ({ ...p, metadata: { ...p.metadata, labels: { ...p.metadata.labels, "istio.io/rev": "1-29-0" } } }));
        assert.deepStrictEqual(await messages(policy, dangling), [
            "mesh-tag-canary: revision tag \"canary\" points at revision 1-29-0, which no istiod in this stack installs: namespaces on the tag get no sidecars. "
            + "Fix: point the tag at one of 1-30-5, 1-31-1.",
        ]);
    });

    it("reports a canary control plane without the tracing provider the mesh uses", async () => {
        const untraced = edit(canary, "mesh-istiod-1-31-1", (p) => ({
            ...p, values: { ...p.values, meshConfig: { ...p.values.meshConfig, extensionProviders: [], defaultProviders: { metrics: ["prometheus"] } } },
        }));
        assert.deepStrictEqual(await messages(policy, untraced), [
            "mesh-istiod-1-31-1: Helm release istiod-1-31-1 (chart istiod) (control plane revision 1-31-1) does not define the tracing provider \"otel-tracing\" "
            + "that the stack's Telemetries or another revision's defaultProviders use: workloads on revision 1-31-1 export no traces. "
            + "Fix: give every revision the same meshConfig.extensionProviders.",
        ]);
    });

    it("reports an unrevisioned istiod beside a default tag", async () => {
        const old = stable.find((r) => r.name === "mesh-istiod-1-31-1")!;
        const legacy: CheckResource = {
            ...old, urn: old.urn.replace("mesh-istiod-1-31-1", "mesh-istiod"), name: "mesh-istiod",
            inputs: { ...old.inputs, name: "istiod", values: { ...old.inputs.values, revision: "" } },
            outputs: { ...old.outputs, name: "istiod", values: { ...old.outputs.values, revision: "" } },
        };
        assert.deepStrictEqual(await messages(policy, [...stable, legacy]), [
            "mesh-tag-default: the unrevisioned control plane and the \"default\" revision tag (revision 1-31-1) both inject namespaces labelled "
            + "istio-injection=enabled: which one injects a pod is up to the API server's webhook order. "
            + "Fix: keep one default: remove the unrevisioned istiod once the default tag points at its successor.",
        ]);
    });
});
