import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { allPolicies } from "../policies/rules";
import { CheckResource, UNKNOWN_SENTINEL } from "../tools/checkInput";
import { runPolicies } from "../tools/policyRunner";
import { REPO_ROOT } from "../tools/stackConfig";
import { deployment, istio, meshTelemetry, strictMesh, without } from "./fixtures/resources";

/**
 * The pack as the Pulumi CLI runs it: policies/index.ts in its own process, serving CrossGuard's
 * analyzer over gRPC. These tests talk to it like the engine does and compare with the offline runner.
 */
const grpc = require("@grpc/grpc-js");
const analyzer = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];

function call<T>(client: any, method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
}

function options(r: CheckResource) {
    const o = new analyzer.AnalyzerResourceOptions();
    o.setProtect(r.protect);
    if (r.parent) o.setParent(r.parent);
    return o;
}

interface Diag { policy: string; level: string; urn?: string; message: string }

function diagnostics(res: any, descriptions: Map<string, string>): Diag[] {
    return res.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname(),
        level: LEVELS[d.getEnforcementlevel()],
        ...(d.getUrn() ? { urn: d.getUrn() } : {}),
        // The SDK prefixes each message with the policy's description.
        message: d.getMessage().slice(descriptions.get(d.getPolicyname())!.length + 1),
    }));
}

describe("policies: the pack served over gRPC, as the CLI runs it", function () {
    this.timeout(30000);
    let pack: ChildProcess;
    let client: any;
    const descriptions = new Map(allPolicies.map((p) => [p.name, p.description]));

    before(async () => {
        pack = spawn(process.execPath, ["-r", "ts-node/register", "index.ts"], { cwd: path.join(REPO_ROOT, "policies"), stdio: ["ignore", "pipe", "pipe"] });
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            pack.stdout!.on("data", (d) => {
                out += d;
                if (/^\d+\n/.test(out)) resolve(out.trim());
            });
            pack.on("exit", (code) => reject(new Error(`the pack exited with ${code}`)));
        });
        client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill();
    });

    it("announces every policy with its level and config schema", async () => {
        const info: any = await call(client, "getAnalyzerInfo", new Empty());
        assert.strictEqual(info.getName(), "meshstack");
        assert.strictEqual(info.getVersion(), "0.1.0");
        assert.deepStrictEqual(info.getPoliciesList().map((p: any) => [p.getName(), LEVELS[p.getEnforcementlevel()], Object.keys(p.getConfigschema().getProperties().toJavaScript()).sort().join(",")]),
            allPolicies.map((p) => [p.name, p.enforcementLevel, Object.keys(p.configSchema!.properties).sort().join(",")]));
    });

    it("reports on a stack exactly what the offline check reports", async () => {
        const resources = [...without(strictMesh().urn, meshTelemetry().urn), meshTelemetry(100), istio("PeerAuthentication", "shop", "open", { mtls: { mode: "PERMISSIVE" } })];
        const request = new analyzer.AnalyzeStackRequest();
        request.setResourcesList(resources.map((r) => {
            const a = new analyzer.AnalyzerResource();
            a.setType(r.type).setUrn(r.urn).setName(r.name).setProperties(Struct.fromJavaScript(r.outputs)).setOptions(options(r)).setDependenciesList(r.dependencies);
            if (r.parent) a.setParent(r.parent);
            return a;
        }));
        const served = diagnostics(await call(client, "analyzeStack", request), descriptions);
        const offline = (await runPolicies(resources)).violations.filter((v) => allPolicies.find((p) => p.name === v.policy && "validateStack" in p));
        assert.deepStrictEqual(served, offline);
        assert.deepStrictEqual(served.map((d) => d.policy), ["mesh-wide-mtls-strict", "no-permissive-mtls", "one-peer-authentication-per-namespace", "one-peer-authentication-per-namespace", "mesh-wide-trace-sampling"]);
    });

    it("reports on one resource's inputs exactly what the offline check reports, and survives preview unknowns", async () => {
        const analyze = async (r: CheckResource) => {
            const request = new analyzer.AnalyzeRequest();
            request.setType(r.type).setUrn(r.urn).setName(r.name).setProperties(Struct.fromJavaScript(r.inputs)).setOptions(options(r));
            return diagnostics(await call(client, "analyze", request), descriptions);
        };
        const weak = deployment("cart", "shop", "nginx:latest");
        const offline = (await runPolicies([weak])).violations.filter((v) => allPolicies.find((p) => p.name === v.policy && "validateResource" in p));
        // The engine, not the analyzer, attaches the resource's URN to a resource policy's diagnostics.
        assert.deepStrictEqual(await analyze(weak), offline.map(({ urn: _urn, ...v }) => v));
        assert.strictEqual(offline.length, 1);
        const unknown = deployment("cart", "shop", UNKNOWN_SENTINEL);
        assert.deepStrictEqual(await analyze(unknown), []);
    });
});
