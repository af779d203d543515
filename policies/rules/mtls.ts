import { ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { configOf, exceptionsProp, rootNamespaceProp, schema } from "./config";
import { DEFAULT_ROOT_NAMESPACE, IstioKind, IstioObject, isMeshWide, isNamespaceWide, label, meshWideOf, meshWidePatch } from "./istio";
import { groupBy, meshScope, rootLabel, StackView, stackView } from "./stack";
import { at, isObject, list, str, UNKNOWN } from "./values";

/** mtls.mode of a PeerAuthentication: UNSET when absent, UNKNOWN during preview. */
function mtlsMode(spec: unknown, ...path: string[]): string | typeof UNKNOWN {
    return str(at(spec, ...path, "mode")) ?? "UNSET";
}

const WEAK_MODES: Record<string, string> = {
    PERMISSIVE: "the workloads still accept plaintext, so any pod (or anything that reaches the pod network) can call them unauthenticated and unencrypted",
    DISABLE: "mTLS is switched off: traffic is plaintext and carries no workload identity, so AuthorizationPolicies on principals cannot match",
};

const rootDefaults = { rootNamespace: DEFAULT_ROOT_NAMESPACE };

export const meshWideMtls: StackValidationPolicy = {
    name: "mesh-wide-mtls-strict",
    description: "Exactly one mesh-wide PeerAuthentication (root namespace of every control-plane revision, no selector) with mtls.mode STRICT; UNSET counts as PERMISSIVE.",
    enforcementLevel: "mandatory",
    configSchema: schema(rootDefaults, { rootNamespace: rootNamespaceProp }),
    validateStack: async (args, report) => {
        const scope = await meshScope(args.resources, configOf(args, rootDefaults).rootNamespace);
        const all = scope.view.of("PeerAuthentication");
        const undecided = all.some((pa) => pa.namespace === UNKNOWN || pa.scoped === UNKNOWN) || scope.mesh.revisions.some((r) => r.unknown);
        for (const rootNamespace of scope.roots) {
            const { objects: meshWide, patches } = meshWideOf(all, rootNamespace);
            for (const patch of patches) {
                report(meshWidePatch(patch, rootNamespace, "the mesh's mTLS settings", " (spec.mtls.mode STRICT)"), patch.urn);
            }
            if (meshWide.length === 0 && !undecided) {
                report(`no mesh-wide PeerAuthentication in ${rootLabel(scope, rootNamespace)}: without one Istio's default is PERMISSIVE, `
                    + "so every workload still accepts plaintext and mTLS is not enforced anywhere. "
                    + `${namespaceOnly(all, rootNamespace)}Fix: create a PeerAuthentication named "default" in namespace ${rootNamespace} with no selector and spec.mtls.mode STRICT.`);
            }
            if (meshWide.length > 1) {
                for (const pa of meshWide) {
                    report(`${label(pa)} is one of ${meshWide.length} mesh-wide PeerAuthentications (${meshWide.map(label).join(", ")}): `
                        + "Istio silently applies only the oldest, so the mesh's mTLS mode depends on creation order. "
                        + `Fix: keep exactly one selectorless PeerAuthentication in ${rootNamespace} and delete the others.`, pa.urn);
                }
            }
            for (const pa of meshWide) {
                const mode = mtlsMode(pa.spec, "mtls");
                if (mode === UNKNOWN || mode === "STRICT") continue;
                const effective = mode === "UNSET" ? "PERMISSIVE" : mode;
                const shownMode = mode === "UNSET" ? "UNSET (at mesh level UNSET means PERMISSIVE)" : mode;
                report(`${label(pa)} is the mesh-wide PeerAuthentication but its mtls.mode is ${shownMode}: `
                    + `${WEAK_MODES[effective] ?? `${effective} is not a valid mode`}. Fix: set spec.mtls.mode to STRICT.`, pa.urn);
            }
        }
    },
};

/** A STRICT selectorless PeerAuthentication left in istio-system after meshConfig.rootNamespace moved: say it is only namespace-wide. */
function namespaceOnly(all: readonly IstioObject[], rootNamespace: string): string {
    const stranded = all.filter((pa) => !pa.patch && isNamespaceWide(pa) && pa.namespace === DEFAULT_ROOT_NAMESPACE && rootNamespace !== DEFAULT_ROOT_NAMESPACE);
    return stranded.map((pa) => `${label(pa)} has no selector, but ${DEFAULT_ROOT_NAMESPACE} is not the root namespace: it applies to namespace ${DEFAULT_ROOT_NAMESPACE} only. `).join("");
}

const exceptionDefaults = { rootNamespace: DEFAULT_ROOT_NAMESPACE, exceptions: [] as string[] };

export const noWeakMtls: StackValidationPolicy = {
    name: "no-permissive-mtls",
    description: "No PeerAuthentication with DISABLE or PERMISSIVE, top level or in portLevelMtls, unless listed as namespace/name in exceptions; no portLevelMtls without a selector.",
    enforcementLevel: "mandatory",
    configSchema: schema(exceptionDefaults, { rootNamespace: rootNamespaceProp, exceptions: exceptionsProp }),
    validateStack: async (args, report) => {
        const { rootNamespace, exceptions } = configOf(args, exceptionDefaults);
        const scope = await meshScope(args.resources, rootNamespace);
        for (const pa of scope.view.of("PeerAuthentication")) {
            checkWeakMtls(pa, scope.roots, exceptions, (m) => report(m, pa.urn));
        }
    },
};

function checkWeakMtls(pa: IstioObject, roots: readonly string[], exceptions: readonly string[], report: (m: string) => void): void {
    if (pa.namespace === UNKNOWN || pa.name === UNKNOWN) return;
    const ports = at(pa.spec, "portLevelMtls");
    if (isObject(ports) && Object.keys(ports).length > 0 && isNamespaceWide(pa)) {
        report(`${label(pa)} sets spec.portLevelMtls without a selector: Istio rejects port-level mTLS on mesh- and namespace-wide PeerAuthentications `
            + "(\"mesh/namespace peer authentication cannot have port level mTLS\"), so these port modes never apply. "
            + "Fix: move the port settings to a PeerAuthentication whose selector picks the workloads that listen on those ports.");
    }
    const id = `${pa.namespace}/${pa.name}`;
    if (exceptions.includes(id)) return;
    const weak = (where: string, mode: string) =>
        report(`${label(pa)} sets ${where} to ${mode}: ${WEAK_MODES[mode]}. Fix: use STRICT or UNSET (inherit the mesh-wide STRICT); `
            + `if this workload really must accept plaintext, add "${id}" to this policy's exceptions.`);
    const mode = mtlsMode(pa.spec, "mtls");
    // The mesh-wide top-level mode is mesh-wide-mtls-strict's, where UNSET also counts; its port entries are checked here.
    if (mode !== UNKNOWN && mode in WEAK_MODES && !roots.some((root) => isMeshWide(pa, root))) weak("spec.mtls.mode", mode);
    if (!isObject(ports)) return;
    for (const port of Object.keys(ports)) {
        const portMode = mtlsMode(ports, port);
        if (portMode !== UNKNOWN && portMode in WEAK_MODES) weak(`spec.portLevelMtls[${port}].mode`, portMode);
    }
}

export const rootNamespaceSelector: StackValidationPolicy = {
    name: "no-selector-in-root-namespace",
    description: "A PeerAuthentication with a selector or targetRef in the root namespace is ignored by Istio.",
    enforcementLevel: "mandatory",
    configSchema: schema(rootDefaults, { rootNamespace: rootNamespaceProp }),
    validateStack: async (args, report) => {
        const scope = await meshScope(args.resources, configOf(args, rootDefaults).rootNamespace);
        for (const pa of scope.view.of("PeerAuthentication")) {
            if (pa.scoped !== true || typeof pa.namespace !== "string" || !scope.roots.includes(pa.namespace)) continue;
            report(`${label(pa)} selects workloads in the ${rootLabel(scope, pa.namespace)}: Istio ignores workload-scoped `
                + "PeerAuthentications there, so its mTLS settings silently never apply. "
                + `Fix: move it to the namespace of the workloads it selects, or remove the selector to make it the mesh-wide policy.`, pa.urn);
        }
    },
};

function plural(kind: IstioKind): string {
    return kind.endsWith("y") ? `${kind.slice(0, -1)}ies` : `${kind}s`;
}

/** At most one namespace-wide object of a kind per namespace (the root namespace's one is checked by the mesh-wide rule). */
export function onePerNamespace(kind: IstioKind, name: string, consequence: string): StackValidationPolicy {
    return {
        name,
        description: `At most one ${kind} without a selector per namespace.`,
        enforcementLevel: "mandatory",
        configSchema: schema(rootDefaults, { rootNamespace: rootNamespaceProp }),
        validateStack: async (args, report) => {
            const scope = await meshScope(args.resources, configOf(args, rootDefaults).rootNamespace);
            const wide = scope.view.of(kind)
                .filter((o) => !o.patch && isNamespaceWide(o) && typeof o.namespace === "string" && !scope.roots.includes(o.namespace));
            for (const [namespace, objects] of groupBy(wide, (o) => o.namespace as string)) {
                if (objects.length < 2) continue;
                for (const o of objects) {
                    report(`${label(o)} is one of ${objects.length} ${plural(kind)} without a selector in namespace ${namespace} `
                        + `(${objects.map(label).join(", ")}): ${consequence} `
                        + `Fix: merge them into one namespace-wide ${kind} and give any others a selector.`, o.urn);
                }
            }
        },
    };
}

export const onePeerAuthenticationPerNamespace = onePerNamespace("PeerAuthentication", "one-peer-authentication-per-namespace",
    "Istio silently keeps only the oldest, so the namespace's mTLS mode depends on creation order.");

const drDefaults = { externalHosts: [] as string[] };

/** Every tls block of a DestinationRule, at any depth, with its path for messages. */
export function tlsSettings(spec: unknown): { path: string; mode: unknown }[] {
    const found: { path: string; mode: unknown }[] = [];
    const policy = (tp: unknown, path: string) => {
        if (!isObject(tp)) return;
        if (at(tp, "tls") !== undefined) found.push({ path: `${path}.tls.mode`, mode: at(tp, "tls", "mode") });
        const ports = list(at(tp, "portLevelSettings"));
        if (ports === UNKNOWN || ports === undefined) return;
        ports.forEach((p, n) => {
            if (at(p, "tls") === undefined) return;
            const port = at(p, "port", "number");
            found.push({ path: `${path}.portLevelSettings[${n}]${typeof port === "number" ? ` (port ${port})` : ""}.tls.mode`, mode: at(p, "tls", "mode") });
        });
    };
    policy(at(spec, "trafficPolicy"), "spec.trafficPolicy");
    const subsets = list(at(spec, "subsets"));
    if (Array.isArray(subsets)) {
        subsets.forEach((s, n) => {
            const subsetName = str(at(s, "name"));
            policy(at(s, "trafficPolicy"), `spec.subsets[${n}]${typeof subsetName === "string" ? ` (${subsetName})` : ""}.trafficPolicy`);
        });
    }
    return found;
}

/** Hosts are in the mesh unless declared external; short names and *.svc.* names always are. */
export function isInMesh(host: string, external: readonly string[]): boolean {
    if (!host.includes(".") || /\.svc(\.|$)/.test(host) || host === "*") return true;
    return !external.some((pattern) => pattern === host
        || (pattern.startsWith("*.") && host.endsWith(pattern.slice(1))));
}

/** Hosts of ServiceEntries outside the mesh (location defaults to MESH_EXTERNAL); MESH_INTERNAL ones are inside. */
export function externalHosts(view: StackView): string[] {
    const hosts: string[] = [];
    for (const se of view.of("ServiceEntry")) {
        if (str(at(se.spec, "location")) === "MESH_INTERNAL") continue;
        const declared = list(at(se.spec, "hosts"));
        if (Array.isArray(declared)) hosts.push(...declared.filter((h): h is string => typeof str(h) === "string"));
    }
    return hosts;
}

/** Hosts of MESH_INTERNAL ServiceEntries: in the mesh even when their names look external. */
function internalHosts(view: StackView): Set<string> {
    const hosts = new Set<string>();
    for (const se of view.of("ServiceEntry")) {
        if (str(at(se.spec, "location")) !== "MESH_INTERNAL") continue;
        const declared = list(at(se.spec, "hosts"));
        for (const h of Array.isArray(declared) ? declared : []) if (typeof h === "string") hosts.add(h);
    }
    return hosts;
}

export const destinationRuleTls: StackValidationPolicy = {
    name: "no-plaintext-to-mesh-hosts",
    description: "No DestinationRule with tls mode DISABLE toward an in-mesh host, at any depth (trafficPolicy, portLevelSettings, subsets); ExternalName Services and MESH_EXTERNAL ServiceEntries are outside the mesh, MESH_INTERNAL ones inside.",
    enforcementLevel: "mandatory",
    configSchema: schema(drDefaults, {
        externalHosts: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description: "Hosts outside the mesh (exact or *.suffix) besides those of MESH_EXTERNAL ServiceEntries and ExternalName Services in the stack.",
        },
    }),
    validateStack: (args, report: ReportViolation) => {
        const view = stackView(args.resources);
        const external = [...configOf(args, drDefaults).externalHosts, ...externalHosts(view)];
        const internal = internalHosts(view);
        const aliases = new Set(view.externalNameHosts);
        for (const dr of view.of("DestinationRule")) {
            checkDestinationRule(dr, external, internal, aliases, report);
        }
    },
};

