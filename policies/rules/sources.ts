import { ResourceValidationPolicy } from "@pulumi/policy";
import { schema } from "./config";
import { helmRelease, releaseLabel } from "./helm";
import { plain, walk } from "./values";

/**
 * Where Istio no longer serves from: its old chart bucket loses the charts in December 2026, and both registries are
 * decommissioned (istio.io blog "An update on our move to AWS", 2026-08-21; Istio 1.31 upgrade notes).
 */
export const RETIRED_ISTIO_LOCATIONS = ["istio-release.storage.googleapis.com", "gcr.io/istio-release", "registry.istio.io"] as const;

/** The retired location a chart URL, repository, hub or image reference points at, if any. */
export function retiredIstioLocation(value: string): string | undefined {
    const bare = value.trim().replace(/^(https?|oci):\/\//, "");
    return RETIRED_ISTIO_LOCATIONS.find((loc) => bare === loc || bare.startsWith(`${loc}/`) || bare.startsWith(`${loc}:`));
}

const FIX = "Istio stops serving these (charts leave istio-release.storage.googleapis.com in December 2026; gcr.io/istio-release and "
    + "registry.istio.io are decommissioned), so the next install, upgrade, node replacement or scale-up fails to pull. "
    + "Fix: take Istio charts from https://blob.istio.io/istio-release/charts (or oci://ghcr.io/istio/release/charts) and set the image hub "
    + "to docker.io/istio explicitly (ISTIO_REPO and ISTIO_HUB in versions.ts).";

export const noRetiredIstioSources: ResourceValidationPolicy = {
    name: "no-retired-istio-sources",
    description: "Istio charts and images do not come from retired locations (istio-release.storage.googleapis.com, gcr.io/istio-release, registry.istio.io).",
    enforcementLevel: "mandatory",
    configSchema: schema({}, {}),
    validateResource: async (args, report) => {
        if (!args.type.startsWith("kubernetes:")) return;
        const release = await helmRelease(args.type, args.props, args.urn, args.name);
        if (release) {
            for (const [field, value] of [["chart", release.chart], ["repositoryOpts.repo", release.repo]] as const) {
                const retired = typeof value === "string" ? retiredIstioLocation(value) : undefined;
                if (retired) report(`${releaseLabel(release)} takes its chart from ${retired} (${field} ${String(value)}): ${FIX}`);
            }
        }
        const what = release ? releaseLabel(release) : `${args.type.split(":").pop()} ${args.name}`;
        const where = release ? "values." : "";
        walk(release?.values ?? plain(args.props), (_key, value, path) => {
            const retired = typeof value === "string" ? retiredIstioLocation(value) : undefined;
            if (retired) report(`${what} sets ${where}${path} to "${value}", an image location on ${retired}: ${FIX}`);
        });
    },
};

export const sourcePolicies = [noRetiredIstioSources];
