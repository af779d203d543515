import { execFile } from "child_process";
import { findOnPath } from "../helmBinary";

/**
 * Istio's own analyzers over the rendered manifests and the program's objects, where an istioctl binary is at hand
 * ($MESHSTACK_ISTIOCTL or `istioctl` on PATH; it should be the pinned Istio version). Errors and warnings become
 * findings; Info messages do not.
 */

export function findIstioctl(): string | undefined {
    if (process.env.MESHSTACK_ISTIOCTL) return process.env.MESHSTACK_ISTIOCTL;
    return findOnPath("istioctl");
}

/**
 * Messages meshstack accepts on purpose, each with its reason: local rate limiting has no API but EnvoyFilter in
 * Istio, so the analyzer's general caution about EnvoyFilter stands for every rate-limited service.
 */
export const ACCEPTED = [
    { code: "IST0133", kind: "EnvoyFilter", text: "EnvoyFilter exposes internal implementation details", why: "local rate limiting is only possible through an EnvoyFilter" },
] as const;

/** `Error [IST0101] (VirtualService shop/cart) Referenced host not found: "x"` -> the Error and Warning lines not accepted. */
export function analyzeFindings(output: string): string[] {
    return output.split("\n")
        .filter((l) => /^(Error|Warning) \[IST\d+\]/.test(l))
        .filter((l) => !ACCEPTED.some((a) => l.includes(`[${a.code}] (${a.kind} `) && l.includes(a.text)))
        .map((l) => `istioctl analyze: ${l.trim()}`);
}

export function runAnalyze(istioctl: string, files: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(istioctl, ["analyze", "--use-kube=false", "--all-namespaces", "--color=false", ...files], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            // istioctl exits non-zero when it finds issues; only a run that printed no analysis is a failure.
            const text = `${stdout}${stderr}`;
            if (err && !/\[IST\d+\]|No validation issues found/.test(text)) reject(new Error(`istioctl analyze failed: ${text.trim() || err.message}`));
            else resolve(text);
        });
    });
}
