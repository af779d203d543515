import * as assert from "assert";
import { compliantMesh, istio, strictMesh, withResources, without } from "./fixtures/resources";
import { messages, report } from "./fixtures/run";

const PA = "PeerAuthentication";

describe("policies: mTLS", () => {
    it("a production-grade mesh passes every policy without a single violation", async () => {
        assert.deepStrictEqual(await report(compliantMesh()), []);
    });

    describe("mesh-wide-mtls-strict", () => {
        const policy = "mesh-wide-mtls-strict";

        it("reports a stack without a mesh-wide PeerAuthentication", async () => {
            assert.deepStrictEqual(await messages(policy, without(strictMesh().urn)), [
                "(stack): no mesh-wide PeerAuthentication in root namespace istio-system: without one Istio's default is PERMISSIVE, "
                + "so every workload still accepts plaintext and mTLS is not enforced anywhere. "
                + "Fix: create a PeerAuthentication named \"default\" in namespace istio-system with no selector and spec.mtls.mode STRICT.",
            ]);
        });

        it("reports PERMISSIVE, DISABLE and UNSET (which means PERMISSIVE at mesh level)", async () => {
            const cases: [unknown, string][] = [
                [{ mtls: { mode: "PERMISSIVE" } }, "PERMISSIVE: the workloads still accept plaintext"],
                [{ mtls: { mode: "DISABLE" } }, "DISABLE: mTLS is switched off"],
                [{ mtls: { mode: "UNSET" } }, "UNSET (at mesh level UNSET means PERMISSIVE): the workloads still accept plaintext"],
                [{}, "UNSET (at mesh level UNSET means PERMISSIVE): the workloads still accept plaintext"],
            ];
            for (const [spec, expected] of cases) {
                const found = await messages(policy, withResources(istio(PA, "istio-system", "default", spec)));
                assert.strictEqual(found.length, 1, JSON.stringify(spec));
                assert.ok(found[0].startsWith(`istio-system-default: PeerAuthentication istio-system/default is the mesh-wide PeerAuthentication but its mtls.mode is ${expected}`), found[0]);
                assert.ok(found[0].endsWith("Fix: set spec.mtls.mode to STRICT."), found[0]);
            }
        });

        it("reports every mesh-wide PeerAuthentication when there are two, since Istio keeps the oldest", async () => {
            const found = await messages(policy, withResources(istio(PA, "istio-system", "second", { mtls: { mode: "STRICT" } })));
            assert.deepStrictEqual(found.map((m) => m.split(":")[0]), ["istio-system-default", "istio-system-second"]);
            assert.ok(found[0].includes("is one of 2 mesh-wide PeerAuthentications (PeerAuthentication istio-system/default, PeerAuthentication istio-system/second): Istio silently applies only the oldest"));
        });

        it("does not count one with a selector as mesh-wide, and honours a configured root namespace when the stack installs no istiod", async () => {
            const scoped = istio(PA, "istio-system", "default", { selector: { matchLabels: { app: "x" } }, mtls: { mode: "STRICT" } });
            assert.strictEqual((await messages(policy, withResources(scoped))).length, 1);
            const noIstiod = compliantMesh().filter((r) => r.name !== "istiod");
            assert.ok((await messages(policy, noIstiod, { [policy]: { rootNamespace: "mesh-root" } }))[0].startsWith("(stack): no mesh-wide PeerAuthentication in root namespace mesh-root"));
            assert.deepStrictEqual(await messages(policy, compliantMesh(), { [policy]: { rootNamespace: "mesh-root" } }), [], "the stack's istiod says istio-system");
        });

        it("covers security.istio.io/v1beta1 objects too", async () => {
            const beta = istio(PA, "istio-system", "default", { mtls: { mode: "PERMISSIVE" } }, "v1beta1");
            const found = await messages(policy, [...without(strictMesh().urn), beta]);
            assert.strictEqual(found.length, 1);
            assert.ok(found[0].includes("its mtls.mode is PERMISSIVE"));
        });
    });

    describe("no-permissive-mtls", () => {
        const policy = "no-permissive-mtls";

        it("reports DISABLE and PERMISSIVE at the top level of namespace and workload policies", async () => {
            const found = await messages(policy, withResources(
                istio(PA, "shop", "default", { mtls: { mode: "PERMISSIVE" } }),
                istio(PA, "legacy", "db", { selector: { matchLabels: { app: "db" } }, mtls: { mode: "DISABLE" } }, "v1beta1"),
            ));
            assert.deepStrictEqual(found, [
                "shop-default: PeerAuthentication shop/default sets spec.mtls.mode to PERMISSIVE: the workloads still accept plaintext, "
                + "so any pod (or anything that reaches the pod network) can call them unauthenticated and unencrypted. "
                + "Fix: use STRICT or UNSET (inherit the mesh-wide STRICT); if this workload really must accept plaintext, add \"shop/default\" to this policy's exceptions.",
                "legacy-db: PeerAuthentication legacy/db sets spec.mtls.mode to DISABLE: mTLS is switched off: traffic is plaintext and carries no workload identity, "
                + "so AuthorizationPolicies on principals cannot match. "
                + "Fix: use STRICT or UNSET (inherit the mesh-wide STRICT); if this workload really must accept plaintext, add \"legacy/db\" to this policy's exceptions.",
            ]);
        });

        it("reports a weak portLevelMtls entry behind a STRICT top level", async () => {
            const found = await messages(policy, withResources(istio(PA, "shop", "cart", {
                selector: { matchLabels: { app: "cart" } }, mtls: { mode: "STRICT" }, portLevelMtls: { 8080: { mode: "STRICT" }, 9090: { mode: "DISABLE" }, 9091: { mode: "PERMISSIVE" } },
            })));
            assert.deepStrictEqual(found.map((m) => m.slice(0, m.indexOf(":", m.indexOf("sets")))), [
                "shop-cart: PeerAuthentication shop/cart sets spec.portLevelMtls[9090].mode to DISABLE",
                "shop-cart: PeerAuthentication shop/cart sets spec.portLevelMtls[9091].mode to PERMISSIVE",
            ]);
        });

        it("reports portLevelMtls without a selector (Istio rejects it) and checks the mesh-wide one's port entries", async () => {
            const found = await messages(policy, withResources(
                istio(PA, "istio-system", "default", { mtls: { mode: "STRICT" }, portLevelMtls: { 8080: { mode: "DISABLE" } } }),
                istio(PA, "shop", "default", { portLevelMtls: { 9090: { mode: "STRICT" } } }),
            ));
            assert.deepStrictEqual(found.map((m) => m.split(": ")[1]), [
                "PeerAuthentication istio-system/default sets spec.portLevelMtls without a selector",
                "PeerAuthentication istio-system/default sets spec.portLevelMtls[8080].mode to DISABLE",
                "PeerAuthentication shop/default sets spec.portLevelMtls without a selector",
            ]);
            assert.strictEqual(found[0], "istio-system-default: PeerAuthentication istio-system/default sets spec.portLevelMtls without a selector: "
                + "Istio rejects port-level mTLS on mesh- and namespace-wide PeerAuthentications (\"mesh/namespace peer authentication cannot have port level mTLS\"), "
                + "so these port modes never apply. Fix: move the port settings to a PeerAuthentication whose selector picks the workloads that listen on those ports.");
        });

        it("lets listed exceptions, UNSET below mesh level and the mesh-wide one (another policy's) pass", async () => {
            const resources = withResources(
                istio(PA, "legacy", "db", { mtls: { mode: "PERMISSIVE" } }),
                istio(PA, "shop", "default", {}),
                istio(PA, "istio-system", "default", { mtls: { mode: "PERMISSIVE" } }),
            );
            assert.deepStrictEqual(await messages(policy, resources, { [policy]: { exceptions: ["legacy/db"] } }), []);
        });

        it("reads the namespace from a PeerAuthentication without one as Kubernetes does (default)", async () => {
            const found = await messages(policy, withResources(istio(PA, undefined, "open", { mtls: { mode: "PERMISSIVE" } })));
            assert.ok(found[0].startsWith("default-open: PeerAuthentication default/open sets spec.mtls.mode to PERMISSIVE"));
        });
    });

    it("one-peer-authentication-per-namespace reports every selectorless duplicate in a namespace", async () => {
        const found = await messages("one-peer-authentication-per-namespace", withResources(
            istio(PA, "shop", "strict-again", { selector: { matchLabels: {} }, mtls: { mode: "STRICT" } }),
            istio(PA, "other", "default", { mtls: { mode: "STRICT" } }),
        ));
        assert.deepStrictEqual(found, ["shop-default", "shop-strict-again"].map((n) => `${n}: PeerAuthentication shop/${n.slice(5)} is one of 2 PeerAuthentications without a selector in namespace shop `
            + "(PeerAuthentication shop/default, PeerAuthentication shop/strict-again): Istio silently keeps only the oldest, so the namespace's mTLS mode depends on creation order. "
            + "Fix: merge them into one namespace-wide PeerAuthentication and give any others a selector."));
    });

    it("no-selector-in-root-namespace reports a workload PeerAuthentication in the root namespace", async () => {
        const found = await messages("no-selector-in-root-namespace", withResources(
            istio(PA, "istio-system", "ingress", { selector: { matchLabels: { app: "istiod" } }, mtls: { mode: "STRICT" } }),
            istio(PA, "istio-system", "by-ref", { targetRef: { kind: "Service", name: "x" }, mtls: { mode: "STRICT" } }),
        ));
        assert.deepStrictEqual(found.map((m) => m.split(" selects")[0]), ["istio-system-ingress: PeerAuthentication istio-system/ingress", "istio-system-by-ref: PeerAuthentication istio-system/by-ref"]);
        assert.ok(found[0].includes("Istio ignores workload-scoped PeerAuthentications there"));
    });

    describe("no-plaintext-to-mesh-hosts", () => {
        const policy = "no-plaintext-to-mesh-hosts";
        const dr = (host: string, spec: Record<string, unknown>, version = "v1") => istio("DestinationRule", "shop", "rule", { host, ...spec }, version);

        it("finds DISABLE at every depth, whatever sits beside the mode", async () => {
            const found = await messages(policy, withResources(dr("reviews", {
                trafficPolicy: {
                    tls: { mode: "DISABLE", sni: "reviews" },
                    portLevelSettings: [{ port: { number: 9080 }, tls: { mode: "DISABLE", insecureSkipVerify: true } }],
                },
                subsets: [
                    { name: "v1", trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } } },
                    { name: "v2", trafficPolicy: { loadBalancer: { simple: "ROUND_ROBIN" }, tls: { credentialName: "x", mode: "DISABLE" },
                        portLevelSettings: [{ port: { number: 80 }, tls: { mode: "ISTIO_MUTUAL" } }, { port: { number: 81 }, tls: { mode: "DISABLE" } }] } },
                ],
            }, "v1beta1")));
            assert.deepStrictEqual(found.map((m) => m.slice(0, m.indexOf(" to DISABLE"))), [
                "shop-rule: DestinationRule shop/rule sets spec.trafficPolicy.tls.mode",
                "shop-rule: DestinationRule shop/rule sets spec.trafficPolicy.portLevelSettings[0] (port 9080).tls.mode",
                "shop-rule: DestinationRule shop/rule sets spec.subsets[1] (v2).trafficPolicy.tls.mode",
                "shop-rule: DestinationRule shop/rule sets spec.subsets[1] (v2).trafficPolicy.portLevelSettings[1] (port 81).tls.mode",
            ]);
            assert.ok(found[0].endsWith("toward in-mesh host reviews: the client sidecar then sends plaintext, which servers under STRICT mTLS reject (requests fail) "
                + "and all others receive unauthenticated and unencrypted. Fix: remove that tls block or use ISTIO_MUTUAL; if reviews is outside the mesh, "
                + "declare it with a ServiceEntry (location MESH_EXTERNAL) or list it in this policy's externalHosts."));
        });

        it("treats *.svc.cluster.local and undeclared names as in-mesh, declared external hosts as outside", async () => {
            const off = { trafficPolicy: { tls: { mode: "DISABLE" } } };
            const resources = (host: string) => withResources(dr(host, off, "v1alpha3"));
            assert.strictEqual((await messages(policy, resources("reviews.shop.svc.cluster.local"))).length, 1);
            assert.strictEqual((await messages(policy, resources("legacy.internal.example.com"))).length, 1);
            assert.deepStrictEqual(await messages(policy, resources("api.payments.example.com")), [], "declared by a MESH_EXTERNAL ServiceEntry");
            assert.deepStrictEqual(await messages(policy, resources("db.corp.example.net"), { [policy]: { externalHosts: ["*.corp.example.net"] } }), []);
            assert.strictEqual((await messages(policy, resources("reviews.shop.svc.cluster.local"), { [policy]: { externalHosts: ["reviews.shop.svc.cluster.local"] } })).length, 1,
                "cluster service names are in the mesh whatever the config says");
            const internal = istio("ServiceEntry", "shop", "vm", { hosts: ["vm.shop.internal"], location: "MESH_INTERNAL" });
            assert.strictEqual((await messages(policy, [...resources("vm.shop.internal"), internal])).length, 1, "MESH_INTERNAL entries are in the mesh");
        });
    });
});
