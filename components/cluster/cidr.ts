/**
 * The `index`-th subnet of `prefixLength` bits inside an IPv4 `base` CIDR, e.g.
 * cidrSubnet("10.0.0.0/16", 20, 1) === "10.0.16.0/20".
 */
export function cidrSubnet(base: string, prefixLength: number, index: number): string {
    const [address, bits] = base.split("/");
    const baseBits = Number(bits);
    if (prefixLength < baseBits || prefixLength > 28) {
        throw new Error(`cannot carve /${prefixLength} subnets out of ${base}`);
    }
    const count = 2 ** (prefixLength - baseBits);
    if (index < 0 || index >= count) {
        throw new Error(`${base} holds ${count} /${prefixLength} subnets; index ${index} is outside it`);
    }
    const start = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
    const network = start - (start % 2 ** (32 - baseBits));
    const value = network + index * 2 ** (32 - prefixLength);
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256);
    return `${octets.join(".")}/${prefixLength}`;
}
