import * as assert from "assert";
import { loadSettings, Settings, SettingsError } from "../settings";
import { errorRatio, leMatcher, serverReporter, slowRatio, sloAlertRules, sloRuleGroups } from "../components/observability/slo";

function load(values: Record<string, unknown>): Settings {
    const raw = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return loadSettings({ values: raw, secretKeys: new Set() }, "meshstack", "dev");
}

const withSlo = (slo: unknown, mode = "sidecar") => ({
    "mesh.mode": mode,
    namespaces: [{ name: "shop" }],
    services: [{ name: "cart", namespace: "shop", port: 8080, slo }],
});

function problems(slo: unknown): readonly string[] {
    try {
        load(withSlo(slo));
    } catch (e) {
        if (e instanceof SettingsError) return e.problems;
        throw e;
    }
    throw new Error("expected a SettingsError, but the settings loaded");
}

describe("service SLOs", () => {
    describe("settings", () => {
        it("reads availability and an optional latency objective", () => {
            assert.deepStrictEqual(load(withSlo({ availability: 99.9, latency: { thresholdMs: 250, percent: 99 } })).app.services[0].slo,
                { availability: 99.9, latency: { thresholdMs: 250, percent: 99 } });
            assert.deepStrictEqual(load(withSlo({ availability: 99.5 })).app.services[0].slo, { availability: 99.5 });
            assert.strictEqual(load(withSlo(undefined)).app.services[0].slo, undefined);
        });

        const cases: [string, unknown, string[]][] = [
            ["availability of 100 %", { availability: 100 }, [
                "meshstack:services[0].slo.availability 100 is not a percentage above 0 and below 100 (100 leaves no error budget); use e.g. 99.9",
            ]],
            ["availability of 0 and a text percent", { availability: 0, latency: { thresholdMs: 250, percent: "99" } }, [
                "meshstack:services[0].slo.availability 0 is not a percentage above 0 and below 100 (100 leaves no error budget); use e.g. 99.9",
                "meshstack:services[0].slo.latency.percent \"99\" is not a percentage above 0 and below 100 (100 leaves no error budget); use e.g. 99",
            ]],
            ["no availability, a negative threshold", { latency: { thresholdMs: -5, percent: 99 } }, [
                "meshstack:services[0].slo.availability is required; set it, e.g. availability: 99.9",
                "meshstack:services[0].slo.latency.thresholdMs -5 is not a number of milliseconds above 0; use a bucket bound of Istio's latency histogram such as 250",
            ]],
            ["a threshold between two buckets", { availability: 99.9, latency: { thresholdMs: 300, percent: 99 } }, [
                "meshstack:services[0].slo.latency.thresholdMs 300 is not a bucket bound of Istio's istio_request_duration_milliseconds histogram, so no series counts requests under it; use 250 or 500 (bounds: 0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000)",
            ]],
            ["a latency objective without its fields, an unknown field", { availability: 99.9, latency: {}, window: "30d" }, [
                "meshstack:services[0].slo.window is not a known field; use one of: availability, latency",
                "meshstack:services[0].slo.latency.thresholdMs is required; set it, e.g. thresholdMs: 250",
                "meshstack:services[0].slo.latency.percent is required; set it, e.g. percent: 99",
            ]],
            ["an SLO that is not an object", "99.9", [
                "meshstack:services[0].slo \"99.9\" is not an object; write it as YAML fields (availability, latency)",
            ]],
        ];
        for (const [what, slo, expected] of cases) {
            it(`rejects ${what}, naming the path`, () => assert.deepStrictEqual(problems(slo), expected));
        }
    });

    describe("rules", () => {
        const cart = { namespace: "shop", name: "cart", slo: { availability: 99.9, latency: { thresholdMs: 250, percent: 99 } } };

        it("counts the server side once: the destination sidecar, or the waypoint in ambient mode", () => {
            assert.strictEqual(serverReporter("sidecar"), "destination");
            assert.strictEqual(serverReporter("ambient"), "waypoint");
        });

        it("matches a bucket bound as Prometheus 2 and 3 store it", () => {
            assert.strictEqual(leMatcher(250), String.raw`le=~"250(\\.0)?"`);
            assert.strictEqual(leMatcher(0.5), String.raw`le=~"0\\.5"`);
        });

        it("records request, 5xx and the SLOs' latency-bucket rates per service over every alert window", () => {
            const settings = load(withSlo(cart.slo, "ambient"));
            const [recording, alerts] = sloRuleGroups("ambient", settings.app.services) as { name: string; rules: { record?: string; expr: string }[] }[];
            assert.strictEqual(recording.name, "meshstack.slo.recording");
            assert.deepStrictEqual(recording.rules.map((r) => r.record), ["5m", "30m", "1h", "6h", "3d"].flatMap((w) => [
                `destination_service:istio_requests:rate${w}`,
                `destination_service:istio_requests_5xx:rate${w}`,
                `destination_service:istio_request_duration_milliseconds_bucket:rate${w}`,
            ]));
            assert.deepStrictEqual(recording.rules.slice(0, 3).map((r) => r.expr), [
                `sum by (destination_service_namespace, destination_service_name) (rate(istio_requests_total{reporter="waypoint"}[5m]))`,
                `sum by (destination_service_namespace, destination_service_name) (rate(istio_requests_total{reporter="waypoint",response_code=~"5.."}[5m]))`,
                String.raw`sum by (destination_service_namespace, destination_service_name, le) (rate(istio_request_duration_milliseconds_bucket{reporter="waypoint",le=~"250(\\.0)?|\\+Inf"}[5m]))`,
            ]);
            assert.strictEqual(alerts.name, "meshstack.slo.alerts");
            assert.deepStrictEqual(sloRuleGroups("sidecar", load(withSlo(undefined)).app.services), []);
        });

        it("pages on 14.4x over 1h and 5m or 6x over 6h and 30m, tickets on 1x over 3d and 6h, budget in the annotations", () => {
            const [page, ticket, latencyPage] = sloAlertRules(cart) as { alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string> }[];
            const e = (w: "5m" | "30m" | "1h" | "6h" | "3d") => errorRatio(cart, w);
            assert.strictEqual(page.alert, "SLOAvailabilityBudgetBurn");
            assert.strictEqual(page.expr, `(${e("1h")} > 0.0144 and ${e("5m")} > 0.0144) or (${e("6h")} > 0.006 and ${e("30m")} > 0.006)`);
            assert.deepStrictEqual(page.labels, { severity: "page", slo: "availability" });
            assert.strictEqual(ticket.expr, `(${e("3d")} > 0.001 and ${e("6h")} > 0.001)`);
            assert.deepStrictEqual(ticket.labels, { severity: "ticket", slo: "availability" });
            assert.deepStrictEqual(ticket.annotations, {
                summary: "shop/cart burns its availability error budget too fast (1x over 3d and 6h)",
                description: "SLO: 99.9% of requests succeed (no 5xx) over 30 days. Error budget: 0.1% of requests, 43.2 minutes of full outage. Bad-request ratio over the long window: {{ $value | humanizePercentage }}.",
                error_budget: "0.1%",
            });
            assert.strictEqual(errorRatio(cart, "1h"),
                `(destination_service:istio_requests_5xx:rate1h{destination_service_namespace="shop",destination_service_name="cart"} / destination_service:istio_requests:rate1h{destination_service_namespace="shop",destination_service_name="cart"})`);
            assert.strictEqual(latencyPage.alert, "SLOLatencyBudgetBurn");
            assert.strictEqual(latencyPage.expr, `(${slowRatio(cart, 250, "1h")} > 0.144 and ${slowRatio(cart, 250, "5m")} > 0.144) or (${slowRatio(cart, 250, "6h")} > 0.06 and ${slowRatio(cart, 250, "30m")} > 0.06)`);
            assert.strictEqual(slowRatio(cart, 250, "1h"), String.raw`(1 - destination_service:istio_request_duration_milliseconds_bucket:rate1h{destination_service_namespace="shop",destination_service_name="cart",le=~"250(\\.0)?"} / ignoring(le) destination_service:istio_request_duration_milliseconds_bucket:rate1h{destination_service_namespace="shop",destination_service_name="cart",le="+Inf"})`);
        });
    });
});
