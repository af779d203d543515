import { fqdn, principal } from "../../components/policy/context";
import { requestFor } from "../../components/demo/plan";
import { DEMO } from "../../components/demo/workloads";
import { OBSERVABILITY_NAMESPACE } from "../../components/names";
import { loadSettings, Settings } from "../../settings";
import { ISTIO_DEMO_JWT } from "../../versions";
import { HELM_RELEASE } from "../graph";
import { ProgramRun } from "../mockRuntime";
import { StackConfig } from "../stackConfig";

/** What smoke checks on a deployed stack, read from the stack's program (evaluated offline) and its settings. */
export interface SmokeTarget {
    readonly context?: string;
    readonly releases: readonly { name: string; namespace: string }[];
    readonly namespaces: readonly string[];
    readonly demo: boolean;
    /** A service per STRICT namespace, probed in plaintext from outside the mesh. */
    readonly strict: readonly { namespace: string; url: string }[];
    /** The exposed service smoke calls through the ingress gateway. */
    readonly entry?: {
        readonly service: string;
        readonly namespace: string;
        readonly host: string;
        readonly path: string;
        readonly method: string;
        readonly headers: Readonly<Record<string, string>>;
        readonly tokenUrl?: string;
    };
    readonly gateway: { readonly namespace: string; readonly service: string };
    readonly ruleGroups: readonly string[];
}

export function smokeTarget(run: ProgramRun, settings: Settings): SmokeTarget {
    const releases = run.resources.filter((r) => r.type === HELM_RELEASE).map((r) => ({ name: r.inputs.name as string, namespace: r.inputs.namespace as string }));
    const gatewayRelease = releases.find((r) => r.name === "istio-ingressgateway")!;
    const app = settings.app;
    const strictNamespaces = app.namespaces
        .filter((ns) => (ns.mtlsMode ?? settings.meshPolicy.mtlsMode) === "STRICT")
        .map((ns) => ns.name);
    const strict = strictNamespaces.flatMap((ns) => {
        const svc = app.services.find((s) => s.namespace === ns);
        return svc ? [{ namespace: ns, url: `http://${fqdn(svc.name, ns)}:${svc.port}/` }] : [];
    });
    const exposed = app.services.find((s) => s.expose !== undefined);
    const gatewaySa = principal(gatewayRelease.namespace, gatewayRelease.name);
    const entry = exposed && (() => {
        const r = requestFor(gatewaySa, gatewayRelease.namespace, exposed);
        return {
            service: exposed.name, namespace: exposed.namespace, host: exposed.expose!.host, path: r.path, method: r.method, headers: r.headers,
            tokenUrl: exposed.requireJwt && settings.meshPolicy.jwt.some((j) => j.issuer === ISTIO_DEMO_JWT.issuer) ? ISTIO_DEMO_JWT.url : undefined,
        };
    })();
    const ruleGroups = run.resources
        .filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
        .flatMap((r) => ((r.inputs.spec?.groups ?? []) as { name: string }[]).map((g) => g.name));
    const namespaces = [...new Set([...releases.map((r) => r.namespace), OBSERVABILITY_NAMESPACE, ...app.namespaces.map((n) => n.name),
        ...(settings.firstHour.demo ? [DEMO.loadNamespace] : [])])];
    return {
        context: run.outputs.kubeContext as string | undefined,
        releases, namespaces, demo: settings.firstHour.demo, strict, entry,
        gateway: { namespace: gatewayRelease.namespace, service: gatewayRelease.name },
        ruleGroups,
    };
}

/** A stack file's settings, read and validated as the program reads them. */
export function stackSettings(config: StackConfig): Settings {
    const strip = (k: string) => k.slice(k.indexOf(":") + 1);
    return loadSettings({
        values: Object.fromEntries(Object.entries(config.config).filter(([k]) => k.startsWith("meshstack:")).map(([k, v]) => [strip(k), v])),
        secretKeys: new Set(config.secretKeys.map(strip)),
    }, config.project, config.stack);
}
