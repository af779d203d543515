import { ChildProcess, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as http from "http";
import { JAEGER, KIALI, LOKI, PROMETHEUS } from "../components/observability/names";
import { DEMO } from "../components/demo/workloads";
import { OBSERVABILITY_NAMESPACE } from "../components/names";
import { runProgram } from "./mockRuntime";
import { readStackConfig } from "./stackConfig";
import {
    checkGateway, checkKiali, checkLogs, checkMetrics, checkPods, checkReleases, checkRules, checkStrictMtls, checkTrace, CHECKS,
    CheckName, CheckResult, renderResult, skip,
} from "./smoke/checks";
import { SmokeTarget, smokeTarget, stackSettings } from "./smoke/target";

/**
 * `npm run smoke -- --stack <name>`: proves on the live cluster of a deployed stack that the mesh works end to
 * end. It needs that cluster, kubectl and the kube context of the stack; it reads what to expect from the stack's
 * program evaluated offline (like `plan`). One line per check; exit 1 when any fails.
 */

export const USAGE = `usage: npm run smoke -- --stack <name> [--wait <seconds>]

Checks a deployed stack on its live cluster (kubectl with the stack's kube context, port-forwards to the UIs'
HTTP APIs). It needs the cluster: nothing here is simulated. One line per check, PASS, FAIL (with what to look
at) or SKIP (with why); exit 1 when any check fails. --wait bounds how long the telemetry checks wait for data
to arrive (default 120 s).

Checks, in order:
${CHECKS.map(([name, what]) => `  ${name.padEnd(9)}${what}`).join("\n")}
`;

export function parseSmokeArgs(argv: readonly string[]): { stack: string; waitSeconds: number } | "help" {
    let stack: string | undefined;
    let waitSeconds = 120;
    for (let n = 0; n < argv.length; n++) {
        const a = argv[n];
        if (a === "--help" || a === "-h") return "help";
        if (a === "--stack" && argv[n + 1] && !argv[n + 1].startsWith("--")) stack = argv[++n];
        else if (a === "--wait" && /^\d+$/.test(argv[n + 1] ?? "")) waitSeconds = Number(argv[++n]);
        else throw new Error(`unknown or incomplete argument ${a}; ${USAGE.split("\n")[0]}`);
    }
    if (stack === undefined) throw new Error(`--stack is required; ${USAGE.split("\n")[0]}`);
    return { stack, waitSeconds };
}

class Kube {
    constructor(private readonly context: string | undefined) {}
    private args(a: string[]): string[] {
        return this.context ? ["--context", this.context, ...a] : a;
    }
    json(a: string[]): any {
        const r = spawnSync("kubectl", this.args([...a, "-o", "json"]), { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        if (r.status !== 0) throw new Error(`kubectl ${a.join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`);
        return JSON.parse(r.stdout);
    }
    exec(a: string[]): { exitCode: number; output: string } {
        const r = spawnSync("kubectl", this.args(a), { encoding: "utf8", timeout: 30_000 });
        return { exitCode: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
    }
    /** `kubectl port-forward svc/<service> :<port>`: kubectl picks a free laptop port, which we read back. */
    portForward(namespace: string, service: string, port: number): Promise<{ port: number; child: ChildProcess }> {
        const child = spawn("kubectl", this.args(["-n", namespace, "port-forward", `svc/${service}`, `:${port}`]), { stdio: ["ignore", "pipe", "pipe"] });
        return new Promise((resolve, reject) => {
            let err = "";
            const timer = setTimeout(() => { child.kill(); reject(new Error(`port-forward to ${namespace}/${service} did not start: ${err.trim()}`)); }, 20_000);
            child.stdout.on("data", (d: Buffer) => {
                const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(d.toString());
                if (m) { clearTimeout(timer); resolve({ port: Number(m[1]), child }); }
            });
            child.stderr.on("data", (d: Buffer) => { err += d.toString(); });
            child.on("exit", () => { clearTimeout(timer); reject(new Error(`port-forward to ${namespace}/${service} exited: ${err.trim()}`)); });
        });
    }
}

function request(url: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers, timeout: 15_000 }, (res) => {
            let body = "";
            res.on("data", (d: Buffer) => { body += d.toString(); });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error(`${url} timed out`)));
        req.on("error", reject);
        req.end();
    });
}

async function getJson(url: string): Promise<any> {
    const r = await request(url);
    if (r.status !== 200) throw new Error(`${url} answered ${r.status}: ${r.body.slice(0, 200)}`);
    return JSON.parse(r.body);
}

/** Polls until the check passes or the time is up; the last verdict stands. */
async function eventually(check: CheckName, waitSeconds: number, attempt: () => Promise<CheckResult>): Promise<CheckResult> {
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
        const r = await attempt().catch((e: Error): CheckResult => ({ check, verdict: "FAIL", detail: e.message, lookAt: "the port-forward and the UI's pod" }));
        if (r.verdict !== "FAIL" || Date.now() > deadline) return r;
        await new Promise((res) => setTimeout(res, 5000));
    }
}

