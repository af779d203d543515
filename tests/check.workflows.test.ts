import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { listStacks, readStackConfig, REPO_ROOT } from "../tools/stackConfig";

const workflow = (name: string) => parse(fs.readFileSync(path.join(REPO_ROOT, ".github", "workflows", name), "utf8"));
const runs = (job: any): string[] => job.steps.filter((s: any) => s.run).map((s: any) => s.run);
const pulumiStep = (job: any) => job.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));

describe("check: CI workflows", () => {
    it("pull requests run npm ci, npm test, the offline check and a commented preview with the pack for every stack", () => {
        const pr = workflow("pull-request.yml");
        assert.deepStrictEqual(pr.on, { pull_request: { branches: ["main"] } });
        assert.deepStrictEqual(runs(pr.jobs.test), ["npm ci", "npm test"]);
        // Every stack file is checked and previewed, with the policy config of its environment.
        const expected = listStacks().map((stack) => ({ stack, config: readStackConfig(stack).config["meshstack:environment"] ?? stack }));
        assert.deepStrictEqual(pr.jobs.check.strategy.matrix.include, expected);
        assert.deepStrictEqual(runs(pr.jobs.check), ["npm ci", "npm run check -- --stack ${{ matrix.stack }} --policy-pack-config policies/config/${{ matrix.config }}.json"]);
        assert.deepStrictEqual(pr.jobs.preview.strategy.matrix.include, expected);
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
