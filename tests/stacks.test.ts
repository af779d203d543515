import * as assert from "assert";
import { ProgramRun } from "../tools/mockRuntime";
import { KIND_NODE_IMAGE } from "../versions";
import { depNames, evaluate, evaluateStackFile, one, ofType, providerName } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** Type and name of every child of a component, in registration order. */
function children(run: ProgramRun, componentType: string): string[] {
    const parent = run.resources.find((r) => r.type === componentType)!.urn;
    return run.resources.filter((r) => r.parent === parent).map((r) => `${r.type} ${r.name}`);
}

function release(run: ProgramRun, name: string) {
    const r = one(run, RELEASE, name);
    return { release: r.inputs.name, chart: r.inputs.chart, version: r.inputs.version, namespace: r.inputs.namespace, repo: r.inputs.repositoryOpts?.repo };
}

const ISTIO_REPO = "https://blob.istio.io/istio-release/charts";

describe("dev stack (kind, sidecar)", () => {
    let run: ProgramRun;
    before(async () => { run = await evaluateStackFile("dev"); });

    it("creates the kind cluster with the kind CLI and reads its kubeconfig", () => {
        assert.deepStrictEqual(children(run, "meshstack:cluster:KindCluster"), [
            "command:local:Command cluster-create",
            "command:local:Command cluster-kubeconfig",
            "pulumi:providers:kubernetes cluster-provider",
        ]);
        const create = one(run, "command:local:Command", "cluster-create");
        assert.match(create.inputs.create, /kind create cluster --name "\$KIND_CLUSTER" --config "\$cfg"/);
        assert.strictEqual(create.inputs.delete, 'kind delete cluster --name "$KIND_CLUSTER"');
        assert.strictEqual(create.inputs.environment.KIND_CLUSTER, "meshstack-dev");
        assert.ok(create.inputs.environment.KIND_CONFIG.includes(`image: ${KIND_NODE_IMAGE}`));
        assert.strictEqual(create.protect, false);
        assert.strictEqual(create.deleteBeforeReplace, true);
        const read = one(run, "command:local:Command", "cluster-kubeconfig");
        assert.strictEqual(read.inputs.create, 'kind get kubeconfig --name "$KIND_CLUSTER"');
        assert.deepStrictEqual(depNames(read), ["cluster-create"]);
        assert.deepStrictEqual(depNames(one(run, "pulumi:providers:kubernetes", "cluster-provider")), ["cluster-kubeconfig"]);
    });

    it("installs Istio base -> istiod -> ingress gateway, pinned, on the cluster's provider", () => {
        assert.deepStrictEqual(release(run, "mesh-base"), { release: "istio-base", chart: "base", version: "1.31.1", namespace: "istio-system", repo: ISTIO_REPO });
        assert.deepStrictEqual(release(run, "mesh-istiod-1-31-1"), { release: "istiod-1-31-1", chart: "istiod", version: "1.31.1", namespace: "istio-system", repo: ISTIO_REPO });
        assert.deepStrictEqual(release(run, "mesh-ingress-gateway"), { release: "istio-ingressgateway", chart: "gateway", version: "1.31.1", namespace: "istio-ingress", repo: ISTIO_REPO });
        assert.deepStrictEqual(depNames(one(run, RELEASE, "mesh-base")), ["mesh-ns-system"]);
        assert.deepStrictEqual(depNames(one(run, RELEASE, "mesh-istiod-1-31-1")), ["mesh-base", "mesh-ns-system"]);
        assert.deepStrictEqual(depNames(one(run, RELEASE, "mesh-ingress-gateway")), ["mesh-istiod-1-31-1", "mesh-ns-ingress", "mesh-tag-stable"]);
        const kubernetesResources = run.resources.filter((x) => x.type.startsWith("kubernetes:"));
        assert.ok(kubernetesResources.length > 40, `${kubernetesResources.length} Kubernetes resources`);
        for (const r of kubernetesResources) {
            assert.strictEqual(providerName(r), "cluster-provider", `${r.type} ${r.name} must use the cluster's provider`);
        }
        assert.strictEqual(ofType(run, RELEASE).filter((r) => r.inputs.chart === "cni" || r.inputs.chart === "ztunnel").length, 0);
    });

    it("exposes the gateway as a NodePort and sizes everything for a laptop", () => {
        const gw = one(run, RELEASE, "mesh-ingress-gateway").inputs;
        assert.strictEqual(gw.values.service.type, "NodePort");
        assert.strictEqual(gw.timeout, 600);
        assert.strictEqual(gw.atomic, false);
        assert.deepStrictEqual(one(run, RELEASE, "mesh-istiod-1-31-1").inputs.values.resources.requests, { cpu: "100m", memory: "256Mi" });
    });

    it("exports the kubeconfig only as a secret", () => {
        assert.deepStrictEqual([...run.secretOutputs], ["kubeconfig"]);
        assert.strictEqual(run.outputs.clusterName, "meshstack-dev");
        assert.strictEqual(run.outputs.istioVersion, "1.31.1");
    });
});

