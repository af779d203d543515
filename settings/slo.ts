/**
 * A service's SLO (`meshstack:services[i].slo`): the share of requests that must succeed, and optionally the share
 * that must be faster than a latency bound, over a rolling SLO_WINDOW_DAYS window. Read by readSlo below, so the
 * service reader only names the field.
 */

import { shown } from "./errors";
import { Fields } from "./structured";

export const SLO_FIELDS = ["availability", "latency"] as const;
const LATENCY_FIELDS = ["thresholdMs", "percent"] as const;

/** The window the error budget is counted over. */
export const SLO_WINDOW_DAYS = 30;

/**
 * The bucket bounds (ms) of Istio's istio_request_duration_milliseconds, Envoy's default histogram buckets.
 * A latency SLO counts the requests in the bucket at its bound, so the bound must be one of these.
 */
export const ISTIO_LATENCY_BUCKETS_MS = [
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
] as const;

export interface LatencySlo {
    /** A bucket bound of ISTIO_LATENCY_BUCKETS_MS. */
    readonly thresholdMs: number;
    /** Percent of requests that must finish within thresholdMs, above 0 and below 100. */
    readonly percent: number;
}

export interface Slo {
    /** Percent of requests that must not fail with a 5xx, above 0 and below 100 (e.g. 99.9). */
    readonly availability: number;
    readonly latency?: LatencySlo;
}

/** Reads `slo` of a service; undefined (with problems reported) when it is absent or invalid. */
export function readSlo(s: Fields | undefined): Slo | undefined {
    if (!s) return undefined;
    const availability = objective(s, "availability", "99.9");
    const l = s.obj("latency", LATENCY_FIELDS);
    const latency = l && { thresholdMs: threshold(l), percent: objective(l, "percent", "99") };
    if (availability === undefined) return undefined;
    if (latency === undefined) return { availability };
    if (latency.thresholdMs === undefined || latency.percent === undefined) return undefined;
    return { availability, latency: { thresholdMs: latency.thresholdMs, percent: latency.percent } };
}

/** A percentage strictly between 0 and 100: 100 leaves no error budget to alert on. */
function objective(f: Fields, key: string, example: string): number | undefined {
    if (!f.has(key)) {
        f.required(key, example);
        return undefined;
    }
    const v = f.raw(key);
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v >= 100) {
        f.problem(key, `${shown(v)} is not a percentage above 0 and below 100 (100 leaves no error budget); use e.g. ${example}`);
        return undefined;
    }
    return v;
}

function threshold(f: Fields): number | undefined {
    if (!f.has("thresholdMs")) {
        f.required("thresholdMs", "250");
        return undefined;
    }
    const v = f.raw("thresholdMs");
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
        f.problem("thresholdMs", `${shown(v)} is not a number of milliseconds above 0; use a bucket bound of Istio's latency histogram such as 250`);
        return undefined;
    }
    if (!(ISTIO_LATENCY_BUCKETS_MS as readonly number[]).includes(v)) {
        const below = ISTIO_LATENCY_BUCKETS_MS.filter((b) => b < v).at(-1);
        const above = ISTIO_LATENCY_BUCKETS_MS.find((b) => b > v);
        const nearest = [below, above].filter((b) => b !== undefined).join(" or ");
        f.problem("thresholdMs", `${v} is not a bucket bound of Istio's istio_request_duration_milliseconds histogram, so no series counts requests under it; use ${nearest} (bounds: ${ISTIO_LATENCY_BUCKETS_MS.join(", ")})`);
        return undefined;
    }
    return v;
}
