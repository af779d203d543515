import { Settings } from "../../settings";
import { GRAFANA_ADMIN_USER } from "./grafana";
import { GRAFANA, GRAFANA_ADMIN_SECRET, JAEGER, KIALI, KIALI_SIGNING_KEY_SECRET, PROMETHEUS, serviceUrl } from "./names";

/**
 * kiali-server. Its defaults look for Prometheus, Grafana and Jaeger in istio-system: every backend is
 * set explicitly. `external` are the URLs browsers use for Grafana and Jaeger links.
 */
export function kialiValues(settings: Settings, external: { grafana: string; jaeger: string }): Record<string, unknown> {
    const obs = settings.preset.observability;
    return {
        deployment: { instance_name: KIALI.service, resources: obs.sizing.kiali, replicas: 1 },
        auth: { strategy: obs.anonymousAccess ? "anonymous" : "token" },
        // The chart mounts the Secret and Kiali reads the key from the file: it never appears in values.
        login_token: { signing_key: `secret:${KIALI_SIGNING_KEY_SECRET.name}:${KIALI_SIGNING_KEY_SECRET.key}` },
        server: { port: KIALI.port, web_root: KIALI.webRoot },
        external_services: {
            prometheus: { url: serviceUrl(PROMETHEUS.service, PROMETHEUS.port) },
            grafana: {
                enabled: true,
                internal_url: serviceUrl(GRAFANA.service, GRAFANA.port),
                external_url: external.grafana,
                // Without anonymous viewers Kiali logs in to Grafana; the password stays in the Secret.
                auth: obs.anonymousAccess
                    ? { type: "none" }
                    : { type: "basic", username: GRAFANA_ADMIN_USER, password: `secret:${GRAFANA_ADMIN_SECRET.name}:${GRAFANA_ADMIN_SECRET.passwordKey}` },
            },
            tracing: {
                enabled: true,
                provider: "jaeger",
                internal_url: serviceUrl(JAEGER.service, JAEGER.grpcQuery),
                use_grpc: true,
                external_url: external.jaeger,
            },
        },
    };
}
