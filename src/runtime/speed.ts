/**
 * How fast this machine computes, as it starts: turns of a fixed integer loop per millisecond on the
 * wall clock over a second. A home's machines are unlike, and a CPU quota or a busy machine shows
 * here as it would in a render. Rough (a JavaScript loop, not Manim): the first cut weighs the
 * renders running before it by it (cutting/rate.ts cutRates), and it picks the machine that takes
 * a new scene's planning pass. The loop runs a tenth of a second before it counts, so that what the
 * node's own start left of a CPU quota's period does not count, and a second spans ten of those
 * periods: six starts under a 0.45-CPU quota probed 5.8-8.9 over half a second straight after the
 * start, 8.1-8.8 so.
 */
export function probeSpeed(ms = 1000, warmUpMs = 100): number {
  let x = 1;
  const spin = (until: number) => {
    let turns = 0;
    while (performance.now() < until) {
      for (let i = 0; i < 10_000; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
      turns++;
    }
    return turns;
  };
  spin(performance.now() + warmUpMs);
  const start = performance.now();
  const turns = spin(start + ms);
  // x read, so the loop is not optimised away
  return (x === 42 ? turns + 1 : turns) / (performance.now() - start);
}
