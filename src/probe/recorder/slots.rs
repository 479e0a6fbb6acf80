//! A few keys' values kept per thread without a lock, an allocation or
//! anything to drop, for [`super::ThisThread`]: a thread-local with
//! nothing to drop stays usable to the thread's very end (a hook may run
//! in an exit handler).

use std::cell::Cell;

/// Up to `N` keys' values, each key in the slot its bits pick; a key
/// that comes in takes its slot from the one there (a cache: a miss only
/// costs the caller's slower way).
pub struct Slots<V: Copy, const N: usize> {
    slots: [Cell<Option<(u64, V)>>; N],
}

impl<V: Copy, const N: usize> Slots<V, N> {
    /// All empty.
    pub const fn new() -> Self {
        Slots {
            slots: [const { Cell::new(None) }; N],
        }
    }

    /// The value kept for `key`, if it is kept.
    pub fn get(&self, key: u64) -> Option<V> {
        match self.slot(key).get() {
            Some((kept, value)) if kept == key => Some(value),
            _ => None,
        }
    }

    /// Keeps `value` for `key`.
    pub fn put(&self, key: u64, value: V) {
        self.slot(key).set(Some((key, value)));
    }

    /// The slot of `key`: return addresses and handles differ in their
    /// low bits (past the alignment a few shifts skip) and in their middle
    /// ones, folded in.
    fn slot(&self, key: u64) -> &Cell<Option<(u64, V)>> {
        let mixed = key ^ (key >> 4) ^ (key >> 12);
        &self.slots[(mixed % N as u64) as usize]
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
    fn a_key_in_the_same_slot_takes_it_over() {
        let slots: Slots<u32, 1> = Slots::new();
        slots.put(1, 10);
        slots.put(2, 20);
        assert_eq!(slots.get(1), None);
        assert_eq!(slots.get(2), Some(20));
    }
}
