//! Where the front end's inputs come from: keys, data (a live run's event
//! batches), ticks of time, and the size of the screen. On a terminal they
//! come from threads through one channel; in a test, from a script.

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::time::{Duration, Instant};

use crate::term::keys::Key;
use crate::term::screen::Screen;

const FPS: u64 = 30;
/// How often the front end wakes when nothing happens.
pub const TICK: Duration = Duration::from_millis(1000 / FPS);

/// One input of the front end.
#[derive(Debug, Clone, PartialEq)]
pub enum Input<D> {
    Data(D),
    Key(Key),
    /// Nothing arrived for a tick: time moves on.
    Tick,
    /// Nothing more will ever arrive.
    Closed,
}

/// A source of inputs, with the clock and the screen size that go with it.
pub trait Inputs {
    type Data;
    /// The next input, waiting at most a tick for it.
    fn next(&mut self) -> Input<Self::Data>;
    /// Now, on the clock the front end runs by.
    fn now(&self) -> Instant;
    /// The size of the screen drawn on, when it can be known.
    fn size(&self) -> Option<(u16, u16)>;
}

/// A terminal's inputs: whatever the threads feeding `inputs` send, the
/// wall clock, and the terminal's size.
pub struct TerminalInputs<'s, D> {
    inputs: Receiver<Input<D>>,
    screen: &'s Screen,
}

impl<'s, D> TerminalInputs<'s, D> {
    pub fn new(inputs: Receiver<Input<D>>, screen: &'s Screen) -> Self {
        TerminalInputs { inputs, screen }
    }
}

impl<D> Inputs for TerminalInputs<'_, D> {
    type Data = D;

    fn next(&mut self) -> Input<D> {
        match self.inputs.recv_timeout(TICK) {
            Ok(input) => input,
            Err(RecvTimeoutError::Timeout) => Input::Tick,
            Err(RecvTimeoutError::Disconnected) => Input::Closed,
        }
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn size(&self) -> Option<(u16, u16)> {
        self.screen.size()
    }
}

/// A sender of `T` whose values arrive as `Input`s on `tx`.
pub fn forward<T: Send + 'static, D: Send + 'static>(
    tx: SyncSender<Input<D>>,
    wrap: fn(T) -> Input<D>,
) -> Sender<T> {
    let (t_tx, t_rx) = channel::<T>();
    std::thread::spawn(move || t_rx.into_iter().try_for_each(|t| tx.send(wrap(t))));
    t_tx
}
