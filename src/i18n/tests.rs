//! Every locale holds the same messages with the same variables, and each
//! renders.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{TimeZone, Utc};
use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

use super::messages::source;
use super::{text, when};
use crate::domain::{Locale, Reader};

type Variables = BTreeSet<String>;

fn variables_of_inline(expression: &InlineExpression<&str>, into: &mut Variables) {
    match expression {
        InlineExpression::VariableReference { id } => {
            into.insert(id.name.to_owned());
        }
        InlineExpression::Placeable { expression } => variables_of(expression, into),
        InlineExpression::FunctionReference { arguments, .. } => {
            for argument in &arguments.positional {
                variables_of_inline(argument, into);
            }
        }
        _ => {}
    }
}

fn variables_of(expression: &Expression<&str>, into: &mut Variables) {
    match expression {
        Expression::Select { selector, variants } => {
            variables_of_inline(selector, into);
            for variant in variants {
                variables_in(&variant.value, into);
            }
        }
        Expression::Inline(inline) => variables_of_inline(inline, into),
    }
}

fn variables_in(pattern: &Pattern<&str>, into: &mut Variables) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            variables_of(expression, into);
        }
    }
}

/// Each message of `locale`'s file with the variables it uses.
fn messages(locale: Locale) -> BTreeMap<String, Variables> {
    let resource = fluent_syntax::parser::parse(source(locale))
        .unwrap_or_else(|(_, errors)| panic!("{locale:?} does not parse: {errors:?}"));
    let mut messages = BTreeMap::new();
    for entry in &resource.body {
        match entry {
            Entry::Message(message) => {
                let mut variables = Variables::new();
                if let Some(value) = &message.value {
                    variables_in(value, &mut variables);
                }
                let id = message.id.name.to_owned();
                assert!(
                    messages.insert(id.clone(), variables).is_none(),
                    "{id} twice in {locale:?}"
                );
            }
            Entry::Junk { content } => panic!("{locale:?} has junk: {content}"),
            _ => {}
        }
    }
    messages
}

#[test]
fn every_locale_has_every_message_with_the_same_variables() {
    let english = messages(Locale::En);
    assert!(english.len() > 50, "{}", english.len());
    for locale in Locale::ALL {
        let theirs = messages(locale);
        let missing: Vec<_> = english
            .keys()
            .filter(|id| !theirs.contains_key(*id))
            .collect();
        let extra: Vec<_> = theirs
            .keys()
            .filter(|id| !english.contains_key(*id))
            .collect();
        assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
        assert!(extra.is_empty(), "{locale:?} has extra {extra:?}");
        for (id, variables) in &english {
            assert_eq!(&theirs[id], variables, "variables of {id} in {locale:?}");
        }
    }
}

#[test]
fn a_message_fills_in_its_variables_and_selects_plurals() {
    let one = text(
        Locale::En,
        "what",
        &[
            ("mode", "video".into()),
            ("destination", "Azores".into()),
            ("travelers", 1.into()),
        ],
    );
    assert_eq!(one, "Video consultation about Azores, one traveller");
    let three = text(
        Locale::De,
        "what",
        &[
            ("mode", "phone".into()),
            ("destination", "Azoren".into()),
            ("travelers", 3.into()),
        ],
    );
    assert_eq!(three, "Telefonberatung zum Reiseziel Azoren, 3 Reisende");
    assert_eq!(text(Locale::Ja, "hours", &[("count", 72.into())]), "72時間");
}

#[test]
fn times_are_in_the_readers_zone_and_language() {
    let start = Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap();
    let end = start + chrono::TimeDelta::minutes(30);
    let madrid = |locale| Reader {
        locale,
        zone: chrono_tz::Europe::Madrid,
    };
    assert_eq!(
        when(madrid(Locale::Fr), start, end),
        "jeudi 3 décembre 2026, 09:00–09:30 (heure : Espagne)"
    );
    assert_eq!(
        when(madrid(Locale::Es), start, end),
        "jueves, 3 de diciembre de 2026, de 09:00 a 09:30 (hora de España)"
    );
    let tokyo = Reader {
        locale: Locale::Ja,
        zone: chrono_tz::Asia::Tokyo,
    };
    assert_eq!(
        when(tokyo, start, end),
        "2026年12月3日木曜日 17:00～17:30（日本時間）"
    );
    // 23:45 to 00:15 in Madrid: both dates.
    let late = Utc.with_ymd_and_hms(2026, 12, 3, 22, 45, 0).unwrap();
    let overnight = when(
        madrid(Locale::En),
        late,
        late + chrono::TimeDelta::minutes(30),
    );
    assert_eq!(
        overnight,
        "Thursday, December 3, 2026, 11:45\u{202f}PM to Friday, December 4, 2026, 12:15\u{202f}AM (Spain Time)"
    );
}
