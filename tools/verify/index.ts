import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { footprint } from "../footprint";
import { RenderedStack, writeRendered } from "../render";
import { imageFindings } from "./images";
import { analyzeFindings, runAnalyze } from "./istioctl";
import { meshFindings, renderedMeshes } from "./mesh";
import { podTemplates } from "./objects";
import { extensionProviderFindings, gatewaySelectorFindings, Located, monitorFindings, outputFindings, serviceIndex, urlFindings } from "./references";
import { requestFindings } from "./requests";
import { schemaFindings } from "./schema";
import { unreadKeys } from "./unread";

export interface VerifyOptions {
    /** Ask the chart about every values key (one extra render per undecided key). */
    readonly unreadKeys: boolean;
    readonly parallel?: number;
    /** An istioctl binary: its analyzers run over the rendered manifests and the program's objects. */
    readonly istioctl?: string;
}

/** Every object of the stack with where it came from and the namespace it lands in. */
export function located(stack: RenderedStack): Located[] {
    return [
        ...stack.releases.flatMap((r) => r.objects.map((object) => ({ source: `release ${r.name}`, namespace: object.metadata?.namespace ?? r.namespace, object }))),
        ...stack.files.flatMap((f) => f.objects.map((object) => ({ source: f.name, namespace: object.metadata?.namespace ?? "default", object }))),
        ...stack.program.map((object) => ({ source: "program", namespace: object.metadata?.namespace ?? "default", object })),
    ];
}

/** All findings for a rendered stack, one line each; an empty list means clean. */
export async function verifyStack(stack: RenderedStack, opts: VerifyOptions): Promise<string[]> {
    const all = located(stack);
    const services = serviceIndex(all);
    const pods = podTemplates(all);
    const namespaces = new Set([...all.map((l) => l.namespace), ...all.filter((l) => l.object.kind === "Namespace").map((l) => l.object.metadata.name!)]);
    const meshes = renderedMeshes(all);
    const findings = [
        ...urlFindings(all, services, namespaces),
        ...extensionProviderFindings(meshes, services),
        ...monitorFindings(all, services, pods),
        ...gatewaySelectorFindings(all, pods),
        ...outputFindings(stack.run.outputs, services),
        ...meshFindings(meshes, all),
        ...imageFindings(all),
        ...schemaFindings(all, all.map((l) => l.object).filter((o) => o.kind === "CustomResourceDefinition")),
        ...requestFindings(stack.releases, footprint(stack.run)),
    ];
    if (opts.istioctl) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-analyze-"));
        try {
            findings.push(...analyzeFindings(await runAnalyze(opts.istioctl, writeRendered(stack, dir))));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    if (opts.unreadKeys) {
        const parallel = opts.parallel ?? Math.max(1, os.cpus().length);
        for (const r of stack.releases) {
            const unread = await unreadKeys(stack.helm, {
                release: r.name, chartPath: r.chartPath, namespace: r.namespace, kubeVersion: stack.kubeVersion, apiVersions: r.apiVersions, values: r.values,
            }, parallel);
            findings.push(...unread.map((key) => `release ${r.name} (chart ${r.chart} ${r.version}): values key ${key} is never read by the chart: changing it changes nothing it renders; remove it or correct its name`));
        }
    }
    return findings;
}
