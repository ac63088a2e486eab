//! What every list takes: a window of instants and a page size.

use chrono::{DateTime, Utc};

use super::{InvalidInput, parse_timestamp};

/// The `from` (inclusive) and `to` (exclusive) bounds of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// Rows at or after this instant, when given.
    pub from: Option<DateTime<Utc>>,
    /// Rows before this instant, when given.
    pub to: Option<DateTime<Utc>>,
}

/// Parses a [`Window`] from optional RFC 3339 instants; `to` must be later
/// than `from`.
pub fn parse_window(from: Option<&str>, to: Option<&str>) -> Result<Window, InvalidInput> {
    let from = from
        .map(|text| parse_timestamp(text, "from", "invalid_from"))
        .transpose()?;
    let to = to
        .map(|text| parse_timestamp(text, "to", "invalid_to"))
        .transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(InvalidInput::new(
            "to",
            "invalid_to",
            "to must be later than from",
        ));
    }
    Ok(Window { from, to })
}

/// A page size: a whole number from 1 to `max`, `default` when not given.
pub fn parse_limit(text: Option<&str>, default: usize, max: usize) -> Result<usize, InvalidInput> {
    let Some(text) = text else {
        return Ok(default);
    };
    text.parse::<usize>()
        .ok()
        .filter(|limit| (1..=max).contains(limit))
        .ok_or_else(|| {
            InvalidInput::new(
                "limit",
                "invalid_limit",
                format!("limit must be a whole number from 1 to {max}"),
            )
        })
}

/// Cuts `rows`, fetched one past a page of `limit` (to learn whether
/// another follows), to the page and the cursor of the next one (`None` on
/// the last page), which `cursor_of` makes from the page's last row.
pub fn split_page<T, C>(
    mut rows: Vec<T>,
    limit: usize,
    cursor_of: impl FnOnce(&T) -> C,
) -> (Vec<T>, Option<C>) {
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(cursor_of);
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_need_to_after_from() {
        let window = parse_window(Some("2027-03-04T00:00:00Z"), Some("2027-03-05T00:00:00Z"));
        assert!(window.unwrap().from.is_some());
        assert_eq!(parse_window(None, None), Ok(Window::default()));
        let backwards = parse_window(Some("2027-03-05T00:00:00Z"), Some("2027-03-04T00:00:00Z"));
        assert_eq!(backwards.unwrap_err().field, "to");
        assert_eq!(
            parse_window(Some("soon"), None).unwrap_err().code,
            "invalid_from"
        );
    }

    #[test]
    fn a_page_is_cut_and_points_past_its_last_row() {
        assert_eq!(
            split_page(vec![1, 2, 3], 2, |last| last * 10),
            (vec![1, 2], Some(20))
        );
        assert_eq!(
            split_page(vec![1, 2], 2, |last| last * 10),
            (vec![1, 2], None)
        );
    }

    #[test]
    fn limits_are_bounded_whole_numbers() {
        assert_eq!(parse_limit(None, 20, 100), Ok(20));
        assert_eq!(parse_limit(Some("100"), 20, 100), Ok(100));
        for bad in ["0", "101", "-1", "ten", "1.5"] {
            assert_eq!(
                parse_limit(Some(bad), 20, 100).unwrap_err().code,
                "invalid_limit"
            );
        }
    }
}
