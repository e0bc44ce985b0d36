import { elapsedClock } from '../../../lambda/shared/elapsed-clock';

describe('elapsedClock', () => {
  function clocks() {
    const time = { wall: 1_800_000_000_000, monotonic: 5_000 };
    const read = elapsedClock(
      () => time.wall,
      () => time.monotonic,
    );
    return { time, read };
  }

  it('moves with the monotonic clock when the wall clock is set back', () => {
    const { time, read } = clocks();
    const start = read();

    time.wall -= 3_600_000;
    time.monotonic += 1_000;

    expect(read() - start).toBe(1_000);
  });

  it('moves with the wall clock when the monotonic clock stood still (a frozen container)', () => {
    const { time, read } = clocks();
    const start = read();

    time.wall += 1_800_000;
    time.monotonic += 5;

    expect(read() - start).toBe(1_800_000);
  });

  it('never goes backward, and starts where the monotonic clock stands', () => {
    const { time, read } = clocks();
    const first = read();
    time.wall -= 10;
    time.monotonic -= 10;

    expect(first).toBe(5_000);
    expect(read()).toBe(first);
  });

  it('reads one clock unchanged when both are the same clock', () => {
    let now = 42;
    const read = elapsedClock(
      () => now,
      () => now,
    );

    now += 7;

    expect(read()).toBe(49);
  });
});