describe("prod stack (EKS)", () => {
    let run: ProgramRun;
    before(async () => { run = await evaluateStackFile("prod"); });

    it("builds a three-zone VPC with one NAT gateway per zone", () => {
        assert.strictEqual(ofType(run, "aws:ec2/subnet:Subnet").length, 6);
        assert.strictEqual(ofType(run, "aws:ec2/natGateway:NatGateway").length, 3);
        assert.deepStrictEqual(one(run, "aws:ec2/subnet:Subnet", "cluster-network-public-1").inputs.tags, {
            Name: "meshstack-prod-public-1", "kubernetes.io/role/elb": "1", "kubernetes.io/cluster/meshstack-prod": "shared",
        });
        assert.strictEqual(one(run, "aws:ec2/subnet:Subnet", "cluster-network-private-2").inputs.cidrBlock, "10.0.80.0/20");
    });

    it("creates a protected EKS cluster with API authentication, admin access entries and a bounded node group", () => {
        const eks = one(run, "aws:eks/cluster:Cluster", "cluster-eks");
        assert.strictEqual(eks.protect, true);
        assert.strictEqual(eks.inputs.version, "1.35");
        assert.deepStrictEqual(eks.inputs.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true });
        assert.deepStrictEqual(one(run, "aws:eks/accessEntry:AccessEntry", "cluster-admin-0").inputs.principalArn, "arn:aws:iam::123456789012:role/platform-admin");
        const assoc = one(run, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "cluster-admin-0");
        assert.strictEqual(assoc.inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
        assert.deepStrictEqual(assoc.inputs.accessScope, { type: "cluster" });
        const nodes = one(run, "aws:eks/nodeGroup:NodeGroup", "cluster-nodes");
        assert.deepStrictEqual(nodes.inputs.scalingConfig, { minSize: 3, maxSize: 10, desiredSize: 3 });
        assert.deepStrictEqual(nodes.inputs.instanceTypes, ["m6i.xlarge"]);
        assert.deepStrictEqual(nodes.inputs.subnetIds.length, 3);
    });

    it("attaches the managed policies to the cluster and node roles", () => {
        const attached = ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((r) => r.inputs.policyArn).sort();
        assert.deepStrictEqual(attached, [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        ]);
    });

    it("opens the control plane to the nodes on Istio's webhook and xDS ports", () => {
        const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol]);
        assert.deepStrictEqual(rules, [[15017, 15017, "tcp"], [15012, 15012, "tcp"]]);
    });

    it("starts Kubernetes work only once nodes and admin access exist", () => {
        assert.deepStrictEqual(depNames(one(run, "pulumi:providers:kubernetes", "cluster-provider")), ["cluster-admin-0", "cluster-eks", "cluster-nodes"]);
    });

    it("runs istiod and the gateways highly available, with atomic releases and an egress gateway", () => {
        const istiod = one(run, RELEASE, "mesh-istiod-1-31-1").inputs;
        assert.deepStrictEqual([istiod.values.autoscaleMin, istiod.values.autoscaleMax, istiod.atomic], [2, 5, true]);
        const ingress = one(run, RELEASE, "mesh-ingress-gateway").inputs;
        assert.strictEqual(ingress.values.service.type, "LoadBalancer");
        assert.deepStrictEqual(ingress.values.podDisruptionBudget, { minAvailable: 1 });
        assert.deepStrictEqual(release(run, "mesh-egress-gateway"), { release: "istio-egressgateway", chart: "gateway", version: "1.31.1", namespace: "istio-egress", repo: ISTIO_REPO });
        assert.deepStrictEqual(depNames(one(run, RELEASE, "mesh-egress-gateway")), ["mesh-istiod-1-31-1", "mesh-ns-egress", "mesh-tag-stable"]);
    });
});

