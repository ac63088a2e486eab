//! Each consultant's live bookings from some instant on, and when they were
//! last booked, kept in memory: "any consultant" bookings rank every
//! candidate by them on every request, and counting each candidate's week
//! in SQL was most of what such a booking added to a named one.
//!
//! Exact like the claims: every booking write goes through this store and,
//! after committing, either adds the booking it inserted or forgets the
//! consultants whose bookings it changed otherwise. A read races writes:
//! it is kept only if nothing but inserts happened since it began, and
//! those inserts (remembered for a while) are added to it; adding is
//! idempotent, so an insert the read already saw is not counted twice.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::DateTime;

use crate::domain::{Booking, BookingId, ConsultantId, ConsultantLoad};

/// Consultants whose bookings are kept at most.
const CAPACITY: usize = 1_000;
/// Inserts remembered for reads that raced them.
const RECENT_INSERTS: usize = 4_096;

/// The generation observed before a database read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ticket(u64);

/// One consultant's live bookings starting at or after `since`, and the
/// creation of their latest booking of any status (milliseconds).
#[derive(Debug, Clone)]
pub(super) struct LiveBookings {
    since: i64,
    starts: Vec<(i64, BookingId)>,
    last_booked: Option<i64>,
}

impl LiveBookings {
    /// What a read found: every live booking starting from `since` on.
    pub(super) fn new(
        since: i64,
        mut starts: Vec<(i64, BookingId)>,
        last_booked: Option<i64>,
    ) -> Self {
        starts.sort_unstable();
        Self {
            since,
            starts,
            last_booked,
        }
    }

    /// `consultant`'s load over `[from, to)` (milliseconds), counting the
    /// live bookings this copy holds: all of them if it covers `from`.
    pub(super) fn load(&self, consultant: ConsultantId, from: i64, to: i64) -> ConsultantLoad {
        let start = self.starts.partition_point(|&(at, _)| at < from);
        let end = self.starts.partition_point(|&(at, _)| at < to);
        ConsultantLoad {
            consultant_id: consultant,
            live_nearby: end.saturating_sub(start) as u64,
            last_booked_at: self.last_booked.and_then(DateTime::from_timestamp_millis),
        }
    }

    fn covers(&self, from: i64) -> bool {
        from >= self.since
    }

    fn add(&mut self, insert: &Insert) {
        self.last_booked = self.last_booked.max(Some(insert.created_at));
        if insert.start < self.since {
            return;
        }
        let key = (insert.start, insert.booking);
        if let Err(at) = self.starts.binary_search(&key) {
            self.starts.insert(at, key);
        }
    }
}

/// A committed insert, remembered with the generation it made.
#[derive(Debug, Clone, Copy)]
struct Insert {
    generation: u64,
    consultant: ConsultantId,
    booking: BookingId,
    start: i64,
    created_at: i64,
}

#[derive(Default)]
pub(super) struct LoadCache {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<ConsultantId, LiveBookings>,
    generation: u64,
    /// The generation of the last change other than an insert.
    last_forgotten: u64,
    recent: VecDeque<Insert>,
}

impl LoadCache {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `consultant`'s load over `[from, to)` (milliseconds) from memory, or
    /// a ticket to offer what the database says.
    pub(super) fn load(
        &self,
        consultant: ConsultantId,
        from: i64,
        to: i64,
    ) -> Result<ConsultantLoad, Ticket> {
        let state = self.state();
        match state.entries.get(&consultant) {
            Some(kept) if kept.covers(from) => Ok(kept.load(consultant, from, to)),
            _ => Err(Ticket(state.generation)),
        }
    }

    /// Keeps what a read begun at `ticket` found, with the inserts
    /// committed since, unless something else changed since.
    pub(super) fn offer(&self, ticket: Ticket, consultant: ConsultantId, mut found: LiveBookings) {
        let mut state = self.state();
        let remembered_from = state
            .recent
            .front()
            .map_or(state.generation + 1, |insert| insert.generation);
        if state.last_forgotten > ticket.0 || remembered_from > ticket.0 + 1 {
            return;
        }
        state
            .recent
            .iter()
            .filter(|insert| insert.generation > ticket.0 && insert.consultant == consultant)
            .for_each(|insert| found.add(insert));
        if state.entries.len() >= CAPACITY {
            state.entries.clear();
        }
        state.entries.insert(consultant, found);
    }

