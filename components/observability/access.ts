import { Cluster, INGRESS_NODE_PORTS } from "../cluster";
import { OBSERVABILITY_NAMESPACE } from "../names";
import { ObservabilitySettings } from "../../settings";
import { ALERTMANAGER, fqdn, GRAFANA, JAEGER, KIALI, PROMETHEUS } from "./names";

/** The UIs of the stack: their service, port, laptop port for port-forward and path. */
export const UIS = {
    grafana: { service: GRAFANA.service, port: GRAFANA.port, localPort: 3000, path: "" },
    prometheus: { service: PROMETHEUS.service, port: PROMETHEUS.port, localPort: PROMETHEUS.port, path: "" },
    alertmanager: { service: ALERTMANAGER.service, port: ALERTMANAGER.port, localPort: ALERTMANAGER.port, path: "" },
    jaeger: { service: JAEGER.service, port: JAEGER.ui, localPort: JAEGER.ui, path: "" },
    kiali: { service: KIALI.service, port: KIALI.port, localPort: KIALI.port, path: KIALI.webRoot },
} as const;
export type UiName = keyof typeof UIS;
export const UI_NAMES = Object.keys(UIS) as UiName[];

/**
 * The UIs that log people in (Grafana's own users, Kiali's token login): the only ones the ingress gateway
 * may serve. Prometheus, Alertmanager and Jaeger have no login, so they stay internal in every environment.
 */
export const GATEWAY_UIS = ["grafana", "kiali"] as const satisfies readonly UiName[];
export type GatewayUi = (typeof GATEWAY_UIS)[number];
const isGatewayUi = (n: UiName): n is GatewayUi => (GATEWAY_UIS as readonly UiName[]).includes(n);

/** The Istio Gateway the UIs share, in the observability namespace. */
export const UI_GATEWAY = "observability-ui";

/**
 * How people reach the UIs. With an ingress domain and TLS secret: Grafana and Kiali over https through the
 * ingress gateway (on a cluster without load balancer, through the laptop's https port). Everything else, and
 * everything without a domain, is reached with `kubectl port-forward` to localhost.
 */
export type Access =
    | { readonly mode: "gateway"; readonly urls: Record<UiName, string>; readonly hosts: Record<GatewayUi, string>; readonly tlsSecretName: string; readonly portForward: string[] }
    | { readonly mode: "port-forward"; readonly urls: Record<UiName, string>; readonly portForward: string[] };

/**
 * Where this stack's port-forwards go: the kube context of its cluster (undefined: the kubeconfig's current one)
 * and the offset added to every laptop port, so two stacks' port-forwards do not collide.
 */
export interface LocalAccess {
    readonly context?: string;
    readonly portOffset: number;
}

export function access(obs: ObservabilitySettings, cluster: Pick<Cluster, "loadBalancer" | "localIngress">, local: LocalAccess = { portOffset: 0 }): Access {
    const localPort = (n: UiName) => UIS[n].localPort + local.portOffset;
    const localUrl = (n: UiName) => `http://localhost:${localPort(n)}${UIS[n].path}`;
    const context = local.context ? ` --context ${local.context}` : "";
    const portForwardCommand = (n: UiName) =>
        `kubectl${context} -n ${OBSERVABILITY_NAMESPACE} port-forward svc/${UIS[n].service} ${localPort(n)}:${UIS[n].port}`;
    const ingress = obs.ingress;
    if (ingress !== undefined) {
        const port = cluster.loadBalancer ? "" : `:${cluster.localIngress?.httpsPort ?? INGRESS_NODE_PORTS.https}`;
        const hosts = Object.fromEntries(GATEWAY_UIS.map((n) => [n, `${n}.${ingress.domain}`])) as Record<GatewayUi, string>;
        return {
            mode: "gateway",
            hosts,
            urls: Object.fromEntries(UI_NAMES.map((n) => [n, isGatewayUi(n) ? `https://${hosts[n]}${port}${UIS[n].path}` : localUrl(n)])) as Record<UiName, string>,
            tlsSecretName: ingress.tlsSecretName,
            portForward: UI_NAMES.filter((n) => !isGatewayUi(n)).map(portForwardCommand),
        };
    }
    return {
        mode: "port-forward",
        urls: Object.fromEntries(UI_NAMES.map((n) => [n, localUrl(n)])) as Record<UiName, string>,
        portForward: UI_NAMES.map(portForwardCommand),
    };
}

/** HTTPS with the given certificate on 443, and a redirect to it on 80, for every UI host. */
export function uiGatewaySpec(selector: string, hosts: string[], tlsSecretName: string): Record<string, unknown> {
    return {
        selector: { istio: selector },
        servers: [
            { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts, tls: { mode: "SIMPLE", credentialName: tlsSecretName } },
            { port: { number: 80, name: "http", protocol: "HTTP" }, hosts, tls: { httpsRedirect: true } },
        ],
    };
}

/** Routes one UI host on the shared Gateway to the UI's service. */
export function uiVirtualServiceSpec(name: GatewayUi, host: string): Record<string, unknown> {
    return {
        hosts: [host],
        gateways: [`${OBSERVABILITY_NAMESPACE}/${UI_GATEWAY}`],
        http: [{ route: [{ destination: { host: fqdn(UIS[name].service), port: { number: UIS[name].port } } }] }],
    };
}

/** A DestinationRule spec (networking.istio.io/v1) that hashes on a cookie, so each browser keeps one pod. */
export interface CookieAffinitySpec {
    readonly host: string;
    readonly trafficPolicy: {
        readonly loadBalancer: { readonly consistentHash: { readonly httpCookie: { readonly name: string; readonly path: string; readonly ttl: string } } };
    };
}

/** The cookie the ingress gateway sets to keep a browser on one Grafana pod. */
export const GRAFANA_AFFINITY = "grafana-affinity";

/**
 * Grafana pods each keep sessions in their own SQLite database: a login made on one pod is unknown to the
 * other. The gateway sets a session cookie (ttl 0s) on the first response and sends that browser to the same
 * pod afterwards.
 */
export function grafanaAffinitySpec(): CookieAffinitySpec {
    return {
        host: fqdn(UIS.grafana.service),
        trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: GRAFANA_AFFINITY, path: "/", ttl: "0s" } } } },
    };
}
