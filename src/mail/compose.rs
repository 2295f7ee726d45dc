//! What an invitee reads: the subject, the plain text and the HTML of their invitation, in the
//! invitation's language. The words are Fluent messages (`mail-*` in `src/i18n/locales/`), the
//! layouts minijinja templates (`src/mail/templates/`); `MUSTER_MAIL_TEMPLATES` may replace
//! either. Everything an admin or an invitee wrote (the organization's name, the address) is
//! escaped in the HTML by the template engine, never by hand.

use std::path::Path;

use chrono::{DateTime, Utc};
use lettre::{
    Message,
    message::{
        Mailbox, MultiPart, SinglePart,
        header::{ContentType, HeaderName, HeaderValue},
    },
};
use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;

use crate::i18n::Texts;

const HTML: &str = "invitation.html";
const TEXT: &str = "invitation.txt";

/// One invitation's particulars, as its message states them.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    pub organization: &'a str,
    /// The address invited, which the message goes to.
    pub email: &'a str,
    /// The invitation's language tag.
    pub language: &'a str,
    pub link: &'a str,
    pub expires_at: DateTime<Utc>,
    /// The organization's SSO provider the invitee signs in with, where one covers the address.
    pub sso_provider: Option<&'a str>,
}

/// One part of a message, for `muster mail preview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    Subject,
    Text,
    Html,
}

/// A message ready to go out.
#[derive(Debug, Clone)]
pub struct Composed {
    /// The language it is written in (`pt-BR`; `en` for a language muster lacks).
    pub language: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The sentences a layout places, already in the invitee's language.
#[derive(Serialize)]
struct Sentences {
    subject: String,
    heading: String,
    greeting: String,
    invited: String,
    action: String,
    sso: String,
    expires: String,
    button: String,
    fallback: String,
    personal: String,
    ignore: String,
    sent_for: String,
}

pub struct Composer {
    texts: Texts,
    layouts: Environment<'static>,
}

impl Composer {
    /// The built-in texts and layouts, with what `dir` replaces. A layout or text that does not
    /// parse, or does not render a sample invitation, stops muster from starting.
    pub fn new(dir: Option<&Path>) -> anyhow::Result<Self> {
        let texts = match dir {
            Some(dir) => Texts::with_overrides(dir)?,
            None => Texts::parse_built_in(),
        };
        let mut layouts = Environment::new();
        // A misspelt variable in an operator's layout is an error, not an empty string.
        layouts.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, built_in) in
            [(HTML, include_str!("templates/invitation.html")), (TEXT, include_str!("templates/invitation.txt"))]
        {
            let source = match dir.map(|dir| dir.join(name)).filter(|path| path.exists()) {
                Some(path) => std::fs::read_to_string(&path)
                    .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?,
                None => built_in.to_owned(),
            };
            layouts
                .add_template_owned(name, source)
                .map_err(|err| anyhow::anyhow!("MUSTER_MAIL_TEMPLATES: {name}: {err}"))?;
        }
        let composer = Self { texts, layouts };
        let sample = Letter {
            organization: "Acme",
            email: "ana@acme.example",
            language: "en",
            link: "https://muster.example/invite/inv_sample",
            expires_at: Utc::now(),
            sso_provider: Some("Acme SSO"),
        };
        for sample in [sample.clone(), Letter { sso_provider: None, ..sample }] {
            composer.compose(&sample).map_err(|err| anyhow::anyhow!("MUSTER_MAIL_TEMPLATES: {err:#}"))?;
        }
        Ok(composer)
    }

