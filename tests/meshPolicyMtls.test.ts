import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { fromRun } from "../tools/checkInput";
import { ProgramRun, runProgram } from "../tools/mockRuntime";
import { PackConfig, runPolicies } from "../tools/policyRunner";
import { readStackConfig, REPO_ROOT } from "../tools/stackConfig";

/** A sample stack file with some settings replaced (objects as the CLI passes them: JSON). */
function stackWith(stack: string, name: string, change: (config: Record<string, any>) => void): Promise<ProgramRun> {
    const file = readStackConfig(stack);
    const values: Record<string, any> = Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k, v.startsWith("[") || v.startsWith("{") ? JSON.parse(v) : v]));
    change(values);
    const config = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return runProgram({ ...file, stack: name, config: { ...config, "meshstack:environment": stack } });
}

function spec(run: ProgramRun, kind: string, ns: string, name: string): any {
    const found = run.resources.filter((r) => r.name.startsWith("policies-") && r.inputs.kind === kind && r.inputs.metadata?.namespace === ns && r.inputs.metadata?.name === name);
    assert.strictEqual(found.length, 1, `${kind} ${ns}/${name}`);
    return found[0].inputs.spec;
}

function service(config: Record<string, any>, name: string): Record<string, any> {
    return config["meshstack:services"].find((s: { name: string }) => s.name === name);
}

function packConfig(env: string): PackConfig {
    return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policies", "config", `${env}.json`), "utf8"));
}

