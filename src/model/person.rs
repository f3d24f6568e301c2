//! A person as git writes one: `Name <email>`.

use std::fmt;

/// A name and an email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Person {
    pub name: String,
    pub email: String,
}

impl Person {
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Person {
            name: name.into(),
            email: email.into(),
        }
    }

    /// Parses `Name <email>`; the name may be empty, the email may not.
    pub fn parse(s: &str) -> Option<Person> {
        let s = s.trim();
        let open = s.find('<')?;
        let close = s.rfind('>')?;
        if close != s.len() - 1 || close < open {
            return None;
        }
        let email = s.get(open + 1..close)?.trim();
        if email.is_empty() || email.contains(['<', '>']) {
            return None;
        }
        let name = s.get(..open)?.trim();
        Some(Person::new(name, email))
    }

    /// Whether two people share an email address (compared without regard to case).
    pub fn same_email(&self, other: &Person) -> bool {
        self.email.eq_ignore_ascii_case(&other.email)
    }
}

impl fmt::Display for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "<{}>", self.email)
        } else {
            write!(f, "{} <{}>", self.name, self.email)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_git_style_people() {
        assert_eq!(
            Person::parse(" Bo Chen <bo@example.com> "),
            Some(Person::new("Bo Chen", "bo@example.com"))
        );
        assert_eq!(
            Person::parse("<bo@example.com>"),
            Some(Person::new("", "bo@example.com"))
        );
        assert_eq!(Person::parse("Bo Chen"), None);
        assert_eq!(Person::parse("Bo <>"), None);
        assert_eq!(Person::parse("Bo <a> x"), None);
        let p = Person::new("Bo", "BO@example.com");
        assert!(p.same_email(&Person::new("x", "bo@EXAMPLE.com")));
        assert_eq!(p.to_string(), "Bo <BO@example.com>");
    }
}
