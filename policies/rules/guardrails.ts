import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, exceptionsProp, schema } from "./config";
import { HelmRelease, helmRelease, releaseLabel } from "./helm";
import { istioObject, label, shown } from "./istio";
import { at, isObject, list, plain, str, UNKNOWN, walk } from "./values";

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const helmDefaults = { allowOci: false };

export const helmChartPinned: ResourceValidationPolicy = {
    name: "helm-chart-pinned",
    description: "Helm releases pin an exact chart version from an https repository.",
    enforcementLevel: "mandatory",
    configSchema: schema(helmDefaults, {
        allowOci: { type: "boolean", description: "Also accept charts from oci:// registries (chart given as oci://…)." },
    }),
    validateResource: async (args, report) => {
        const r = await helmRelease(args.type, args.props, args.urn, args.name);
        if (!r) return;
        const { allowOci } = configOf(args, helmDefaults);
        const oci = allowOci && typeof r.chart === "string" && r.chart.startsWith("oci://");
        if (r.version !== UNKNOWN && !(r.version && EXACT_VERSION.test(r.version))) {
            report(`${releaseLabel(r)} has chart version ${r.version ? `"${r.version}"` : "unset"}, not an exact version: `
                + "the chart (and every image it pins) then changes whenever the repository publishes, without a reviewed change. "
                + "Fix: set version to an exact release such as 1.30.5 (in versions.ts).");
        }
        if (typeof r.chart === "string" && r.chart.includes("://") && !oci && !r.chart.startsWith("https://")) {
            report(`${releaseLabel(r)} downloads its chart from ${r.chart}, not an https${allowOci ? " or oci" : ""} URL: `
                + "without TLS the chart that gets installed cannot be traced to a trusted source. "
                + `Fix: use an https://${allowOci ? " or oci://" : ""} chart URL, or a chart name with repositoryOpts.repo set to the chart's https repository URL.`);
        }
        // A chart URL is fetched as given; the repository then plays no part.
        const byUrl = typeof r.chart === "string" && r.chart.includes("://");
        if (!byUrl && r.repo !== UNKNOWN && !(r.repo && r.repo.startsWith("https://"))) {
            report(`${releaseLabel(r)} ${r.repo ? `comes from repository ${r.repo}` : "sets no repositoryOpts.repo"}, not an https repository: `
                + "without TLS (or without a declared repository) the chart that gets installed cannot be traced to a trusted source. "
                + "Fix: set repositoryOpts.repo to the chart's https repository URL.");
        }
    },
};

export const helmValuesReadable: ResourceValidationPolicy = {
    name: "helm-values-readable",
    description: "Helm valueYamlFiles are text the pack can read (not file or remote assets, valid YAML maps), so values-based rules see every value.",
    enforcementLevel: "mandatory",
    configSchema: schema({}, {}),
    validateResource: async (args, report) => {
        const r = await helmRelease(args.type, args.props, args.urn, args.name);
        for (const file of r?.unreadable ?? []) {
            report(`${releaseLabel(r!)} takes values from ${file}, which the pack cannot read: it cannot review values it cannot read, `
                + "so every values-based rule (images, sampling, anonymous access, service types) would pass whatever that file sets. "
                + "Fix: pass the values inline (values) or as a text asset (new pulumi.asset.StringAsset(yaml)).");
        }
    },
};

/** Why an image reference is not pinned, or undefined when it is (tag other than latest, or digest). */
export function unpinnedImage(ref: string): string | undefined {
    if (ref.includes("@sha256:")) return undefined;
    const lastSlash = ref.lastIndexOf("/");
    const colon = ref.indexOf(":", lastSlash + 1);
    if (colon < 0) return "has no tag (pulls latest)";
    return ref.slice(colon + 1) === "latest" ? "uses the latest tag" : undefined;
}

const imageDefaults = { exceptions: [] as string[] };

