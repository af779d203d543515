import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { listStacks, readStackConfig, REPO_ROOT } from "../tools/stackConfig";

const workflow = (name: string) => parse(fs.readFileSync(path.join(REPO_ROOT, ".github", "workflows", name), "utf8"));
const runs = (job: any): string[] => job.steps.filter((s: any) => s.run).map((s: any) => s.run);
const pulumiStep = (job: any) => job.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));

interface MatrixEntry {
    readonly stack: string;
    readonly config: string;
}

const WORKFLOW = ".github/workflows/pull-request.yml";
const line = (e: MatrixEntry) => `          - { stack: ${e.stack}, config: ${e.config} }`;

/**
 * The PR workflow's matrix of a job must list exactly the stack files, in file-name order. A failure names the
 * stack files and the workflow lines to add or remove, since the cause is usually a new (or stray) stack file.
 */
export function matrixProblems(job: string, actual: readonly MatrixEntry[], expected: readonly MatrixEntry[]): string[] {
    const key = (e: MatrixEntry) => JSON.stringify([e.stack, e.config]);
    const have = new Set(actual.map(key));
    const want = new Set(expected.map(key));
    const missing = expected.filter((e) => !have.has(key(e)));
    const extra = actual.filter((e) => !want.has(key(e)));
    const problems = missing.map((e) => `Pulumi.${e.stack}.yaml is not in ${WORKFLOW} jobs.${job}.strategy.matrix.include; add the line\n${line(e)}\n`
        + `  (config is the stack's meshstack:environment, else its name), or delete Pulumi.${e.stack}.yaml if it is not a stack of this repository (e.g. one left by pulumi stack init)`);
    problems.push(...extra.map((e) => `${WORKFLOW} jobs.${job}.strategy.matrix.include has\n${line(e)}\n  but there is no Pulumi.${e.stack}.yaml with that environment; remove the line or fix it to match the stack file`));
    if (problems.length === 0 && actual.map(key).join() !== expected.map(key).join()) {
        problems.push(`${WORKFLOW} jobs.${job}.strategy.matrix.include lists the stacks out of order; list them by stack file name:\n${expected.map(line).join("\n")}`);
    }
    return problems;
}

function assertMatrix(job: string, actual: readonly MatrixEntry[], expected: readonly MatrixEntry[]): void {
    const problems = matrixProblems(job, actual, expected);
    if (problems.length > 0) assert.fail(problems.join("\n"));
}

describe("check: CI workflows", () => {
    it("a stack file missing from the PR matrix is named with the workflow line to add", () => {
        const dev = { stack: "dev", config: "dev" };
        const qa = { stack: "qa", config: "staging" };
        assert.deepStrictEqual(matrixProblems("check", [dev], [dev, qa]), [
            "Pulumi.qa.yaml is not in .github/workflows/pull-request.yml jobs.check.strategy.matrix.include; add the line\n"
            + "          - { stack: qa, config: staging }\n"
            + "  (config is the stack's meshstack:environment, else its name), or delete Pulumi.qa.yaml if it is not a stack of this repository (e.g. one left by pulumi stack init)",
        ]);
        assert.deepStrictEqual(matrixProblems("preview", [dev, qa], [dev]), [
            ".github/workflows/pull-request.yml jobs.preview.strategy.matrix.include has\n          - { stack: qa, config: staging }\n"
            + "  but there is no Pulumi.qa.yaml with that environment; remove the line or fix it to match the stack file",
        ]);
        assert.deepStrictEqual(matrixProblems("check", [qa, dev], [dev, qa]), [
            ".github/workflows/pull-request.yml jobs.check.strategy.matrix.include lists the stacks out of order; list them by stack file name:\n"
            + "          - { stack: dev, config: dev }\n          - { stack: qa, config: staging }",
        ]);
        assert.deepStrictEqual(matrixProblems("check", [dev, qa], [dev, qa]), []);
    });

    it("pull requests run npm ci, npm test, the offline check and a commented preview with the pack for every stack", () => {
        const pr = workflow("pull-request.yml");
        assert.deepStrictEqual(pr.on, { pull_request: { branches: ["main"] } });
        assert.deepStrictEqual(runs(pr.jobs.test), ["npm ci", "npm test"]);
        // Every stack file is checked and previewed, with the policy config of its environment.
        const expected = listStacks().map((stack) => ({ stack, config: readStackConfig(stack).config["meshstack:environment"] ?? stack }));
        for (const job of ["check", "preview"]) {
            assertMatrix(job, pr.jobs[job].strategy.matrix.include, expected);
        }
        assert.deepStrictEqual(runs(pr.jobs.check), ["npm ci", "npm run check -- --stack ${{ matrix.stack }} --policy-pack-config policies/config/${{ matrix.config }}.json"]);
        assert.deepStrictEqual(pulumiStep(pr.jobs.preview).with, {
            command: "preview", "stack-name": "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}", "github-token": "${{ secrets.GITHUB_TOKEN }}", policyPacks: "policies",
            policyPackConfigs: "policies/config/${{ matrix.config }}.json", "comment-on-pr": true, "edit-pr-comment": true,
        });
        assert.strictEqual(pr.jobs.preview.permissions["pull-requests"], "write");
    });

    it("main deploys each environment with the pack enforced, prod behind the production environment's approval", () => {
        const deploy = workflow("deploy.yml");
        assert.deepStrictEqual(deploy.on, { push: { branches: ["main"] } });
        assert.deepStrictEqual(runs(deploy.jobs.test), ["npm ci", "npm test", "npm run check -- --stack dev", "npm run check -- --stack prod"]);
        // Deploys go per environment; dev-ambient is a laptop variant of dev and is deployed by hand.
        for (const stack of ["dev", "prod"]) {
            const job = deploy.jobs[stack];
            assert.strictEqual(job.environment, stack === "prod" ? "production" : stack);
            assert.deepStrictEqual([pulumiStep(job).with.command, pulumiStep(job).with.policyPacks, pulumiStep(job).with.policyPackConfigs],
                ["up", "policies", `policies/config/${stack}.json`]);
            assert.ok(runs(job).includes("npm ci --prefix policies"), stack);
        }
        assert.deepStrictEqual(deploy.jobs.prod.needs, ["test", "dev"]);
    });
});
