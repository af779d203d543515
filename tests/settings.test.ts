import * as assert from "assert";
import * as path from "path";
import { loadSettings, Settings } from "../settings";
import { presets } from "../settings/presets";
import { errorOf } from "./harness";

/** Raw config as the CLI hands it over: strings, lists/objects as JSON. */
function load(stack: string, values: Record<string, unknown>, secretKeys: string[] = []): Settings {
    const raw: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) raw[k] = typeof v === "string" ? v : JSON.stringify(v);
    return loadSettings({ values: raw, secretKeys: new Set(secretKeys) }, "meshstack", stack);
}

const aks = { "cluster.kind": "aks", "aks.location": "westeurope" };
/** What prod needs besides a cluster: Loki's object storage. */
const prodLoki = { "observability.lokiBucket": "meshstack-prod-loki", "observability.lokiRegion": "eu-west-1" };

describe("settings", () => {
    describe("environment presets", () => {
        it("dev defaults to a kind cluster, sidecar mode and laptop-sized replicas", () => {
            const s = load("dev", {});
            assert.strictEqual(s.environment, "dev");
            assert.deepStrictEqual(s.cluster, {
                kind: "kind", name: "meshstack-dev", protect: false, kubernetesVersion: "1.35",
                kindCluster: { httpPort: 8080, httpsPort: 8443, workers: 0 },
            });
            assert.deepStrictEqual(s.mesh, {
                mode: "sidecar", egressGateway: false, outboundTrafficPolicy: "ALLOW_ANY", version: "1.31.1",
                istiodReplicas: 1, istiodMaxReplicas: 1, gatewayReplicas: 1, gatewayMaxReplicas: 1,
            });
            assert.strictEqual(s.preset, presets.dev);
        });

        it("prod protects the cluster and defaults to REGISTRY_ONLY, an egress gateway and HA control plane", () => {
            const s = load("prod", { ...aks, ...prodLoki });
            assert.strictEqual(s.cluster.protect, true);
            assert.deepStrictEqual(s.mesh, {
                mode: "sidecar", egressGateway: true, outboundTrafficPolicy: "REGISTRY_ONLY", version: "1.31.1",
                istiodReplicas: 2, istiodMaxReplicas: 5, gatewayReplicas: 2, gatewayMaxReplicas: 5,
            });
            assert.deepStrictEqual(s.cluster.kind === "aks" && s.cluster.aks, {
                location: "westeurope", resourceGroupName: "meshstack-prod-rg", systemVmSize: "Standard_D4ds_v5",
                systemNodeCount: 3, userVmSize: "Standard_D4ds_v5", userMinCount: 3, userMaxCount: 10,
            });
        });

        it("staging is a preset in code even without a stack file", () => {
            const s = load("staging", { "cluster.kind": "eks", "eks.region": "eu-west-1" });
            assert.strictEqual(s.environment, "staging");
            assert.strictEqual(s.mesh.istiodReplicas, 2);
            assert.deepStrictEqual(s.cluster.kind === "eks" && s.cluster.eks, {
                region: "eu-west-1", subnetIds: [], vpcCidr: "10.0.0.0/16", availabilityZones: 2, adminPrincipals: [],
                instanceTypes: ["m6i.large"], nodeMinSize: 2, nodeMaxSize: 5,
            });
        });

        it("stack values override the preset and environment can be set for any stack name", () => {
            const s = load("team-a", { environment: "dev", "mesh.mode": "ambient", "kind.workers": 2, "cluster.name": "team-a" });
            assert.strictEqual(s.environment, "dev");
            assert.strictEqual(s.mesh.mode, "ambient");
            assert.strictEqual(s.cluster.name, "team-a");
            assert.deepStrictEqual(s.cluster.kind === "kind" && s.cluster.kindCluster, { httpPort: 8080, httpsPort: 8443, workers: 2 });
        });

        it("accepts a kubeconfig file and a /16-/24 VPC network", () => {
            const s = load("dev", { "cluster.kind": "existing", "existing.kubeconfigPath": path.join(__dirname, "fixtures", "kubeconfig.yaml") });
            assert.strictEqual(s.cluster.kind === "existing" && s.cluster.existing.kubeconfigPath, path.join(__dirname, "fixtures", "kubeconfig.yaml"));
            const eks = load("dev", { "cluster.kind": "eks", "eks.region": "eu-west-1", "eks.vpcCidr": "172.20.8.0/22" });
            assert.strictEqual(eks.cluster.kind === "eks" && eks.cluster.eks.vpcCidr, "172.20.8.0/22");
        });

        it("keeps the kubeconfig of an existing cluster secret", async () => {
            const s = load("dev", { "cluster.kind": "existing", "existing.kubeconfig": "apiVersion: v1", "existing.context": "ops" }, ["existing.kubeconfig"]);
            assert.ok(s.cluster.kind === "existing");
            if (s.cluster.kind !== "existing") return;
            assert.strictEqual(s.cluster.existing.context, "ops");
            assert.strictEqual(s.cluster.existing.loadBalancer, true);
            assert.strictEqual(await (s.cluster.existing.kubeconfig as any).isSecret, true);
        });
    });

    describe("validation messages", () => {
        const cases: [string, string, Record<string, unknown>, string[]?][] = [
            ["an unsupported cluster kind", "meshstack:cluster.kind \"gke\" is not supported; use one of: kind, existing, aks, eks",
                { "cluster.kind": "gke" }],
            ["an unsupported mesh mode", "meshstack:mesh.mode \"cni\" is not supported; use one of: sidecar, ambient",
                { "mesh.mode": "cni" }],
            ["an unknown key, with the closest match", "meshstack:cluster.knd is not a meshstack setting; did you mean meshstack:cluster.kind? every setting is listed in Pulumi.yaml",
                { "cluster.knd": "kind" }],
            ["an unknown key with no close match", "meshstack:grafana.theme is not a meshstack setting; every setting is listed in Pulumi.yaml",
                { "grafana.theme": "dark" }],
            ["a word where a number belongs", "meshstack:kind.workers \"two\" is not a whole number; use a whole number from 0 to 4",
                { "kind.workers": "two" }],
            ["a number out of range", "meshstack:mesh.istiodReplicas 0 is out of range; use a whole number from 1 to 10",
                { "mesh.istiodReplicas": 0 }],
            ["a word where a boolean belongs", "meshstack:cluster.protect \"yes\" is not a boolean; use true or false",
                { "cluster.protect": "yes" }],
            ["a malformed Kubernetes version", "meshstack:cluster.kubernetesVersion \"1.35.2\" is not valid; use a Kubernetes minor version such as 1.34",
                { ...aks, "cluster.kubernetesVersion": "1.35.2" }],
            ["a Kubernetes version Istio does not support", "meshstack:cluster.kubernetesVersion \"1.29\" is outside the range the pinned Istio supports; use 1.32 to 1.36",
                { ...aks, "cluster.kubernetesVersion": "1.29" }],
            ["a Kubernetes version on kind", "meshstack:cluster.kubernetesVersion applies to aks and eks only; a kind cluster's version comes from the node image pinned in versions.ts; remove it",
                { "cluster.kubernetesVersion": "1.34" }],
            ["a setting of another cluster kind", "meshstack:aks.location is set but meshstack:cluster.kind is \"kind\"; remove it, or set cluster.kind to aks",
                { "aks.location": "westeurope" }],
            ["a missing required setting", "meshstack:aks.location is required when cluster.kind is \"aks\"; set it: pulumi config set aks.location westeurope",
                { "cluster.kind": "aks" }],
            ["a lower bound above the upper bound", "meshstack:aks.userMinCount 6 is above meshstack:aks.userMaxCount 3; the lower bound must not exceed the upper bound",
                { ...aks, "aks.userMinCount": 6 }],
            ["replicas above their maximum", "meshstack:mesh.gatewayReplicas 3 is above meshstack:mesh.gatewayMaxReplicas 1; the lower bound must not exceed the upper bound",
                { "mesh.gatewayReplicas": 3 }],
            ["a plaintext kubeconfig", "meshstack:existing.kubeconfig is stored in plaintext; store it as a secret: pulumi config rm existing.kubeconfig && pulumi config set --secret existing.kubeconfig < <file>",
                { "cluster.kind": "existing", "existing.kubeconfig": "apiVersion: v1" }],
            ["a kubeconfig path that does not exist", "meshstack:existing.kubeconfigPath \"/nonexistent/kubeconfig\" does not exist; point it at a kubeconfig file",
                { "cluster.kind": "existing", "existing.kubeconfigPath": "/nonexistent/kubeconfig" }],
            ["a kubeconfig path that is a directory", "meshstack:existing.kubeconfigPath \"/tmp\" is not a file; point it at a kubeconfig file",
                { "cluster.kind": "existing", "existing.kubeconfigPath": "/tmp" }],
            ["a kubeconfig path to a file that is no kubeconfig", "meshstack:existing.kubeconfigPath \"/etc/hostname\" has no clusters: list, so it is not a kubeconfig; point it at a kubeconfig file",
                { "cluster.kind": "existing", "existing.kubeconfigPath": "/etc/hostname" }],
            ["a VPC CIDR with an octet above 255", "meshstack:eks.vpcCidr \"300.0.0.0/16\" is not valid; use an IPv4 network from /16 to /24 with its host bits zero, such as 10.0.0.0/16",
                { "cluster.kind": "eks", "eks.region": "eu-west-1", "eks.vpcCidr": "300.0.0.0/16" }],
            ["a VPC CIDR with host bits set", "meshstack:eks.vpcCidr \"10.0.0.1/16\" is not valid; use an IPv4 network from /16 to /24 with its host bits zero, such as 10.0.0.0/16",
                { "cluster.kind": "eks", "eks.region": "eu-west-1", "eks.vpcCidr": "10.0.0.1/16" }],
            ["a list where one string belongs", "meshstack:cluster.name is a list; give one string, e.g. pulumi config set cluster.name <value>",
                { "cluster.name": ["a", "b"] }],
            ["a malformed Loki bucket (reported once, not also as missing)", "meshstack:observability.lokiBucket \"b\" is not valid; use an S3 bucket name such as meshstack-prod-loki",
                { "observability.lokiStorage": "s3", "observability.lokiBucket": "b", "observability.lokiRegion": "eu-west-1" }],
            ["an existing cluster without a kubeconfig", "meshstack:existing.kubeconfig or meshstack:existing.kubeconfigPath is required when cluster.kind is \"existing\"; set one: pulumi config set existing.kubeconfigPath ~/.kube/config",
                { "cluster.kind": "existing" }],
            ["a subnet list that is not a list", "meshstack:eks.subnetIds \"subnet-0123456789abcdef0\" is not a list of strings; write it as a YAML list in the stack file",
                { "cluster.kind": "eks", "eks.region": "eu-west-1", "eks.subnetIds": "subnet-0123456789abcdef0" }],
            ["a single subnet", "meshstack:eks.subnetIds [\"subnet-0123456789abcdef0\"] names fewer than two distinct subnets; EKS needs subnets in at least two availability zones",
                { "cluster.kind": "eks", "eks.region": "eu-west-1", "eks.subnetIds": ["subnet-0123456789abcdef0"] }],
            ["a malformed admin ARN", "meshstack:eks.adminPrincipals \"admin\" is not valid; use an IAM role or user ARN such as arn:aws:iam::123456789012:role/platform-admin",
                { "cluster.kind": "eks", "eks.region": "eu-west-1", "eks.adminPrincipals": ["admin"] }],
            ["an invalid cluster name", "meshstack:cluster.name \"Mesh_1\" is not valid; use lowercase letters, digits and '-', at most 40 characters, starting with a letter",
                { "cluster.name": "Mesh_1" }],
            ["the same port twice on kind", "meshstack:kind.httpsPort 8080 is the same port as meshstack:kind.httpPort; use two different ports",
                { "kind.httpsPort": 8080 }],
        ];
        for (const [what, message, values, secrets] of cases) {
            it(`names the key, the value and the fix for ${what}`, async () => {
                assert.strictEqual(await errorOf(() => load("dev", values, secrets)), message);
            });
        }

        it("requires a cluster kind outside dev", async () => {
            assert.strictEqual(await errorOf(() => load("prod", prodLoki)),
                "meshstack:cluster.kind is required for environment prod; use one of: kind, existing, aks, eks (pulumi config set cluster.kind <kind>)");
        });

        it("requires an environment for a stack not named after one", async () => {
            assert.strictEqual(await errorOf(() => load("qa", {})),
                "meshstack:environment is required for stack \"qa\" (only stacks named dev, staging or prod imply it); use one of: dev, staging, prod");
        });

        it("reports every problem at once, one line each, as a SettingsError", async () => {
            let error: any;
            try {
                load("dev", { "mesh.mode": "cni", "kind.workers": 9 });
            } catch (e) {
                error = e;
            }
            assert.strictEqual(error.name, "SettingsError");
            assert.deepStrictEqual(error.problems, [
                "meshstack:mesh.mode \"cni\" is not supported; use one of: sidecar, ambient",
                "meshstack:kind.workers 9 is out of range; use a whole number from 0 to 4",
            ]);
            assert.strictEqual(error.message.split("\n").length, 2);
        });
    });
});
