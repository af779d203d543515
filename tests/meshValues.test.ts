import * as assert from "assert";
import { parse } from "yaml";
import { cidrSubnet } from "../components/cluster/cidr";
import { eksKubeconfig } from "../components/cluster/eks";
import { kindConfig } from "../components/cluster/kind";
import { ACCESS_LOG_FORMAT, cniValues, gatewaySelector, gatewayValues, istioImages, istiodValues, ztunnelValues } from "../components/mesh/values";
import { defaultClusterName } from "../settings/cluster";
import { MeshSettings } from "../settings";
import { presets } from "../settings/presets";
import { KIND_NODE_IMAGE } from "../versions";

const devMesh: MeshSettings = {
    mode: "sidecar", egressGateway: false, outboundTrafficPolicy: "ALLOW_ANY",
    istiodReplicas: 1, istiodMaxReplicas: 1, gatewayReplicas: 1, gatewayMaxReplicas: 1, version: "1.31.1",
};
const prodMesh: MeshSettings = {
    mode: "sidecar", egressGateway: true, outboundTrafficPolicy: "REGISTRY_ONLY",
    istiodReplicas: 2, istiodMaxReplicas: 5, gatewayReplicas: 2, gatewayMaxReplicas: 5, version: "1.31.1",
};

const STABLE = { version: "1.31.1", revision: "1-31-1" };

describe("Istio values", () => {
    it("dev istiod: one fixed replica, laptop resources, JSON access logs to stdout, ALLOW_ANY", () => {
        assert.deepStrictEqual(istiodValues(devMesh, presets.dev, STABLE), {
            revision: "1-31-1",
            autoscaleEnabled: false,
            replicaCount: 1,
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            env: { BLOCKED_CIDRS_IN_JWKS_URIS: "169.254.0.0/16,fe80::/10,fd00:ec2::254/128" },
            pdb: { minAvailable: 1 },
            global: {
                hub: "docker.io/istio",
                tag: "1.31.1",
                defaultPodDisruptionBudget: { enabled: true },
                logAsJson: true,
                proxy: { resources: { requests: { cpu: "10m", memory: "40Mi" }, limits: { cpu: "200m", memory: "128Mi" } } },
                waypoint: { resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } } },
            },
            meshConfig: {
                accessLogFile: "/dev/stdout",
                accessLogEncoding: "JSON",
                accessLogFormat: JSON.stringify(ACCESS_LOG_FORMAT),
                outboundTrafficPolicy: { mode: "ALLOW_ANY" },
                defaultConfig: { holdApplicationUntilProxyStarts: true },
                defaultProviders: { metrics: ["prometheus"] },
            },
        });
    });

    it("every Istio image comes from docker.io/istio at the chart's version: istiod and proxies, cni, ztunnel", () => {
        assert.deepStrictEqual(istioImages("1.30.5"), { hub: "docker.io/istio", tag: "1.30.5" });
        const cni = cniValues(presets.dev, STABLE) as any;
        assert.deepStrictEqual([cni.global, cni.revision], [{ hub: "docker.io/istio", tag: "1.31.1" }, "1-31-1"]);
        const ztunnel = ztunnelValues(presets.dev, STABLE) as any;
        assert.deepStrictEqual([ztunnel.hub, ztunnel.tag, ztunnel.global, ztunnel.revision], ["docker.io/istio", "1.31.1", undefined, "1-31-1"]);
    });

    it("the JSON access log keeps Istio's default fields and adds the trace id", () => {
        const format = JSON.parse((istiodValues(devMesh, presets.dev, STABLE) as any).meshConfig.accessLogFormat);
        assert.deepStrictEqual(Object.keys(format).sort(), [
            "authority", "bytes_received", "bytes_sent", "connection_termination_details", "downstream_local_address",
            "downstream_remote_address", "duration", "method", "path", "protocol", "request_id", "requested_server_name",
            "response_code", "response_code_details", "response_flags", "route_name", "start_time", "trace_id", "upstream_cluster",
            "upstream_host", "upstream_local_address", "upstream_service_time", "upstream_transport_failure_reason", "user_agent",
            "x_forwarded_for",
        ]);
        assert.strictEqual(format.trace_id, "%TRACE_ID%");
        assert.strictEqual(format.response_flags, "%RESPONSE_FLAGS%");
    });

    it("prod istiod: HPA 2-5 (so the chart renders its PDB), REGISTRY_ONLY", () => {
        const v = istiodValues(prodMesh, presets.prod, STABLE) as any;
        assert.deepStrictEqual([v.autoscaleEnabled, v.autoscaleMin, v.autoscaleMax, v.replicaCount], [true, 2, 5, undefined]);
        assert.deepStrictEqual(v.resources, { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } });
        assert.deepStrictEqual(v.meshConfig.outboundTrafficPolicy, { mode: "REGISTRY_ONLY" });
        assert.strictEqual(v.profile, undefined);
    });

    it("ambient istiod uses the ambient profile", () => {
        assert.strictEqual((istiodValues({ ...devMesh, mode: "ambient" }, presets.dev, STABLE) as any).profile, "ambient");
    });

    it("a tracing provider becomes an extension provider and the default tracing provider", () => {
        const v = istiodValues(devMesh, presets.dev, STABLE, { name: "otel-tracing", service: "otel-collector.observability.svc.cluster.local", port: 4317 }) as any;
        assert.strictEqual(v.meshConfig.enableTracing, true);
        assert.deepStrictEqual(v.meshConfig.extensionProviders, [
            { name: "otel-tracing", opentelemetry: { service: "otel-collector.observability.svc.cluster.local", port: 4317 } },
        ]);
        assert.deepStrictEqual(v.meshConfig.defaultProviders, { metrics: ["prometheus"], tracing: ["otel-tracing"] });
    });

    it("ingress gateway without a load balancer: NodePort on the ports kind maps to the laptop", () => {
        const v = gatewayValues("ingress", devMesh, presets.dev, { loadBalancer: false }, STABLE) as any;
        assert.deepStrictEqual(v.service, {
            type: "NodePort",
            ports: [
                { name: "status-port", port: 15021, protocol: "TCP", targetPort: 15021 },
                { name: "http2", port: 80, protocol: "TCP", targetPort: 80, nodePort: 30080 },
                { name: "https", port: 443, protocol: "TCP", targetPort: 443, nodePort: 30443 },
            ],
        });
        assert.deepStrictEqual(v.autoscaling, { enabled: false });
        assert.deepStrictEqual(v.podDisruptionBudget, {});
    });

    it("ingress gateway in a cloud: LoadBalancer, HPA and a PDB; egress stays ClusterIP", () => {
        const ingress = gatewayValues("ingress", prodMesh, presets.prod, { loadBalancer: true }, STABLE) as any;
        assert.strictEqual(ingress.service.type, "LoadBalancer");
        assert.ok(ingress.service.ports.every((p: any) => p.nodePort === undefined));
        assert.deepStrictEqual(ingress.autoscaling, { enabled: true, minReplicas: 2, maxReplicas: 5 });
        assert.deepStrictEqual(ingress.podDisruptionBudget, { minAvailable: 1 });
        assert.strictEqual((gatewayValues("egress", prodMesh, presets.prod, { loadBalancer: true }, STABLE) as any).service.type, "ClusterIP");
    });

    it("derives the gateway selector label the chart gives its pods", () => {
        assert.strictEqual(gatewaySelector("istio-ingressgateway"), "ingressgateway");
        assert.strictEqual(gatewaySelector("edge"), "edge");
    });
});