    /// The message of one invitation, in its language (its base language, else English).
    pub fn compose(&self, letter: &Letter<'_>) -> anyhow::Result<Composed> {
        let says = self.texts.language(letter.language);
        let date = says.date_time(letter.expires_at);
        let org = [("org", letter.organization)];
        let sso = match letter.sso_provider {
            Some(provider) => says.say("mail-sso", &[("provider", provider), ("email", letter.email)]),
            None => String::new(),
        };
        let t = Sentences {
            subject: says.say("mail-subject", &org),
            heading: says.say("join-heading", &org),
            greeting: says.say("mail-greeting", &[]),
            invited: says.say("mail-invited", &[("org", letter.organization), ("email", letter.email)]),
            action: says.say("mail-action", &[]),
            sso,
            expires: says.say("mail-expires", &[("date", &date)]),
            button: says.say("accept-button", &[]),
            fallback: says.say("mail-fallback", &[]),
            personal: says.say("mail-personal", &[]),
            ignore: says.say("mail-ignore", &[]),
            sent_for: says.say("mail-sent-for", &org),
        };
        let values = context! {
            lang => says.tag(),
            org => letter.organization,
            email => letter.email,
            link => link_value(letter.link),
            expires => date,
            sso_provider => letter.sso_provider,
            t => &t,
        };
        let render = |name: &str| -> anyhow::Result<String> {
            let layout = self.layouts.get_template(name)?;
            layout.render(&values).map_err(|err| anyhow::anyhow!("{name}: {err}"))
        };
        Ok(Composed {
            language: says.tag().to_owned(),
            subject: t.subject.replace(['\r', '\n'], " "),
            text: render(TEXT)?,
            html: render(HTML)?,
        })
    }
}

/// The link, escaped for HTML but with its slashes kept: minijinja also escapes `/`, which is
/// harmless in an attribute but leaves `https:&#x2f;&#x2f;` in the text of the message and
/// in what mail clients show as the address.
fn link_value(link: &str) -> minijinja::Value {
    minijinja::Value::from_safe_string(crate::html::escape(link))
}

impl Composed {
    pub fn part(&self, part: Part) -> &str {
        match part {
            Part::Subject => &self.subject,
            Part::Text => &self.text,
            Part::Html => &self.html,
        }
    }

