import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { StackValidationPolicy, ResourceValidationPolicy } from "@pulumi/policy";
import { ISTIO_NAMESPACE, TRACING_PROVIDER_NAME } from "../components/names";
import { allPolicies } from "../policies/rules";
import { DEFAULT_ROOT_NAMESPACE } from "../policies/rules/istio";
import { DEFAULT_TRACING_PROVIDER } from "../policies/rules/sampling";
import { UNKNOWN_SENTINEL, unwrap } from "../tools/checkInput";
import { effectiveLevel, runPolicies, validatePackConfig } from "../tools/policyRunner";
import { compliantMesh, istio, istiod, K8S_PROVIDER_URN, MESH_URN, meshTelemetry, release, strictMesh, withResources, without } from "./fixtures/resources";
import { report } from "./fixtures/run";

const configFile = (env: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policies", "config", `${env}.json`), "utf8"));

describe("check: the policy runner", () => {
    it("the pack's own defaults mirror the program's shared names", () => {
        assert.strictEqual(DEFAULT_ROOT_NAMESPACE, ISTIO_NAMESPACE);
        assert.strictEqual(DEFAULT_TRACING_PROVIDER, TRACING_PROVIDER_NAME);
    });

    it("every policy has a configSchema, and prod.json spells out exactly the defaults (no config file = production rules)", () => {
        const prod = configFile("prod");
        assert.deepStrictEqual(Object.keys(prod), allPolicies.map((p) => p.name));
        for (const p of allPolicies) {
            assert.ok(p.configSchema, p.name);
            const defaults = Object.fromEntries(Object.entries(p.configSchema!.properties).map(([k, s]) => [k, (s as { default?: unknown }).default]));
            assert.deepStrictEqual({ ...prod[p.name] }, { enforcementLevel: p.enforcementLevel, ...defaults }, p.name);
        }
    });

    it("dev.json and prod.json are valid pack configs; bad configs are refused with the reason", () => {
        assert.deepStrictEqual(validatePackConfig(configFile("dev")), []);
        assert.deepStrictEqual(validatePackConfig(configFile("prod")), []);
        assert.deepStrictEqual(validatePackConfig({
            "mesh-wide-mtls": "mandatory",
            "no-permissive-mtls": { enforcementLevel: "strict", exceptions: ["Shop_Default"] },
            "mesh-wide-trace-sampling": { maxPercent: 150, minPct: 1 },
            "helm-chart-pinned": 3,
            all: "advisory",
        }), [
            `"mesh-wide-mtls" is not a policy of pack meshstack; policies: ${allPolicies.map((p) => p.name).join(", ")}`,
            "\"no-permissive-mtls\" enforcement level \"strict\" is not supported; use one of: advisory, mandatory, remediate, disabled",
            "\"no-permissive-mtls.exceptions\" [\"Shop_Default\"] has an item \"Shop_Default\" that does not match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
            "\"mesh-wide-trace-sampling.maxPercent\" 150 is above the maximum 100",
            "\"mesh-wide-trace-sampling.minPct\" is not a setting of this policy; settings: rootNamespace, minPercent, maxPercent",
            "\"helm-chart-pinned\" must be an enforcement level or an object, not 3",
        ]);
    });

    it("resolves levels like the CLI: the policy's config, then `all`, then the policy's own, then the pack's", () => {
        const mtls = allPolicies.find((p) => p.name === "mesh-wide-mtls-strict")!;
        assert.strictEqual(effectiveLevel(mtls, {}), "mandatory");
        assert.strictEqual(effectiveLevel(mtls, { all: "advisory" }), "advisory");
        assert.strictEqual(effectiveLevel(mtls, { all: "advisory", "mesh-wide-mtls-strict": { enforcementLevel: "mandatory" } }), "mandatory");
        assert.strictEqual(effectiveLevel(mtls, { "mesh-wide-mtls-strict": "disabled" }), "disabled");
        assert.strictEqual(effectiveLevel({ name: "x", description: "x", validateStack: () => undefined } as StackValidationPolicy, {}), "advisory");
    });

    it("skips disabled policies and reports remediate as mandatory", async () => {
        const resources = without(strictMesh().urn, meshTelemetry().urn);
        const lines = await report(resources, { "mesh-wide-mtls-strict": "disabled", "mesh-wide-trace-sampling": "remediate" });
        assert.deepStrictEqual(lines.map((l) => l.split(":")[0]), ["mandatory mesh-wide-trace-sampling (stack)"]);
        const run = await runPolicies(resources, { "mesh-wide-mtls-strict": "disabled" });
        assert.strictEqual(run.levels["mesh-wide-mtls-strict"], undefined);
        assert.strictEqual(run.levels["no-permissive-mtls"], "mandatory");
    });

    it("hands stack policies outputs with parent and dependencies resolved, and resource policies inputs with the provider", async () => {
        const component = { urn: MESH_URN, type: "meshstack:mesh:IstioMesh", name: "mesh", custom: false, dependencies: [], protect: false, inputs: {}, outputs: {} };
        const provider = { ...component, urn: K8S_PROVIDER_URN, type: "pulumi:providers:kubernetes", name: "cluster-k8s", custom: true, inputs: { namespace: "" }, outputs: { namespace: "" } };
        const pa = { ...strictMesh(), dependencies: [istiod().urn] };
        const seen: string[] = [];
        const stackProbe: StackValidationPolicy = {
            name: "probe-stack", description: "probe", validateStack: (args) => {
                const r = args.resources.find((x) => x.urn === pa.urn)!;
                seen.push(`stack parent=${r.parent?.name} deps=${r.dependencies.map((d) => d.name)} uid=${r.props.metadata.uid}`);
            },
        };
        const resourceProbe: ResourceValidationPolicy = {
            name: "probe-resource", description: "probe", validateResource: (args) => {
                if (args.urn === pa.urn) seen.push(`resource parent=${args.opts.parent === MESH_URN} uid=${args.props.metadata.uid} provider=${args.provider?.type} cfg=${JSON.stringify(args.getConfig())}`);
            },
        };
        await runPolicies([component, provider, istiod(), pa], { "probe-resource": { enforcementLevel: "advisory", k: 1 } }, [stackProbe, resourceProbe]);
        assert.deepStrictEqual(seen, [
            "stack parent=mesh deps=istiod uid=uid-default",
            "resource parent=true uid=undefined provider=pulumi:providers:kubernetes cfg={\"k\":1}",
        ]);
    });

    it("does not crash on preview unknowns: rules skip what they cannot know, other objects are still checked", async () => {
        const unknownMode = istio("PeerAuthentication", "istio-system", "default", { mtls: { mode: UNKNOWN_SENTINEL } });
        const unknownNamespace = istio("PeerAuthentication", UNKNOWN_SENTINEL, "default", { mtls: { mode: "PERMISSIVE" } });
        const unknownSpec = istio("Telemetry", "istio-system", "mesh-default", UNKNOWN_SENTINEL);
        const unknownValues = release("istiod", "istiod", UNKNOWN_SENTINEL as unknown as Record<string, unknown>, { version: UNKNOWN_SENTINEL });
        const unknownPercent = istio("Telemetry", "shop", "shop-tracing", { tracing: [{ randomSamplingPercentage: UNKNOWN_SENTINEL }] });
        const unknownHost = istio("DestinationRule", "shop", "cart", { host: UNKNOWN_SENTINEL, trafficPolicy: { tls: { mode: "DISABLE" } } });
        const stillWrong = istio("PeerAuthentication", "shop", "open", { selector: { matchLabels: { app: "open" } }, mtls: { mode: "PERMISSIVE" } });
        const lines = await report(withResources(unknownMode, unknownNamespace, unknownSpec, unknownValues, unknownPercent, unknownHost, stillWrong));
        assert.deepStrictEqual(lines.map((l) => l.split(":")[0]), ["mandatory no-permissive-mtls shop-open"]);
    });

    it("reports a policy that reads an unknown through the SDK proxy as advisory, like the CLI", async () => {
        const naive: ResourceValidationPolicy = {
            name: "naive", description: "reads props directly", enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => {
                if (args.props.spec?.mtls?.mode === "PERMISSIVE") reportViolation("permissive");
            },
        };
        const resources = [istio("PeerAuthentication", "shop", "x", { mtls: { mode: UNKNOWN_SENTINEL } })];
        const run = await runPolicies(resources, {}, [naive]);
        assert.deepStrictEqual(run.violations, [{
            policy: "naive", level: "advisory", urn: resources[0].urn,
            message: "can't run policy 'naive' from policy pack 'meshstack' during preview: string value at .spec.mtls.mode can't be known during preview",
        }]);
    });

    it("unwraps secrets: mock and plaintext values are read, ciphertext becomes unknown", () => {
        const sig = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
        const counter = { encrypted: 0, secrets: new Set<string>() };
        assert.deepStrictEqual(unwrap({
            a: { ...sig, value: { mode: "STRICT" } },
            b: [{ ...sig, plaintext: "{\"traceSampling\":100}" }],
            c: { ...sig, ciphertext: "v1:abc" },
        }, counter), { a: { mode: "STRICT" }, b: [{ traceSampling: 100 }], c: UNKNOWN_SENTINEL });
        assert.strictEqual(counter.encrypted, 1);
        assert.deepStrictEqual([...counter.secrets].sort(), ["100", "STRICT"], "every plaintext secret value is remembered for redaction");
    });

    it("a secret istiod values block is checked once decrypted", async () => {
        const sig = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
        const secretValues = istiod({}, { traceSampling: 50 });
        const wrapped = { ...secretValues, inputs: unwrap({ ...secretValues.inputs, values: { ...sig, plaintext: JSON.stringify(secretValues.inputs.values) } }, { encrypted: 0, secrets: new Set() }) as Record<string, unknown> };
        const lines = await report(withResources(wrapped));
        assert.deepStrictEqual(lines.map((l) => l.split(":")[0]), ["mandatory istiod-sampling-bounds istiod"]);
    });

    it("keeps the compliant mesh clean under both environment configs", async () => {
        assert.deepStrictEqual(await report(compliantMesh(), configFile("prod")), []);
        assert.deepStrictEqual(await report(compliantMesh(), configFile("dev")), []);
    });
});
