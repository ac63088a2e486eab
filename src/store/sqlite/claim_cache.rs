//! The slots each consultant's live bookings hold from some instant on,
//! kept in memory: availability reads them on every request, and they
//! change only when that consultant's bookings do.
//!
//! Sound like the session and profile caches: the embedded store belongs to
//! one service process, every booking write goes through it and forgets the
//! consultant's entry after committing, and a read that raced a write
//! cannot cache what it saw (the generation moved on). The claims table's
//! unique key, not this copy, is what forbids double booking.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::domain::{ConsultantId, HeldSlot};

/// Consultants whose claims are kept at most.
const CAPACITY: usize = 1_000;

/// The generation observed before a database read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ticket(u64);

/// Every claimed slot of one consultant starting at or after `since`
/// (seconds since the epoch), sorted.
#[derive(Debug, Clone)]
pub(super) struct Claims {
    since: i64,
    slots: Arc<Vec<HeldSlot>>,
}

impl Claims {
    /// `slots` (sorted), all the claims from `since` on.
    pub(super) fn new(since: i64, slots: Vec<HeldSlot>) -> Self {
        Self {
            since,
            slots: Arc::new(slots),
        }
    }

    /// The claimed slots starting in `[from, to)` (seconds), if this copy
    /// covers `from`.
    pub(super) fn between(&self, from: i64, to: i64) -> Option<Vec<HeldSlot>> {
        if from < self.since {
            return None;
        }
        let start = self
            .slots
            .partition_point(|held| held.slot.timestamp() < from);
        let end = self
            .slots
            .partition_point(|held| held.slot.timestamp() < to);
        Some(self.slots[start..end.max(start)].to_vec())
    }
}

#[derive(Default)]
pub(super) struct ClaimCache {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<ConsultantId, Claims>,
    generation: u64,
}

impl ClaimCache {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The kept claims of `consultant`, or a ticket to offer what the
    /// database says.
    pub(super) fn get(&self, consultant: ConsultantId) -> Result<Claims, Ticket> {
        let state = self.state();
        state
            .entries
            .get(&consultant)
            .cloned()
            .ok_or(Ticket(state.generation))
    }

    /// Keeps claims read from the database, unless any booking changed
    /// since `ticket` was taken.
    pub(super) fn offer(&self, ticket: Ticket, consultant: ConsultantId, claims: Claims) {
        let mut state = self.state();
        if state.generation != ticket.0 {
            return;
        }
        if state.entries.len() >= CAPACITY {
            state.entries.clear();
        }
        state.entries.insert(consultant, claims);
    }

    /// Forgets `consultant`'s claims (a booking of theirs changed).
    pub(super) fn changed(&self, consultant: ConsultantId) {
        let mut state = self.state();
        state.generation += 1;
        state.entries.remove(&consultant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Slot;

    fn slot(n: i64) -> HeldSlot {
        HeldSlot {
            slot: Slot::from_timestamp(1_800_000_000 + n * 1800).unwrap(),
            buffer: n % 2 == 1,
        }
    }

    #[test]
    fn a_copy_answers_ranges_it_covers_and_a_raced_read_is_not_kept() {
        let at = |n: i64| slot(n).slot.timestamp();
        let claims = Claims::new(at(2), vec![slot(2), slot(3), slot(7)]);
        let range = |from: i64, to: i64| claims.between(at(from), at(to));
        assert_eq!(range(2, 4), Some(vec![slot(2), slot(3)]));
        assert_eq!(range(4, 9), Some(vec![slot(7)]));
        assert_eq!(range(1, 9), None, "before the copy starts");

        let cache = ClaimCache::default();
        let consultant = ConsultantId::generate();
        let ticket = cache.get(consultant).unwrap_err();
        cache.changed(consultant);
        cache.offer(ticket, consultant, claims.clone());
        assert!(cache.get(consultant).is_err());
        let ticket = cache.get(consultant).unwrap_err();
        cache.offer(ticket, consultant, claims);
        assert!(cache.get(consultant).is_ok());
        cache.changed(consultant);
        assert!(cache.get(consultant).is_err());
    }
}
