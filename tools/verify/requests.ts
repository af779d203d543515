import { Footprint, formatCpu, formatMemory, parseCpu, parseMemory } from "../footprint";
import { RenderedRelease } from "../render";
import { podTemplates } from "./objects";

/**
 * What the rendered manifests really request, steady state, per release: every non-hook workload's replicas times
 * its containers' requests (DaemonSets for one node, init containers and Jobs not counted), plus the pods the
 * Prometheus operator creates from Prometheus and Alertmanager objects, with the config-reloader it adds to each.
 */
export function renderedRequests(release: RenderedRelease): { cpu: number; memory: number } {
    const located = release.objects.map((object) => ({ source: release.name, object, namespace: object.metadata?.namespace ?? release.namespace }));
    let cpu = 0, memory = 0;
    const add = (replicas: number, requests: { cpu?: string; memory?: string } | undefined) => {
        cpu += replicas * (requests?.cpu ? parseCpu(String(requests.cpu)) : 0);
        memory += replicas * (requests?.memory ? parseMemory(String(requests.memory)) : 0);
    };
    for (const pod of podTemplates(located).filter((p) => !p.transient)) {
        for (const c of pod.spec.containers ?? []) add(pod.replicas, c.resources?.requests);
    }
    const operatorArgs: string[] = located.flatMap(({ object: o }) => (o.kind === "Deployment" ? o.spec?.template?.spec?.containers ?? [] : []).flatMap((c: any) => c.args ?? []));
    const arg = (name: string) => operatorArgs.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
    const reloader = { cpu: arg("config-reloader-cpu-request"), memory: arg("config-reloader-memory-request") };
    for (const { object: o } of located.filter(({ object: o }) => ["Prometheus", "Alertmanager"].includes(o.kind) && String(o.apiVersion).startsWith("monitoring.coreos.com/"))) {
        const replicas = o.spec?.replicas ?? 1;
        add(replicas, o.spec?.resources?.requests);
        add(replicas, reloader);
    }
    return { cpu, memory };
}

export function requestFindings(releases: readonly RenderedRelease[], plan: Footprint): string[] {
    const findings: string[] = [];
    for (const r of releases) {
        const planned = plan.releases.find((p) => p.release === r.name);
        const rendered = renderedRequests(r);
        if (!planned) continue;
        if (Math.abs(planned.cpu - rendered.cpu) >= 1 || Math.abs(planned.memory - rendered.memory) >= 1024) {
            findings.push(`release ${r.name}: the rendered manifests request ${formatCpu(rendered.cpu)}, ${formatMemory(rendered.memory)}`
                + ` (${rendered.cpu}m, ${rendered.memory} bytes); plan's footprint says ${formatCpu(planned.cpu)}, ${formatMemory(planned.memory)} (${planned.cpu}m, ${planned.memory} bytes)`);
        }
    }
    return findings;
}
