import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * Istio's own analyzers over the rendered manifests and the program's objects, where an istioctl binary is at hand
 * ($MESHSTACK_ISTIOCTL or `istioctl` on PATH; it should be the pinned Istio version). Errors and warnings become
 * findings; Info messages do not.
 */

export function findIstioctl(): string | undefined {
    if (process.env.MESHSTACK_ISTIOCTL) return process.env.MESHSTACK_ISTIOCTL;
    return (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, "istioctl")).find((f) => fs.existsSync(f));
}

/** `Error [IST0101] (VirtualService shop/cart) Referenced host not found: "x"` -> the Error and Warning lines. */
export function analyzeFindings(output: string): string[] {
    return output.split("\n").filter((l) => /^(Error|Warning) \[IST\d+\]/.test(l)).map((l) => `istioctl analyze: ${l.trim()}`);
}

export function runAnalyze(istioctl: string, files: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(istioctl, ["analyze", "--use-kube=false", "--color=false", ...files], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            // istioctl exits non-zero when it finds issues; only a run that printed no analysis is a failure.
            const text = `${stdout}${stderr}`;
            if (err && !/\[IST\d+\]|No validation issues found/.test(text)) reject(new Error(`istioctl analyze failed: ${text.trim() || err.message}`));
            else resolve(text);
        });
    });
}