describe("dev-ambient stack (kind, ambient)", () => {
    let run: ProgramRun;
    before(async () => { run = await evaluateStackFile("dev-ambient"); });

    it("runs beside dev: its own cluster name and laptop ports", () => {
        const create = one(run, "command:local:Command", "cluster-create").inputs;
        assert.strictEqual(create.environment.KIND_CLUSTER, "meshstack-dev-ambient");
        assert.match(create.environment.KIND_CONFIG, /hostPort: 9080\n/);
        assert.deepStrictEqual(run.outputs.ingressGateway, { address: "127.0.0.1", httpPort: 9080, httpsPort: 9443 });
    });

    it("gives waypoints only to namespaces whose services need L7 policy, and attaches that policy through targetRefs", () => {
        const labels = Object.fromEntries(ofType(run, "kubernetes:core/v1:Namespace").filter((r) => r.name.startsWith("policies-")).map((r) => [r.inputs.metadata.name, r.inputs.metadata.labels["istio.io/use-waypoint"] ?? "none"]));
        assert.deepStrictEqual(labels, { batch: "none", edge: "waypoint", payments: "waypoint" });
        assert.deepStrictEqual(ofType(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway").map((r) => [r.inputs.metadata.namespace, r.inputs.spec.gatewayClassName]).sort(),
            [["edge", "istio-waypoint"], ["payments", "istio-waypoint"]]);
        const allow = one(run, "kubernetes:security.istio.io/v1:AuthorizationPolicy", "policies-payments-payments-allow").inputs.spec;
        assert.deepStrictEqual(allow.targetRefs, [{ group: "", kind: "Service", name: "payments" }]);
        assert.strictEqual(allow.selector, undefined);
        assert.strictEqual(ofType(run, "kubernetes:networking.istio.io/v1:Sidecar").length, 0);
    });
});

describe("other cluster kinds and modes", () => {
    it("AKS: system + autoscaled user pool, workload identity, CNI overlay, kubeconfig from user credentials", async () => {
        const run = await evaluate("prod", { "cluster.kind": "aks", "aks.location": "westeurope", "observability.lokiStorage": "filesystem" });
        const aks = one(run, "azure-native:containerservice:ManagedCluster", "cluster-aks");
        assert.strictEqual(aks.protect, true);
        assert.strictEqual(one(run, "azure-native:resources:ResourceGroup", "cluster-rg").inputs.resourceGroupName, "meshstack-prod-rg");
        assert.deepStrictEqual(aks.inputs.agentPoolProfiles.map((p: any) => [p.name, p.mode, p.count, p.enableAutoScaling, p.minCount, p.maxCount]), [
            ["system", "System", 3, undefined, undefined, undefined],
            ["user", "User", 3, true, 3, 10],
        ]);
        assert.deepStrictEqual(aks.inputs.oidcIssuerProfile, { enabled: true });
        assert.deepStrictEqual(aks.inputs.securityProfile, { workloadIdentity: { enabled: true } });
        assert.deepStrictEqual([aks.inputs.networkProfile.networkPlugin, aks.inputs.networkProfile.networkPluginMode], ["azure", "overlay"]);
        assert.strictEqual(aks.inputs.kubernetesVersion, "1.35");
        assert.deepStrictEqual([...run.secretOutputs], ["kubeconfig"]);
        assert.match(String(run.outputs.kubeconfig), /^apiVersion: v1/);
    });

    it("existing: a provider from the secret kubeconfig and context, nothing else", async () => {
        const run = await evaluate("dev", { "cluster.kind": "existing", "existing.kubeconfig": "apiVersion: v1\nkind: Config\n", "existing.context": "ops" }, ["existing.kubeconfig"]);
        assert.deepStrictEqual(children(run, "meshstack:cluster:ExistingCluster"), ["pulumi:providers:kubernetes cluster-provider"]);
        const provider = one(run, "pulumi:providers:kubernetes", "cluster-provider").inputs;
        assert.strictEqual(provider.context, "ops");
        assert.strictEqual(one(run, RELEASE, "mesh-ingress-gateway").inputs.values.service.type, "LoadBalancer");
        assert.deepStrictEqual([...run.secretOutputs], ["kubeconfig"]);
    });

    it("ambient: Gateway API CRDs before istiod, then cni -> ztunnel, the gateway waiting on istiod only", async () => {
        const run = await evaluate("dev", { "mesh.mode": "ambient" });
        assert.strictEqual(one(run, "kubernetes:yaml/v2:ConfigFile", "mesh-gateway-api-crds").inputs.file,
            "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.0/standard-install.yaml");
        assert.deepStrictEqual(depNames(one(run, RELEASE, "mesh-istiod-1-31-1")), ["mesh-base", "mesh-gateway-api-crds", "mesh-ns-system"]);
        assert.deepStrictEqual(release(run, "mesh-cni"), { release: "istio-cni", chart: "cni", version: "1.31.1", namespace: "istio-system", repo: ISTIO_REPO });
        assert.deepStrictEqual(release(run, "mesh-ztunnel"), { release: "ztunnel", chart: "ztunnel", version: "1.31.1", namespace: "istio-system", repo: ISTIO_REPO });
        assert.deepStrictEqual(depNames(one(run, RELEASE, "mesh-cni")), ["mesh-istiod-1-31-1", "mesh-ns-system"]);
        assert.deepStrictEqual(depNames(one(run, RELEASE, "mesh-ztunnel")), ["mesh-cni", "mesh-ns-system"]);
        assert.deepStrictEqual(depNames(one(run, RELEASE, "mesh-ingress-gateway")), ["mesh-istiod-1-31-1", "mesh-ns-ingress", "mesh-tag-stable"]);
        assert.strictEqual(one(run, RELEASE, "mesh-istiod-1-31-1").inputs.values.profile, "ambient");
    });

    it("bad settings stop the program before any resource is created", async () => {
        let error: any;
        try {
            await evaluate("dev", { "cluster.kind": "gke" });
        } catch (e) {
            error = e;
        }
        assert.strictEqual(error?.message, "meshstack:cluster.kind \"gke\" is not supported; use one of: kind, existing, aks, eks");
        assert.deepStrictEqual(error.recorded, []);
    });
});
