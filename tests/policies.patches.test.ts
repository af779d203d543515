import * as assert from "assert";
import { istioPatch, withResources } from "./fixtures/resources";
import { messages } from "./fixtures/run";

describe("policies: Istio CustomResourcePatches (<Kind>Patch)", () => {
    it("mesh-wide-mtls-strict reports any patch of the mesh-wide PeerAuthentication, STRICT or not, without counting it as a second one", async () => {
        for (const mode of ["DISABLE", "STRICT"]) {
            const found = await messages("mesh-wide-mtls-strict", withResources(istioPatch("PeerAuthentication", "istio-system", "default", { mtls: { mode } })));
            assert.deepStrictEqual(found, [
                "istio-system-default: PeerAuthenticationPatch istio-system/default patches the mesh-wide PeerAuthentication (root namespace istio-system, no selector): "
                + "the patch changes the mesh's mTLS settings out-of-band, on whatever object is in the cluster, so the reviewed mesh-wide policy is no longer what applies. "
                + "Fix: remove the patch and change the mesh-wide PeerAuthentication itself (spec.mtls.mode STRICT).",
            ], mode);
        }
    });

    it("mesh-wide-trace-sampling reports any patch of the mesh-wide Telemetry", async () => {
        const found = await messages("mesh-wide-trace-sampling", withResources(istioPatch("Telemetry", "istio-system", "mesh-default", { tracing: [{ randomSamplingPercentage: 100 }] })));
        assert.deepStrictEqual(found, [
            "istio-system-mesh-default: TelemetryPatch istio-system/mesh-default patches the mesh-wide Telemetry (root namespace istio-system, no selector): "
            + "the patch changes the mesh's trace sampling out-of-band, on whatever object is in the cluster, so the reviewed mesh-wide policy is no longer what applies. "
            + "Fix: remove the patch and change the mesh-wide Telemetry itself.",
        ]);
    });

    it("checks patches of namespace and workload objects like the objects, without counting them as duplicates", async () => {
        const resources = withResources(
            istioPatch("PeerAuthentication", "shop", "default", { mtls: { mode: "PERMISSIVE" } }),
            istioPatch("Telemetry", "shop", "shop-tracing", { tracing: [{ randomSamplingPercentage: 50 }] }),
            istioPatch("DestinationRule", "shop", "cart", { host: "cart.shop.svc.cluster.local", trafficPolicy: { tls: { mode: "DISABLE" } } }),
        );
        const heads = async (policy: string) => (await messages(policy, resources)).map((m) => m.split(/ sets | samples /)[0]);
        assert.deepStrictEqual(await heads("no-permissive-mtls"), ["shop-default: PeerAuthenticationPatch shop/default"]);
        assert.deepStrictEqual(await heads("trace-sampling-limit"), ["shop-shop-tracing: TelemetryPatch shop/shop-tracing"]);
        assert.deepStrictEqual(await heads("no-plaintext-to-mesh-hosts"), ["shop-cart: DestinationRulePatch shop/cart"]);
        assert.deepStrictEqual(await messages("one-peer-authentication-per-namespace", resources), []);
        assert.deepStrictEqual(await messages("one-telemetry-per-namespace", resources), []);
    });
});
