import { MeshMode } from "../../settings/keys";
import type { ServiceSpec } from "../../settings/services";
import { Slo, SLO_WINDOW_DAYS } from "../../settings/slo";

/**
 * SLO recording rules and multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", method 6):
 * a page when the budget burns 14.4x over 1h (2 % of a 30-day budget gone) or 6x over 6h (5 %), a ticket at 1x
 * over 3d (10 %). Each long window is paired with a short one (1/12 of it) so an alert stops soon after the burn does.
 */
export const BURN_RATE_ALERTS = [
    { severity: "page", factor: 14.4, long: "1h", short: "5m" },
    { severity: "page", factor: 6, long: "6h", short: "30m" },
    { severity: "ticket", factor: 1, long: "3d", short: "6h" },
] as const;

/** Every window a burn-rate alert reads, shortest first; each has its recording rules. */
export const SLO_WINDOWS = ["5m", "30m", "1h", "6h", "3d"] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/** The labels a service's recorded series carry (Istio's names for the server side of a request). */
export const SERVICE_LABELS = ["destination_service_namespace", "destination_service_name"] as const;
const BY_SERVICE = SERVICE_LABELS.join(", ");

/**
 * Who reports a request on the server side: the destination sidecar, or in ambient mode the waypoint (ztunnel
 * only reports L4 istio_tcp_* metrics). Counting one reporter keeps a request from being counted twice.
 */
export function serverReporter(mode: MeshMode): string {
    return mode === "ambient" ? "waypoint" : "destination";
}

/** Names of the recorded series (level:metric:operation). */
export const recorded = {
    requests: (w: SloWindow) => `destination_service:istio_requests:rate${w}`,
    errors: (w: SloWindow) => `destination_service:istio_requests_5xx:rate${w}`,
    latencyBuckets: (w: SloWindow) => `destination_service:istio_request_duration_milliseconds_bucket:rate${w}`,
};

/**
 * Prometheus 3 stores a classic histogram's `le` as a float ("250.0"), Prometheus 2 as exposed ("250"):
 * match both. Thresholds are validated to be bucket bounds (settings/slo.ts).
 */
export function leMatcher(thresholdMs: number): string {
    return `le=~"${leRegex(thresholdMs)}"`;
}

/** The `le` values of a bucket bound, as a PromQL-quoted regex: 250 -> 250(\\.0)?, 0.5 -> 0\\.5. */
function leRegex(thresholdMs: number): string {
    const text = String(thresholdMs);
    return text.includes(".") ? text.replace(".", "\\\\.") : `${text}(\\\\.0)?`;
}

export interface SloService {
    readonly namespace: string;
    readonly name: string;
    readonly slo: Slo;
}

/** The declared services with an SLO. */
export function sloServices(services: readonly ServiceSpec[]): SloService[] {
    return services.flatMap((s) => (s.slo ? [{ namespace: s.namespace, name: s.name, slo: s.slo }] : []));
}

/**
 * Per-service request, 5xx and latency-bucket rates over every alert window, from Istio's standard metrics.
 * Only the buckets SLOs use (and +Inf, the total) are kept, so the 3d rates stay cheap to store and read.
 */
export function sloRecordingRules(mode: MeshMode, services: readonly SloService[]): Record<string, unknown>[] {
    const server = `reporter="${serverReporter(mode)}"`;
    const bounds = [...new Set(services.flatMap((s) => (s.slo.latency ? [s.slo.latency.thresholdMs] : [])))].sort((a, b) => a - b);
    const buckets = [...bounds.map(leRegex), "\\\\+Inf"].join("|");
    return SLO_WINDOWS.flatMap((w) => [
        { record: recorded.requests(w), expr: `sum by (${BY_SERVICE}) (rate(istio_requests_total{${server}}[${w}]))` },
        { record: recorded.errors(w), expr: `sum by (${BY_SERVICE}) (rate(istio_requests_total{${server},response_code=~"5.."}[${w}]))` },
        ...(bounds.length > 0
            ? [{ record: recorded.latencyBuckets(w), expr: `sum by (${BY_SERVICE}, le) (rate(istio_request_duration_milliseconds_bucket{${server},le=~"${buckets}"}[${w}]))` }]
            : []),
    ]);
}

