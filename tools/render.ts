import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { DEFAULT_KUBERNETES_VERSION, gatewayApiCrdsUrl, KIND_NODE_IMAGE } from "../versions";
import { cacheDir, CachedChart, ChartCacheError, locateChart, locateGatewayApiCrds } from "./chartCache";
import { HELM_RELEASE, releaseWaves } from "./graph";
import { findHelm, HelmMissingError, helmVersion, runHelm } from "./helmBinary";
import { ProgramRun, RecordedResource } from "./mockRuntime";
import { evaluateOrExit, maskSecrets, SECRET_SIG } from "./plan";
import { REPO_ROOT } from "./stackConfig";

/**
 * `npm run render -- --stack <name>`: renders every Helm release of a stack with a real Helm binary, from the
 * chart cache at the pinned versions, with the values exactly as the program passes them (the offline evaluation
 * `plan` runs), the release name and namespace and the stack's Kubernetes version, and writes the manifests per
 * release next to the program's own Kubernetes objects.
 */

export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [key: string]: any;
}

export interface RenderedRelease {
    readonly name: string;
    readonly chart: string;
    readonly version: string;
    readonly namespace: string;
    readonly values: Record<string, unknown>;
    readonly chartPath: string;
    /** The API versions the cluster offers when this release installs (CRDs of earlier waves included). */
    readonly apiVersions: readonly string[];
    readonly objects: K8sObject[];
    /** Set when the cached chart declares another version than the pin. */
    readonly note?: string;
}

export interface RenderedStack {
    readonly stack: string;
    readonly kubeVersion: string;
    readonly helm: string;
    readonly releases: RenderedRelease[];
    /** Manifests the program applies from files (the Gateway API CRDs in ambient mode). */
    readonly files: { readonly name: string; readonly objects: K8sObject[] }[];
    /** The program's own Kubernetes objects (namespaces, Istio policies, monitors, secrets masked). */
    readonly program: K8sObject[];
    readonly run: ProgramRun;
}

