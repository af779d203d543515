import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MeshMode } from "../../settings/keys";
import { ISTIO_DASHBOARD_SHA256, ISTIO_DASHBOARDS_REF } from "../../versions";
import { DASHBOARD_CONFIGMAPS } from "./names";

/** Istio's dashboards Grafana shows (the ztunnel one only in ambient mode): ConfigMap name -> file in the Istio repo. */
export function istioDashboards(mode: MeshMode): Record<string, string> {
    return {
        "istio-mesh": "istio-mesh-dashboard.gen.json",
        "istio-service": "istio-service-dashboard.json",
        "istio-workload": "istio-workload-dashboard.json",
        "istio-performance": "istio-performance-dashboard.json",
        "istio-control-plane": "pilot-dashboard.gen.json",
        ...(mode === "ambient" ? { "istio-ztunnel": "ztunnel-dashboard.gen.json" } : {}),
    };
}

export function istioDashboardUrl(file: string): string {
    return `https://raw.githubusercontent.com/istio/istio/${ISTIO_DASHBOARDS_REF}/manifests/addons/dashboards/${file}`;
}

/**
 * The shell command that downloads a dashboard on the machine running Pulumi and prints it only when its sha256
 * matches the pin (curl and sha256sum, or shasum on macOS). URL and sum travel as environment variables.
 */
export const FETCH_DASHBOARD = [
    `f=$(mktemp) && trap 'rm -f "$f"' EXIT`,
    `curl -fsSL --retry 3 -o "$f" "$DASHBOARD_URL"`,
    `sum=$( (sha256sum "$f" 2>/dev/null || shasum -a 256 "$f") | cut -d' ' -f1)`,
    `if [ "$sum" != "$DASHBOARD_SHA256" ]; then echo "$DASHBOARD_URL has sha256 $sum, expected $DASHBOARD_SHA256" >&2; exit 1; fi`,
    `cat "$f"`,
].join(" && ");

export interface DashboardsArgs {
    readonly mode: MeshMode;
    readonly namespace: pulumi.Input<string>;
    /** Dashboards meshstack generates (e.g. the SLO dashboard): ConfigMap name -> Grafana dashboard JSON. */
    readonly generated: Record<string, Record<string, unknown>>;
}

/**
 * Grafana's dashboards as ConfigMaps its sidecar loads, in folders by annotation. Istio's are fetched at deploy
 * time by pinned URL and checksum on the machine running Pulumi; no pod needs egress, and plan/preview run offline
 * (a command only runs on `pulumi up`).
 */
export function provisionDashboards(name: string, args: DashboardsArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap[] {
    const configMap = (key: string, folder: string, json: pulumi.Input<string>) => new k8s.core.v1.ConfigMap(`${name}-dashboard-${key}`, {
        metadata: {
            name: `dashboard-${key}`,
            namespace: args.namespace,
            labels: { [DASHBOARD_CONFIGMAPS.label]: DASHBOARD_CONFIGMAPS.labelValue },
            annotations: { [DASHBOARD_CONFIGMAPS.folderAnnotation]: folder },
        },
        data: { [`${key}.json`]: json },
    }, opts);
    const istio = Object.entries(istioDashboards(args.mode)).map(([key, file]) => {
        const fetch = new command.local.Command(`${name}-dashboard-${key}-fetch`, {
            create: FETCH_DASHBOARD,
            environment: { DASHBOARD_URL: istioDashboardUrl(file), DASHBOARD_SHA256: ISTIO_DASHBOARD_SHA256[file] },
            // A new pin (URL or sum) fetches again; otherwise the stored JSON is reused.
            triggers: [istioDashboardUrl(file), ISTIO_DASHBOARD_SHA256[file]],
        }, { parent: opts.parent });
        return configMap(key, "Istio", fetch.stdout);
    });
    const generated = Object.entries(args.generated).map(([key, dashboard]) => configMap(key, "meshstack", JSON.stringify(dashboard)));
    return [...istio, ...generated];
}
