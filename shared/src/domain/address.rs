//! Postal addresses: where an order goes and who pays for it. What a shopper types is
//! checked field by field, so a 422 names every mistake at once, and kept tidied (trimmed,
//! country and postal code in their usual case and spacing).

use serde::{Deserialize, Serialize};

use crate::domain::validation::{Checks, FieldError};

/// The longest name, street line, city or region accepted.
const MAX_LINE: usize = 200;
/// The longest postal code accepted for a country without a known shape.
const MAX_POSTAL_CODE: usize = 20;

/// A checked postal address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Who receives it.
    pub name: String,
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    /// State, province or county, where the country uses one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
}

/// An address as a client sent it, not yet checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddressInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: Option<String>,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
}

impl AddressInput {
    /// The address, checked; every refused field is named under `field` (such as
    /// `shippingAddress`), as `shippingAddress.postalCode`, or alone when `field` is empty.
    pub fn check(&self, field: &str) -> Result<Address, Vec<FieldError>> {
        let mut checks = Checks::default();
        let name = required_line(&mut checks, &self.name, field, "name");
        let line1 = required_line(&mut checks, &self.line1, field, "line1");
        let line2 = optional_line(&mut checks, self.line2.as_deref(), field, "line2");
        let city = required_line(&mut checks, &self.city, field, "city");
        let region = optional_line(&mut checks, self.region.as_deref(), field, "region");
        let country = self.country.trim().to_ascii_uppercase();
        let known_country =
            country.len() == 2 && isocountry::CountryCode::for_alpha2(&country).is_ok();
        checks.require(
            known_country,
            path(field, "country"),
            "must be an ISO 3166-1 alpha-2 country code such as US or DE",
        );
        let postal_code = if known_country {
            match postal_code(&country, &self.postal_code) {
                Ok(code) => code,
                Err(message) => {
                    checks.push(FieldError::new(path(field, "postalCode"), message));
                    String::new()
                }
            }
        } else {
            self.postal_code.trim().to_owned()
        };
        checks.finish()?;
        Ok(Address {
            name,
            line1,
            line2,
            city,
            region,
            postal_code,
            country,
        })
    }
}

impl From<&Address> for AddressInput {
    fn from(address: &Address) -> Self {
        AddressInput {
            name: address.name.clone(),
            line1: address.line1.clone(),
            line2: address.line2.clone(),
            city: address.city.clone(),
            region: address.region.clone(),
            postal_code: address.postal_code.clone(),
            country: address.country.clone(),
        }
    }
}

/// The name of `part` of the address that is `field`.
fn path(field: &str, part: &str) -> String {
    if field.is_empty() {
        part.to_owned()
    } else {
        format!("{field}.{part}")
    }
}

/// `text` trimmed, refused when empty, too long or holding control characters.
fn required_line(checks: &mut Checks, text: &str, field: &str, part: &str) -> String {
    let text = text.trim();
    checks.text_length(text, 1, MAX_LINE, path(field, part));
    checks.require(
        !text.chars().any(char::is_control),
        path(field, part),
        "must not hold control characters",
    );
    text.to_owned()
}

/// As [`required_line`], but absent or blank is `None`.
fn optional_line(
    checks: &mut Checks,
    text: Option<&str>,
    field: &str,
    part: &str,
) -> Option<String> {
    let text = text.map(str::trim).filter(|text| !text.is_empty())?;
    Some(required_line(checks, text, field, part))
}

/// `code` in `country`'s usual form, or why it cannot be a postal code there. Countries
/// whose shape is known: US, GB, DE, FR, IN, CA; any other takes any short code.
fn postal_code(country: &str, code: &str) -> Result<String, String> {
    let code = code.trim().to_ascii_uppercase();
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let digits =
        |text: &str, count: usize| text.len() == count && text.chars().all(|c| c.is_ascii_digit());
    match country {
        "US" => match code.split_once('-') {
            None if digits(&code, 5) => Ok(code),
            Some((zip, plus4)) if digits(zip, 5) && digits(plus4, 4) => Ok(code),
            _ => Err("must be a US ZIP code: 12345 or 12345-6789".into()),
        },
        "DE" | "FR" if digits(&code, 5) => Ok(code),
        "DE" | "FR" => Err(format!("must be a {country} postal code of five digits")),
        "IN" if digits(&compact, 6) && !compact.starts_with('0') => Ok(compact),
        "IN" => Err("must be an Indian PIN code: six digits, not starting with 0".into()),
        "GB" => {
            uk_postcode(&compact).ok_or_else(|| "must be a UK postcode such as SW1A 1AA".into())
        }
        "CA" => canadian_postal_code(&compact)
            .ok_or_else(|| "must be a Canadian postal code such as K1A 0B1".into()),
        _ if (1..=MAX_POSTAL_CODE).contains(&code.chars().count())
            && code
                .chars()
                .all(|c| c.is_alphanumeric() || c == ' ' || c == '-') =>
        {
            Ok(code)
        }
        _ => Err(format!(
            "must be 1 to {MAX_POSTAL_CODE} letters, digits, spaces or hyphens"
        )),
    }
}

