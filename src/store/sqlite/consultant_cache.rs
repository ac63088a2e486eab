//! Consultant profiles (with their schedule and time off), kept in memory:
//! availability reads one for every request (a search across consultants,
//! the whole list), and profiles change seldom.
//!
//! Sound for the same reason as the session cache: the embedded store
//! belongs to one service process, and every change to a profile goes
//! through it and forgets the cached copy after committing. (The consultant
//! CLI, the only other writer, only adds profiles, which are read on first
//! use; the list is kept only while the table holds as many rows as it
//! does.) A read that raced a change cannot cache what it saw: any change
//! bumps the generation, and an offer from an older one is refused.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::domain::{Consultant, ConsultantId};

/// Profiles kept at most (an agency has a few dozen consultants).
const CAPACITY: usize = 1_000;

/// The generation observed before a database read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ticket(u64);

#[derive(Default)]
pub(super) struct ConsultantCache {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<ConsultantId, Consultant>,
    /// Every profile, in the store's listing order.
    listing: Option<Vec<Consultant>>,
    generation: u64,
}

impl ConsultantCache {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached profile, or a ticket to offer what the database says.
    pub(super) fn get(&self, id: ConsultantId) -> Result<Consultant, Ticket> {
        let state = self.state();
        state
            .entries
            .get(&id)
            .cloned()
            .ok_or(Ticket(state.generation))
    }

    /// Caches a profile read from the database, unless anything changed
    /// since `ticket` was taken.
    pub(super) fn offer(&self, ticket: Ticket, consultant: &Consultant) {
        let mut state = self.state();
        if state.generation != ticket.0 {
            return;
        }
        if state.entries.len() >= CAPACITY {
            state.entries.clear();
        }
        state.entries.insert(consultant.id, consultant.clone());
    }

    /// Every profile as last listed, if the table still holds `count`
    /// rows; or a ticket to offer what the database says.
    pub(super) fn list(&self, count: usize) -> Result<Vec<Consultant>, Ticket> {
        let state = self.state();
        match &state.listing {
            Some(listing) if listing.len() == count => Ok(listing.clone()),
            _ => Err(Ticket(state.generation)),
        }
    }

    /// Caches the list read from the database, unless anything changed
    /// since `ticket` was taken.
    pub(super) fn offer_list(&self, ticket: Ticket, listing: &[Consultant]) {
        let mut state = self.state();
        if state.generation == ticket.0 {
            state.listing = Some(listing.to_vec());
        }
    }

    /// Forgets `id`'s profile (it changed), and the list.
    pub(super) fn changed(&self, id: ConsultantId) {
        let mut state = self.state();
        state.generation += 1;
        state.entries.remove(&id);
        state.listing = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PersonName;

    fn consultant() -> Consultant {
        let name = PersonName::parse("Zoë").unwrap();
        Consultant::new(name, &[], &[], chrono_tz::UTC, Default::default()).unwrap()
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_cached() {
        let cache = ConsultantCache::default();
        let profile = consultant();
        let ticket = cache.get(profile.id).unwrap_err();
        cache.changed(profile.id);
        cache.offer(ticket, &profile);
        assert!(cache.get(profile.id).is_err());
        let ticket = cache.get(profile.id).unwrap_err();
        cache.offer(ticket, &profile);
        assert_eq!(cache.get(profile.id).unwrap(), profile);
        cache.changed(profile.id);
        assert!(cache.get(profile.id).is_err());
    }

    #[test]
    fn the_list_holds_until_a_change_or_another_row_count() {
        let cache = ConsultantCache::default();
        let listing = vec![consultant(), consultant()];
        let ticket = cache.list(2).unwrap_err();
        cache.offer_list(ticket, &listing);
        assert_eq!(cache.list(2).unwrap(), listing);
        // A profile added by the command line, in another process.
        assert!(cache.list(3).is_err());
        cache.changed(listing[0].id);
        assert!(cache.list(2).is_err());
        let ticket = cache.list(2).unwrap_err();
        cache.changed(listing[1].id);
        cache.offer_list(ticket, &listing);
        assert!(
            cache.list(2).is_err(),
            "a list read before a change is not kept"
        );
    }
}
