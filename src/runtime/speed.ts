/**
 * How fast this machine computes, as it starts: turns of a fixed integer loop per millisecond on the
 * wall clock over half a second. A home's machines are unlike, and a CPU quota or a busy machine
 * shows here as it would in a render. Rough (a JavaScript loop, not Manim) and used only where no
 * render has measured a rate yet: which machine takes a new scene's planning pass.
 */
export function probeSpeed(ms = 500): number {
  const start = performance.now();
  let turns = 0;
  let x = 1;
  while (performance.now() - start < ms) {
    for (let i = 0; i < 10_000; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
    turns++;
  }
  // x read, so the loop is not optimised away
  return (x === 42 ? turns + 1 : turns) / ms;
}