export const noLatestImages: ResourceValidationPolicy = {
    name: "no-latest-images",
    description: "No latest or untagged container images in Helm values or Kubernetes objects.",
    enforcementLevel: "mandatory",
    configSchema: schema(imageDefaults, {
        exceptions: { type: "array", items: { type: "string", minLength: 1 }, description: "Image references allowed as they are (exact match)." },
    }),
    validateResource: async (args, report) => {
        if (!args.type.startsWith("kubernetes:")) return;
        const { exceptions } = configOf(args, imageDefaults);
        const release = await helmRelease(args.type, args.props, args.urn, args.name);
        const root = release?.values ?? plain(args.props);
        const what = release ? releaseLabel(release) : `${args.type.split(":").pop()} ${args.name}`;
        const where = release ? "values." : "";
        walk(root, (key, value, path) => {
            if (typeof value !== "string" || value === "" || exceptions.includes(value)) return;
            let problem: string | undefined;
            if (key === "image") {
                // Istio charts use `image: auto` (injected) and bare image names beside hub/tag.
                const parent = at(root, ...parentPath(path));
                const bareName = !value.includes("/") && !value.includes(":") && isObject(parent) && "hub" in parent;
                // Beside a tag key the image is a repository; the tag key is checked on its own.
                const tagged = isObject(parent) && Object.keys(parent).some((k) => TAG_KEY.test(k));
                if (value !== "auto" && !bareName && !tagged) problem = unpinnedImage(value);
            } else if (value === "latest" && (IMAGE_TAG_KEY.test(key) || (/^version$/i.test(key) && besideImage(at(root, ...parentPath(path)))))) {
                problem = "uses the latest tag";
            }
            if (problem) {
                report(`${what} sets ${where}${path} to "${value}", which ${problem}: `
                    + "every node pull can then run different code, rollbacks don't restore the old image, and what runs is not what was reviewed. "
                    + "Fix: pin an exact tag (or a digest) such as 1.30.5, or leave the tag empty so the chart's pinned appVersion applies.");
            }
        });
    },
};

/** Keys that hold an image tag: tag, imageTag, image_version (Kiali)...; `version` only next to an image key. */
const IMAGE_TAG_KEY = /^(tag|image_?(tag|version))$/i;
const TAG_KEY = /^(image_?)?(tag|version)$/i;
const IMAGE_KEY = /^(image(_?name|_?repository)?|repository|hub)$/i;

function besideImage(parent: unknown): boolean {
    return isObject(parent) && Object.keys(parent).some((k) => IMAGE_KEY.test(k));
}

/** Splits a walk() path ("a.b[2].image") into at() keys, minus the last one. */
function parentPath(path: string): (string | number)[] {
    const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "").map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    return keys.slice(0, -1);
}

/** What Grafana's ini parser (go-ini) reads as true; Helm renders booleans and numbers as these strings. */
const INI_TRUE = new Set(["1", "t", "T", "true", "TRUE", "True", "y", "YES", "yes", "Yes", "ON", "on", "On"]);

/** A Grafana setting: the GF_<SECTION>_<KEY> environment variable overrides grafana.ini. */
function grafanaSetting(v: unknown, section: string, key: string): unknown {
    const env = at(v, "env", `GF_${section.replace(/\./g, "_").toUpperCase()}_${key.toUpperCase()}`);
    return env ?? at(v, "grafana.ini", section, key);
}

/** Anonymous access beyond the allowed Grafana roles (or Kiali without view-only mode), per UI chart. */
function anonymousAdmin(r: HelmRelease, allowedRoles: readonly string[]): string | undefined {
    const grafana = (v: unknown): string | undefined => {
        const on = grafanaSetting(v, "auth.anonymous", "enabled");
        const enabled = on === true || ((typeof on === "string" || typeof on === "number") && INI_TRUE.has(String(on)));
        const role = str(grafanaSetting(v, "auth.anonymous", "org_role"));
        // Grafana's anonymous role defaults to Viewer.
        const effective = typeof role === "string" ? role : "Viewer";
        return enabled && role !== UNKNOWN && !allowedRoles.includes(effective)
            ? `Grafana allows anonymous users with org_role ${effective}` : undefined;
    };
    const kiali = (v: unknown): string | undefined =>
        at(v, "auth", "strategy") === "anonymous" && at(v, "deployment", "view_only_mode") !== true
            ? "Kiali uses auth.strategy anonymous without deployment.view_only_mode" : undefined;
    switch (r.chartName) {
        case "grafana": return grafana(r.values);
        case "kube-prometheus-stack": return grafana(at(r.values, "grafana"));
        case "kiali-server": return kiali(r.values);
        case "kiali-operator": return kiali(at(r.values, "cr", "spec"));
        default: return undefined;
    }
}

const anonymousDefaults = { allowedAnonymousRoles: ["Viewer"] };

export const noAnonymousAdmin: ResourceValidationPolicy = {
    name: "no-anonymous-ui-admin",
    description: "Grafana and Kiali grant no anonymous admin or edit rights.",
    enforcementLevel: "mandatory",
    configSchema: schema(anonymousDefaults, {
        allowedAnonymousRoles: {
            type: "array",
            items: { type: "string", enum: ["Viewer", "Editor", "Admin"] },
            description: "Grafana org roles anonymous users may have.",
        },
    }),
    validateResource: async (args, report) => {
        const r = await helmRelease(args.type, args.props, args.urn, args.name);
        const problem = r && anonymousAdmin(r, configOf(args, anonymousDefaults).allowedAnonymousRoles);
        if (r && problem) {
            report(`${releaseLabel(r)}: ${problem}: anyone who reaches the UI can change dashboards, data sources or mesh configuration `
                + "without logging in. Fix: turn anonymous access off (or limit it to Viewer / Kiali view_only_mode) and use the UI's login or SSO.");
        }
    },
};

