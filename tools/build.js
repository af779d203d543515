"use strict";
/**
 * Runs before every `npm run plan|check|bench`: transpiles each TypeScript source of the program and tools that
 * changed since its JavaScript in bin/ was written, so the tools start without a TypeScript compiler and an edit is
 * never run stale. Per-file transpiling does not type-check; `npm test` does. Nothing goes to stdout, so `--json`
 * output stays parseable.
 */
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "bin");
/** What the tools load: the program (index.ts and what it imports), the tools and the policy rules they run. */
const DIRS = ["components", "settings", "tools", path.join("policies", "rules")];

/** Files under the program's directories (node_modules excluded) whose names pass the test. */
function filesUnder(dirs, test) {
    const found = [];
    const walk = (dir) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory() && entry.name !== "node_modules") walk(file);
            else if (entry.isFile() && test(entry.name)) found.push(file);
        }
    };
    for (const dir of dirs) walk(path.join(ROOT, dir));
    return found;
}

function sources() {
    const isSource = (name) => name.endsWith(".ts") && !name.endsWith(".d.ts");
    return [...fs.readdirSync(ROOT).filter((f) => f.endsWith(".ts")).map((f) => path.join(ROOT, f)), ...filesUnder(DIRS, isSource)];
}

const outputOf = (file) => path.join(OUT, path.relative(ROOT, file).replace(/\.ts$/, ".js"));
const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : -1);
const stale = sources().filter((file) => mtime(file) > mtime(outputOf(file)));

if (stale.length > 0) {
    const ts = require("typescript");
    const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
    const { options } = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, ROOT);
    const compilerOptions = { ...options, sourceMap: false, noEmit: false };
    for (const file of stale) {
        const { outputText, diagnostics } = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions, fileName: file, reportDiagnostics: true });
        if (diagnostics.length > 0) {
            process.stderr.write(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" }));
            process.exit(2);
        }
        fs.mkdirSync(path.dirname(outputOf(file)), { recursive: true });
        fs.writeFileSync(outputOf(file), outputText);
    }
}

// Files the program reads beside its modules (the demo server's source) go to bin/ with them.
const ASSETS = [".py"];
for (const file of filesUnder(DIRS, (name) => ASSETS.includes(path.extname(name)))) {
    const target = path.join(OUT, path.relative(ROOT, file));
    if (mtime(file) > mtime(target)) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(file, target);
    }
}
