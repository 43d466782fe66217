/** Counts free execution slots; `acquire` resolves with a release function once one is free. */
export function createSemaphore(size: number) {
  let free = size;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  return {
    async acquire(): Promise<() => void> {
      if (free > 0) {
        free -= 1;
      } else {
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
      let released = false;
      return () => {
        if (!released) {
          released = true;
          release();
        }
      };
    },
    get inUse() {
      return size - free;
    },
  };
}