const authzDefaults = { exceptions: [] as string[] };

export const noAllowAll: ResourceValidationPolicy = {
    name: "no-allow-all-authorization",
    description: "An ALLOW AuthorizationPolicy with an empty rule allows every request.",
    enforcementLevel: "mandatory",
    configSchema: schema(authzDefaults, { exceptions: exceptionsProp }),
    validateResource: (args, report) => {
        const ap = istioObject(args.type, args.props, args.urn, args.name);
        if (ap?.kind !== "AuthorizationPolicy" || ap.namespace === UNKNOWN || ap.name === UNKNOWN) return;
        const action = str(at(ap.spec, "action")) ?? "ALLOW";
        if (action !== "ALLOW") return;
        const id = `${ap.namespace}/${ap.name}`;
        if (configOf(args, authzDefaults).exceptions.includes(id)) return;
        const rules = list(at(ap.spec, "rules"));
        if (!Array.isArray(rules)) return;
        rules.forEach((rule, n) => {
            const empty = (k: string) => {
                const v = at(rule, k);
                return v === undefined || v === null || (Array.isArray(v) && v.length === 0);
            };
            if (isObject(rule) && empty("from") && empty("to") && empty("when")) {
                report(`${label(ap)} is an ALLOW policy whose rules[${n}] is empty: an empty rule matches every request, so it allows `
                    + "all traffic to the workloads it selects and cancels the deny-by-default that ALLOW policies otherwise give. "
                    + "Fix: constrain the rule with from.source (principals, namespaces) or to.operation; `spec: {}` denies all if that was meant; "
                    + `if allow-all is intended, add "${id}" to this policy's exceptions.`);
            }
        });
    },
};

/** Pod labels that name the application a Service selects. */
const UI_SELECTOR_LABELS = ["app", "app.kubernetes.io/name"];

const uiDefaults = {
    uiCharts: ["grafana", "kube-prometheus-stack", "kiali-server", "kiali-operator", "jaeger", "prometheus", "alertmanager"],
    uiServicePattern: "grafana|kiali|jaeger|prometheus|alertmanager|tracing|zipkin",
};

export const noPublicUi: ResourceValidationPolicy = {
    name: "no-loadbalancer-ui",
    description: "Internal UIs (Grafana, Kiali, Jaeger, Prometheus, Alertmanager) are not exposed as LoadBalancer services.",
    enforcementLevel: "mandatory",
    configSchema: schema(uiDefaults, {
        uiCharts: { type: "array", items: { type: "string" }, description: "Charts whose services are internal UIs." },
        uiServicePattern: { type: "string", description: "Regular expression matching the names of internal UI Services, or the app / app.kubernetes.io/name label their selector picks." },
    }),
    validateResource: async (args, report) => {
        const { uiCharts, uiServicePattern } = configOf(args, uiDefaults);
        const fix = "internal UIs then get an address outside the cluster, protected only by their own (often weaker or anonymous) logins. "
            + "Fix: use ClusterIP and reach the UI with kubectl port-forward, or publish it through the ingress gateway behind authentication.";
        const r = await helmRelease(args.type, args.props, args.urn, args.name);
        if (r) {
            if (typeof r.chartName !== "string" || !uiCharts.includes(r.chartName)) return;
            walk(r.values, (key, value, path) => {
                if (value !== "LoadBalancer") return;
                if ((key === "type" && /(^|\.)service\.type$/.test(path)) || key === "service_type") {
                    report(`${releaseLabel(r)} sets values.${path} to LoadBalancer: ${fix}`);
                }
            });
            return;
        }
        if (args.type !== "kubernetes:core/v1:Service") return;
        const props = plain(args.props);
        if (at(props, "spec", "type") !== "LoadBalancer") return;
        const ui = new RegExp(uiServicePattern);
        const name = str(at(props, "metadata", "name")) ?? args.name;
        // A Service named otherwise is still the UI's when it selects the UI's pods.
        const selected = UI_SELECTOR_LABELS.map((k) => [k, str(at(props, "spec", "selector", k))] as const)
            .find(([, v]) => typeof v === "string" && ui.test(v));
        if (typeof name === "string" && ui.test(name)) {
            report(`Service ${name} is of type LoadBalancer: ${fix}`);
        } else if (selected) {
            report(`Service ${shown(name)} (selects ${selected[0]}=${String(selected[1])}) is of type LoadBalancer: ${fix}`);
        }
    },
};

export const guardrailPolicies = [helmChartPinned, helmValuesReadable, noLatestImages, noAnonymousAdmin, noAllowAll, noPublicUi];
