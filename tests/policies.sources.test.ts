import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PackConfig } from "../tools/policyRunner";
import { ISTIO_HUB, ISTIO_REPO } from "../versions";
import { retiredIstioLocation } from "../policies/rules/sources";
import { deployment, release, withResources } from "./fixtures/resources";
import { messages, report } from "./fixtures/run";

const policy = "no-retired-istio-sources";
const FIX = "Istio stops serving these (charts leave istio-release.storage.googleapis.com in December 2026; gcr.io/istio-release and "
    + "registry.istio.io are decommissioned), so the next install, upgrade, node replacement or scale-up fails to pull. "
    + "Fix: take Istio charts from https://blob.istio.io/istio-release/charts (or oci://ghcr.io/istio/release/charts) and set the image hub "
    + "to docker.io/istio explicitly (ISTIO_REPO and ISTIO_HUB in versions.ts).";
const configFile = (env: string): PackConfig => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policies", "config", `${env}.json`), "utf8"));

describe("policies: no-retired-istio-sources", () => {
    it("recognises the three retired locations with or without a scheme, and nothing else", () => {
        assert.deepStrictEqual([
            "https://istio-release.storage.googleapis.com/charts", "gcr.io/istio-release", "gcr.io/istio-release/proxyv2:1.30.5",
            "oci://registry.istio.io/release/charts/istiod", "registry.istio.io/testing",
        ].map(retiredIstioLocation), [
            "istio-release.storage.googleapis.com", "gcr.io/istio-release", "gcr.io/istio-release", "registry.istio.io", "registry.istio.io",
        ]);
        assert.deepStrictEqual([ISTIO_REPO, ISTIO_HUB, "docker.io/istio/proxyv2:1.31.1", "gcr.io/istio-release-mirror/x", "oci://ghcr.io/istio/release/charts/istiod"]
            .map(retiredIstioLocation), [undefined, undefined, undefined, undefined, undefined]);
    });

    it("reports a chart repository, a chart URL, a hub in values and an image in a pod spec on a retired location", async () => {
        const found = await messages(policy, withResources(
            release("istiod", "istiod", { global: { hub: "gcr.io/istio-release", tag: "1.30.5" } }, { repo: "https://istio-release.storage.googleapis.com/charts" }),
            release("ztunnel", "oci://registry.istio.io/release/charts/ztunnel", { hub: ISTIO_HUB }, { repo: null }),
            deployment("legacy", "shop", "gcr.io/istio-release/proxyv2:1.30.5"),
        ));
        assert.deepStrictEqual(found, [
            `istiod: Helm release istiod (chart istiod) takes its chart from istio-release.storage.googleapis.com (repositoryOpts.repo https://istio-release.storage.googleapis.com/charts): ${FIX}`,
            `istiod: Helm release istiod (chart istiod) sets values.global.hub to "gcr.io/istio-release", an image location on gcr.io/istio-release: ${FIX}`,
            `ztunnel: Helm release ztunnel (chart oci://registry.istio.io/release/charts/ztunnel) takes its chart from registry.istio.io (chart oci://registry.istio.io/release/charts/ztunnel): ${FIX}`,
            `legacy: Deployment legacy sets spec.template.spec.containers[0].image to "gcr.io/istio-release/proxyv2:1.30.5", an image location on gcr.io/istio-release: ${FIX}`,
        ]);
    });

    it("passes Istio charts from blob.istio.io with the docker.io/istio hub", async () => {
        assert.deepStrictEqual(await messages(policy, withResources(
            release("istiod", "istiod", { global: { hub: ISTIO_HUB, tag: "1.31.1" } }, { repo: ISTIO_REPO, version: "1.31.1" }),
            deployment("app", "shop", "docker.io/istio/proxyv2:1.31.1"),
        )), []);
    });

    it("is advisory under dev.json and staging.json, mandatory under prod.json and without a config", async () => {
        const resources = withResources(release("istiod", "istiod", {}, { repo: "https://istio-release.storage.googleapis.com/charts" }));
        const levels = async (config: PackConfig) => (await report(resources, config)).filter((l) => l.includes(` ${policy} `)).map((l) => l.split(" ")[0]);
        assert.deepStrictEqual(await levels(configFile("dev")), ["advisory"]);
        assert.deepStrictEqual(await levels(configFile("staging")), ["advisory"]);
        assert.deepStrictEqual(await levels(configFile("prod")), ["mandatory"]);
        assert.deepStrictEqual(await levels({}), ["mandatory"]);
    });
});