/// A UK postcode (outward code, a space, inward code), from its letters and digits
/// without spaces: an outward code of a letter or two, a digit and an optional letter or
/// digit; an inward code of a digit and two letters.
fn uk_postcode(compact: &str) -> Option<String> {
    let bytes = compact.as_bytes();
    if !(5..=7).contains(&bytes.len()) {
        return None;
    }
    let (outward, inward) = compact.split_at(bytes.len() - 3);
    let inward_ok = matches!(inward.as_bytes(), [d, a, b]
        if d.is_ascii_digit() && a.is_ascii_uppercase() && b.is_ascii_uppercase());
    let outward_ok = match outward.as_bytes() {
        [a, d] => a.is_ascii_uppercase() && d.is_ascii_digit(),
        [a, b, c] => {
            a.is_ascii_uppercase()
                && ((b.is_ascii_digit() && c.is_ascii_alphanumeric())
                    || (b.is_ascii_uppercase() && c.is_ascii_digit()))
        }
        [a, b, d, e] => {
            a.is_ascii_uppercase()
                && b.is_ascii_uppercase()
                && d.is_ascii_digit()
                && e.is_ascii_alphanumeric()
        }
        _ => false,
    };
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

/// A Canadian postal code `A1A 1A1`, from its six characters: letters and digits
/// alternate, and D, F, I, O, Q and U are never used (nor W or Z first).
fn canadian_postal_code(compact: &str) -> Option<String> {
    let letter_ok = |c: u8| c.is_ascii_uppercase() && !b"DFIOQU".contains(&c);
    let shape_ok = match compact.as_bytes() {
        [a, b, c, d, e, f] => {
            letter_ok(*a)
                && !b"WZ".contains(a)
                && b.is_ascii_digit()
                && letter_ok(*c)
                && d.is_ascii_digit()
                && letter_ok(*e)
                && f.is_ascii_digit()
        }
        _ => false,
    };
    shape_ok.then(|| format!("{} {}", &compact[..3], &compact[3..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(country: &str, postal_code: &str) -> AddressInput {
        AddressInput {
            name: " Ada Lovelace ".into(),
            line1: "12 St James's Square".into(),
            line2: Some("  ".into()),
            city: "London".into(),
            region: None,
            postal_code: postal_code.into(),
            country: country.into(),
        }
    }

    fn refused_fields(input: &AddressInput) -> Vec<String> {
        input
            .check("shippingAddress")
            .expect_err("refused")
            .into_iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn an_address_is_kept_tidied() {
        let address = input("gb", "sw1a1aa").check("shippingAddress").unwrap();
        assert_eq!(address.name, "Ada Lovelace");
        assert_eq!(address.line2, None);
        assert_eq!(address.country, "GB");
        assert_eq!(address.postal_code, "SW1A 1AA");
    }

    #[test]
    fn postal_codes_take_each_countrys_shape() {
        for (country, code, kept) in [
            ("US", "94105", "94105"),
            ("US", "94105-1234", "94105-1234"),
            ("GB", "M1 1AE", "M1 1AE"),
            ("GB", "B33 8TH", "B33 8TH"),
            ("GB", "CR2 6XH", "CR2 6XH"),
            ("GB", "DN55 1PT", "DN55 1PT"),
            ("GB", "W1A 0AX", "W1A 0AX"),
            ("DE", "10115", "10115"),
            ("FR", "75001", "75001"),
            ("IN", "110 001", "110001"),
            ("CA", "k1a0b1", "K1A 0B1"),
            ("JP", "100-0001", "100-0001"),
        ] {
            let address = input(country, code).check("a").unwrap();
            assert_eq!(address.postal_code, kept, "{country} {code}");
        }
        for (country, code) in [
            ("US", "9410"),
            ("US", "94105-12"),
            ("US", "ABCDE"),
            ("GB", "12345"),
            ("GB", "SW1A 1A"),
            ("DE", "1011"),
            ("FR", "750011"),
            ("IN", "011001"),
            ("IN", "11001"),
            ("CA", "D1A 0B1"),
            ("CA", "K1A 0B"),
            ("JP", ""),
            ("JP", "<script>"),
        ] {
            assert_eq!(
                refused_fields(&input(country, code)),
                ["shippingAddress.postalCode"],
                "{country} {code}"
            );
        }
    }

    #[test]
    fn every_wrong_field_is_named() {
        let wrong = AddressInput {
            name: String::new(),
            line1: "a\u{0}b".into(),
            line2: Some("x".repeat(201)),
            city: " ".into(),
            region: None,
            postal_code: "12345".into(),
            country: "XX".into(),
        };
        assert_eq!(
            refused_fields(&wrong),
            [
                "shippingAddress.name",
                "shippingAddress.line1",
                "shippingAddress.line2",
                "shippingAddress.city",
                "shippingAddress.country",
            ]
        );
    }
}
