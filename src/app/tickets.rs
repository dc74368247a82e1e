//! Every load is stamped with a ticket, and only the newest ticket of each part
//! is applied. Reads run concurrently and finish in any order, so without this
//! an older KPI read that happens to finish last would overwrite a newer one,
//! and the dashboard would show old news as new.

use super::msg::Part;

/// One counter for every part, so tickets are unique across the whole session
/// (a page ticket can never be mistaken for a count ticket).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tickets {
    last: u64,
    newest: [u64; Part::ALL.len()],
}

impl Tickets {
    /// A fresh ticket for a load of `part`; every earlier one of that part is stale.
    pub fn issue(&mut self, part: Part) -> u64 {
        self.last += 1;
        self.newest[part as usize] = self.last;
        self.last
    }

    /// Makes every ticket of `part` in flight stale without starting a load
    /// (e.g. the connection dropped and the answers can no longer be trusted).
    pub fn invalidate(&mut self, part: Part) {
        self.issue(part);
    }

    /// The newest ticket issued for `part` (0 before the first).
    pub fn newest(&self, part: Part) -> u64 {
        self.newest[part as usize]
    }

    /// Whether a result stamped `ticket` is still the newest of its part.
    pub fn is_current(&self, part: Part, ticket: u64) -> bool {
        ticket != 0 && self.newest(part) == ticket
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_ticket_of_each_part_is_current() {
        let mut t = Tickets::default();
        let kpis1 = t.issue(Part::Kpis);
        let count = t.issue(Part::Count);
        let kpis2 = t.issue(Part::Kpis);
        assert!(!t.is_current(Part::Kpis, kpis1));
        assert!(t.is_current(Part::Kpis, kpis2));
        assert!(
            t.is_current(Part::Count, count),
            "other parts are unaffected"
        );
        assert!(!t.is_current(Part::Count, kpis2), "tickets are not shared");
        t.invalidate(Part::Count);
        assert!(!t.is_current(Part::Count, count));
        assert!(
            !t.is_current(Part::Detail, 0),
            "nothing issued, nothing current"
        );
    }
}