/** A PromQL label selector for a service's recorded series, plus `extra` matchers. */
export function serviceSelector(s: SloService, extra = ""): string {
    return `{destination_service_namespace="${s.namespace}",destination_service_name="${s.name}"${extra}}`;
}

/** The share of a service's requests that failed (5xx) over a window. */
export function errorRatio(s: SloService, w: SloWindow): string {
    return `(${recorded.errors(w)}${serviceSelector(s)} / ${recorded.requests(w)}${serviceSelector(s)})`;
}

/** The share of a service's requests slower than its latency threshold over a window. */
export function slowRatio(s: SloService, thresholdMs: number, w: SloWindow): string {
    const bucket = recorded.latencyBuckets(w);
    return `(1 - ${bucket}${serviceSelector(s, `,${leMatcher(thresholdMs)}`)} / ignoring(le) ${bucket}${serviceSelector(s, `,le="+Inf"`)})`;
}

/** A budget share as PromQL reads it, without float noise (0.1 % -> 0.001). */
function num(x: number): string {
    return String(Number(x.toPrecision(6)));
}

/** Minutes of full outage a budget allows over the SLO window, for the annotations. */
function budgetMinutes(budgetPercent: number): string {
    return num((SLO_WINDOW_DAYS * 24 * 60 * budgetPercent) / 100);
}

/** One indicator of a service's SLO: its objective and the PromQL of its bad-request ratio per window. */
export interface Sli {
    readonly slo: "availability" | "latency";
    readonly alert: string;
    readonly objective: number;
    readonly what: string;
    readonly ratio: (w: SloWindow) => string;
}

/** The share of requests an objective allows to be bad, e.g. 99.9 -> 0.001. */
export function budgetOf(objective: number): number {
    return Number((100 - objective).toPrecision(6)) / 100;
}

/** The indicators of a service's SLO: availability, and latency when declared. */
export function slis(s: SloService): Sli[] {
    const latency = s.slo.latency;
    return [
        { slo: "availability", alert: "SLOAvailabilityBudgetBurn", objective: s.slo.availability, what: "requests succeed (no 5xx)", ratio: (w) => errorRatio(s, w) },
        ...(latency ? [{
            slo: "latency" as const, alert: "SLOLatencyBudgetBurn", objective: latency.percent,
            what: `requests finish within ${latency.thresholdMs} ms`, ratio: (w: SloWindow) => slowRatio(s, latency.thresholdMs, w),
        }] : []),
    ];
}

/** A page (either fast window pair) and a ticket per SLI of a service. */
export function sloAlertRules(s: SloService): Record<string, unknown>[] {
    return slis(s).flatMap((sli) => {
        const budget = budgetOf(sli.objective);
        const budgetPercent = Number((budget * 100).toPrecision(6));
        const service = `${s.namespace}/${s.name}`;
        return (["page", "ticket"] as const).map((severity) => {
            const rules = BURN_RATE_ALERTS.filter((a) => a.severity === severity);
            const expr = rules.map((a) => `(${sli.ratio(a.long)} > ${num(a.factor * budget)} and ${sli.ratio(a.short)} > ${num(a.factor * budget)})`).join(" or ");
            const windows = rules.map((a) => `${a.factor}x over ${a.long} and ${a.short}`).join(", or ");
            return {
                alert: sli.alert,
                expr,
                labels: { severity, slo: sli.slo },
                annotations: {
                    summary: `${service} burns its ${sli.slo} error budget too fast (${windows})`,
                    description: `SLO: ${sli.objective}% of ${sli.what} over ${SLO_WINDOW_DAYS} days. Error budget: ${budgetPercent}% of requests, ${budgetMinutes(budgetPercent)} minutes of full outage. Bad-request ratio over the long window: {{ $value | humanizePercentage }}.`,
                    error_budget: `${budgetPercent}%`,
                },
            };
        });
    });
}

/** The PrometheusRule groups of every SLO, or none when no service declares one. */
export function sloRuleGroups(mode: MeshMode, services: readonly ServiceSpec[]): Record<string, unknown>[] {
    const withSlo = sloServices(services);
    if (withSlo.length === 0) return [];
    return [
        { name: "meshstack.slo.recording", rules: sloRecordingRules(mode, withSlo) },
        { name: "meshstack.slo.alerts", rules: withSlo.flatMap(sloAlertRules) },
    ];
}