describe("cluster helpers", () => {
    it("kind config pins the node image and maps the gateway node ports to localhost", () => {
        assert.deepStrictEqual(kindConfig({ clusterName: "meshstack-dev", settings: { httpPort: 8080, httpsPort: 8443, workers: 1 }, protect: false }), {
            kind: "Cluster",
            apiVersion: "kind.x-k8s.io/v1alpha4",
            name: "meshstack-dev",
            nodes: [
                {
                    role: "control-plane",
                    image: KIND_NODE_IMAGE,
                    extraPortMappings: [
                        { containerPort: 30080, hostPort: 8080, listenAddress: "127.0.0.1", protocol: "TCP" },
                        { containerPort: 30443, hostPort: 8443, listenAddress: "127.0.0.1", protocol: "TCP" },
                    ],
                },
                { role: "worker", image: KIND_NODE_IMAGE },
            ],
        });
        assert.match(KIND_NODE_IMAGE, /^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    });

    it("carves subnets out of a VPC CIDR", () => {
        assert.strictEqual(cidrSubnet("10.0.0.0/16", 20, 0), "10.0.0.0/20");
        assert.strictEqual(cidrSubnet("10.0.0.0/16", 20, 1), "10.0.16.0/20");
        assert.strictEqual(cidrSubnet("10.0.0.0/16", 20, 5), "10.0.80.0/20");
        assert.strictEqual(cidrSubnet("172.16.4.0/24", 28, 15), "172.16.4.240/28");
        assert.throws(() => cidrSubnet("10.0.0.0/16", 20, 16), /holds 16 \/20 subnets; index 16 is outside it/);
    });

    it("builds an EKS kubeconfig that authenticates with aws eks get-token", () => {
        const config = parse(eksKubeconfig("meshstack-prod", "https://x.eks.amazonaws.com", "Q0E=", "eu-west-1"));
        assert.strictEqual(config["current-context"], "meshstack-prod");
        assert.deepStrictEqual(config.clusters[0].cluster, { server: "https://x.eks.amazonaws.com", "certificate-authority-data": "Q0E=" });
        assert.deepStrictEqual(config.users[0].user.exec, {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", "meshstack-prod", "--region", "eu-west-1", "--output", "json"],
        });
    });

    it("folds a stack name into a valid cluster name", () => {
        assert.strictEqual(defaultClusterName("dev"), "meshstack-dev");
        assert.strictEqual(defaultClusterName("Team_A.preview"), "meshstack-team-a-preview");
    });
});
