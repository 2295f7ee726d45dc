//! What muster says to invitees, in their language. The texts are Fluent messages, one file
//! per language under `src/i18n/locales/` (built in): `en fr es de it pt pt-BR nl`, each
//! written as a speaker of that language would write it, with the date the way that language
//! writes dates. A regional tag falls back to its base language, then English; a message
//! missing from a language is said in English.
//!
//! Pages know the language from the invitation; where there is none (a link that is not one,
//! a failure), from the browser's `Accept-Language`.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use chrono::{DateTime, Datelike, Timelike, Utc};
use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};

type Bundle = FluentBundle<FluentResource>;

/// The built-in texts, by language tag.
const BUILT_IN: [(&str, &str); 8] = [
    ("en", include_str!("locales/en.ftl")),
    ("fr", include_str!("locales/fr.ftl")),
    ("es", include_str!("locales/es.ftl")),
    ("de", include_str!("locales/de.ftl")),
    ("it", include_str!("locales/it.ftl")),
    ("pt", include_str!("locales/pt.ftl")),
    ("pt-BR", include_str!("locales/pt-BR.ftl")),
    ("nl", include_str!("locales/nl.ftl")),
];

/// Every language's messages. Parsed once; shared by every request.
pub struct Texts {
    bundles: HashMap<String, Bundle>,
    english_tag: String,
}

impl Texts {
    /// The built-in texts, parsed once for the process.
    pub fn built_in() -> &'static Self {
        static TEXTS: std::sync::LazyLock<Texts> = std::sync::LazyLock::new(Texts::parse_built_in);
        &TEXTS
    }

    /// The built-in texts, parsed anew (for an owner that may add to them).
    pub fn parse_built_in() -> Self {
        let bundles = BUILT_IN
            .iter()
            .map(|(tag, source)| {
                let bundle = bundle(tag, source).unwrap_or_else(|err| panic!("built-in texts for {tag}: {err}"));
                (tag.to_string(), bundle)
            })
            .collect();
        Self { bundles, english_tag: DEFAULT.to_owned() }
    }

    /// The built-in texts with an operator's changes (`MUSTER_MAIL_TEMPLATES`): each
    /// `{tag}.ftl` in `dir` replaces the messages it defines in that language, and a language
    /// muster has no texts for is added (what it leaves out is said in English).
    pub fn with_overrides(dir: &Path) -> anyhow::Result<Self> {
        let mut texts = Self::parse_built_in();
        let entries = std::fs::read_dir(dir).map_err(|err| anyhow::anyhow!("cannot read {}: {err}", dir.display()))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
        paths.sort();
        for path in paths.iter().filter(|path| path.extension().is_some_and(|ext| ext == "ftl")) {
            let tag = path.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default();
            let source = std::fs::read_to_string(path)
                .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?;
            let failed = |err: String| anyhow::anyhow!("{}: {err}", path.display());
            match texts.find(tag).map(str::to_owned) {
                Some(known) => {
                    let resource =
                        FluentResource::try_new(source).map_err(|(_, errors)| failed(format!("{errors:?}")))?;
                    if let Some(bundle) = texts.bundles.get_mut(&known) {
                        bundle.add_resource_overriding(resource);
                    }
                }
                None => {
                    texts.bundles.insert(tag.to_owned(), bundle(tag, &source).map_err(failed)?);
                }
            }
        }
        Ok(texts)
    }

    /// The texts of `tag`: itself, else its base language (`fr-CA` → `fr`), else English.
    pub fn language(&self, tag: &str) -> Speaker<'_> {
        self.speaker(self.nearest(tag).unwrap_or(DEFAULT))
    }

    /// The language a browser asks for (`Accept-Language: fr-CH, fr;q=0.9, en;q=0.8`): the
    /// first, by preference, that muster speaks, its base language counting; else English.
    pub fn negotiate(&self, accept_language: Option<&str>) -> Speaker<'_> {
        let mut wanted: Vec<(&str, f32)> = accept_language
            .unwrap_or_default()
            .split(',')
            .take(32)
            .filter_map(|part| {
                let mut pieces = part.split(';').map(str::trim);
                let tag = pieces.next().filter(|tag| !tag.is_empty() && *tag != "*")?;
                let weight =
                    pieces.find_map(|piece| piece.strip_prefix("q=")).map_or(Some(1.0), |q| q.parse::<f32>().ok())?;
                (weight > 0.0).then_some((tag, weight))
            })
            .collect();
        // Stable: equal weights keep the browser's order.
        wanted.sort_by(|a, b| b.1.total_cmp(&a.1));
        self.speaker(wanted.iter().find_map(|(tag, _)| self.nearest(tag)).unwrap_or(DEFAULT))
    }

    /// `tag` if muster speaks it, else its base language (`fr-CA` → `fr`).
    fn nearest(&self, tag: &str) -> Option<&str> {
        self.find(tag).or_else(|| tag.split(['-', '_']).next().and_then(|base| self.find(base)))
    }

    /// The tag muster has texts under, matched ignoring case (`pt-br` is `pt-BR`).
    fn find(&self, tag: &str) -> Option<&str> {
        self.bundles.keys().find(|known| known.eq_ignore_ascii_case(tag)).map(String::as_str)
    }

    fn speaker(&self, tag: &str) -> Speaker<'_> {
        let english = &self.bundles[DEFAULT];
        let (tag, bundle) = self.bundles.get_key_value(tag).unwrap_or((&self.english_tag, english));
        Speaker { tag, bundle, english }
    }
}

