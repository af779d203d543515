import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { REPO_ROOT } from "../tools/stackConfig";

/** The e2e workflow cannot run here; this keeps it consistent with the scripts it calls. */
describe("e2e workflow (.github/workflows/e2e.yml)", () => {
    const workflow = parse(fs.readFileSync(path.join(REPO_ROOT, ".github", "workflows", "e2e.yml"), "utf8"));
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
    const steps: any[] = workflow.jobs.kind.steps;
    const runs = steps.filter((s) => s.run).map((s) => s.run as string);

    it("runs on pull requests to main that touch the program, with read-only permissions", () => {
        assert.deepStrictEqual(Object.keys(workflow.on), ["pull_request"]);
        assert.deepStrictEqual(workflow.on.pull_request.branches, ["main"]);
        for (const p of ["index.ts", "components/**", "settings/**", "scripts/**", "Pulumi.dev.yaml"]) assert.ok(workflow.on.pull_request.paths.includes(p), p);
        assert.deepStrictEqual(workflow.permissions, { contents: "read" });
    });

    it("deploys with dev:up, runs smoke on the dev stack, and always runs dev:down last", () => {
        const npm = steps.filter((s) => /^npm /.test(s.run ?? "")).map((s) => ({ run: s.run, if: s.if }));
        assert.deepStrictEqual(npm, [
            { run: "npm ci", if: undefined },
            { run: "npm run dev:up", if: undefined },
            { run: "npm run smoke -- --stack dev", if: undefined },
            { run: "npm run dev:down", if: "always()" },
        ]);
        assert.strictEqual(steps[steps.length - 1].run, "npm run dev:down");
    });

    it("every `npm run X` it uses is a package.json script, and every file those scripts run exists", () => {
        const used = runs.flatMap((r) => [...r.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]));
        assert.deepStrictEqual(used, ["dev:up", "smoke", "dev:down"]);
        for (const name of used) {
            const script: string | undefined = pkg.scripts[name];
            assert.ok(script, `package.json has no script ${name}`);
            // Compiled tools run bin/<path>.js, built from <path>.ts by tools/build.js first.
            const compiled = /^node tools\/build\.js && node bin\/(\S+)\.js$/.exec(script)?.[1];
            const file = compiled ? `${compiled}.ts` : /^(?:bash|ts-node) (\S+)$/.exec(script)?.[1];
            assert.ok(file && fs.existsSync(path.join(REPO_ROOT, file)), `${name} runs ${script}, whose file must exist`);
        }
        // The files dev:up and dev:down source, and the line the kind install step reads the version from.
        assert.ok(fs.existsSync(path.join(REPO_ROOT, "scripts", "prereqs.sh")));
        assert.match(fs.readFileSync(path.join(REPO_ROOT, "versions.ts"), "utf8"), /^export const KIND_VERSION = "v\d+\.\d+\.\d+";$/m);
    });

    it("the smoke step names the stack dev:up deploys, and the failure diagnostics use its kube context", () => {
        assert.match(fs.readFileSync(path.join(REPO_ROOT, "scripts", "dev-up.sh"), "utf8"), /^STACK="\$\{STACK:-dev\}"$/m);
        assert.ok(runs.some((r) => r.includes("kubectl --context kind-meshstack-dev get pods -A")));
        assert.strictEqual(steps.find((s) => String(s.uses).startsWith("pulumi/actions@")).with, undefined, "no command: the action only installs the CLI");
    });
});