/** ExternalName Services (`aliases`) are DNS names for something outside the mesh: no sidecar answers there. */
function checkDestinationRule(dr: IstioObject, external: readonly string[], internal: ReadonlySet<string>, aliases: ReadonlySet<string>, report: ReportViolation): void {
    const host = str(at(dr.spec, "host"));
    if (typeof host !== "string") return;
    // A short host is the Service of that name in the DestinationRule's namespace.
    const fqdn = !host.includes(".") && host !== "*" && typeof dr.namespace === "string" ? `${host}.${dr.namespace}.svc.cluster.local` : host;
    if (aliases.has(fqdn) || !(internal.has(host) || isInMesh(fqdn, external))) return;
    for (const { path, mode } of tlsSettings(dr.spec)) {
        if (mode !== "DISABLE") continue;
        report(`${label(dr)} sets ${path} to DISABLE toward in-mesh host ${host}: the client sidecar then sends plaintext, `
            + "which servers under STRICT mTLS reject (requests fail) and all others receive unauthenticated and unencrypted. "
            + `Fix: remove that tls block or use ISTIO_MUTUAL; if ${host} is outside the mesh, declare it with a ServiceEntry `
            + "(location MESH_EXTERNAL) or list it in this policy's externalHosts.", dr.urn);
    }
}

export const mtlsPolicies = [meshWideMtls, noWeakMtls, rootNamespaceSelector, onePeerAuthenticationPerNamespace, destinationRuleTls];
