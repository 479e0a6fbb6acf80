//! A few keys' values kept per thread without a lock, an allocation or
//! anything to drop, for [`super::ThisThread`]: a thread-local with
//! nothing to drop stays usable to the thread's very end (a hook may run
//! in an exit handler).

use std::cell::Cell;

/// Up to `N` keys' values, in pairs of slots: a key's bits pick its
/// pair, and a key that comes in to a full pair takes the place of the
/// one put there earlier (a cache: a miss only costs the caller's slower
/// way). Pairs, not single slots: a loop's few calls whose keys fall on
/// one slot would otherwise take it from each other at every turn (the
/// stencil benchmark's second irecv and its waitall did, in every run:
/// ~320 instructions a step, half its look-ups of call sites).
pub struct Slots<V: Copy, const N: usize> {
    slots: [Cell<Option<(u64, V)>>; N],
}

impl<V: Copy, const N: usize> Slots<V, N> {
    /// All empty.
    pub const fn new() -> Self {
        assert!(N >= 2 && N % 2 == 0, "slots come in pairs");
        Slots {
            slots: [const { Cell::new(None) }; N],
        }
    }

    /// The value kept for `key`, if it is kept.
    pub fn get(&self, key: u64) -> Option<V> {
        let [first, second] = self.pair(key);
        match first.get() {
            Some((kept, value)) if kept == key => Some(value),
            _ => match second.get() {
                Some((kept, value)) if kept == key => Some(value),
                _ => None,
            },
        }
    }

    /// Keeps `value` for `key`, first in its pair; the other of the pair
    /// is the one that was first before (unless it was `key`'s).
    pub fn put(&self, key: u64, value: V) {
        let [first, second] = self.pair(key);
        let before = first.replace(Some((key, value)));
        if before.is_some_and(|(kept, _)| kept != key) {
            second.set(before);
        }
    }

    /// The pair of `key`: return addresses and handles differ in their
    /// low bits (past the alignment a few shifts skip) and in their middle
    /// ones, folded in.
    fn pair(&self, key: u64) -> [&Cell<Option<(u64, V)>>; 2] {
        let mixed = key ^ (key >> 4) ^ (key >> 12);
        let at = (mixed % (N as u64 / 2)) as usize * 2;
        [&self.slots[at], &self.slots[at + 1]]
    }
}

impl<V: Copy, const N: usize> Default for Slots<V, N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::Slots;

    #[test]
    fn a_kept_value_comes_back_and_an_other_key_misses() {
        let slots: Slots<u32, 8> = Slots::new();
        assert_eq!(slots.get(0x401a2b), None);
        slots.put(0x401a2b, 17);
        assert_eq!(slots.get(0x401a2b), Some(17));
        assert_eq!(slots.get(0x401a2c), None);
    }

    #[test]
    fn two_keys_of_one_pair_are_both_kept() {
        let slots: Slots<u32, 2> = Slots::new();
        slots.put(1, 10);
        slots.put(3, 20);
        assert_eq!(slots.get(1), Some(10));
        assert_eq!(slots.get(3), Some(20));
    }

    #[test]
    fn a_third_key_takes_the_place_of_the_one_put_earlier() {
        let slots: Slots<u32, 2> = Slots::new();
        slots.put(1, 10);
        slots.put(3, 20);
        // Key 1 put again: key 3 is now the earlier.
        slots.put(1, 11);
        slots.put(5, 30);
        assert_eq!(slots.get(1), Some(11));
        assert_eq!(slots.get(3), None);
        assert_eq!(slots.get(5), Some(30));
    }
}