describe("mesh policies: mTLS exceptions and the egress gateway hop", function () {
    this.timeout(120_000);

    describe("a DestinationRule leaves TLS to auto-mTLS where a DISABLE exception applies", () => {
        let workload: ProgramRun;
        let ports: ProgramRun;
        let namespace: ProgramRun;

        before(async () => {
            // Pulumi.dev.yaml with payments' exception replaced, as a user would write it.
            workload = await stackWith("dev", "dev-disable", (c) => { service(c, "payments").mtls = { mode: "DISABLE" }; });
            ports = await stackWith("dev", "dev-disable-port", (c) => { service(c, "payments").mtls = { ports: { "8443": "DISABLE" } }; });
            // A namespace-wide DISABLE; core (in the same namespace) overrides it for its own pods.
            namespace = await stackWith("dev", "dev-disable-ns", (c) => {
                c["meshstack:namespaces"].find((n: { name: string }) => n.name === "core").mtlsMode = "DISABLE";
                service(c, "core").mtls = { mode: "STRICT" };
                c["meshstack:services"].push({ name: "ledger", namespace: "core", port: 8080 });
            });
        });

        it("workload mode DISABLE: the PeerAuthentication disables mTLS and the DestinationRule sets no tls", () => {
            assert.deepStrictEqual(spec(workload, "PeerAuthentication", "payments", "payments-mtls-exception"), {
                selector: { matchLabels: { app: "payments" } }, mtls: { mode: "DISABLE" },
            });
            const tp = spec(workload, "DestinationRule", "payments", "payments").trafficPolicy;
            assert.deepStrictEqual(Object.keys(tp).sort(), ["connectionPool", "loadBalancer", "outlierDetection"]);
            // The other services keep ISTIO_MUTUAL.
            assert.deepStrictEqual(spec(workload, "DestinationRule", "core", "core").trafficPolicy.tls, { mode: "ISTIO_MUTUAL" });
        });

        it("a DISABLE port: no tls at all (portLevelMtls keys are container ports, portLevelSettings Service ports)", () => {
            assert.deepStrictEqual(spec(ports, "PeerAuthentication", "payments", "payments-mtls-exception").portLevelMtls, { 8443: { mode: "DISABLE" } });
            const dr = spec(ports, "DestinationRule", "payments", "payments");
            assert.strictEqual(dr.trafficPolicy.tls, undefined);
            assert.strictEqual(dr.trafficPolicy.portLevelSettings, undefined);
        });

        it("namespace DISABLE: no tls for its services unless the workload sets its own mode", () => {
            assert.deepStrictEqual(spec(namespace, "PeerAuthentication", "core", "mtls-exception"), { mtls: { mode: "DISABLE" } });
            assert.strictEqual(spec(namespace, "DestinationRule", "core", "ledger").trafficPolicy.tls, undefined);
            assert.deepStrictEqual(spec(namespace, "DestinationRule", "core", "core").trafficPolicy.tls, { mode: "ISTIO_MUTUAL" });
            assert.deepStrictEqual(spec(namespace, "DestinationRule", "edge", "api-gateway").trafficPolicy.tls, { mode: "ISTIO_MUTUAL" });
        });

        it("the dev policy pack reports the DISABLE PeerAuthentication (advisory) but no plaintext DestinationRule", async () => {
            const run = await runPolicies(fromRun(workload).resources, packConfig("dev"));
            const mtls = run.violations.filter((v) => /mtls|plaintext/.test(v.policy)).map((v) => [v.policy, v.level, v.urn?.split("::").pop()]);
            // dev's mesh-wide PERMISSIVE is reported too; nothing from no-plaintext-to-mesh-hosts.
            assert.deepStrictEqual(mtls, [
                ["mesh-wide-mtls-strict", "advisory", "policies-istio-system-default"],
                ["no-permissive-mtls", "advisory", "policies-payments-payments-mtls-exception"],
            ]);
        });
    });

    describe("egress through the egress gateway (prod)", () => {
        let prod: ProgramRun;

        before(async () => {
            prod = await runProgram(readStackConfig("prod"));
        });

        it("sidecars wrap the application's TLS in Istio mTLS toward the gateway, SNI the external host", () => {
            assert.deepStrictEqual(spec(prod, "DestinationRule", "istio-system", "stripe-egress"), {
                host: "istio-egressgateway.istio-egress.svc.cluster.local",
                subsets: [{ name: "stripe", trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: "ISTIO_MUTUAL", sni: "api.stripe.com" } }] } }],
                exportTo: ["*"],
            });
        });

        it("the gateway terminates that mTLS on 443 and forwards the inner TLS over a tcp route", () => {
            assert.deepStrictEqual(spec(prod, "Gateway", "istio-egress", "stripe-egress"), {
                selector: { istio: "egressgateway" },
                servers: [{ port: { number: 443, name: "tls", protocol: "TLS" }, hosts: ["api.stripe.com"], tls: { mode: "ISTIO_MUTUAL" } }],
            });
            assert.deepStrictEqual(spec(prod, "VirtualService", "istio-system", "stripe-egress"), {
                hosts: ["api.stripe.com"],
                gateways: ["mesh", "istio-egress/stripe-egress"],
                tls: [{
                    match: [{ gateways: ["mesh"], port: 443, sniHosts: ["api.stripe.com"] }],
                    route: [{ destination: { host: "istio-egressgateway.istio-egress.svc.cluster.local", subset: "stripe", port: { number: 443 } } }],
                }],
                tcp: [{
                    match: [{ gateways: ["istio-egress/stripe-egress"], port: 443 }],
                    route: [{ destination: { host: "api.stripe.com", port: { number: 443 } } }],
                }],
                exportTo: ["*"],
            });
        });

        it("so the gateway's namespaces rule, which needs a peer identity, can match the application namespaces", () => {
            assert.deepStrictEqual(spec(prod, "AuthorizationPolicy", "istio-egress", "allow-egress"), {
                selector: { matchLabels: { istio: "egressgateway" } },
                action: "ALLOW",
                rules: [{ from: [{ source: { namespaces: ["edge", "core", "ml", "payments"] } }] }],
            });
        });

        it("a prod stack with STRICT exceptions passes the prod policy pack", async () => {
            const strict = await stackWith("prod", "prod-strict-exceptions", (c) => {
                c["meshstack:namespaces"].find((n: { name: string }) => n.name === "payments").mtlsMode = "STRICT";
                service(c, "payments").mtls = { mode: "STRICT", ports: { "8443": "STRICT" } };
            });
            const run = await runPolicies(fromRun(strict).resources, packConfig("prod"));
            assert.deepStrictEqual(run.violations.filter((v) => v.level === "mandatory").map((v) => v.message), []);
        });
    });
});
