import * as assert from "assert";
import { spawnSync } from "child_process";
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
function promtool(args: string[], cwd: string): { status: number | null; output: string } {
    const r = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

const promtoolFound = spawnSync("promtool", ["--version"]).status === 0;

/** The SLOs a stack file declares, read from the file itself. */
function declaredSlos(stack: string): DeclaredSlo[] {
    const raw = readStackConfig(stack).config["meshstack:services"];
    const services = raw === undefined ? [] : JSON.parse(raw) as { name: string; namespace: string; slo?: Omit<DeclaredSlo, "name" | "namespace"> }[];
    return services.flatMap((s) => (s.slo ? [{ name: s.name, namespace: s.namespace, ...s.slo }] : []));
}

describe("alert and recording rules under promtool", function () {
    this.timeout(300_000);

    before(function () {
        if (promtoolFound) return;
        if (process.env.CI === "true") throw new Error("promtool is not installed: .ci/run installs it with apt-get (Debian package prometheus)");
        console.log("      SKIPPED: promtool not found; `apt-get install prometheus` to check and unit-test the alert rules");
        this.skip();
    });

    for (const stack of listStacks()) {
        describe(`stack ${stack}`, () => {
            let dir: string;
            let files: string[];
            let groups: RuleGroup[];
            let run: ProgramRun;

            before(async () => {
                run = await evaluateStackFile(stack);
                dir = fs.mkdtempSync(path.join(os.tmpdir(), `meshstack-rules-${stack}-`));
                const rules = ofType(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
                files = rules.map((r) => {
                    const file = `${r.inputs.metadata.name}.yaml`;
                    fs.writeFileSync(path.join(dir, file), stringify({ groups: r.inputs.spec.groups }));
                    return file;
                });
                groups = rules.flatMap((r) => r.inputs.spec.groups as RuleGroup[]);
            });

            after(() => fs.rmSync(dir, { recursive: true, force: true }));

            it("emits the mesh alerts, and the SLO rules when a service declares an SLO", () => {
                const expected = declaredSlos(stack).length > 0 ? ["mesh-alerts.yaml", "slo-rules.yaml"] : ["mesh-alerts.yaml"];
                assert.deepStrictEqual(files, expected);
            });

            it("every rule file passes promtool check rules", () => {
                const r = promtool(["check", "rules", ...files], dir);
                assert.strictEqual(r.status, 0, r.output);
                for (const file of files) {
                    const count = groups.filter((g) => fs.readFileSync(path.join(dir, file), "utf8").includes(`name: ${g.name}\n`)).flatMap((g) => g.rules).length;
                    assert.ok(r.output.includes(`Checking ${file}\n  SUCCESS: ${count} rules found`), r.output);
                }
            });

            it("the SLO dashboard's queries parse as PromQL", () => {
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

            it("every alert fires on series that should page and stays silent on series that should not", () => {
                const ambient = readStackConfig(stack).config["meshstack:mesh.mode"] === "ambient";
                // The ambient stack spells bucket bounds as Prometheus 3 stores them (250.0), the others as Envoy exposes them.
                const le = (bound: number) => (ambient && Number.isInteger(bound) ? bound.toFixed(1) : String(bound));
                const meshCases = meshAlertCases(ambient);
                const sloCases_ = declaredSlos(stack).flatMap((slo) => sloCases(slo, ambient ? "waypoint" : "destination", le));
                const cases: RuleCase[] = [...meshCases, ...sloCases_];
                for (const rule of groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined)) {
                    const severity = rule.labels?.severity;
                    const checks = cases.flatMap((c) => c.checks).filter((c) => c.alert === rule.alert);
                    assert.ok(checks.some((c) => c.expect.some((e) => e.severity === undefined || e.severity === severity)), `no case makes ${rule.alert} (${severity}) fire`);
                    assert.ok(checks.some((c) => c.expect.every((e) => e.severity !== undefined && e.severity !== severity)), `no case keeps ${rule.alert} (${severity}) silent`);
                }
                fs.writeFileSync(path.join(dir, "mesh-tests.yaml"), stringify(promtoolTests(files, groups, meshCases, 1)));
                fs.writeFileSync(path.join(dir, "slo-tests.yaml"), stringify(promtoolTests(files, groups, sloCases_, SLO_STEP_MINUTES)));
                const r = promtool(["test", "rules", "mesh-tests.yaml", ...(sloCases_.length > 0 ? ["slo-tests.yaml"] : [])], dir);
                assert.strictEqual(r.status, 0, r.output);
                assert.ok(r.output.includes("SUCCESS"), r.output);
            });
        });
    }
});
