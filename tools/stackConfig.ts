import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** The key table, loaded only for an encrypted value: the settings modules load the whole Pulumi SDK. */
function specOf(key: string) {
    const { allKeys } = require("../settings") as typeof import("../settings");
    return allKeys.find((s) => s.key === key);
}

/** The directory holding Pulumi.yaml and the stack files, whether this runs from tools/ or compiled in bin/tools/. */
export const REPO_ROOT = [path.resolve(__dirname, ".."), path.resolve(__dirname, "..", "..")]
    .find((dir) => fs.existsSync(path.join(dir, "Pulumi.yaml"))) ?? path.resolve(__dirname, "..");

/** Stack config as the Pulumi CLI hands it to the program: namespaced keys, string values. */
export interface StackConfig {
    readonly stack: string;
    readonly project: string;
    readonly config: Record<string, string>;
    readonly secretKeys: string[];
}

export class StackFileError extends Error {}

/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI does for a program: project defaults,
 * then stack values; keys without a namespace belong to the project; non-string values become JSON.
 * Encrypted values cannot be read offline: they become a marked placeholder, still flagged secret.
 */
export function readStackConfig(stack: string, root = REPO_ROOT): StackConfig {
    const projectFile = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name: string; config?: Record<string, any> };
    const project = projectFile.name;
    const stackPath = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackPath)) {
        throw new StackFileError(`no stack file ${path.basename(stackPath)}; stacks here: ${listStacks(root).join(", ") || "none"}`);
    }
    const fileName = path.basename(stackPath);
    let stackFile: unknown;
    const text = fs.readFileSync(stackPath, "utf8");
    try {
        stackFile = parse(text);
    } catch (e) {
        throw new StackFileError(yamlProblem(fileName, text, e as Error));
    }
    if (stackFile !== null && !isMap(stackFile)) {
        throw new StackFileError(`${fileName} must be a YAML map with a config: section`);
    }
    const stackConfig = (stackFile as { config?: unknown } | null)?.config ?? {};
    if (!isMap(stackConfig)) {
        throw new StackFileError(`config: in ${fileName} must be a map of setting keys to values`);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const fullKey = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
    for (const [key, decl] of Object.entries(projectFile.config ?? {})) {
        const value = typeof decl === "object" && decl !== null ? decl.value ?? decl.default : decl;
        if (value !== undefined) config[fullKey(key)] = toConfigString(value);
    }
    for (const [key, value] of Object.entries(stackConfig)) {
        if (isSecure(value)) {
            const spec = specOf(fullKey(key).replace(`${project}:`, ""));
            if (fullKey(key).startsWith(`${project}:`) && spec && !spec.secret) {
                throw new StackFileError(`${fullKey(key)} is encrypted in ${fileName}; the offline plan cannot decrypt it. `
                    + `Keep settings that are not secrets in plaintext (pulumi config set ${key.replace(/^[^:]*:/, "")} <value>)`);
            }
            config[fullKey(key)] = `plan-placeholder-for-secure-${key}`;
            secretKeys.push(fullKey(key));
        } else {
            config[fullKey(key)] = toConfigString(value);
        }
    }
    return { stack, project, config, secretKeys };
}

export function listStacks(root = REPO_ROOT): string[] {
    return fs.readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** The parser's first line; for a repeated key, the key itself, which the parser's message leaves out. */
function yamlProblem(fileName: string, text: string, e: Error & { code?: string; pos?: [number, number]; linePos?: [{ line: number }] }): string {
    if (e.code === "DUPLICATE_KEY" && e.pos && e.linePos) {
        const key = /^(.*?):(\s|$)/.exec(text.slice(e.pos[0]).split("\n")[0])?.[1];
        if (key) return `${fileName} sets ${key} twice (line ${e.linePos[0].line}); keep one of them`;
    }
    return `${fileName} is not valid YAML: ${e.message.split("\n")[0]}`;
}

function isMap(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && "secure" in value;
}

function toConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}
