import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { EksSettings } from "../../settings/cluster";
import { Cluster } from "./contract";
import { EksNetwork } from "./eksNetwork";

export interface EksClusterArgs {
    readonly clusterName: string;
    readonly kubernetesVersion: string;
    readonly settings: EksSettings;
    readonly protect: boolean;
    /** One NAT gateway per availability zone rather than one shared. */
    readonly natPerZone: boolean;
}

/** Ports the control plane must reach on nodes for Istio: the sidecar-injection/validation webhook and istiod's xDS. */
export const ISTIO_CONTROL_PLANE_PORTS = [15017, 15012] as const;

const MANAGED_POLICY = (partition: pulumi.Input<string>, name: string) => pulumi.interpolate`arn:${partition}:iam::aws:policy/${name}`;

/**
 * An EKS cluster with API authentication and access entries, a managed node group in private subnets,
 * and the control-plane -> node ports Istio needs.
 */
export class EksCluster extends pulumi.ComponentResource implements Cluster {
    readonly name: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    readonly kubeconfig: pulumi.Output<string>;
    readonly loadBalancer = true;
    readonly eksCluster: aws.eks.Cluster;

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshstack:cluster:EksCluster", name, {}, opts);
        const s = args.settings;
        const awsProvider = new aws.Provider(`${name}-aws`, { region: s.region as aws.Region }, { parent: this });
        const child = { parent: this, provider: awsProvider };
        const partition = aws.getPartitionOutput({}, child).partition;

        const clusterRole = serviceRole(`${name}-cluster-role`, "eks.amazonaws.com", ["AmazonEKSClusterPolicy"], partition, child);
        const nodeRole = serviceRole(`${name}-node-role`, "ec2.amazonaws.com",
            ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"], partition, child);

        let clusterSubnets: pulumi.Input<string>[];
        let nodeSubnets: pulumi.Input<string>[];
        if (s.subnetIds.length > 0) {
            clusterSubnets = [...s.subnetIds];
            nodeSubnets = [...s.subnetIds];
        } else {
            const network = new EksNetwork(`${name}-network`, {
                clusterName: args.clusterName,
                vpcCidr: s.vpcCidr,
                zones: s.availabilityZones,
                natPerZone: args.natPerZone,
            }, child);
            clusterSubnets = [...network.privateSubnetIds, ...network.publicSubnetIds];
            nodeSubnets = network.privateSubnetIds;
        }

        this.eksCluster = new aws.eks.Cluster(`${name}-eks`, {
            name: args.clusterName,
            version: args.kubernetesVersion,
            roleArn: clusterRole.role.arn,
            vpcConfig: { subnetIds: clusterSubnets, endpointPrivateAccess: true, endpointPublicAccess: true },
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
            enabledClusterLogTypes: ["api", "audit", "authenticator"],
        }, { ...child, protect: args.protect, dependsOn: clusterRole.attachments });

        // Managed nodes share the cluster security group; these rules keep Istio working even where the
        // group's catch-all self rule is removed by a hardening baseline.
        const clusterSg = this.eksCluster.vpcConfig.clusterSecurityGroupId;
        for (const port of ISTIO_CONTROL_PLANE_PORTS) {
            new aws.vpc.SecurityGroupIngressRule(`${name}-istio-${port}`, {
                securityGroupId: clusterSg,
                referencedSecurityGroupId: clusterSg,
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                description: `control plane to nodes: Istio ${port === 15017 ? "webhook" : "xDS"}`,
            }, child);
        }

        const admins = s.adminPrincipals.map((principalArn, i) => {
            const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, {
                clusterName: this.eksCluster.name,
                principalArn,
                type: "STANDARD",
            }, child);
            return new aws.eks.AccessPolicyAssociation(`${name}-admin-${i}`, {
                clusterName: this.eksCluster.name,
                principalArn,
                policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
                accessScope: { type: "cluster" },
            }, { ...child, dependsOn: [entry] });
        });

        const nodeGroup = new aws.eks.NodeGroup(`${name}-nodes`, {
            clusterName: this.eksCluster.name,
            nodeGroupName: `${args.clusterName}-nodes`,
            nodeRoleArn: nodeRole.role.arn,
            subnetIds: nodeSubnets,
            instanceTypes: [...s.instanceTypes],
            scalingConfig: { minSize: s.nodeMinSize, maxSize: s.nodeMaxSize, desiredSize: s.nodeMinSize },
            updateConfig: { maxUnavailable: 1 },
        }, { ...child, dependsOn: nodeRole.attachments, ignoreChanges: ["scalingConfig.desiredSize"] });

        this.name = this.eksCluster.name;
        this.kubeconfig = pulumi.secret(pulumi
            .all([this.eksCluster.name, this.eksCluster.endpoint, this.eksCluster.certificateAuthority.data])
            .apply(([clusterName, endpoint, ca]) => eksKubeconfig(clusterName, endpoint, ca, s.region)));
        // Releases go in once nodes can run them and the admins can see them.
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: [nodeGroup, ...admins] });
        this.registerOutputs({ name: this.name, kubeconfig: this.kubeconfig });
    }
}

function serviceRole(name: string, service: string, policies: string[], partition: pulumi.Output<string>, opts: pulumi.CustomResourceOptions) {
    const role = new aws.iam.Role(name, {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
        }),
    }, opts);
    const attachments = policies.map((policy) => new aws.iam.RolePolicyAttachment(`${name}-${policy}`, {
        role: role.name,
        policyArn: MANAGED_POLICY(partition, policy),
    }, opts));
    return { role, attachments };
}

/** A kubeconfig that authenticates with `aws eks get-token`, so no long-lived credential is stored. */
export function eksKubeconfig(clusterName: string, endpoint: string, caData: string, region: string): string {
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": caData } }],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [{
            name: clusterName,
            user: {
                exec: {
                    apiVersion: "client.authentication.k8s.io/v1beta1",
                    command: "aws",
                    args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
                },
            },
        }],
    });
}