const DEFAULT: &str = "en";

fn bundle(tag: &str, source: &str) -> Result<Bundle, String> {
    let resource = FluentResource::try_new(source.to_owned()).map_err(|(_, errors)| format!("{errors:?}"))?;
    let id: unic_langid::LanguageIdentifier = tag.parse().map_err(|err| format!("{err:?}"))?;
    let mut bundle = Bundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the texts go into HTML and mail headers,
    // where the marks would show as odd characters in some clients.
    bundle.set_use_isolating(false);
    bundle.add_resource(resource).map_err(|errors| format!("{errors:?}"))?;
    Ok(bundle)
}

/// One language's voice.
pub struct Speaker<'a> {
    tag: &'a str,
    bundle: &'a Bundle,
    english: &'a Bundle,
}

impl Speaker<'_> {
    /// The language tag the texts are in (`pt-BR`), for `lang` and `Content-Language`.
    pub fn tag(&self) -> &str {
        self.tag
    }

    /// A message with its arguments; in English where this language lacks it.
    pub fn say(&self, id: &str, args: &[(&str, &str)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(*value));
        }
        self.say_with(id, &fluent_args)
    }

    fn say_with(&self, id: &str, fluent_args: &FluentArgs<'_>) -> String {
        [self.bundle, self.english]
            .into_iter()
            .find_map(|bundle| {
                let pattern = bundle.get_message(id)?.value()?;
                let mut errors = Vec::new();
                Some(bundle.format_pattern(pattern, Some(fluent_args), &mut errors).into_owned())
            })
            .unwrap_or_else(|| id.to_owned())
    }

    /// A date and time as this language writes it: `December 8, 2026 at 10:00 UTC`,
    /// `8 décembre 2026 à 10:00 UTC`, `8. Dezember 2026 um 10:00 UTC`.
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        // The day and the hour go as numbers: some languages write them by their value
        // (`1er décembre`, `l’8 dicembre`, `a la 01:00`).
        let mut args = FluentArgs::new();
        args.set("day", FluentValue::from(at.day()));
        args.set("hour", FluentValue::from(at.hour()));
        args.set("month", FluentValue::from(self.say(&format!("month-{}", at.month()), &[])));
        args.set("year", FluentValue::from(at.year().to_string()));
        args.set("time", FluentValue::from(at.format("%H:%M").to_string()));
        self.say_with("date-time", &args)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn every_language_has_every_message() {
        let english = fluent_syntax::parser::parse(BUILT_IN[0].1).unwrap();
        let ids = |resource: &fluent_syntax::ast::Resource<&str>| -> Vec<String> {
            resource
                .body
                .iter()
                .filter_map(|entry| match entry {
                    fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_owned()),
                    _ => None,
                })
                .collect()
        };
        let wanted = ids(&english);
        for (tag, source) in BUILT_IN {
            let resource =
                fluent_syntax::parser::parse(source).unwrap_or_else(|(_, errors)| panic!("{tag}: {errors:?}"));
            assert_eq!(ids(&resource), wanted, "{tag} has the messages English has, in its order");
        }
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let texts = Texts::built_in();
        let at = Utc.with_ymd_and_hms(2026, 12, 8, 10, 0, 0).unwrap();
        let written: Vec<(String, String)> = ["en", "fr", "es", "de", "it", "pt", "pt-BR", "nl"]
            .iter()
            .map(|tag| (tag.to_string(), texts.language(tag).date_time(at)))
            .collect();
        assert_eq!(
            written.iter().map(|(_, date)| date.as_str()).collect::<Vec<_>>(),
            [
                "December 8, 2026 at 10:00 UTC",
                "8 décembre 2026 à 10:00 UTC",
                "8 de diciembre de 2026 a las 10:00 UTC",
                "8. Dezember 2026 um 10:00 UTC",
                "l’8 dicembre 2026 alle 10:00 UTC",
                "8 de dezembro de 2026 às 10:00 UTC",
                "8 de dezembro de 2026 às 10:00 UTC",
                "8 december 2026 om 10:00 UTC",
            ]
        );
    }

    #[test]
    fn the_first_of_the_month_and_one_o_clock_are_written_as_they_are_said() {
        let texts = Texts::built_in();
        let at = Utc.with_ymd_and_hms(2027, 1, 1, 1, 5, 0).unwrap();
        let written: Vec<String> =
            ["fr", "es", "it", "pt", "en"].iter().map(|tag| texts.language(tag).date_time(at)).collect();
        assert_eq!(
            written,
            [
                "1er janvier 2027 à 01:05 UTC",
                "1 de enero de 2027 a la 01:05 UTC",
                "il 1º gennaio 2027 all’01:05 UTC",
                "1 de janeiro de 2027 à 01:05 UTC",
                "January 1, 2027 at 01:05 UTC",
            ]
        );
        let eleventh = Utc.with_ymd_and_hms(2027, 3, 11, 14, 0, 0).unwrap();
        assert_eq!(texts.language("it").date_time(eleventh), "l’11 marzo 2027 alle 14:00 UTC");
    }

    #[test]
    fn regional_tags_and_browsers_find_the_nearest_language() {
        let texts = Texts::built_in();
        assert_eq!(texts.language("pt-BR").tag(), "pt-BR");
        assert_eq!(texts.language("pt-br").tag(), "pt-BR");
        assert_eq!(texts.language("pt-PT").tag(), "pt");
        assert_eq!(texts.language("fr-CA").tag(), "fr");
        assert_eq!(texts.language("ja").tag(), "en");
        assert_eq!(texts.negotiate(Some("ja, de-CH;q=0.8, fr;q=0.9")).tag(), "fr");
        assert_eq!(texts.negotiate(Some("nl-BE")).tag(), "nl");
        assert_eq!(texts.negotiate(Some("es;q=0, it;q=0.1")).tag(), "it");
        assert_eq!(texts.negotiate(Some("*")).tag(), "en");
        assert_eq!(texts.negotiate(None).tag(), "en");
        assert_eq!(texts.language("de").say("join-heading", &[("org", "Acme")]), "Einladung zu Acme");
    }
}