    /// The email: both parts as multipart/alternative, with the headers a mail client and a
    /// spam filter look for. `message_id` is stable for the invitation, so that a message sent
    /// twice (a node dying between the server's reply and its record) reads as one.
    pub fn message(&self, from: &Mailbox, to: &str, message_id: &str) -> anyhow::Result<Message> {
        let to: Mailbox = to.parse().map_err(|err| anyhow::anyhow!("the invited address cannot take mail: {err}"))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(self.subject.clone())
            .message_id(Some(message_id.to_owned()))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Content-Language"), self.language.clone()))
            // An automatic message (RFC 3834): out-of-office replies do not answer it.
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(self.text.clone()))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(self.html.clone())),
            )?;
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn letter<'a>(language: &'a str, sso_provider: Option<&'a str>) -> Letter<'a> {
        Letter {
            organization: "Acme <Corp> & Co",
            email: "ana@acme.example",
            language,
            link: "https://muster.example/invite/inv_abc",
            expires_at: Utc.with_ymd_and_hms(2026, 12, 8, 10, 0, 0).unwrap(),
            sso_provider,
        }
    }

    #[test]
    fn each_language_writes_its_own_message() {
        let composer = Composer::new(None).unwrap();
        let expected = [
            ("en", "Acme <Corp> & Co invites you to join them", "December 8, 2026 at 10:00 UTC"),
            ("fr", "Invitation à rejoindre Acme <Corp> & Co", "8 décembre 2026 à 10:00 UTC"),
            ("es", "Invitación para unirte a Acme <Corp> & Co", "8 de diciembre de 2026 a las 10:00 UTC"),
            ("de", "Einladung zu Acme <Corp> & Co", "8. Dezember 2026 um 10:00 UTC"),
            ("it", "Invito a unirti a Acme <Corp> & Co", "l’8 dicembre 2026 alle 10:00 UTC"),
            ("pt", "Convite para se juntar a Acme <Corp> & Co", "8 de dezembro de 2026 às 10:00 UTC"),
            ("pt-BR", "Convite para participar de Acme <Corp> & Co", "8 de dezembro de 2026 às 10:00 UTC"),
            ("nl", "Uitnodiging voor Acme <Corp> & Co", "8 december 2026 om 10:00 UTC"),
        ];
        let mut bodies = std::collections::HashSet::new();
        for (tag, subject, date) in expected {
            let composed = composer.compose(&letter(tag, None)).unwrap();
            assert_eq!((composed.language.as_str(), composed.subject.as_str()), (tag, subject));
            for body in [&composed.text, &composed.html] {
                assert!(body.contains(date), "{tag}: {body}");
                assert!(body.contains("https://muster.example/invite/inv_abc"), "{tag}");
            }
            assert!(composed.html.contains(&format!("<html lang=\"{tag}\">")));
            assert!(composed.html.contains("Acme &lt;Corp&gt; &amp; Co"), "{tag}: escaped");
            assert!(!composed.html.contains("<Corp>"), "{tag}: escaped");
            assert!(composed.text.contains("Acme <Corp> & Co"), "{tag}: plain text is not HTML");
            assert!(bodies.insert(composed.text.clone()), "{tag} has a text of its own");
        }
    }

    #[test]
    fn regional_tags_fall_back_to_their_language_then_english() {
        let composer = Composer::new(None).unwrap();
        assert_eq!(composer.compose(&letter("fr-CA", None)).unwrap().language, "fr");
        assert_eq!(composer.compose(&letter("pt-br", None)).unwrap().language, "pt-BR");
        assert_eq!(composer.compose(&letter("ja", None)).unwrap().language, "en");
    }

    #[test]
    fn single_sign_on_is_named_when_it_is_needed() {
        let composer = Composer::new(None).unwrap();
        let with = composer.compose(&letter("de", Some("Acme Entra"))).unwrap();
        assert!(with.text.contains("Sie melden sich mit Acme Entra an"), "{}", with.text);
        assert!(with.html.contains("Sie melden sich mit Acme Entra an"));
        let without = composer.compose(&letter("de", None)).unwrap();
        assert!(!without.text.contains("Single Sign-on"), "{}", without.text);
    }

    #[test]
    fn operators_replace_texts_and_layouts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fr.ftl"), "mail-subject = { $org } : votre accès\n").unwrap();
        std::fs::write(dir.path().join("invitation.txt"), "{{ t.greeting }} {{ link }} ({{ lang }})\n").unwrap();
        let composer = Composer::new(Some(dir.path())).unwrap();
        let composed = composer.compose(&letter("fr", None)).unwrap();
        assert_eq!(composed.subject, "Acme <Corp> & Co : votre accès");
        assert_eq!(composed.text, "Bonjour, https://muster.example/invite/inv_abc (fr)");
        assert!(composed.html.contains("Le lien est valable"), "the built-in HTML layout stays");

        std::fs::write(dir.path().join("invitation.html"), "{{ t.nonsense }}").unwrap();
        let refused = Composer::new(Some(dir.path())).err().unwrap().to_string();
        assert!(refused.contains("invitation.html"), "{refused}");
        std::fs::write(dir.path().join("invitation.html"), "{% if %}").unwrap();
        assert!(Composer::new(Some(dir.path())).is_err());
    }

    #[test]
    fn messages_carry_both_parts_and_their_language() {
        let composer = Composer::new(None).unwrap();
        let from: Mailbox = "Acme Invitations <invites@acme.example>".parse().unwrap();
        let message = composer
            .compose(&letter("pt-BR", None))
            .unwrap()
            .message(&from, "ana@acme.example", "<inv.abc@acme.example>")
            .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        for header in
            ["Content-Language: pt-BR", "Message-ID: <inv.abc@acme.example>", "Auto-Submitted: auto-generated"]
        {
            assert!(raw.contains(header), "{header} in {raw}");
        }
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("Date: "));
    }
}