    /// Adds a booking just inserted to its consultant's copy.
    pub(super) fn booked(&self, booking: &Booking) {
        self.inserted(
            booking.consultant_id,
            booking.id,
            booking.appointment.start().timestamp_millis(),
            booking.created_at.timestamp_millis(),
        );
    }

    fn inserted(&self, consultant: ConsultantId, booking: BookingId, start: i64, created_at: i64) {
        let mut state = self.state();
        state.generation += 1;
        let insert = Insert {
            generation: state.generation,
            consultant,
            booking,
            start,
            created_at,
        };
        if state.recent.len() >= RECENT_INSERTS {
            state.recent.pop_front();
        }
        state.recent.push_back(insert);
        if let Some(kept) = state.entries.get_mut(&consultant) {
            kept.add(&insert);
        }
    }

    /// Forgets `consultant`'s copy (a booking of theirs changed).
    pub(super) fn changed(&self, consultant: ConsultantId) {
        let mut state = self.state();
        state.generation += 1;
        state.last_forgotten = state.generation;
        state.entries.remove(&consultant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn live(cache: &LoadCache, consultant: ConsultantId, from: i64, to: i64) -> Option<u64> {
        cache
            .load(consultant, from, to)
            .ok()
            .map(|load| load.live_nearby)
    }

    #[test]
    fn a_kept_copy_counts_its_window_and_takes_each_insert_once() {
        let (cache, connie) = (LoadCache::default(), ConsultantId::generate());
        let (first, second) = (BookingId::generate(), BookingId::generate());
        let ticket = cache.load(connie, 10 * HOUR, 20 * HOUR).unwrap_err();
        cache.offer(
            ticket,
            connie,
            LiveBookings::new(0, vec![(12 * HOUR, first)], Some(5)),
        );
        assert_eq!(live(&cache, connie, 10 * HOUR, 20 * HOUR), Some(1));
        assert_eq!(live(&cache, connie, 12 * HOUR + 1, 20 * HOUR), Some(0));
        assert_eq!(
            live(&cache, connie, -1, 20 * HOUR),
            None,
            "before the copy starts"
        );

        cache.inserted(connie, second, 15 * HOUR, 7);
        cache.inserted(connie, second, 15 * HOUR, 7);
        assert_eq!(live(&cache, connie, 10 * HOUR, 20 * HOUR), Some(2));
        let load = cache.load(connie, 0, 20 * HOUR).unwrap();
        assert_eq!(load.last_booked_at, DateTime::from_timestamp_millis(7));

        cache.changed(connie);
        assert_eq!(live(&cache, connie, 10 * HOUR, 20 * HOUR), None);
    }

    #[test]
    fn a_read_that_raced_inserts_gets_them_once_and_one_that_raced_a_change_is_not_kept() {
        let (cache, connie, other) = (
            LoadCache::default(),
            ConsultantId::generate(),
            ConsultantId::generate(),
        );
        let (seen, unseen) = (BookingId::generate(), BookingId::generate());
        let ticket = cache.load(connie, 0, 10 * HOUR).unwrap_err();
        cache.inserted(connie, seen, HOUR, 1);
        cache.inserted(connie, unseen, 2 * HOUR, 2);
        cache.inserted(other, BookingId::generate(), HOUR, 3);
        // The read saw the first insert only.
        cache.offer(
            ticket,
            connie,
            LiveBookings::new(0, vec![(HOUR, seen)], Some(1)),
        );
        assert_eq!(live(&cache, connie, 0, 10 * HOUR), Some(2));

        let ticket = cache.load(other, 0, 10 * HOUR).unwrap_err();
        cache.changed(connie);
        cache.offer(ticket, other, LiveBookings::new(0, vec![], None));
        assert_eq!(live(&cache, other, 0, 10 * HOUR), None);
    }

    #[test]
    fn a_read_older_than_the_remembered_inserts_is_not_kept() {
        let (cache, connie) = (LoadCache::default(), ConsultantId::generate());
        let ticket = cache.load(connie, 0, HOUR).unwrap_err();
        for at in 0..=RECENT_INSERTS as i64 {
            cache.inserted(ConsultantId::generate(), BookingId::generate(), at, at);
        }
        cache.offer(ticket, connie, LiveBookings::new(0, vec![], None));
        assert_eq!(live(&cache, connie, 0, HOUR), None);
    }
}
