/**
 * A clock for durations that believes whichever of two clocks moved more. The wall clock can be
 * stepped back or ahead (an NTP correction); a monotonic clock cannot, but it need not advance
 * while a Lambda container is frozen between invocations (Node's performance.now does not move
 * across a suspended VM), and a frozen container must not wake up still trusting a cache it
 * confirmed long ago. Each reading moves by the larger of the two clocks' advances since the
 * previous one, and never backward: a cache ages at least as fast as either clock says, so when
 * they disagree, answers are confirmed again early, never late.
 */
export function elapsedClock(wall: () => number, monotonic: () => number): () => number {
  let lastWall = wall();
  let lastMonotonic = monotonic();
  // Starts where the monotonic clock stands: readings stay positive (a cache treats a start of 0
  // as "no lifetime"), and a single clock reads the same through this as without it.
  let elapsed = lastMonotonic;
  return () => {
    const nowWall = wall();
    const nowMonotonic = monotonic();
    elapsed += Math.max(0, nowWall - lastWall, nowMonotonic - lastMonotonic);
    lastWall = nowWall;
    lastMonotonic = nowMonotonic;
    return elapsed;
  };
}
