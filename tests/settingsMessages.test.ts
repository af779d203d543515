import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs as parseCheckArgs } from "../tools/check";
import { parseArgs as parsePlanArgs } from "../tools/plan";
import { readStackConfig, REPO_ROOT, StackFileError } from "../tools/stackConfig";
import { loadValues as load, settingsProblems as problems } from "./harness";

const PROD = { "cluster.kind": "eks", "eks.region": "eu-west-1", "observability.lokiBucket": "meshstack-prod-loki", "observability.lokiRegion": "eu-west-1" };
const SHOP = [{ name: "shop" }];
const service = (extra: Record<string, unknown> = {}) => ({ name: "cart", namespace: "shop", port: 8080, ...extra });
const LONG = "a".repeat(64);
const DNS_HINT = "use a DNS label: at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit";

describe("settings messages: each names the key, the bad value and the fix, once", () => {
    const cases: [string, string, Record<string, unknown>, string[]][] = [
        ["an unsupported environment is reported once", "staging-eu", { environment: "production" },
            ["meshstack:environment \"production\" is not supported; use one of: dev, staging, prod"]],
        ["a capitalised environment is reported once", "team", { environment: "Dev" },
            ["meshstack:environment \"Dev\" is not supported; use one of: dev, staging, prod"]],
        ["a 64-character service name is told the 63-character limit", "dev", { namespaces: SHOP, services: [service({ name: LONG })] },
            [`meshstack:services[0].name "${LONG}" is 64 characters long; ${DNS_HINT}`]],
        ["a 64-character namespace name is told the 63-character limit", "dev", { namespaces: [{ name: LONG }] },
            [`meshstack:namespaces[0].name "${LONG}" is 64 characters long; ${DNS_HINT}`]],
        ["a nested value that is no number at all", "dev", { namespaces: SHOP, services: [service({ port: "eighty" })] },
            ["meshstack:services[0].port \"eighty\" is not a whole number; use a whole number from 1 to 65535"]],
        ["services given as one name instead of a list", "dev", { services: "api-gateway" },
            ["meshstack:services \"api-gateway\" is not a list; write it as a YAML list of objects in the stack file"]],
        ["namespaces written as a map: one line, none per service", "dev", { namespaces: { shop: {} }, services: [service(), service({ name: "stock" })] },
            ["meshstack:namespaces {\"shop\":{}} is not a list; write it as a YAML list of objects in the stack file"]],
        ["a JWKS URI with a bad scheme: no false 'declares no issuer' line", "dev", {
            "mesh.jwt": [{ issuer: "https://auth.example.com", jwksUri: "ftp://auth.example.com/jwks" }], namespaces: SHOP, services: [service({ requireJwt: true })],
        }, ["meshstack:mesh.jwt[0].jwksUri \"ftp://auth.example.com/jwks\" is not valid; use an http:// or https:// URL"]],
        ["prod fetches JWT signing keys over TLS only", "prod", { ...PROD, "mesh.jwt": [{ issuer: "https://auth.example.com", jwksUri: "http://auth.example.com/jwks" }] },
            ["meshstack:mesh.jwt[0].jwksUri \"http://auth.example.com/jwks\" is not allowed in prod; the signing keys must be fetched over TLS; use the issuer's https:// JWKS URL"]],
        ["a tenant named __proto__ would vanish from the routes", "dev", {
            namespaces: SHOP,
            // As the CLI hands it over: JSON text, where __proto__ is an ordinary key.
            services: "[{\"name\":\"cart\",\"namespace\":\"shop\",\"port\":8080,\"versions\":[\"v1\",\"v2\"],\"tenantRouting\":{\"header\":\"x-tenant-id\",\"tenants\":{\"__proto__\":\"v2\",\"acme\":\"v1\"}}}]",
        }, ["meshstack:services[0].tenantRouting.tenants.__proto__ is a name JavaScript reserves for an object's prototype, so the entry would be dropped; rename it"]],
        ["a timeout beyond protobuf's duration range", "dev", { namespaces: SHOP, services: [service({ timeout: "99999999999h" })] },
            ["meshstack:services[0].timeout \"99999999999h\" is beyond the longest duration Istio accepts (protobuf's 315576000000s, about 10,000 years); use a duration such as 250ms, 5s or 2m (at least 1ms)"]],
        ["an egress gateway in ambient mode, where nothing routes through it", "dev", { "mesh.mode": "ambient", "mesh.egressGateway": true },
            ["meshstack:mesh.egressGateway true is not supported with meshstack:mesh.mode \"ambient\": ambient traffic leaves through ztunnel and nothing routes through an egress gateway; remove mesh.egressGateway (or set it to false)"]],
        ["prod ingress hosts without TLS, even before a service is exposed", "prod", { ...PROD, "mesh.ingressHosts": ["api.example.com"] },
            ["meshstack:mesh.tlsCredentialName is required in prod when meshstack:mesh.ingressHosts is set ([\"api.example.com\"]); name the TLS secret in istio-ingress, or remove mesh.ingressHosts"]],
    ];
    for (const [what, stack, values, expected] of cases) {
        it(what, () => assert.deepStrictEqual(problems(stack, values), expected));
    }

    it("reads quoted nested numbers as top-level keys do", () => {
        const s = load("dev", { namespaces: [{ name: "shop", samplingPercentage: "5" }], services: [service({ port: "8080", versions: ["v1", "v2"], canary: { subsets: ["v1", "v2"], weights: ["90", 10] } })] });
        assert.deepStrictEqual([s.app.services[0].port, s.app.services[0].canary?.weights, s.app.namespaces[0].samplingPercentage], [8080, [90, 10], 5]);
    });

    it("prod in ambient mode installs no egress gateway although the prod preset asks for one", () => {
        assert.strictEqual(load("prod", { ...PROD, "mesh.mode": "ambient" }).mesh.egressGateway, false);
    });

    it("says which file a ~/ kubeconfig path was read as, and that $VARIABLES are not expanded", () => {
        const existing = { "cluster.kind": "existing" };
        assert.deepStrictEqual(problems("dev", { ...existing, "existing.kubeconfigPath": "~/.meshstack-no-such/config" }),
            [`meshstack:existing.kubeconfigPath "~/.meshstack-no-such/config" (read as ${os.homedir()}/.meshstack-no-such/config) does not exist; point it at a kubeconfig file`]);
        assert.deepStrictEqual(problems("dev", { ...existing, "existing.kubeconfigPath": "$HOME/.kube/config" }),
            ["meshstack:existing.kubeconfigPath \"$HOME/.kube/config\" does not exist; write an absolute path or one starting with ~/ ($VARIABLES and ~user are not expanded)"]);
    });

    it("names a key a stack file sets twice", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshstack-dupkey-"));
        try {
            fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), "config:\n  meshstack:environment: dev\n  meshstack:mesh.mode: ambient\n  meshstack:mesh.mode: sidecar\n");
            assert.throws(() => readStackConfig("t", dir), (e: Error) => e instanceof StackFileError
                && e.message === "Pulumi.t.yaml sets meshstack:mesh.mode twice (line 4); keep one of them");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses a repeated --stack instead of silently using the last one", () => {
        assert.throws(() => parsePlanArgs(["--stack", "dev", "--stack", "prod"]),
            { message: "--stack is given twice (dev, prod); plan one stack per run; usage: npm run plan -- --stack <name> [--json]" });
        assert.throws(() => parseCheckArgs(["--stack", "dev", "--stack", "prod"]),
            { message: "--stack is given twice (dev, prod); give it once; usage: npm run check -- (--stack <name> | --file <stack-export-or-preview.json>) [--policy-pack-config <file>] [--json]" });
    });
});
