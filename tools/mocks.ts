import * as pulumi from "@pulumi/pulumi";

/**
 * What the providers would compute, for an offline evaluation. Every value made up here says so
 * ("plan-…"), so no one mistakes a plan for a deployment.
 */
export const PLAN_KUBECONFIG = [
    "apiVersion: v1",
    "kind: Config",
    "clusters: [{name: plan, cluster: {server: https://plan.invalid:6443}}]",
    "contexts: [{name: plan, context: {cluster: plan, user: plan}}]",
    "current-context: plan",
    "users: [{name: plan, user: {token: plan-placeholder}}]",
    "",
].join("\n");

export const mocks: pulumi.runtime.Mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const inputs = args.inputs as Record<string, any>;
        return { id: args.id || `${args.name}-id`, state: { ...inputs, ...computed(args.type, args.name, inputs) } };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        switch (args.token) {
            case "azure-native:containerservice:listManagedClusterUserCredentials":
                return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(PLAN_KUBECONFIG).toString("base64") }] };
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return { names: ["plan-az-a", "plan-az-b", "plan-az-c"], zoneIds: ["plan-az1", "plan-az2", "plan-az3"] };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com" };
            default:
                // An invoke nobody expected is a bug in the program or a missing mock, never silently empty.
                throw new Error(`offline evaluation has no mock for invoke ${args.token}`);
        }
    },
};

function computed(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    if (type === "kubernetes:helm.sh/v3:Release") {
        return { status: { name: inputs.name, namespace: inputs.namespace, chart: inputs.chart, version: inputs.version, status: "deployed" } };
    }
    if (type === "kubernetes:core/v1:Service") {
        return {
            metadata: { name, ...inputs.metadata },
            status: { loadBalancer: { ingress: [{ hostname: "plan-gateway.invalid" }] } },
        };
    }
    if (type.startsWith("kubernetes:") && !type.startsWith("pulumi:")) {
        return { metadata: { name, ...inputs.metadata } };
    }
    switch (type) {
        case "command:local:Command":
            return { stdout: inputs.create?.startsWith("kind get kubeconfig") ? PLAN_KUBECONFIG : "", stderr: "" };
        case "azure-native:containerservice:ManagedCluster":
            return { name: inputs.resourceName ?? name };
        case "azure-native:resources:ResourceGroup":
            return { name: inputs.resourceGroupName ?? name };
        case "aws:eks/cluster:Cluster":
            return {
                name: inputs.name ?? name,
                arn: `arn:aws:eks:plan:000000000000:cluster/${inputs.name ?? name}`,
                endpoint: "https://plan-eks.invalid",
                certificateAuthority: { data: Buffer.from("plan-ca").toString("base64") },
                vpcConfig: { ...inputs.vpcConfig, clusterSecurityGroupId: "sg-plan" },
            };
        case "random:index/randomPassword:RandomPassword":
            return { result: "plan-placeholder-password" };
    }
    if (type.startsWith("aws:")) {
        return { arn: `arn:aws:plan:::${name}`, name: inputs.name ?? name };
    }
    return {};
}
