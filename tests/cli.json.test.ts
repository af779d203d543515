import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { fromWhereTyped } from "../tools/check";
import { npmBannerNote } from "../tools/npmBanner";
import { REPO_ROOT } from "../tools/stackConfig";

/** Every `npm run ... --json` command line the README documents, as written there. */
function documentedJsonLines(): string[] {
    return fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8").split("\n")
        .map((line) => line.split(" #")[0].trim())
        .filter((line) => line.startsWith("npm run") && / --json\b/.test(line.split("|")[0]));
}

/** A user's shell: none of the npm_* variables `npm test` sets for this process. */
function userEnv(): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
}

function sh(line: string) {
    return spawnSync("bash", ["-o", "pipefail", "-c", line], { cwd: REPO_ROOT, encoding: "utf8", env: userEnv(), timeout: 120_000 });
}

describe("machine-readable output, as the README documents it", () => {
    const lines = documentedJsonLines();

    it("documents plan --json and check --json for a stack and for a file", () => {
        assert.deepStrictEqual(lines.map((l) => l.split("|")[0].trim()), [
            "npm run --silent plan -- --stack dev --json",
            "npm run --silent check -- --stack prod --json",
            "npm run --silent check -- --file tests/fixtures/prod-export.json --json",
            "npm run --silent check -- --stack dev --json",
        ]);
    });

    for (const line of lines) {
        const command = line.split("|")[0].trim();
        it(`${command} prints JSON alone on stdout`, () => {
            const result = sh(command);
            assert.strictEqual(result.stderr, "");
            const doc = JSON.parse(result.stdout);
            if (command.includes(" plan ")) {
                assert.deepStrictEqual([result.status, doc.stack, Object.keys(doc)], [0, "dev", ["stack", "resources", "outputs"]]);
            } else {
                assert.strictEqual(result.status, doc.summary.exitCode);
                assert.deepStrictEqual(Object.keys(doc.summary), ["mandatory", "advisory", "resources", "exitCode"]);
            }
        });
    }

    it("the documented jq pipelines run as written", function () {
        if (spawnSync("jq", ["--version"]).status !== 0) {
            console.log("      SKIPPED: jq is not installed here; the JSON.parse tests above still ran every documented command");
            this.skip();
        }
        for (const line of lines) {
            const result = sh(line);
            assert.deepStrictEqual([result.status, result.stderr], [0, ""], line);
            assert.match(result.stdout, /^(\d+|\{[\s\S]*\})\n$/, line);
        }
    });

    it("reads a relative --file from the directory npm was run in", () => {
        assert.strictEqual(fromWhereTyped("../export.json", { INIT_CWD: "/repo/tools" }, "/repo"), path.resolve("/repo/export.json"));
        assert.strictEqual(fromWhereTyped("export.json", { INIT_CWD: "/repo" }, "/repo"), "export.json");
        assert.strictEqual(fromWhereTyped("/tmp/export.json", { INIT_CWD: "/repo/tools" }, "/repo"), "/tmp/export.json");
        assert.strictEqual(fromWhereTyped("export.json", {}, "/repo"), "export.json");
    });

    it("without --silent, npm's banner on stdout is explained on stderr", () => {
        const npm = { npm_lifecycle_event: "plan", npm_package_name: "meshstack", npm_package_version: "0.1.0" };
        assert.strictEqual(npmBannerNote("plan", npm),
            "note: npm printed its \"> meshstack@0.1.0 plan\" banner on stdout ahead of this JSON; to pipe the JSON alone, run npm run --silent plan -- ...");
        assert.strictEqual(npmBannerNote("plan", { ...npm, npm_config_loglevel: "silent" }), undefined);
        assert.strictEqual(npmBannerNote("plan", {}), undefined);
    });
});
