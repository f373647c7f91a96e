import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PictureBudget } from './picture-budget.js';

const settledNow = async <T>(promise: Promise<T>): Promise<boolean> => {
  let settled = false;
  void promise.then(() => (settled = true), () => (settled = true));
  // Two turns of the microtask queue are enough for an already granted reservation to resolve.
  await Promise.resolve();
  await Promise.resolve();
  return settled;
};

describe('PictureBudget', () => {
  it('a second reservation of 6 of 10 bytes waits until the first is released, then is granted', async () => {
    const budget = new PictureBudget(10);
    const first = await budget.reserve(6);
    const second = budget.reserve(6);
    expect(await settledNow(second)).toBe(false);
    first.release();
    const granted = await second;
    expect(budget.available).toBe(4);
    granted.release();
    expect(budget.available).toBe(10);
  });

  it('shrinking a reservation of 8 to the 2 bytes downloaded lets a waiting reservation of 7 in', async () => {
    const budget = new PictureBudget(10);
    const first = await budget.reserve(8);
    const second = budget.reserve(7);
    expect(await settledNow(second)).toBe(false);
    first.shrinkTo(2);
    await second;
    expect(budget.available).toBe(1);
    first.release();
    first.release();
    expect(budget.available).toBe(3);
  });

  it('grants in the order asked: a small reservation does not pass a large one that waits', async () => {
    const budget = new PictureBudget(10);
    const held = await budget.reserve(5);
    const large = budget.reserve(10);
    const small = budget.reserve(1);
    expect(await settledNow(small)).toBe(false);
    held.release();
    (await large).release();
    await small;
  });

  it('refuses a reservation larger than the whole budget, or not a whole number of bytes', async () => {
    const budget = new PictureBudget(10);
    await expect(budget.reserve(11)).rejects.toThrow(RangeError);
    await expect(budget.reserve(-1)).rejects.toThrow(RangeError);
    await expect(budget.reserve(1.5)).rejects.toThrow(RangeError);
  });

  it('any mix of reservations held at once never passes the capacity, and all are granted once released', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 16 }), { maxLength: 20 }), async (sizes) => {
        const budget = new PictureBudget(16);
        let held = 0;
        let most = 0;
        await Promise.all(
          sizes.map(async (size) => {
            const reservation = await budget.reserve(size);
            held += size;
            most = Math.max(most, held);
            await Promise.resolve();
            held -= size;
            reservation.release();
          }),
        );
        expect(most).toBeLessThanOrEqual(16);
        expect(budget.available).toBe(16);
      }),
      { numRuns: 100 },
    );
  });
});
