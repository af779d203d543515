import * as assert from "assert";
import { ProgramRun, runProgram } from "../tools/mockRuntime";
import { readStackConfig } from "../tools/stackConfig";
import { evaluateStackFile } from "./harness";
import { apiServerRuleErrors, K8sObject, loadModels, schemaErrors, waypointErrors } from "./istioSchemaRules";

const MESH_GROUPS = /^kubernetes:(networking\.istio\.io|security\.istio\.io|telemetry\.istio\.io|gateway\.networking\.k8s\.io)\//;

/** The Istio objects a run creates, as the API server would receive them. */
function meshObjects(run: ProgramRun): K8sObject[] {
    return run.resources.filter((r) => MESH_GROUPS.test(r.type)).map((r) => ({
        apiVersion: r.inputs.apiVersion,
        kind: r.inputs.kind,
        metadata: r.inputs.metadata,
        spec: r.inputs.spec,
    }));
}

function ambient(stack: string): Promise<ProgramRun> {
    const config = readStackConfig(stack);
    return runProgram({ ...config, stack: `${stack}-ambient`, config: { ...config.config, "meshstack:environment": stack, "meshstack:mesh.mode": "ambient" } });
}

const kinds = (objects: K8sObject[]) => [...new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`))].sort();

const ISTIO_KINDS = [
    "networking.istio.io/v1/DestinationRule",
    "networking.istio.io/v1/Gateway",
    "networking.istio.io/v1/ServiceEntry",
    "networking.istio.io/v1/VirtualService",
    "networking.istio.io/v1alpha3/EnvoyFilter",
    "security.istio.io/v1/AuthorizationPolicy",
    "security.istio.io/v1/PeerAuthentication",
    "security.istio.io/v1/RequestAuthentication",
    "telemetry.istio.io/v1/Telemetry",
];

describe("emitted Istio objects against Istio's CRD schemas", function () {
    this.timeout(120_000);
    let models: Awaited<ReturnType<typeof loadModels>>;
    const runs: Record<string, K8sObject[]> = {};

    before(async () => {
        models = await loadModels();
        runs.dev = meshObjects(await evaluateStackFile("dev"));
        runs.prod = meshObjects(await evaluateStackFile("prod"));
        runs["dev-ambient"] = meshObjects(await ambient("dev"));
        runs["prod-ambient"] = meshObjects(await ambient("prod"));
    });

    it("the sample stacks emit every kind: sidecar stacks with Sidecar scoping, ambient ones with waypoints", () => {
        assert.deepStrictEqual(kinds(runs.dev), [...ISTIO_KINDS.slice(0, 4), "networking.istio.io/v1/Sidecar", ...ISTIO_KINDS.slice(4)].sort());
        assert.deepStrictEqual(kinds(runs.prod), kinds(runs.dev));
        assert.deepStrictEqual(kinds(runs["prod-ambient"]), ["gateway.networking.k8s.io/v1/Gateway", ...ISTIO_KINDS].sort());
        assert.deepStrictEqual(kinds(runs["dev-ambient"]), kinds(runs["prod-ambient"]));
    });

    for (const stack of ["dev", "prod", "dev-ambient", "prod-ambient"]) {
        it(`${stack}: every object validates against its schema and the rules the schema omits`, () => {
            const objects = runs[stack];
            assert.ok(objects.length >= 25, `only ${objects.length} objects`);
            const problems = objects.flatMap((o) => {
                const errors = o.apiVersion === "gateway.networking.k8s.io/v1" ? waypointErrors(o) : [...schemaErrors(models, o), ...apiServerRuleErrors(o)];
                return errors.map((e) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${e}`);
            });
            assert.deepStrictEqual(problems, []);
        });
    }

    describe("the validators themselves reject what the API server rejects", () => {
        const pa = (spec: object): K8sObject => ({ apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name: "x", namespace: "y" }, spec });

        it("schema: an unknown mTLS mode", () => {
            const errors = schemaErrors(models, pa({ mtls: { mode: "STRICTEST" } }));
            assert.strictEqual(errors.length, 1);
            assert.match(errors[0], /spec\/mtls\/mode must be equal to one of the allowed values/);
        });

        it("schema: a DestinationRule without host", () => {
            const errors = schemaErrors(models, { apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "x", namespace: "y" }, spec: {} });
            assert.match(errors[0], /data\/spec must have required property host/);
        });

        it("schema: the egress gateway's mTLS server mode and tcp routes are checked, not ignored", () => {
            const gateway = (mode: string): K8sObject => ({
                apiVersion: "networking.istio.io/v1", kind: "Gateway", metadata: { name: "x", namespace: "y" },
                spec: { selector: { istio: "egressgateway" }, servers: [{ port: { number: 443, name: "tls", protocol: "TLS" }, hosts: ["a.example.com"], tls: { mode } }] },
            });
            assert.deepStrictEqual(schemaErrors(models, gateway("ISTIO_MUTUAL")), []);
            assert.match(schemaErrors(models, gateway("ISTIO_MTLS"))[0], /spec\/servers\/0\/tls\/mode must be equal to one of the allowed values/);
            const tcp = (route: object): K8sObject => ({
                apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "x", namespace: "y" },
                spec: { hosts: ["a.example.com"], tcp: [{ match: [{ gateways: ["y/x"], port: 443 }], route: [route] }] },
            });
            assert.deepStrictEqual(schemaErrors(models, tcp({ destination: { host: "a.example.com", port: { number: 443 } } })), []);
            assert.match(schemaErrors(models, tcp({ destination: { port: { number: 443 } } }))[0], /tcp\/0\/route\/0\/destination must have required property host/);
        });

        it("CEL: portLevelMtls without a selector, and a port out of range", () => {
            assert.deepStrictEqual(apiServerRuleErrors(pa({ portLevelMtls: { "70000": { mode: "DISABLE" } } })), [
                "spec: portLevelMtls requires selector",
                "spec.portLevelMtls: port must be between 1-65535",
            ]);
            assert.deepStrictEqual(apiServerRuleErrors(pa({ selector: { matchLabels: { app: "a" } }, portLevelMtls: { "8443": { mode: "PERMISSIVE" } } })), []);
        });

        it("CEL: selector and targetRefs together, durations under 1ms, duplicate ServiceEntry ports", () => {
            assert.deepStrictEqual(apiServerRuleErrors({
                apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name: "x", namespace: "y" },
                spec: { selector: { matchLabels: { app: "a" } }, targetRefs: [{ kind: "Service", group: "", name: "a" }] },
            }), ["spec: only one of targetRefs or selector can be set"]);
            assert.deepStrictEqual(apiServerRuleErrors({
                apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "x", namespace: "y" },
                spec: { hosts: ["a"], http: [{ name: "r", timeout: "0s", route: [{ destination: { host: "a" } }] }] },
            }), ["spec.http[0].timeout: must be a valid duration greater than 1ms (0s)"]);
            assert.deepStrictEqual(apiServerRuleErrors({
                apiVersion: "networking.istio.io/v1", kind: "ServiceEntry", metadata: { name: "x", namespace: "y" },
                spec: { hosts: ["*"], ports: [{ number: 443, name: "a", protocol: "TLS" }, { number: 443, name: "b", protocol: "TLS" }] },
            }), ["spec.hosts[]: hostname cannot be wildcard", "spec.ports: port number cannot be duplicated"]);
        });
    });
});
