import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cidrSubnet } from "./cidr";

export interface EksNetworkArgs {
    readonly clusterName: string;
    readonly vpcCidr: string;
    readonly zones: number;
    /** One NAT gateway per zone (survives a zone outage) instead of one shared NAT gateway. */
    readonly natPerZone: boolean;
}

/**
 * A VPC for EKS: a public and a private subnet in each of `zones` availability zones, an internet gateway
 * for the public ones, NAT for the private ones (where the nodes live), and the subnet tags the AWS load
 * balancer integration looks for.
 */
export class EksNetwork extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetIds: pulumi.Output<string>[];

    constructor(name: string, args: EksNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshstack:cluster:EksNetwork", name, {}, opts);
        const child = { parent: this };
        const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };
        const zones = aws.getAvailabilityZonesOutput({ state: "available" }, child).names;
        const subnetBits = Math.min(Number(args.vpcCidr.split("/")[1]) + 4, 28);

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.vpcCidr,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            tags: { Name: `${args.clusterName}-vpc`, ...clusterTag },
        }, child);
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${args.clusterName}-igw` } }, child);
        const publicRoutes = new aws.ec2.RouteTable(`${name}-public-rt`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
            tags: { Name: `${args.clusterName}-public` },
        }, child);

        const publicSubnets: aws.ec2.Subnet[] = [];
        const privateSubnets: aws.ec2.Subnet[] = [];
        const nats: aws.ec2.NatGateway[] = [];
        for (let i = 0; i < args.zones; i++) {
            const zone = zones.apply((names) => {
                if (names.length < args.zones) {
                    throw new Error(`the region offers ${names.length} availability zones; meshstack:eks.availabilityZones asks for ${args.zones}`);
                }
                return names[i];
            });
            const pub = new aws.ec2.Subnet(`${name}-public-${i}`, {
                vpcId: vpc.id,
                cidrBlock: cidrSubnet(args.vpcCidr, subnetBits, i),
                availabilityZone: zone,
                mapPublicIpOnLaunch: true,
                tags: { Name: `${args.clusterName}-public-${i}`, "kubernetes.io/role/elb": "1", ...clusterTag },
            }, child);
            new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRoutes.id }, child);
            publicSubnets.push(pub);
            if (i === 0 || args.natPerZone) {
                const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { Name: `${args.clusterName}-nat-${i}` } }, child);
                nats.push(new aws.ec2.NatGateway(`${name}-nat-${i}`, {
                    allocationId: eip.id,
                    subnetId: pub.id,
                    tags: { Name: `${args.clusterName}-nat-${i}` },
                }, { parent: this, dependsOn: [igw] }));
            }
            const priv = new aws.ec2.Subnet(`${name}-private-${i}`, {
                vpcId: vpc.id,
                cidrBlock: cidrSubnet(args.vpcCidr, subnetBits, i + args.zones),
                availabilityZone: zone,
                tags: { Name: `${args.clusterName}-private-${i}`, "kubernetes.io/role/internal-elb": "1", ...clusterTag },
            }, child);
            const privateRoutes = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[nats.length - 1].id }],
                tags: { Name: `${args.clusterName}-private-${i}` },
            }, child);
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: priv.id, routeTableId: privateRoutes.id }, child);
            privateSubnets.push(priv);
        }
        this.vpcId = vpc.id;
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.registerOutputs({ vpcId: this.vpcId });
    }
}