/** The value behind Pulumi's secret wrapper, at any depth (helm must see the value the release would get). */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value !== null && typeof value === "object") {
        if (SECRET_SIG in value) return unwrapSecrets((value as Record<string, unknown>).value);
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** The Kubernetes version the stack's cluster runs: the kind node image, the managed cluster's setting, or the default. */
export function kubeVersionOf(run: ProgramRun): string {
    const has = (type: string) => run.resources.find((r) => r.type === type);
    const full = (v: string) => (/^\d+\.\d+$/.test(v) ? `${v}.0` : v);
    const kind = run.resources.some((r) => r.type === "command:local:Command" && /\bkind create cluster\b/.test(String(r.inputs.create ?? "")));
    if (kind) return /:v(\d+\.\d+\.\d+)/.exec(KIND_NODE_IMAGE)![1];
    const eks = has("aws:eks/cluster:Cluster");
    if (eks?.inputs.version) return full(eks.inputs.version);
    const aks = has("azure-native:containerservice:ManagedCluster");
    if (aks?.inputs.kubernetesVersion) return full(aks.inputs.kubernetesVersion);
    return full(DEFAULT_KUBERNETES_VERSION);
}

const TYPE = /^kubernetes:([^:]+):(.+)$/;

/** A recorded Kubernetes resource as the object the provider applies; undefined for Helm, YAML and provider resources. */
export function programObject(r: RecordedResource): K8sObject | undefined {
    const m = TYPE.exec(r.type);
    if (!m || r.type === HELM_RELEASE || m[1].startsWith("yaml/") || m[1].startsWith("helm.sh/") || r.type.startsWith("pulumi:")) return undefined;
    const apiVersion = m[1] === "core/v1" ? "v1" : m[1];
    const inputs = maskSecrets(r.inputs) as Record<string, any>;
    return { ...inputs, apiVersion, kind: m[2], metadata: { name: r.name, ...inputs.metadata } };
}

export function parseManifests(text: string, source: string): K8sObject[] {
    const objects: K8sObject[] = [];
    for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0].message}`);
        const value = doc.toJS({ maxAliasCount: -1 });
        if (value === null || value === undefined) continue;
        if (value.kind === "List" && Array.isArray(value.items)) objects.push(...value.items);
        else objects.push(value);
    }
    return objects;
}

/** API group/versions every cluster serves, as `helm template` assumes them too. */
function crdApiVersions(objects: readonly K8sObject[]): string[] {
    return objects.filter((o) => o.kind === "CustomResourceDefinition").flatMap((crd) =>
        (crd.spec?.versions ?? []).filter((v: any) => v.served !== false).flatMap((v: any) =>
            [`${crd.spec.group}/${v.name}`, `${crd.spec.group}/${v.name}/${crd.spec.names?.kind}`]));
}

export interface RenderOptions {
    readonly cache: string;
    readonly helm: string;
    /** Renders at once (the machine's cores by default). */
    readonly parallel?: number;
}

export interface TemplateArgs {
    readonly release: string;
    readonly chartPath: string;
    readonly namespace: string;
    readonly kubeVersion: string;
    readonly apiVersions: readonly string[];
    readonly values: Record<string, unknown>;
}

/** `helm template` of one release with the given values; the values go through a file, exactly as given. */
export async function helmTemplate(helm: string, args: TemplateArgs): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-values-"));
    const file = path.join(dir, "values.json");
    try {
        fs.writeFileSync(file, JSON.stringify(args.values));
        return await runHelm(helm, [
            "template", args.release, args.chartPath, "--namespace", args.namespace, "--kube-version", args.kubeVersion,
            // Pulumi's Release installs hooks but never runs `helm test`: test pods are not part of the stack.
            "--include-crds", "--skip-tests", "--values", file, ...args.apiVersions.flatMap((v) => ["--api-versions", v]),
        ]);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export async function renderStack(run: ProgramRun, opts: RenderOptions): Promise<RenderedStack> {
    const kubeVersion = kubeVersionOf(run);
    const files: RenderedStack["files"] = [];
    if (run.resources.some((r) => r.type === "kubernetes:yaml/v2:ConfigFile" && r.inputs.file === gatewayApiCrdsUrl)) {
        const file = locateGatewayApiCrds(opts.cache);
        files.push({ name: path.basename(file), objects: parseManifests(fs.readFileSync(file, "utf8"), file) });
    }
    const available = crdApiVersions(files.flatMap((f) => f.objects));
    const releases: RenderedRelease[] = [];
    for (const wave of releaseWaves(run.resources)) {
        const rendered = await inParallel(wave, opts.parallel ?? Math.max(1, os.cpus().length), async (r) => {
            const { name, chart, version, namespace } = r.inputs as Record<string, string>;
            const cached: CachedChart = locateChart(opts.cache, { chart, version });
            const values = unwrapSecrets(r.inputs.values ?? {}) as Record<string, unknown>;
            const apiVersions = [...available];
            const text = await helmTemplate(opts.helm, { release: name, chartPath: cached.path, namespace, kubeVersion, apiVersions, values })
                .catch((e: Error) => { throw new Error(`helm template of release ${name} (chart ${chart} ${version}) failed: ${e.message}`); });
            return {
                name, chart, version, namespace, values, chartPath: cached.path, apiVersions,
                objects: parseManifests(text, `release ${name}`),
                ...(cached.chartVersion !== version ? { note: `the cache holds chart version ${cached.chartVersion} for the pin ${version}` } : {}),
            };
        });
        releases.push(...rendered);
        available.push(...crdApiVersions(rendered.flatMap((r) => r.objects)));
    }
    const program = run.resources.map(programObject).filter((o): o is K8sObject => o !== undefined);
    return { stack: run.stack, kubeVersion, helm: opts.helm, releases, files, program, run };
}

/** Maps items through f with at most `limit` running at once, keeping their order. */
export async function inParallel<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const n = next++;
            results[n] = await f(items[n]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

export const DEFAULT_OUT = path.join(REPO_ROOT, ".render");

function toYaml(objects: readonly K8sObject[]): string {
    return objects.map((o) => `---\n${JSON.stringify(o, null, 1)}\n`).join("");
}

/** Writes `<out>/<stack>/<release>.yaml` per release, the applied files and `program.yaml`; returns the paths. */
export function writeRendered(stack: RenderedStack, out: string): string[] {
    const dir = path.join(out, stack.stack);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    const write = (name: string, objects: readonly K8sObject[]) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, toYaml(objects));
        written.push(file);
    };
    for (const r of stack.releases) write(`${r.name}.yaml`, r.objects);
    for (const f of stack.files) write(f.name, f.objects);
    write("program.yaml", stack.program);
    return written;
}

export interface RenderCliArgs {
    readonly stack: string;
    readonly cache?: string;
    readonly out?: string;
}

export class RenderUsageError extends Error {}

/** Strict arguments, shared by render and verify: `--stack <name> [--cache DIR] [--out DIR]`. */
export function parseRenderArgs(argv: readonly string[], usage: string, allowed: readonly string[] = ["--stack", "--cache", "--out"]): RenderCliArgs {
    const found: Record<string, string> = {};
    for (let n = 0; n < argv.length; n++) {
        const eq = argv[n].indexOf("=");
        const [flag, inline] = argv[n].startsWith("--") && eq > 0 ? [argv[n].slice(0, eq), argv[n].slice(eq + 1)] : [argv[n], undefined];
        if (!allowed.includes(flag)) throw new RenderUsageError(`unknown argument ${flag}; ${usage}`);
        const value = inline ?? argv[++n];
        if (!value || value.startsWith("--")) throw new RenderUsageError(`${flag} needs a value; ${usage}`);
        if (flag in found) throw new RenderUsageError(`${flag} is given twice; ${usage}`);
        found[flag] = value;
    }
    if (!found["--stack"]) throw new RenderUsageError(`--stack is required; ${usage}`);
    return { stack: found["--stack"], cache: found["--cache"], out: found["--out"] };
}

/** Evaluates and renders a stack for a CLI; usage, cache and Helm problems exit 2 with one line. */
export async function renderForCli(args: RenderCliArgs): Promise<RenderedStack> {
    let helm: string;
    try {
        helm = findHelm().path;
    } catch (e) {
        if (e instanceof HelmMissingError) exit2(e.message);
        throw e;
    }
    const run = await evaluateOrExit(args.stack);
    try {
        return await renderStack(run, { cache: cacheDir(args.cache), helm });
    } catch (e) {
        if (e instanceof ChartCacheError) exit2(e.message);
        throw e;
    }
}

function exit2(message: string): never {
    process.stderr.write(`${message}\n`);
    process.exit(2);
}

export function summary(stack: RenderedStack): string[] {
    const width = Math.max(...stack.releases.map((r) => r.name.length));
    return [
        `meshstack render: stack ${stack.stack}, Kubernetes ${stack.kubeVersion}, ${helmVersion(stack.helm)} (${stack.helm})`,
        ...stack.releases.map((r) => `  ${r.name.padEnd(width)}  ${r.chart}@${r.version}  ns=${r.namespace}  ${r.objects.length} objects${r.note ? `  (note: ${r.note})` : ""}`),
        ...stack.files.map((f) => `  ${f.name}  ${f.objects.length} objects`),
        `  program's own objects: ${stack.program.length}`,
    ];
}

const USAGE = "usage: npm run render -- --stack <name> [--cache DIR] [--out DIR]";

async function main(): Promise<void> {
    let args: RenderCliArgs;
    try {
        args = parseRenderArgs(process.argv.slice(2), USAGE);
    } catch (e) {
        exit2((e as Error).message);
    }
    const stack = await renderForCli(args);
    const written = writeRendered(stack, path.resolve(args.out ?? DEFAULT_OUT));
    process.stdout.write(`${[...summary(stack), `  wrote ${written.length} files to ${path.dirname(written[0])}`].join("\n")}\n`);
}

if (require.main === module) {
    main().catch((e) => {
        process.stderr.write(`${e?.stack ?? e}\n`);
        process.exit(1);
    });
}
