// Preloaded into the child `check` that `npm run bench` times: reports its CPU time and peak memory as it exits.
process.on("exit", () => {
    const u = process.resourceUsage();
    process.stderr.write(`usage ${JSON.stringify({ cpuMs: Math.round((u.userCPUTime + u.systemCPUTime) / 1000), maxRssKb: u.maxRSS })}\n`);
});
