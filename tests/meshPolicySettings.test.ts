import * as assert from "assert";
import { loadValues as load, settingsProblems as problems } from "./harness";

const PROD = { "cluster.kind": "eks", "eks.region": "eu-west-1", "observability.lokiBucket": "meshstack-prod-loki", "observability.lokiRegion": "eu-west-1" };
const NAMESPACES = [{ name: "edge" }, { name: "shop" }];
const cart = { name: "cart", namespace: "shop", port: 8080, versions: ["v1", "v2"] };
const front = { name: "front", namespace: "edge", port: 8080 };
const stock = { name: "stock", namespace: "shop", port: 9090 };

/** A valid three-service app with `change` applied to services[2]. */
function app(change: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    return { namespaces: NAMESPACES, services: [front, stock, { ...cart, ...change }], ...extra };
}

describe("mesh policy settings", () => {
    describe("environment defaults", () => {
        it("dev: PERMISSIVE allowed by default, 100 % sampling, faults allowed, no default deny", () => {
            const s = load("dev", {});
            assert.deepStrictEqual(s.meshPolicy, { mtlsMode: "PERMISSIVE", samplingPercentage: 100, defaultDeny: false, faultInjection: true, ingressHosts: [], tlsCredentialName: undefined, jwt: [] });
            assert.deepStrictEqual(s.app, { namespaces: [], services: [], externalServices: [] });
        });

        it("prod: STRICT, 1 % sampling unless set, default deny, faults only behind a header", () => {
            const s = load("prod", PROD);
            assert.deepStrictEqual(s.meshPolicy, { mtlsMode: "STRICT", samplingPercentage: 1, defaultDeny: true, faultInjection: false, ingressHosts: [], tlsCredentialName: undefined, jwt: [] });
            assert.strictEqual(load("prod", { ...PROD, "mesh.samplingPercentage": 10 }).meshPolicy.samplingPercentage, 10);
        });

        it("reads a service with its defaults", () => {
            const s = load("dev", { namespaces: NAMESPACES, services: [cart] });
            assert.deepStrictEqual(s.app.services[0], {
                path: "services[0]", name: "cart", namespace: "shop", port: 8080, serviceAccount: "cart", versions: ["v1", "v2"],
                trafficPolicy: "moderate", loadBalancer: { simple: "LEAST_REQUEST" }, connectionPool: undefined, timeout: undefined,
                retries: undefined, routes: [], canary: undefined, tenantRouting: undefined, mirror: undefined, fault: undefined,
                cors: undefined, expose: undefined, allow: [], requireJwt: false, rateLimit: undefined, mtls: undefined, dependsOn: [],
            });
        });

        it("routes external TLS through the egress gateway by default in sidecar mode only", () => {
            const ext = { externalServices: [{ name: "stripe", host: "api.stripe.com" }, { name: "geo", host: "geo.example.com", port: 80, protocol: "HTTP" }] };
            assert.deepStrictEqual(load("prod", { ...PROD, ...ext }).app.externalServices.map((e) => [e.name, e.port, e.protocol, e.viaEgressGateway]), [["stripe", 443, "TLS", true], ["geo", 80, "HTTP", false]]);
            assert.deepStrictEqual(load("prod", { ...PROD, ...ext, "mesh.mode": "ambient" }).app.externalServices.map((e) => e.viaEgressGateway), [false, false]);
            assert.deepStrictEqual(load("dev", ext).app.externalServices.map((e) => e.viaEgressGateway), [false, false]);
        });
    });

    describe("rejects, naming the settings path", () => {
        const cases: [string, string, Record<string, unknown>, string[]][] = [
            ["canary weights that do not sum to 100", "dev", app({ canary: { subsets: ["v1", "v2"], weights: [60, 30] } }),
                ["meshstack:services[2].canary.weights [60,30] sum to 90; weights must sum to 100"]],
            ["a weight per subset", "dev", app({ canary: { subsets: ["v1", "v2"], weights: [100] } }),
                ["meshstack:services[2].canary.weights [100] gives 1 weights for 2 subsets; give one weight per subset"]],
            ["a weight out of range", "dev", app({ canary: { subsets: ["v1", "v2"], weights: [120, -20] } }),
                ["meshstack:services[2].canary.weights[0] 120 is not a percentage; use a whole number from 0 to 100",
                    "meshstack:services[2].canary.weights[1] -20 is not a percentage; use a whole number from 0 to 100"]],
            ["a canary subset the DestinationRule lacks", "dev", app({ canary: { subsets: ["v1", "v3"], weights: [50, 50] } }),
                ["meshstack:services[2].canary.subsets[1] \"v3\" is not a subset of cart's DestinationRule (has: v1, v2); add it to services[2].versions"]],
            ["a tenant routed to a missing subset", "dev", app({ tenantRouting: { header: "x-tenant-id", tenants: { acme: "v9" } } }),
                ["meshstack:services[2].tenantRouting.tenants.acme \"v9\" is not a subset of cart's DestinationRule (has: v1, v2); add it to services[2].versions"]],
            ["mirroring to a subset of a service without versions", "dev", { namespaces: NAMESPACES, services: [{ ...front, mirror: { subset: "v2", percent: 10 } }] },
                ["meshstack:services[0].mirror.subset \"v2\" is not a subset of front's DestinationRule (it declares no versions); add it to services[0].versions"]],
            ["a route to a missing subset", "dev", app({ routes: [{ match: { pathPrefix: "/beta" }, subset: "beta" }] }),
                ["meshstack:services[2].routes[0].subset \"beta\" is not a subset of cart's DestinationRule (has: v1, v2); add it to services[2].versions"]],
            ["a dependency that is neither a service nor an external service", "dev", app({ dependsOn: ["stock", "billing"] }),
                ["meshstack:services[2].dependsOn[1] \"billing\" is neither a declared service nor an external service; declare it in meshstack:services or meshstack:externalServices"]],
            ["an exposed host the ingress Gateway does not serve", "dev", app({ expose: { host: "cart.example.org" } }, { "mesh.ingressHosts": ["*.example.com"] }),
                ["meshstack:services[2].expose.host \"cart.example.org\" is not served by the ingress Gateway; add it (or a *. wildcard covering it) to meshstack:mesh.ingressHosts"]],
            ["a malformed principal", "dev", app({ allow: [{ principals: ["cluster.local/ns/edge/sa/front", "front"] }] }),
                ["meshstack:services[2].allow[0].principals[1] \"front\" is not a well-formed principal; use <trust domain>/ns/<namespace>/sa/<service account>, e.g. cluster.local/ns/core/sa/core"]],
            ["an ALLOW rule naming no caller", "dev", app({ allow: [{ methods: ["GET"] }] }),
                ["meshstack:services[2].allow[0].principals or namespaces is required; an ALLOW rule names who may call (use principals like cluster.local/ns/core/sa/core)"]],
            ["percentages outside 0-100", "dev", app({ mirror: { subset: "v2", percent: 150 }, fault: { delay: { percent: -1, fixedDelay: "1s" } } }),
                ["meshstack:services[2].mirror.percent 150 is out of range; use a number from 0 to 100",
                    "meshstack:services[2].fault.delay.percent -1 is out of range; use a number from 0 to 100"]],
            ["the root namespace as an application namespace (a second mesh-wide PeerAuthentication or Telemetry)", "dev", { namespaces: [{ name: "istio-system", mtlsMode: "PERMISSIVE", samplingPercentage: 50 }] },
                ["meshstack:namespaces[0].name \"istio-system\" is the mesh root namespace; its namespace-wide PeerAuthentication and Telemetry are the mesh-wide ones, so a second one there is not allowed; use another namespace"]],
            ["a platform namespace and a duplicate", "dev", { namespaces: [{ name: "observability" }, { name: "shop" }, { name: "shop" }] },
                ["meshstack:namespaces[0].name \"observability\" is reserved for the platform; use another namespace for applications",
                    "meshstack:namespaces[2].name \"shop\" is already declared at namespaces[1]; declare each namespace once"]],
            ["a service in an undeclared namespace, and a duplicate name", "dev", { namespaces: NAMESPACES, services: [cart, { ...cart, namespace: "billing" }] },
                ["meshstack:services[1].name \"cart\" is already declared at services[0]; service names must be unique",
                    "meshstack:services[1].namespace \"billing\" is not declared in meshstack:namespaces; add {name: billing} there"]],
            // One mistake, one line: what depends on a rejected value is not reported again.
            ["a bad port on a service others depend on", "dev", { namespaces: NAMESPACES, services: [{ ...front, dependsOn: ["cart"] }, stock, { ...cart, port: 70000 }] },
                ["meshstack:services[2].port 70000 is out of range; use a whole number from 1 to 65535"]],
            ["canary weights given as text", "dev", app({ canary: { subsets: ["v1", "v2"], weights: "90,10" } }),
                ["meshstack:services[2].canary.weights \"90,10\" is not a list; write it as a YAML list"]],
            ["versions given as one string, with routes to subsets", "dev", app({ versions: "v1", canary: { subsets: ["v1", "v2"], weights: [90, 10] } }),
                ["meshstack:services[2].versions \"v1\" is not a list; write it as a YAML list"]],
            ["PERMISSIVE mesh-wide in prod", "prod", { ...PROD, "mesh.mtlsMode": "PERMISSIVE" },
                ["meshstack:mesh.mtlsMode \"PERMISSIVE\" is not allowed in prod; prod requires STRICT mesh-wide and accepts no PERMISSIVE or DISABLE exception; use STRICT (a PERMISSIVE migration belongs in dev or staging)"]],
            ["PERMISSIVE and DISABLE exceptions in prod, whose policy pack rejects them (STRICT ones pass)", "prod", {
                ...PROD,
                namespaces: [{ name: "edge", mtlsMode: "DISABLE" }, { name: "shop", mtlsMode: "STRICT" }],
                services: [front, stock, { ...cart, mtls: { mode: "PERMISSIVE", ports: { "8443": "DISABLE", "9443": "STRICT" } } }],
            }, [
                "meshstack:namespaces[0].mtlsMode \"DISABLE\" is not allowed in prod; prod requires STRICT mTLS for every namespace and workload (its policy pack rejects PERMISSIVE and DISABLE exceptions); use STRICT or remove the exception",
                "meshstack:services[2].mtls.mode \"PERMISSIVE\" is not allowed in prod; prod requires STRICT mTLS for every namespace and workload (its policy pack rejects PERMISSIVE and DISABLE exceptions); use STRICT or remove the exception",
                "meshstack:services[2].mtls.ports.8443 \"DISABLE\" is not allowed in prod; prod requires STRICT mTLS for every namespace and workload (its policy pack rejects PERMISSIVE and DISABLE exceptions); use STRICT or remove the exception",
            ]],
            ["prod in ambient mode: a DISABLE exception gets the prod message only", "prod", { ...PROD, "mesh.mode": "ambient", namespaces: [{ name: "shop", mtlsMode: "DISABLE" }] },
                ["meshstack:namespaces[0].mtlsMode \"DISABLE\" is not allowed in prod; prod requires STRICT mTLS for every namespace and workload (its policy pack rejects PERMISSIVE and DISABLE exceptions); use STRICT or remove the exception"]],
            ["ALLOW_ANY outbound traffic in prod", "prod", { ...PROD, "mesh.outboundTrafficPolicy": "ALLOW_ANY" },
                ["meshstack:mesh.outboundTrafficPolicy \"ALLOW_ANY\" is not allowed in prod; prod sends traffic only to registered hosts (REGISTRY_ONLY); declare external APIs in meshstack:externalServices"]],
            ["prod sampling above 10 %", "prod", { ...PROD, "mesh.samplingPercentage": 25 },
                ["meshstack:mesh.samplingPercentage 25 is outside the prod range; use 1 to 10 percent"]],
            ["prod sampling of 0 %, and a namespace override above the prod range", "prod", { ...PROD, "mesh.samplingPercentage": 0, namespaces: [{ name: "shop", samplingPercentage: 50 }] },
                ["meshstack:mesh.samplingPercentage 0 is outside the prod range; use 1 to 10 percent",
                    "meshstack:namespaces[0].samplingPercentage 50 is outside the prod range; use 1 to 10 percent"]],
            ["a sampling percentage over 100", "dev", { "mesh.samplingPercentage": 101 },
                ["meshstack:mesh.samplingPercentage 101 is out of range; use a whole number from 0 to 100"]],
            ["an ungated fault where the environment disallows faults", "prod", { ...PROD, ...app({ fault: { abort: { percent: 10, httpStatus: 503 } } }) },
                ["meshstack:services[2].fault applies to every request, but meshstack:mesh.faultInjection is false in prod; add fault.header so only requests carrying it get the fault, or remove the fault"]],
            ["a JWT requirement without issuers", "dev", app({ requireJwt: true }),
                ["meshstack:services[2].requireJwt is true but meshstack:mesh.jwt declares no issuer; add {issuer, jwksUri} there"]],
            ["an exposed service in prod without a TLS credential", "prod", { ...PROD, "mesh.ingressHosts": ["shop.example.com"], ...app({ expose: { host: "shop.example.com" } }) },
                ["meshstack:mesh.tlsCredentialName is required in prod when services are exposed (services[2].expose); name the TLS secret in istio-ingress"]],
            ["a misspelt field", "dev", app({ timout: "5s" }),
                ["meshstack:services[2].timout is not a known field; use one of: name, namespace, port, serviceAccount, versions, trafficPolicy, loadBalancer, connectionPool, timeout, retries, routes, canary, tenantRouting, mirror, fault, cors, expose, allow, requireJwt, rateLimit, mtls, dependsOn, slo"]],
            ["bad durations, retry conditions and presets", "dev", app({ timeout: "5 seconds", retries: { attempts: 3, perTryTimeout: "0ms", retryOn: "5xx,sometimes" }, trafficPolicy: "paranoid", loadBalancer: "FASTEST" }),
                ["meshstack:services[2].trafficPolicy \"paranoid\" is not supported; use one of: strict, moderate, lenient",
                    "meshstack:services[2].loadBalancer \"FASTEST\" is not supported; use one of: LEAST_REQUEST, ROUND_ROBIN, RANDOM, or {hashHeader: <header>} for consistent hashing",
                    "meshstack:services[2].timeout \"5 seconds\" is not valid; use a duration such as 250ms, 5s or 2m (at least 1ms)",
                    "meshstack:services[2].retries.retryOn \"5xx,sometimes\" has unknown condition \"sometimes\"; use a comma-separated list of: 5xx, gateway-error, reset, reset-before-request, connect-failure, envoy-ratelimited, retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, http3-post-connect-failure, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable or status codes",
                    "meshstack:services[2].retries.perTryTimeout \"0ms\" is shorter than 1ms; use a duration such as 250ms, 5s or 2m (at least 1ms)"]],
            ["a port-level mTLS key that is not a port", "dev", app({ mtls: { ports: { "0": "PERMISSIVE", http: "DISABLE" } } }),
                ["meshstack:services[2].mtls.ports.0 is not a port; portLevelMtls keys are container ports from 1 to 65535",
                    "meshstack:services[2].mtls.ports.http is not a port; portLevelMtls keys are container ports from 1 to 65535",
                    "meshstack:services[2].mtls.mode or mtls.ports is required; an exception sets a mode for the workload or for some of its ports"]],
            ["a missing required field and a port out of range", "dev", { namespaces: NAMESPACES, services: [{ name: "cart", port: 70000 }] },
                ["meshstack:services[0].namespace is required; set it, e.g. namespace: payments",
                    "meshstack:services[0].port 70000 is out of range; use a whole number from 1 to 65535"]],
            ["services that are not a list", "dev", { services: { name: "cart" } },
                ["meshstack:services {\"name\":\"cart\"} is not a list; write it as a YAML list of objects in the stack file"]],
            ["a JWKS URI without a scheme", "dev", { "mesh.jwt": [{ issuer: "https://auth.example.com", jwksUri: "auth.example.com/jwks" }] },
                ["meshstack:mesh.jwt[0].jwksUri \"auth.example.com/jwks\" is not valid; use an http:// or https:// URL"]],
            ["routing through an egress gateway that is not installed", "dev", { externalServices: [{ name: "stripe", host: "api.stripe.com", viaEgressGateway: true }] },
                ["meshstack:externalServices[0].viaEgressGateway is true but meshstack:mesh.egressGateway is false; install the egress gateway or set viaEgressGateway: false"]],
            ["plain HTTP through the egress gateway", "prod", { ...PROD, externalServices: [{ name: "geo", host: "geo.example.com", port: 80, protocol: "HTTP", viaEgressGateway: true }] },
                ["meshstack:externalServices[0].viaEgressGateway is true for protocol HTTP; the egress gateway passes TLS through only, so use protocol TLS or viaEgressGateway: false"]],
            ["ambient: DISABLE and egress gateway routing", "dev", {
                "mesh.mode": "ambient", "mesh.egressGateway": true,
                namespaces: [{ name: "shop", mtlsMode: "DISABLE" }],
                services: [{ ...cart, rateLimit: { requestsPerMinute: 60 }, mtls: { ports: { "8443": "DISABLE" } } }, { ...stock, port: 8080, rateLimit: { requestsPerMinute: 60 } }],
                externalServices: [{ name: "stripe", host: "api.stripe.com", viaEgressGateway: true }],
            }, [
                "meshstack:mesh.egressGateway true is not supported with meshstack:mesh.mode \"ambient\": ambient traffic leaves through ztunnel and nothing routes through an egress gateway; remove mesh.egressGateway (or set it to false)",
                "meshstack:namespaces[0].mtlsMode \"DISABLE\" is not supported in ambient mode; use PERMISSIVE",
                "meshstack:externalServices[0].viaEgressGateway is true, but routing through the egress gateway is a sidecar feature; in ambient mode remove it",
                "meshstack:services[0].mtls.ports.8443 \"DISABLE\" is not supported in ambient mode; use PERMISSIVE",
            ]],
            ["route matches that match everything, conflict or are missing", "dev", app({ routes: [{ match: {} }, { match: { path: "/a", pathPrefix: "/b" } }, { subset: "v1" }] }),
                ["meshstack:services[2].routes[0].match matches every request; set pathPrefix, path or headers",
                    "meshstack:services[2].routes[1].match.path and pathPrefix are both set; use one of them",
                    "meshstack:services[2].routes[2].match is required; set it, e.g. match: {pathPrefix: /v2}"]],
            ["malformed load balancer, tenant routing, fault, CORS origin, exposed wildcard and a repeated version", "dev",
                app({ loadBalancer: { hash: "x" }, tenantRouting: { tenants: { acme: "v1" } }, fault: {}, cors: { allowOrigins: ["*"] }, expose: { host: "*.example.com" }, versions: ["v1", "v1"] }), [
                    "meshstack:services[2].loadBalancer.hash is not a known field; use one of: hashHeader",
                    "meshstack:services[2].loadBalancer.hashHeader is required; set it, e.g. hashHeader: x-session-id",
                    "meshstack:services[2].tenantRouting.header is required; set it, e.g. header: x-tenant-id",
                    "meshstack:services[2].fault.delay or fault.abort is required; a fault needs a delay, an abort or both",
                    "meshstack:services[2].cors.allowOrigins[0] \"*\" is not valid; use an exact origin such as https://app.example.com",
                    "meshstack:services[2].expose.host \"*.example.com\" is a wildcard; expose a service under one exact host",
                    "meshstack:services[2].versions[1] \"v1\" is declared twice; list each version once",
                ]],
            ["a service that is not an object, wildcard and repeated external names, a name used twice", "dev", {
                namespaces: NAMESPACES,
                services: ["cart", { ...stock, name: "stripe" }],
                externalServices: [{ name: "stripe", host: "api.stripe.com" }, { name: "stripe", host: "*.stripe.com" }],
            }, [
                "meshstack:services[0] \"cart\" is not an object; write it as YAML fields (name, namespace, port, serviceAccount, versions, trafficPolicy, loadBalancer, connectionPool, timeout, retries, routes, canary, tenantRouting, mirror, fault, cors, expose, allow, requireJwt, rateLimit, mtls, dependsOn, slo)",
                "meshstack:externalServices[1].host \"*.stripe.com\" is a wildcard; declare each external host by its exact name",
                "meshstack:services[1].name \"stripe\" is also an external service (externalServices[0]); names must be unique",
            ]],
            ["bad and repeated JWT issuers", "dev", { "mesh.jwt": [{ issuer: "a b", jwksUri: "https://x" }, { issuer: "https://i", jwksUri: "https://x" }, { issuer: "https://i", jwksUri: "https://y" }, { jwksUri: "https://z" }] }, [
                "meshstack:mesh.jwt[0].issuer \"a b\" is not valid; an issuer has no spaces or '*'",
                "meshstack:mesh.jwt[2].issuer \"https://i\" is declared twice; declare each issuer once",
                "meshstack:mesh.jwt[3].issuer is required; set it, e.g. issuer: https://auth.example.com",
            ]],
            ["every field of a service whose port is unusable", "dev", {
                namespaces: NAMESPACES,
                services: [{ name: "cart", namespace: "shop", port: "eighty", allow: [{ principals: ["cluster.local/ns/a/sa/b"], headers: { "x-tenant-id": "acme" } }], canary: { weights: [100] } }],
            }, [
                "meshstack:services[0].port \"eighty\" is not a whole number; use a whole number from 1 to 65535",
                "meshstack:services[0].canary.subsets is required; set it, e.g. subsets: [v1, v2]",
                "meshstack:services[0].allow[0].headers.x-tenant-id \"acme\" is not a list of values; write the accepted header values as a YAML list",
            ]],
        ];
        for (const [what, stack, values, expected] of cases) {
            it(what, () => assert.deepStrictEqual(problems(stack, values), expected));
        }
    });
});