export async function runChecks(t: SmokeTarget, waitSeconds: number, print: (r: CheckResult) => void): Promise<CheckResult[]> {
    const kube = new Kube(t.context);
    const results: CheckResult[] = [];
    const forwards: ChildProcess[] = [];
    const record = (r: CheckResult) => { results.push(r); print(r); };
    const guarded = async (check: CheckName, f: () => Promise<CheckResult> | CheckResult) => {
        try {
            record(await f());
        } catch (e) {
            record({ check, verdict: "FAIL", detail: (e as Error).message, lookAt: "kubectl and the stack's kube context" });
        }
    };
    // One port-forward per service for the whole run, started on first use.
    const started = new Map<string, Promise<string>>();
    const forward = (namespace: string, service: string, port: number): Promise<string> => {
        const key = `${namespace}/${service}:${port}`;
        if (!started.has(key)) {
            started.set(key, kube.portForward(namespace, service, port).then((f) => {
                forwards.push(f.child);
                return `http://127.0.0.1:${f.port}`;
            }));
        }
        return started.get(key)!;
    };
    try {
        await guarded("releases", () => checkReleases(t.releases, kube.json(["get", "secrets", "-A", "-l", "owner=helm"])));
        await guarded("pods", () => checkPods(t.namespaces, kube.json(["get", "pods", "-A"])));
        await guarded("mtls", () => t.demo
            ? checkStrictMtls(t.strict.map((s) => ({
                ...s, ...kube.exec(["-n", DEMO.loadNamespace, "exec", `deploy/${DEMO.loadgen}`, "--", "python3", `${DEMO.mountPath}/${DEMO.script}`, "probe", s.url]),
            })))
            : skip("mtls", "demo.enabled is false: the probe runs from the demo's load generator"));

        const entry = t.entry;
        if (entry === undefined) {
            for (const c of ["gateway", "trace", "logs", "metrics", "kiali"] as const) record(skip(c, "the stack exposes no service through the ingress gateway"));
        } else {
            const traceId = randomBytes(16).toString("hex");
            await guarded("gateway", async () => {
                const gw = await forward(t.gateway.namespace, t.gateway.service, 80);
                const token = entry.tokenUrl ? await fetchText(entry.tokenUrl) : undefined;
                const headers: Record<string, string> = {
                    ...entry.headers, host: entry.host, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
                    ...(token ? { authorization: `Bearer ${token}` } : {}),
                };
                const r = await request(`${gw}${entry.path}`, { method: entry.method, headers }).catch(() => undefined);
                return checkGateway(`${entry.method} http://${entry.host}${entry.path} (through the gateway)`, r?.status, r?.body ?? "");
            });
            const ui = (service: string, port: number) => forward(OBSERVABILITY_NAMESPACE, service, port);
            record(await eventually("trace", waitSeconds, async () =>
                checkTrace(traceId, await getJson(`${await ui(JAEGER.service, JAEGER.ui)}/api/traces/${traceId}`).catch(() => undefined))));
            const since = (Date.now() - 15 * 60_000) * 1e6;
            const logQuery = encodeURIComponent(`{namespace=~".+"} |= "${traceId}"`);
            record(await eventually("logs", waitSeconds, async () =>
                checkLogs(traceId, await getJson(`${await ui(LOKI.service, LOKI.port)}/loki/api/v1/query_range?query=${logQuery}&start=${since}&limit=50`))));
            const metric = encodeURIComponent(`sum(istio_requests_total{destination_service_name="${entry.service}",destination_service_namespace="${entry.namespace}"})`);
            record(await eventually("metrics", waitSeconds, async () =>
                checkMetrics(entry.service, await getJson(`${await ui(PROMETHEUS.service, PROMETHEUS.port)}/api/v1/query?query=${metric}`))));
            const graph = `${KIALI.webRoot}/api/namespaces/graph?namespaces=${t.gateway.namespace},${entry.namespace}&graphType=app&duration=10m`;
            record(await eventually("kiali", waitSeconds, async () =>
                checkKiali({ namespace: t.gateway.namespace, app: t.gateway.service }, { namespace: entry.namespace, app: entry.service }, await getJson(`${await ui(KIALI.service, KIALI.port)}${graph}`))));
        }
        await guarded("rules", async () => checkRules(t.ruleGroups, await getJson(`${await forward(OBSERVABILITY_NAMESPACE, PROMETHEUS.service, PROMETHEUS.port)}/api/v1/rules`)));
    } finally {
        forwards.forEach((c) => c.kill());
    }
    return results;
}

async function fetchText(url: string): Promise<string> {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url} answered ${r.status}`);
    return (await r.text()).trim();
}

async function main(): Promise<void> {
    let args: ReturnType<typeof parseSmokeArgs>;
    try {
        args = parseSmokeArgs(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(2);
    }
    if (args === "help") {
        process.stdout.write(USAGE);
        return;
    }
    const config = readStackConfig(args.stack);
    const settings = stackSettings(config);
    const target = smokeTarget(await runProgram(config), settings);
    process.stdout.write(`meshstack smoke: stack ${args.stack}, context ${target.context ?? "(current)"}\n`);
    const results = await runChecks(target, args.waitSeconds, (r) => process.stdout.write(`${renderResult(r)}\n`));
    const failed = results.filter((r) => r.verdict === "FAIL").length;
    process.stdout.write(`${results.length} checks: ${results.length - failed} passed or skipped, ${failed} failed\n`);
    process.exit(failed > 0 ? 1 : 0);
}

if (require.main === module) {
    main().catch((e) => {
        process.stderr.write(`${e?.stack ?? e}\n`);
        process.exit(1);
    });
}
