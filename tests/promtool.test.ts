import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { ProgramRun } from "../tools/mockRuntime";
import { listStacks, readStackConfig } from "../tools/stackConfig";
import { DeclaredSlo, meshAlertCases, promtoolTests, RuleCase, RuleGroup, SLO_STEP_MINUTES, sloCases } from "./fixtures/ruleTests";
import { evaluateStackFile, ofType } from "./harness";

/**
 * Every PrometheusRule the program emits for each sample stack, checked and unit-tested by the real promtool
 * (Debian's prometheus package; .ci/run installs it). In CI a missing promtool fails; elsewhere it skips, loudly.
 */
interface Result { readonly status: number | null; readonly output: string }

function promtool(args: string[], cwd: string): Result {
    const r = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** promtool in the background: the stacks' unit tests (seconds of CPU each) run side by side. */
function promtoolAsync(args: string[], cwd: string): Promise<Result> {
    return new Promise((resolve) => {
        const child = spawn("promtool", args, { cwd });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.on("close", (status) => resolve({ status, output }));
    });
}

const promtoolFound = spawnSync("promtool", ["--version"]).status === 0;

/** The SLOs a stack file declares, read from the file itself. */
function declaredSlos(stack: string): DeclaredSlo[] {
    const raw = readStackConfig(stack).config["meshstack:services"];
    const services = raw === undefined ? [] : JSON.parse(raw) as { name: string; namespace: string; slo?: Omit<DeclaredSlo, "name" | "namespace"> }[];
    return services.flatMap((s) => (s.slo ? [{ name: s.name, namespace: s.namespace, ...s.slo }] : []));
}

/** A stack's rule files in a temp dir, the cases written for promtool, and promtool's verdict on them. */
interface Prepared {
    readonly run: ProgramRun;
    readonly dir: string;
    readonly files: string[];
    readonly groups: RuleGroup[];
    readonly cases: RuleCase[];
    readonly unitTests: Promise<Result>;
}

async function prepare(stack: string): Promise<Prepared> {
    const run = await evaluateStackFile(stack);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `meshstack-rules-${stack}-`));
    const rules = ofType(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    const files = rules.map((r) => {
        const file = `${r.inputs.metadata.name}.yaml`;
        fs.writeFileSync(path.join(dir, file), stringify({ groups: r.inputs.spec.groups }));
        return file;
    });
    const groups = rules.flatMap((r) => r.inputs.spec.groups as RuleGroup[]);
    const ambient = readStackConfig(stack).config["meshstack:mesh.mode"] === "ambient";
    // The ambient stack spells bucket bounds as Prometheus 3 stores them (250.0), the others as Envoy exposes them.
    const le = (bound: number) => (ambient && Number.isInteger(bound) ? bound.toFixed(1) : String(bound));
    const meshCases = meshAlertCases(ambient);
    const sloRuleCases = declaredSlos(stack).flatMap((slo) => sloCases(slo, ambient ? "waypoint" : "destination", le));
    fs.writeFileSync(path.join(dir, "mesh-tests.yaml"), stringify(promtoolTests(files, groups, meshCases, 1)));
    fs.writeFileSync(path.join(dir, "slo-tests.yaml"), stringify(promtoolTests(files, groups, sloRuleCases, SLO_STEP_MINUTES)));
    const unitTests = promtoolAsync(["test", "rules", "mesh-tests.yaml", ...(sloRuleCases.length > 0 ? ["slo-tests.yaml"] : [])], dir);
    return { run, dir, files, groups, cases: [...meshCases, ...sloRuleCases], unitTests };
}

describe("alert and recording rules under promtool", function () {
    this.timeout(300_000);
    const prepared = new Map<string, Prepared>();

    before(async function () {
        if (!promtoolFound) {
            if (process.env.CI === "true") throw new Error("promtool is not installed: .ci/run installs it with apt-get (Debian package prometheus)");
            console.log("      SKIPPED: promtool not found; `apt-get install prometheus` to check and unit-test the alert rules");
            this.skip();
        }
        for (const stack of listStacks()) prepared.set(stack, await prepare(stack));
    });

    after(async () => {
        for (const p of prepared.values()) {
            await p.unitTests;
            fs.rmSync(p.dir, { recursive: true, force: true });
        }
    });

    for (const stack of listStacks()) {
        describe(`stack ${stack}`, () => {
            const get = () => prepared.get(stack) as Prepared;

            it("emits the mesh alerts, and the SLO rules when a service declares an SLO", () => {
                const expected = declaredSlos(stack).length > 0 ? ["mesh-alerts.yaml", "slo-rules.yaml"] : ["mesh-alerts.yaml"];
                assert.deepStrictEqual(get().files, expected);
            });

            it("every rule file passes promtool check rules", () => {
                const { dir, files, groups } = get();
                const r = promtool(["check", "rules", ...files], dir);
                assert.strictEqual(r.status, 0, r.output);
                for (const file of files) {
                    const count = groups.filter((g) => fs.readFileSync(path.join(dir, file), "utf8").includes(`name: ${g.name}\n`)).flatMap((g) => g.rules).length;
                    assert.ok(r.output.includes(`Checking ${file}\n  SUCCESS: ${count} rules found`), r.output);
                }
            });

            it("the SLO dashboard's queries parse as PromQL", () => {
                const { run, dir } = get();
                const dashboard = run.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name === "observability-dashboard-slo");
                if (dashboard === undefined) {
                    assert.deepStrictEqual(declaredSlos(stack), [], "a stack with SLOs has the dashboard");
                    return;
                }
                const exprs: string[] = JSON.parse(dashboard.inputs.data["slo.json"]).panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
                const file = "slo-dashboard-queries.yaml";
                fs.writeFileSync(path.join(dir, file), stringify({ groups: [{ name: "dashboard", rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] }));
                const r = promtool(["check", "rules", file], dir);
                assert.strictEqual(r.status, 0, r.output);
                assert.ok(r.output.includes(`SUCCESS: ${exprs.length} rules found`), r.output);
            });

            it("every alert fires on series that should page and stays silent on series that should not", async () => {
                const { groups, cases, unitTests } = get();
                for (const rule of groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined)) {
                    const severity = rule.labels?.severity;
                    const checks = cases.flatMap((c) => c.checks).filter((c) => c.alert === rule.alert);
                    assert.ok(checks.some((c) => c.expect.some((e) => e.severity === undefined || e.severity === severity)), `no case makes ${rule.alert} (${severity}) fire`);
                    assert.ok(checks.some((c) => c.expect.every((e) => e.severity !== undefined && e.severity !== severity)), `no case keeps ${rule.alert} (${severity}) silent`);
                }
                const r = await unitTests;
                assert.strictEqual(r.status, 0, r.output);
                assert.ok(r.output.includes("SUCCESS"), r.output);
            });
        });
    }
});
