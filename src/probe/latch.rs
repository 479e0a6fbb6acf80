//! A value set once by one thread and waited for, asleep, by others: the
//! job's start, completed in the background, and what waits for it.

use std::sync::{Condvar, Mutex, OnceLock};

/// Empty until set, then set for good.
pub struct Latch<T> {
    value: OnceLock<T>,
    lock: Mutex<()>,
    changed: Condvar,
}

impl<T> Default for Latch<T> {
    fn default() -> Self {
        Latch {
            value: OnceLock::new(),
            lock: Mutex::new(()),
            changed: Condvar::new(),
        }
    }
}

impl<T> Latch<T> {
    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// Sets the value, unless it was set already (then `value` is dropped),
    /// and wakes whoever waits for it.
    pub fn set(&self, value: T) {
        let _ = self.value.set(value);
        self.wake();
    }

    /// The value, made by `make` here if not set yet.
    pub fn get_or_init(&self, make: impl FnOnce() -> T) -> &T {
        let value = self.value.get_or_init(make);
        self.wake();
        value
    }

    /// The value, waiting (asleep) until it is set.
    pub fn wait(&self) -> &T {
        if let Some(value) = self.value.get() {
            return value;
        }
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            // Looked at under the lock, which `wake` takes after setting:
            // a value set after this look is announced after the wait began.
            if let Some(value) = self.value.get() {
                return value;
            }
            guard = self.changed.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn wake(&self) {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_waiter_gets_the_value_set_on_another_thread() {
        let latch = Arc::new(Latch::default());
        let setter = latch.clone();
        let waiter = std::thread::spawn(move || *latch.wait());
        std::thread::sleep(std::time::Duration::from_millis(10));
        setter.set(7);
        assert_eq!(waiter.join().unwrap(), 7);
        setter.set(8);
        assert_eq!(setter.get(), Some(&7), "set once, for good");
    }
}
