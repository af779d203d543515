/**
 * Import first in a tool that evaluates the program. `@pulumi/pulumi`'s index loads its Automation API eagerly
 * (`exports.automation = require("./automation")`), and that is more than half of the SDK's start-up (profiled:
 * 1.4-2.2 s of 1.9-2.6 s on 2 shared cores), although the program under mocks never touches it. This puts a
 * stand-in in the module cache that loads the real Automation API on first use, so behaviour is unchanged.
 */
import Module = require("module");

const file = require.resolve("@pulumi/pulumi/automation");
if (require.cache[file] === undefined) {
    // The real module's exports are copied onto the target on first use, which keeps the Proxy invariants.
    const target: Record<string | symbol, unknown> = {};
    let loaded = false;
    const load = () => {
        if (!loaded) {
            loaded = true;
            delete require.cache[file];
            Object.defineProperties(target, Object.getOwnPropertyDescriptors(require(file)));
        }
        return target;
    };
    const standIn = new Module(file, module);
    standIn.filename = file;
    standIn.loaded = true;
    // `__esModule` answers the SDK's __importStar without loading anything.
    standIn.exports = new Proxy(target, {
        get: (_, key) => (key === "__esModule" && !loaded ? true : Reflect.get(load(), key)),
        has: (_, key) => Reflect.has(load(), key),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(load(), key),
    });
    require.cache[file] = standIn;
}
