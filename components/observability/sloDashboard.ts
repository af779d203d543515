import { DATASOURCE_UIDS } from "./names";
import { BURN_RATE_ALERTS, budgetOf, leMatcher, recorded, serviceSelector, SloService, slis } from "./slo";
import { SLO_WINDOW_DAYS } from "../../settings/slo";

const datasource = { type: "prometheus", uid: DATASOURCE_UIDS.prometheus };

/**
 * The bad-request ratio over the whole SLO window, from the 5m recorded rates: their sums over the window are
 * proportional to request counts, so this costs one recorded series per service instead of a 30-day raw scan.
 */
export function windowRatio(s: SloService, slo: "availability" | "latency"): string {
    const range = `[${SLO_WINDOW_DAYS}d]`;
    if (slo === "availability") {
        return `sum_over_time(${recorded.errors("5m")}${serviceSelector(s)}${range}) / sum_over_time(${recorded.requests("5m")}${serviceSelector(s)}${range})`;
    }
    const le = `,${leMatcher(s.slo.latency?.thresholdMs ?? 0)}`;
    const bucket = recorded.latencyBuckets("5m");
    return `1 - sum_over_time(${bucket}${serviceSelector(s, le)}${range}) / ignoring(le) sum_over_time(${bucket}${serviceSelector(s, `,le="+Inf"`)}${range})`;
}

/**
 * The SLO dashboard: per service and indicator, the error budget left over the SLO window and the burn rate
 * over the alert windows, with the alert thresholds drawn in (a burn rate of 1 spends the budget exactly).
 */
export function sloDashboard(services: readonly SloService[]): Record<string, unknown> {
    const panels = services.flatMap((s) => slis(s)).length;
    let y = 0;
    const rows = services.flatMap((s) => slis(s).map((sli) => {
        const budget = budgetOf(sli.objective);
        const title = `${s.namespace}/${s.name} ${sli.slo} (${sli.objective}% ${sli.what})`;
        const at = y;
        y += 8;
        return [
            {
                type: "stat",
                title: `${title}: budget left (${SLO_WINDOW_DAYS}d)`,
                datasource,
                gridPos: { x: 0, y: at, w: 6, h: 8 },
                targets: [{ refId: "A", datasource, expr: `1 - (${windowRatio(s, sli.slo)}) / ${budget}` }],
                fieldConfig: {
                    defaults: {
                        unit: "percentunit",
                        thresholds: { mode: "absolute", steps: [{ color: "red", value: null }, { color: "orange", value: 0 }, { color: "green", value: 0.25 }] },
                    },
                    overrides: [],
                },
                options: { reduceOptions: { calcs: ["lastNotNull"] } },
            },
            {
                type: "timeseries",
                title: `${title}: burn rate`,
                datasource,
                gridPos: { x: 6, y: at, w: 18, h: 8 },
                targets: (["5m", "1h", "6h", "3d"] as const).map((w, i) => ({
                    refId: String.fromCharCode(65 + i), datasource, legendFormat: w, expr: `${sli.ratio(w)} / ${budget}`,
                })),
                fieldConfig: {
                    defaults: {
                        unit: "short",
                        custom: { thresholdsStyle: { mode: "line" } },
                        thresholds: {
                            mode: "absolute",
                            steps: [{ color: "green", value: null }, ...BURN_RATE_ALERTS.map((a) => ({ color: a.severity === "page" ? "red" : "orange", value: a.factor }))],
                        },
                    },
                    overrides: [],
                },
            },
        ];
    })).flat();
    return {
        uid: "meshstack-slo",
        title: "Service SLOs",
        tags: ["meshstack", "slo"],
        schemaVersion: 39,
        time: { from: "now-7d", to: "now" },
        refresh: "1m",
        description: `${panels} SLO indicators: error budget left over ${SLO_WINDOW_DAYS} days and burn rate (1 = on budget; pages at ${BURN_RATE_ALERTS.filter((a) => a.severity === "page").map((a) => `${a.factor}x`).join(" and ")}).`,
        panels: rows,
    };
}
